#!/usr/bin/env python3
"""How fast the cockpit's pages are (issue 18, a measurement, not a test): a deployment where
an instance proposed N entries through choros-mcp; the cockpit's proposal page and overview
are fetched repeatedly over loopback and their latencies printed (median / p90 / max). Run it
on a release build; it is not part of the test command.

Usage: speed.py --bin .build/release [--entries 200] [--rounds 30]
"""
import argparse
import asyncio
import http.client
import json
import os
import statistics
import sys
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from browser import Cockpit, call  # noqa: E402
from deployment import Deployment, check  # noqa: E402


async def propose(deployment, entries):
    added = json.loads(deployment.run("choros-admin", "instance", "add", "alice", "--json").stdout)
    params = StdioServerParameters(command=deployment.cmd("choros-mcp"),
                                   args=["--key", added["key_file"], "--data-dir", deployment.data])
    async with stdio_client(params) as (read, write), ClientSession(read, write) as a:
        await a.initialize()
        await call(a, "propose", {"proposal_id": "seed", "domain": "notes", "slug": "tides",
                                  "body": "Tides follow the moon.", "op_id": "s1"})
        await call(a, "propose", {"proposal_id": "seed", "domain": "meta/log", "slug": "1",
                                  "body": "Seeds.", "op_id": "s2"})
        deployment.run("choros-admin", "land", "seed")
        await call(a, "canon_diff")
        await call(a, "sup_reconcile", {"body": "Seeded."})
        for number in range(entries):
            await call(a, "propose", {"proposal_id": "big", "domain": f"notes/d{number % 10}", "slug": f"e{number}",
                                      "body": f"# Entry {number}\n\nA paragraph with **bold** and a [link](x).\n",
                                      "op_id": f"b{number}"})
        await call(a, "propose", {"proposal_id": "big", "domain": "meta/log", "slug": "2", "body": "Many.",
                                  "op_id": "blog"})


def timed(port, path, cookie, rounds):
    times = []
    for _ in range(rounds):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        started = time.perf_counter()
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        body = response.read()
        times.append((time.perf_counter() - started) * 1000)
        connection.close()
        check(response.status == 200, f"GET {path}: {response.status} {body[:200]}")
    times.sort()
    return times, len(body)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=30)
    arguments = parser.parse_args()
    deployment = Deployment(arguments.bin, 120)
    cockpit = None
    try:
        asyncio.run(propose(deployment, arguments.entries))
        cockpit = Cockpit(deployment)
        connection = http.client.HTTPConnection("127.0.0.1", cockpit.port, timeout=30)
        connection.request("GET", cockpit.url.split(str(cockpit.port), 1)[1])
        response = connection.getresponse()
        cookie = response.getheader("Set-Cookie").split(";")[0]
        base = response.getheader("Location").rstrip("/")
        response.read()
        for label, path in ((f"proposal page, {arguments.entries + 1} entries", base + "/proposals/big"),
                            ("overview", base + "/")):
            times, size = timed(cockpit.port, path, cookie, arguments.rounds)
            print(f"{label:34} median {statistics.median(times):7.1f} ms  p90 {times[int(len(times) * .9)]:7.1f} ms"
                  f"  max {times[-1]:7.1f} ms  ({size // 1024} KiB)")
    finally:
        if cockpit is not None:
            cockpit.stop()
        deployment.stop()


if __name__ == "__main__":
    main()
