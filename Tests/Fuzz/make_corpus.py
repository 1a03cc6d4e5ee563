#!/usr/bin/env python3
"""Writes the seed corpora of choros-fuzz's targets (Tests/Fuzz/corpus/<target>/). Run once;
the corpora are committed and grow with what fuzz runs find (scripts/fuzz merges them)."""
import hashlib
import os
import struct

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def varint(n):
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out


def field(number, wire, payload):
    key = varint((number << 3) | wire)
    if wire == 0:
        return key + varint(payload)
    return key + varint(len(payload)) + payload


def frame(body):
    return struct.pack(">I", len(body)) + body


seeds = {
    "frames": [
        frame(field(1, 0, 7) + field(2, 0, 1) + field(3, 2, b"/choros.v1.Gateway/Hello") + field(4, 2, b"\x0a\x04abcd")),
        frame(b""),
        frame(field(1, 0, 2**64 - 1)),
        frame(field(3, 2, b"/choros.v1.Store/Commit")) * 3,
        struct.pack(">I", 0xFFFFFFFF) + b"x" * 8,
        struct.pack(">I", 12) + b"\xff" * 12,
        b"\x00\x00",
    ],
    "json": [
        b'{"a":1,"b":[true,false,null],"c":{"d":"e"}}',
        b'{"body":{"changes":"ab","ref":"refs/cap/x"},"ts":1700000000000,"v":1}',
        b'"\\u00e9\\ud83d\\ude00"',
        b"[1e400, -0, 0.5, 9007199254740993]",
        b'{"a":1,"a":2}',
        b"   [  ]  ",
        b'{"\\u0000":"\\t"}',
    ],
    "entry": [
        b"---\ntype: kno\ntitle: Tides\n---\n\nTides follow the moon.\n",
        b"---\ntype: kno\ntitle: \"Quoted: title\"\nsupersedes: [practice/tide.md, practice/moon.md]\n"
        b"coordinates:\n  - a\n  - b\nhorizon: after the land\nthread: t1\n---\n\nBody with --- inside.\n",
        b"---\ntype: msg\nrecipients: [bob]\nsubject: hi\nfrom: alice\n---\n\nMessage.\n",
        b"no front matter at all",
        b"---\nunterminated: front matter\n",
        b"---\nkey: 'single quoted'\nlist: []\nempty:\n---\n",
    ],
    "handshake": [
        bytes([0]) + b"\x01" * 64 + bytes([2]) + bytes([3]) + bytes([0]),
        bytes([0]) + b"\x02" * 64 + bytes([1]) + b"\x00" * 64,
        bytes([1, 3, 0]),
        bytes([0, 0, 2, 2, 3]) + b"\xff" * 70,
    ],
    "config": [
        b'data_dir = "/var/lib/choros"\nlog_level = "debug"\n',
        b'airlock_floor_s = 120\nairlock_ceiling_s = 7200\nbackup_dirs = ["/tmp/b"]\n',
        b'search_score_floor = 0.25\ntool_names = "both"\n[embedding]\nurl = "http://127.0.0.1:1"\n',
        b"airlock_floor_s = 9223372036854775807\n",
        b'practitioner_uid = -1\nunknown_key = "x"\n',
        b"= broken\n[[[",
    ],
}

for target, inputs in seeds.items():
    directory = os.path.join(root, target)
    os.makedirs(directory, exist_ok=True)
    for data in inputs:
        with open(os.path.join(directory, hashlib.sha1(data).hexdigest()), "wb") as out:
            out.write(data)
