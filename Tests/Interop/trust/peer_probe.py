"""Knocks on Choros sockets the way an instance with a shell could: connect, send one
Health/Check request frame, and print one JSON line per socket with what happened.

Written against the wire by hand (WIRE.md: a big-endian uint32 length, then a serialized
choros.v1.Frame) so it needs nothing but the standard library and runs as any user.
"""

import json
import socket
import struct
import sys


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, wire_type, payload):
    key = varint((number << 3) | wire_type)
    if wire_type == 0:
        return key + varint(payload)
    return key + varint(len(payload)) + payload


def request_frame(method):
    # Frame{call_id = 1, kind = REQUEST (1), method, timeout_ms = 5000}
    body = field(1, 0, 1) + field(2, 0, 1) + field(3, 2, method.encode()) + field(7, 0, 5000)
    return struct.pack(">I", len(body)) + body


def read_varint(data, offset):
    shift = result = 0
    while True:
        byte = data[offset]
        offset += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, offset


def parse(data):
    """Field number → list of values (ints for varints, bytes for length-delimited)."""
    fields = {}
    offset = 0
    while offset < len(data):
        key, offset = read_varint(data, offset)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, offset = read_varint(data, offset)
        elif wire_type == 2:
            length, offset = read_varint(data, offset)
            value, offset = data[offset : offset + length], offset + length
        else:
            raise ValueError(f"unexpected wire type {wire_type}")
        fields.setdefault(number, []).append(value)
    return fields


def read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed before a full frame")
        data += chunk
    return data


def knock(path, method="/choros.v1.Health/Check"):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    try:
        sock.connect(path)
    except OSError as error:
        return {"socket": path, "connected": False, "errno": error.errno}
    try:
        sock.sendall(request_frame(method))
        (length,) = struct.unpack(">I", read_exactly(sock, 4))
        frame = parse(read_exactly(sock, length))
        status = parse(frame.get(5, [b""])[0])
        code = status.get(1, [0])[0]
        message = status.get(2, [b""])[0].decode()
        return {"socket": path, "connected": True, "code": code, "message": message}
    except (OSError, ConnectionError) as error:
        return {"socket": path, "connected": True, "code": -1, "message": str(error)}
    finally:
        sock.close()


if __name__ == "__main__":
    # `--method PATH` first: the method to call instead of Health/Check.
    arguments = sys.argv[1:]
    method = "/choros.v1.Health/Check"
    if arguments[:1] == ["--method"]:
        method, arguments = arguments[1], arguments[2:]
    for path in arguments:
        print(json.dumps(knock(path, method)), flush=True)
