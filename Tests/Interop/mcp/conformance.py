#!/usr/bin/env python3
"""MCP conformance: drives choros-mcp with the official Python MCP client (pip install mcp).

Starts a real deployment with `choros up` on a temporary data directory, enrolls two
instances with `choros-admin`, and runs the participant flow through each instance's own
choros-mcp: list tools, author, propose with a log entry, land (choros-admin), diff,
reconcile, propose again, messages, vantages, a refusal, a gateway restart mid-session,
and the airlock's stage/land with TOTP codes computed here (pyotp).

Usage: conformance.py --bin .build/debug [--skip-airlock-wait]
"""
import argparse
import asyncio
import json
import os
import subprocess
import sys
import time

import pyotp
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from deployment import Deployment, Failure, check, field  # noqa: E402

EXPECTED_TOOLS = {
    "announce", "orientation", "whoami", "canon_head", "canon_state", "kip_commit", "kip_get", "list_entries",
    "my_perspective", "kip_history", "map_search", "propose", "propose_retract", "propose_close", "proposal_status",
    "list_proposals", "conflict_preview", "canon_diff", "sup_reconcile", "sup_state", "sup_who", "list_instances",
    "imp_send", "imp_check", "imp_flags", "imp_mark_read", "vap_record", "vap_for", "stage_approve", "land_approve",
    "stage_revert", "evidence_add", "claim_assert", "claim_retract", "belief", "claims_for", "claim_explain",
    "explanation_record", "lineage_impact",
}


class Instance:
    """One instance's MCP session over its own choros-mcp process."""

    def __init__(self, deployment, name):
        added = deployment.run("choros-admin", "instance", "add", name, "--json")
        self.key = json.loads(added.stdout)["key_file"]
        self.params = StdioServerParameters(
            command=deployment.cmd("choros-mcp"), args=["--key", self.key, "--data-dir", deployment.data])

    async def call(self, session, tool, arguments=None, expect_error=False):
        result = await session.call_tool(tool, arguments or {})
        text = result.content[0].text if result.content else ""
        is_error = field(result, "isError", "is_error")
        if expect_error:
            check(is_error, f"{tool} should have been refused, got {text}")
            return text
        check(not is_error, f"{tool} refused: {text}")
        payload = json.loads(text)
        check(isinstance(payload, dict), f"{tool}: a result is one JSON object")
        check(field(result, "structuredContent", "structured_content") == payload,
              f"{tool}: structured content mirrors the text")
        return payload


