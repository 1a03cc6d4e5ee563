#!/usr/bin/env python3
"""Cross-language check of Choros signed operations (IDENTITY.md), written independently of
the Swift code: RFC 8785 canonical JSON (integer subset), BLAKE2b-256 (hashlib), Ed25519
(PyNaCl).

  cross_check.py verify FILE             verify envelopes the Swift code produced
  cross_check.py produce FILE SEED COUNT  write envelopes for the Swift code to verify

Each line of FILE is {"envelope": {...}, "canonical_hex": "..."}, where canonical_hex is the
producer's canonical bytes of the whole envelope: both sides must produce the same bytes.
"""
import hashlib
import json
import sys

import nacl.exceptions
import nacl.signing

SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def jcs_string(text):
    out = []
    for character in text:
        if character in SHORT_ESCAPES:
            out.append(SHORT_ESCAPES[character])
        elif ord(character) < 0x20:
            out.append("\\u%04x" % ord(character))
        else:
            out.append(character)
    return '"' + "".join(out) + '"'


def canonical(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if abs(value) > 2**53 - 1:
            raise ValueError("integer out of range")
        return str(value)
    if isinstance(value, float):
        raise ValueError("floats are not allowed in signed payloads")
    if isinstance(value, str):
        return jcs_string(value)
    if isinstance(value, list):
        return "[" + ",".join(canonical(item) for item in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: key.encode("utf-16-be"))
        return "{" + ",".join(jcs_string(key) + ":" + canonical(value[key]) for key in keys) + "}"
    raise ValueError("unsupported type %r" % type(value))


def canonical_bytes(value):
    return canonical(value).encode("utf-8")


def blake2b256(data):
    return hashlib.blake2b(data, digest_size=32).hexdigest()


def signed_payload(envelope):
    return {key: envelope[key] for key in ("v", "type", "author", "ts", "prev", "body")}


def verify(path):
    count = 0
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            record = json.loads(line)
            envelope = record["envelope"]
            if canonical_bytes(envelope).hex() != record["canonical_hex"]:
                sys.exit("line %d: canonical bytes differ from the producer's" % number)
            without_id = {key: value for key, value in envelope.items() if key != "op_id"}
            if "op_" + blake2b256(canonical_bytes(without_id)) != envelope["op_id"]:
                sys.exit("line %d: op_id does not recompute" % number)
            public_key = bytes.fromhex(envelope["author"][len("mnk_"):])
            try:
                nacl.signing.VerifyKey(public_key).verify(
                    canonical_bytes(signed_payload(envelope)), bytes.fromhex(envelope["sig"])
                )
            except nacl.exceptions.BadSignatureError:
                sys.exit("line %d: signature does not verify" % number)
            count += 1
    print("verified %d envelopes" % count)


def produce(path, seed_hex, count):
    key = nacl.signing.SigningKey(bytes.fromhex(seed_hex))
    author = "mnk_" + key.verify_key.encode().hex()
    with open(path, "w", encoding="utf-8") as out:
        for index in range(count):
            body = {
                "key": "py-%d" % index,
                "domain": "practice/interop",
                "slug": "entry-%d" % index,
                "body": "line one\nline \"two\" \\ tab\t é € 😀 \u2028 \u0001 %d" % index,
                "tags": ["a, b", "[x]", "ü"],
                "extra": {"n": -(2**53 - 1) + index, "z": [True, False, None], "\ufb33": 1, "\u20ac": 2},
            }
            envelope = {"v": 1, "type": "entry.commit", "author": author, "ts": 1718000000000 + index,
                        "prev": [], "body": body}
            envelope["sig"] = key.sign(canonical_bytes(envelope)).signature.hex()
            envelope["op_id"] = "op_" + blake2b256(canonical_bytes(envelope))
            out.write(json.dumps({"envelope": envelope, "canonical_hex": canonical_bytes(envelope).hex()},
                                 ensure_ascii=True) + "\n")
    print("produced %d envelopes by %s" % (count, author))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "verify":
        verify(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "produce":
        produce(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(__doc__)
