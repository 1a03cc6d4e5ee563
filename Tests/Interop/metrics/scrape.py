#!/usr/bin/env python3
"""Metrics (issue 21): a deployment started with `choros up` and `metrics_listen` set serves
every daemon's metrics on one HTTP endpoint; an instance's calls through choros-mcp (the
official Python MCP client) show up in them; the exposition parses with prometheus_client's
own parser; only GET /metrics is served, and a daemon's scrape RPC refuses other uids.

Usage: Tests/Interop/metrics/scrape.py --bin .build/debug
"""
import argparse
import asyncio
import json
import os
import socket
import sys
import urllib.error
import urllib.request

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from deployment import Deployment, check  # noqa: E402

DAEMONS = {"store", "audit", "index", "airlock", "gateway"}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def write_and_read(deployment):
    added = deployment.run("choros-admin", "instance", "add", "metrics-writer", "--json")
    params = StdioServerParameters(command=deployment.cmd("choros-mcp"),
                                   args=["--key", json.loads(added.stdout)["key_file"], "--data-dir", deployment.data])
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        for number in range(5):
            result = await session.call_tool("kip_commit", {"domain": "notes", "slug": f"gauge-{number}",
                                                            "body": "Counted.", "op_id": f"metrics-{number}"})
            check(not result.isError if hasattr(result, "isError") else not result.is_error, "kip_commit")
        await session.call_tool("map_search", {"query": "counted"})


def scrape(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        check(response.status == 200, f"GET /metrics: {response.status}")
        check(response.headers["Content-Type"].startswith("text/plain; version=0.0.4"), response.headers["Content-Type"])
        return response.read().decode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    arguments = parser.parse_args()
    port = free_port()
    deployment = Deployment(arguments.bin, 120, extra_config=f'metrics_listen = "127.0.0.1:{port}"\n')
    try:
        asyncio.run(write_and_read(deployment))
        text = scrape(f"http://127.0.0.1:{port}/metrics")
        families = {family.name: family for family in text_string_to_metric_families(text)}

        requests = families.get("choros_rpc_requests")
        check(requests is not None and requests.type == "counter", f"choros_rpc_requests_total: {sorted(families)}")
        daemons = {sample.labels.get("daemon") for sample in requests.samples}
        check(DAEMONS <= daemons, f"RPC counts from every daemon: {daemons}")
        def counted(daemon, suffix):
            return sum(sample.value for sample in requests.samples
                       if sample.labels.get("daemon") == daemon and sample.labels.get("code") == "OK"
                       and sample.labels.get("method", "").endswith(suffix))
        calls = counted("gateway", "/CallTool")
        commits = counted("store", "/Commit")
        check(calls >= 6, f"the gateway counted the 6 tool calls: {calls}")
        check(commits >= 5, f"the store counted the 5 commits: {commits}")
        check(all(sample.labels.get("method") != "/made/Up" for sample in requests.samples), "no invented labels")

        durations = families.get("choros_rpc_duration_seconds")
        check(durations is not None and durations.type == "histogram", "RPC latency histograms")
        check(any(sample.name.endswith("_bucket") and sample.labels.get("daemon") == "store"
                  for sample in durations.samples), "the store's latency buckets")
        check("choros_rpc_in_flight" in families, "in-flight gauge")
        check("choros_fsync_duration_seconds" in families, "the store's fsync time")
        check("choros_audit_commit_duration_seconds" in families, "the audit log's commit time")
        check("choros_commit_batch_size" in families or "choros_audit_group_size" in families, "queue depths")
        events = families.get("choros_events")
        check(events is not None and events.samples[0].value >= 5, f"audit events gauge: {events}")
        check(families.get("choros_index_entries") is not None, "index rows gauge")
        check(families.get("choros_op_index") is not None, "the store's op index gauge")

        for path, method, expected in [("/", "GET", 404), ("/metrics", "POST", 405)]:
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=b"" if method == "POST" else None)
            try:
                urllib.request.urlopen(request, timeout=10)
                check(False, f"{method} {path} should be refused")
            except urllib.error.HTTPError as error:
                check(error.code == expected, f"{method} {path}: {error.code}, expected {expected}")
        print(f"metrics: {len(families)} families from {len(daemons)} processes parse with prometheus_client; "
              f"{int(commits)} kip_commit counted")
    finally:
        deployment.stop()


if __name__ == "__main__":
    main()