async def scenario(deployment, skip_airlock_wait):
    alice = Instance(deployment, "alice")
    bob = Instance(deployment, "bob")
    async with stdio_client(alice.params) as (a_read, a_write), stdio_client(bob.params) as (b_read, b_write):
        async with ClientSession(a_read, a_write) as a, ClientSession(b_read, b_write) as b:
            await a.initialize()
            await b.initialize()

            tools = (await a.list_tools()).tools
            names = {tool.name for tool in tools}
            check(names == EXPECTED_TOOLS, f"tools: missing {EXPECTED_TOOLS - names}, extra {names - EXPECTED_TOOLS}")
            for tool in tools:
                schema = field(tool, "inputSchema", "input_schema")
                check(schema.get("type") == "object" and isinstance(schema.get("properties"), dict),
                      f"{tool.name}: schema is an object schema")
                for required in schema.get("required", []):
                    check(required in schema["properties"], f"{tool.name}: required {required} is a property")

            check((await alice.call(a, "whoami"))["name"] == "alice", "whoami")
            await alice.call(a, "kip_commit", {"domain": "notes", "slug": "tides", "body": "Tides follow the moon.",
                                               "op_id": "a1"})
            await bob.call(b, "kip_commit", {"domain": "notes", "slug": "dunes", "body": "Dunes walk inland.",
                                             "op_id": "b1"})
            retried = await alice.call(a, "kip_commit", {"domain": "notes", "slug": "tides",
                                                         "body": "Tides follow the moon.", "op_id": "a1"})
            check(retried.get("replayed") is True, "a retried write replays")

            # Propose with a log entry; the practitioner lands it with choros-admin.
            await alice.call(a, "propose", {"proposal_id": "p1", "domain": "notes", "slug": "tides",
                                            "body": "Tides follow the moon.", "op_id": "p1a"})
            await alice.call(a, "propose", {"proposal_id": "p1", "domain": "meta/log", "slug": "1",
                                            "body": "Adds tides.", "op_id": "p1b"})
            preview = await alice.call(a, "conflict_preview", {"proposal_id": "p1"})
            check(preview.get("log_entry_ok") is True, f"log entry ok: {preview}")
            deployment.run("choros-admin", "land", "p1")

            refusal = await bob.call(b, "propose", {"proposal_id": "p2", "domain": "notes", "slug": "dunes",
                                                    "body": "Dunes walk inland.", "op_id": "p2a"}, expect_error=True)
            check("propose.reconciled" in refusal, f"the refusal names its gate: {refusal}")
            diff = await bob.call(b, "canon_diff")
            check(any(entry["path"] == "notes/tides.md" for entry in diff.get("added", [])), "diff shows the land")
            await bob.call(b, "sup_reconcile", {"body": "Tides landed; my dunes are unaffected."})
            await bob.call(b, "propose", {"proposal_id": "p2", "domain": "notes", "slug": "dunes",
                                          "body": "Dunes walk inland.", "op_id": "p2a"})

            # The gateway restarts mid-session: the bridge binds again; the client notices nothing.
            deployment.run("choros", "restart", "gateway")
            check((await bob.call(b, "whoami"))["name"] == "bob", "calls continue after a gateway restart")

            # Messages.
            await alice.call(a, "imp_send", {"recipients": ["bob"], "subject": "tides",
                                             "body": "Mine landed.", "op_id": "m1"})
            inbox = await bob.call(b, "imp_check")
            check(inbox.get("count") == 1 and inbox["messages"][0]["from"] == "alice", f"inbox: {inbox}")
            await bob.call(b, "imp_mark_read", {"message_path": "messages/m1.md"})
            check("count" not in await bob.call(b, "imp_check"), "read messages leave the unread inbox")

            # Vantages.
            text = await bob.call(b, "vap_record", {"binds": "notes/tides", "horizon": "after the land",
                                                    "op_id": "v1"}, expect_error=True)
            check("vap_record.dignity" in text, f"dignity refusal: {text}")
            await bob.call(b, "vap_record", {"binds": "notes/tides", "horizon": "after the land", "op_id": "v2",
                                             "kind": "reconstructed"})
            vantages = await alice.call(a, "vap_for", {"entry": "notes/tides"})
            check(vantages["vantages"][0]["kind"] == "reconstructed", f"vantages: {vantages}")

            await claims(deployment, alice, a, bob, b)

            # The airlock: stage with one code, land with a later one after the review floor.
            deployment.run("choros-admin", "totp-provision")
            with open(os.path.join(deployment.data, "keys", "airlock.totp")) as secret_file:
                totp = pyotp.TOTP(secret_file.read().strip())
            await bob.call(b, "propose", {"proposal_id": "p2", "domain": "meta/log", "slug": "2",
                                          "body": "Adds dunes.", "op_id": "p2b"})
            staged = await bob.call(b, "stage_approve", {"proposal_id": "p2", "code": totp.now()})
            check(staged["state"] == "staged", f"staged: {staged}")
            frozen = await bob.call(b, "propose", {"proposal_id": "p2", "domain": "notes", "slug": "more",
                                                   "body": "x", "op_id": "p2c"}, expect_error=True)
            check("propose.frozen" in frozen, f"frozen: {frozen}")
            early = await bob.call(b, "land_approve", {"staged_oid_prefix": staged["staged_oid"][:10],
                                                       "code": totp.now()}, expect_error=True)
            check("floor" in early, f"the floor holds: {early}")
            if skip_airlock_wait:
                await bob.call(b, "stage_revert", {"proposal_id": "p2"})
                return
            wait = staged["lands_after_ms"] / 1000 - time.time() + 1
            await asyncio.sleep(max(wait, 0))
            landed = await bob.call(b, "land_approve", {"staged_oid_prefix": staged["staged_oid"][:10],
                                                        "code": totp.now()})
            check(landed["state"] == "landed" and landed["seq"] == "2", f"landed: {landed}")
            state = await alice.call(a, "canon_state")
            check(state["seq"] == "2", f"canon advanced: {state}")


