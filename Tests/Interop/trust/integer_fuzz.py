#!/usr/bin/env python3
"""Sends 2^63 and 2^64-1 in every integer field of every RPC request (TRUST.md, issue 15:
no traps on input), straight to each daemon's own socket as the service user, against a
deployment started with `choros up`.

The request schema comes from the .proto files themselves (protoc's descriptor set), so a
field added later is fuzzed without touching this script. Each request is written by hand
on the wire, field by field, because the values do not fit a 32-bit field's type in any
protobuf library: the daemon's decoder sees exactly what an attacker could send.

For 64-bit fields (and signed 32-bit ones, where these bits read negative) the daemon must
answer INVALID_ARGUMENT naming the field. Unsigned 32-bit fields truncate in every protobuf
decoder (2^63 reads 0, 2^64-1 reads 4294967295): there the daemon must answer without
INTERNAL. Every daemon must keep its pid through the whole run.

Usage: integer_fuzz.py --bin .build/debug
"""
import argparse
import os
import socket
import struct
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, "..", "..", ".."))
sys.path.insert(0, os.path.join(here, ".."))
from deployment import Deployment, Failure, check  # noqa: E402

SOCKETS = {
    "Store": "store", "Audit": "audit", "Index": "index", "Airlock": "airlock", "Admin": "admin",
    "Gateway": "gateway", "Supervisor": "supervisor", "Health": None,
}
VALUES = [2**63, 2**64 - 1]
FD = descriptor_pb2.FieldDescriptorProto
SIXTY_FOUR = {FD.TYPE_INT64, FD.TYPE_UINT64, FD.TYPE_SINT64}
SIGNED_32 = {FD.TYPE_INT32}
UNSIGNED_32 = {FD.TYPE_UINT32}
CODES = {0: "OK", 3: "INVALID_ARGUMENT", 13: "INTERNAL", 14: "UNAVAILABLE"}


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


def key(number, wire_type):
    return varint((number << 3) | wire_type)


def load_schema():
    with tempfile.TemporaryDirectory() as scratch:
        output = os.path.join(scratch, "all.pb")
        protos = sorted(os.path.join("protos/choros/v1", name) for name in os.listdir(os.path.join(root, "protos/choros/v1")))
        subprocess.run(["protoc", "-Iprotos", "--include_imports", f"--descriptor_set_out={output}", *protos],
                       cwd=root, check=True)
        descriptor_set = descriptor_pb2.FileDescriptorSet()
        descriptor_set.ParseFromString(open(output, "rb").read())
    messages, services = {}, []
    for file in descriptor_set.file:
        package = file.package

        def walk(prefix, message):
            messages[f"{prefix}.{message.name}"] = message
            for nested in message.nested_type:
                walk(f"{prefix}.{message.name}", nested)

        for message in file.message_type:
            walk(f".{package}", message)
        for service in file.service:
            for method in service.method:
                services.append((service.name, f"/{package}.{service.name}/{method.name}", method.input_type))
    return messages, services


def integer_paths(messages, type_name, depth=0):
    """Every (path of field numbers, leaf type, dotted name) reaching an integer field."""
    message = messages[type_name]
    for field in message.field:
        if field.type in SIXTY_FOUR | SIGNED_32 | UNSIGNED_32:
            yield [field.number], field.type, field.name
        elif field.type == FD.TYPE_MESSAGE and depth < 4:
            for path, leaf, name in integer_paths(messages, field.type_name, depth + 1):
                yield [field.number] + path, leaf, f"{field.name}.{name}"


def encode(path, value):
    """The request bytes holding `value` at `path`, nested messages length-delimited."""
    body = key(path[-1], 0) + varint(value)
    for number in reversed(path[:-1]):
        body = key(number, 2) + varint(len(body)) + body
    return body


def frame(call_id, method, payload):
    body = (key(1, 0) + varint(call_id) + key(2, 0) + varint(1) + key(3, 2) + varint(len(method.encode()))
            + method.encode() + key(4, 2) + varint(len(payload)) + payload + key(7, 0) + varint(10000))
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
    fields, offset = {}, 0
    while offset < len(data):
        tag, offset = read_varint(data, offset)
        number, wire_type = tag >> 3, tag & 7
        if wire_type == 0:
            value, offset = read_varint(data, offset)
        else:
            length, offset = read_varint(data, offset)
            value, offset = data[offset:offset + length], offset + length
        fields.setdefault(number, []).append(value)
    return fields


class Connection:
    def __init__(self, path):
        self.path = path
        self.sock = None
        self.call_id = 0

    def call(self, method, payload):
        if self.sock is None:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(30)
            self.sock.connect(self.path)
        self.call_id += 1
        self.sock.sendall(frame(self.call_id, method, payload))
        (length,) = struct.unpack(">I", self.exactly(4))
        response = parse(self.exactly(length))
        status = parse(response.get(5, [b""])[0])
        self.payload = response.get(4, [b""])[0]
        return status.get(1, [0])[0], status.get(2, [b""])[0].decode(errors="replace")

    def exactly(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise Failure(f"{self.path} closed the connection")
            data += chunk
        return data


def health_pid(path):
    connection = Connection(path)
    code, message = connection.call("/choros.v1.Health/Check", b"")
    check(code == 0, f"{path} does not answer Health: {message}")
    return parse(connection.payload).get(5, [0])[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    arguments = parser.parse_args()
    messages, services = load_schema()
    deployment = Deployment(arguments.bin, floor_seconds=120)
    run = os.path.join(deployment.data, "run")
    try:
        sockets = {name: os.path.join(run, f"{file}.sock") for name, file in SOCKETS.items() if file}
        pids = {name: health_pid(path) for name, path in sockets.items()}
        sent = refused = 0
        for service, method, input_type in services:
            targets = [sockets[service]] if service in sockets else list(sockets.values())
            for path in targets:
                connection = Connection(path)
                for field_path, leaf, name in integer_paths(messages, input_type):
                    for value in VALUES:
                        code, message = connection.call(method, encode(field_path, value))
                        sent += 1
                        where = f"{method} {name} = {value} on {os.path.basename(path)}"
                        check(code not in (13, 14), f"{where}: {CODES.get(code, code)} {message}")
                        if leaf in UNSIGNED_32:
                            continue
                        check(code == 3, f"{where}: expected INVALID_ARGUMENT, got {CODES.get(code, code)} {message}")
                        check(name.split(".")[-1] in message, f"{where}: the refusal does not name the field: {message}")
                        refused += 1
        for name, path in sockets.items():
            check(health_pid(path) == pids[name], f"choros-{SOCKETS[name]} restarted during the run")
        print(f"integer fuzz: {sent} requests over {len(services)} methods, {refused} refused as INVALID_ARGUMENT, "
              f"{len(sockets)} daemons kept their pids")
        print("1 passed, 0 failed")
    except Failure as failure:
        print(f"integer fuzz: FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
    finally:
        deployment.stop()


if __name__ == "__main__":
    main()
