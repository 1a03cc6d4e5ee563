#!/usr/bin/env python3
"""Builds the C interop client (protoc-c + libprotobuf-c + libsodium) and runs it against a
real deployment: handshake, canon state, one signed kip_commit. Then checks, through
choros-admin, that the audit log holding the C client's envelope verifies.

Usage: run_c_client.py --bin .build/debug
"""
import argparse
import json
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, ".."))
from deployment import Deployment, Failure, check  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    arguments = parser.parse_args()
    client = subprocess.run([os.path.join(here, "build.sh")], capture_output=True, text=True, check=True)
    binary = client.stdout.strip().splitlines()[-1]
    deployment = Deployment(arguments.bin, floor_seconds=120)
    try:
        added = json.loads(deployment.run("choros-admin", "instance", "add", "cclient", "--json").stdout)
        socket = os.path.join(deployment.data, "run", "gateway.sock")
        run = subprocess.run([binary, socket, added["key_file"]], capture_output=True, text=True, timeout=60)
        check(run.returncode == 0, f"the C client failed: {run.stderr}")
        lines = run.stdout.splitlines()
        check(lines[0] == "bound cclient", f"handshake: {lines}")
        check(lines[1].startswith("canon ") and " seq 0 " in lines[1], f"canon state: {lines}")
        check(lines[2].startswith("committed interop/from-c.md ") and lines[2].endswith(" by cclient"), f"commit: {lines}")
        verified = json.loads(deployment.run("choros-admin", "verify", "--json").stdout)
        check(verified.get("ok") is True, f"audit verifies with the C client's envelope: {verified}")
        print("\n".join(lines))
    except Failure as failure:
        print(f"c interop: FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
    finally:
        deployment.stop()
    print("c interop: ok")


if __name__ == "__main__":
    main()