async def claims(deployment, alice, a, bob, b):
    """Evidence, two derived levels, the practitioner's refute from choros-admin; the
    instances see the derived claims invalidated with their paths, are told, and ask why."""
    evidence = await alice.call(a, "evidence_add", {
        "source": "instance.observation", "kind": "tide-table", "content": {"high_water": "06:12"},
        "observed_at": 1700000000000, "op_id": "c-e"})

    async def derive(instance, session, predicate, value, inputs, key):
        return (await instance.call(session, "claim_assert", {
            "subject": "harbor", "predicate": predicate, "value": value, "confidence_ppm": 900000,
            "deriver": "conformance", "deriver_version": "1", "inputs": inputs, "rationale": "read off",
            "op_id": key}))["id"]

    root = await derive(alice, a, "high_water", {"at": "06:12"}, [evidence["id"]], "c-r")
    level1 = await derive(bob, b, "safe_departure", {"after": "05:00"}, [root], "c-1")
    level2 = await derive(alice, a, "ferry_slot", {"slot": 2}, [level1], "c-2")
    belief = await bob.call(b, "belief", {"subject": "harbor", "predicate": "high_water"})
    check([claim["op_id"] for claim in belief["claims"]] == [root] and belief["claims"][0]["author"] == "alice",
          f"belief lists the root, attributed: {belief}")

    refuted = json.loads(deployment.run("choros-admin", "claim", "refute", root, "--reason",
                                        "the table was for another year", "--json").stdout)
    cause = refuted["op_id"]
    check([item["target"] for item in refuted["invalidations"]] == [level1, level2],
          f"both derived levels are invalidated: {refuted}")
    for claim, path in ((level1, [cause, root, level1]), (level2, [cause, root, level1, level2])):
        explanation = (await alice.call(a, "claim_explain", {"claim": claim}))["explanation"]
        check(explanation["claim"]["state"] == "invalidated", f"{claim} is invalidated: {explanation}")
        check(explanation.get("cause_path") == path, f"{claim} carries its path from the cause: {explanation}")
    check("claims" not in await bob.call(b, "belief", {"subject": "harbor", "predicate": "high_water"}),
          "the refuted root is no longer believed")
    for instance, session in ((alice, a), (bob, b)):
        inbox = await instance.call(session, "imp_check")
        told = [message for message in inbox.get("messages", []) if message["from"] == "system"]
        check(len(told) == 1, f"one system message per author: {inbox}")

    await alice.call(a, "explanation_record", {"claim": level2, "summary": "derived from a refuted reading",
                                               "op_id": "c-x"})
    bundled = await alice.call(a, "claim_explain", {"claim": level2, "bundle": True})
    path = os.path.join(deployment.data, "bundle.json")
    with open(path, "w") as bundle_file:
        bundle_file.write(bundled["bundle_json"])
    verified = subprocess.run([deployment.cmd("choros"), "verify-bundle", path], capture_output=True, text=True)
    check(verified.returncode == 0, f"the bundle verifies offline: {verified.stdout}{verified.stderr}")


def alive(pid):
    """Running, not a zombie waiting for whoever adopted it."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def lifecycle(deployment, key):
    """stdout carries protocol only; the bridge exits when stdin closes and when its parent dies."""
    bridge = [deployment.cmd("choros-mcp"), "--key", key, "--data-dir", deployment.data]
    closed = subprocess.run(bridge, stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    check(closed.returncode == 0, f"choros-mcp exits 0 when stdin closes: {closed.returncode} {closed.stderr[-500:]}")
    check(closed.stdout == b"", f"nothing but protocol on stdout: {closed.stdout[:200]!r}")
    # A parent that dies while stdin stays open (this test holds the pipe's write end): the
    # bridge notices it was orphaned and leaves.
    read_end, write_end = os.pipe()
    launcher = ("import os, subprocess, sys, time; "
                "p = subprocess.Popen(sys.argv[1:], stdin=int(os.environ['BRIDGE_STDIN']), "
                "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(int(os.environ['BRIDGE_STDIN']),)); "
                "print(p.pid, flush=True); time.sleep(2); os._exit(0)")
    parent = subprocess.Popen([sys.executable, "-c", launcher, *bridge], stdout=subprocess.PIPE, text=True,
                              pass_fds=(read_end,), env={**os.environ, "BRIDGE_STDIN": str(read_end)})
    child_pid = int(parent.stdout.readline().strip())
    parent.wait(timeout=10)
    os.close(read_end)
    deadline = time.time() + 10
    while time.time() < deadline and alive(child_pid):
        time.sleep(0.2)
    os.close(write_end)
    check(not alive(child_pid), "choros-mcp exits when its parent dies")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--skip-airlock-wait", action="store_true")
    arguments = parser.parse_args()
    deployment = Deployment(arguments.bin, floor_seconds=90)
    try:
        asyncio.run(scenario(deployment, arguments.skip_airlock_wait))
        lifecycle(deployment, json.loads(deployment.run("choros-admin", "instance", "add", "carol", "--json").stdout)["key_file"])
    except Failure as failure:
        print(f"mcp conformance: FAILED: {failure}", file=sys.stderr)
        print(open(deployment.log.name).read()[-4000:], file=sys.stderr)
        sys.exit(1)
    finally:
        deployment.stop()
    print("mcp conformance: ok")


if __name__ == "__main__":
    main()
