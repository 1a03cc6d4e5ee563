#!/usr/bin/env python3
"""The HTTP door in loopback mode (issue 17), driven by the official Python MCP client over
Streamable HTTP against a deployment started with `choros up` and `http_enabled = true`.

Two instances, each with its own static bearer token (`choros-admin instance token`), run
sessions concurrently and write as themselves; a bad token and a revoked one get 401;
`choros restart http` and `choros restart gateway` mid-session are survived by the next
call; the door refuses a foreign Host (421) and Origin (403), caps bodies (413), and sets
the security headers on every answer. With --mcp1 PYTHON, the same session runs again under
an interpreter that has the 1.x client.

Usage: loopback.py --bin .build/debug [--mcp1 /path/to/venv/bin/python]
"""
import argparse
import asyncio
import http.client
import json
import os
import subprocess
import sys

from mcp import ClientSession
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from deployment import Deployment, check, field  # noqa: E402
from http_support import free_port, wait_for_address  # noqa: E402

HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy")


address = wait_for_address


def token(deployment, name):
    return json.loads(deployment.run("choros-admin", "instance", "token", name, "--json").stdout)["token"]


def raw(where, method, path, headers=None, body=None):
    host, port = where.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, payload


def initialize_body():
    return json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}})


async def call(session, tool, arguments=None):
    result = await session.call_tool(tool, arguments or {})
    text = result.content[0].text
    check(not field(result, "isError", "is_error"), f"{tool} refused: {text}")
    return json.loads(text)


async def sessions(deployment, url, alice_token, bob_token):
    alice_client = create_mcp_http_client(headers={"Authorization": f"Bearer {alice_token}"})
    bob_client = create_mcp_http_client(headers={"Authorization": f"Bearer {bob_token}"})
    async with streamable_http_client(url, http_client=alice_client) as (a_read, a_write, *_), \
            streamable_http_client(url, http_client=bob_client) as (b_read, b_write, *_):
        async with ClientSession(a_read, a_write) as a, ClientSession(b_read, b_write) as b:
            await asyncio.gather(a.initialize(), b.initialize())
            names = {tool.name for tool in (await a.list_tools()).tools}
            check({"kip_commit", "kip_get", "whoami"} <= names, f"tools over HTTP: {sorted(names)[:8]}")
            who = await asyncio.gather(call(a, "whoami"), call(b, "whoami"))
            check([w["name"] for w in who] == ["alice", "bob"], f"each token acts as its instance: {who}")
            # Two sessions as two instances, concurrently, on one server.
            await asyncio.gather(*[
                call(s, "kip_commit", {"domain": "notes", "slug": f"{n}-{i}", "body": f"{n} wrote {i}.",
                                       "op_id": f"{n}-{i}"})
                for i in range(8) for s, n in ((a, "alice"), (b, "bob"))])
            entry = await call(a, "kip_get", {"ref": "alice", "path": "notes/alice-3.md"})
            check("alice wrote 3." in json.dumps(entry), f"alice reads her write: {entry}")
            mine = await call(b, "my_perspective")
            check("bob-7" in json.dumps(mine) and "alice-7" not in json.dumps(mine), "bob's perspective is bob's")

            deployment.run("choros", "restart", "http")
            check((await call(a, "whoami"))["name"] == "alice", "a session's next call succeeds after restart http")
            deployment.run("choros", "restart", "gateway")
            check((await call(b, "whoami"))["name"] == "bob", "a session's next call succeeds after restart gateway")
            await call(a, "kip_commit", {"domain": "notes", "slug": "after", "body": "After restarts.",
                                         "op_id": "alice-after"})
            refused = await a.call_tool("kip_get", {"ref": "alice", "path": "notes/none.md"})
            check(field(refused, "isError", "is_error"), "a read of nothing is refused")
            await a.call_tool("no_such_tool_" + "x" * 40, {})


def metrics(where):
    """/metrics in Prometheus text, read by prometheus_client's own parser."""
    from prometheus_client.parser import text_string_to_metric_families
    status, headers, body = raw(where, "GET", "/metrics")
    check(status == 200 and headers.get("content-type", "").startswith("text/plain"), f"/metrics: {status}")
    samples = [s for family in text_string_to_metric_families(body.decode()) for s in family.samples]
    calls = {s.labels.get("tool"): s.value for s in samples if s.name == "choros_http_tool_calls_total"}
    check(calls.get("whoami", 0) >= 1 and calls.get("kip_commit", 0) >= 1, f"tool calls by tool: {calls}")
    check("unknown" in calls and not any(t.startswith("no_such_tool") for t in calls),
          f"a tool outside the catalog is counted as unknown: {calls}")
    check(any(s.name.startswith("choros_http_tool_seconds") for s in samples), "tool latency")
    check(any(s.name == "choros_http_refusals_total" for s in samples), "refusals by gate")
    check(any(s.name.startswith("hb_requests") for s in samples), "requests")


def hardening(where, alice_token):
    auth = {"Authorization": f"Bearer {alice_token}", "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream"}
    status, headers, _ = raw(where, "POST", "/mcp", {**auth, "Host": "evil.example"}, initialize_body())
    check(status == 421, f"a foreign Host is misdirected: {status}")
    status, _, _ = raw(where, "POST", "/mcp", {**auth, "Host": "choros.test:443"}, initialize_body())
    check(status == 200, f"a Host in http_allowed_hosts is answered: {status}")
    check(all(h in headers for h in HEADERS), f"security headers on a refusal: {headers}")
    status, _, _ = raw(where, "POST", "/mcp", {**auth, "Origin": "http://evil.example"}, initialize_body())
    check(status == 403, f"a foreign Origin is refused: {status}")
    status, _, _ = raw(where, "POST", "/mcp", {**auth, "Origin": f"http://{where}"}, initialize_body())
    check(status == 200, f"a loopback Origin is admitted: {status}")
    status, _, _ = raw(where, "POST", "/mcp", auth, "[" + " " * (1 << 20) + "]")
    check(status == 413, f"a body past 1 MiB is refused: {status}")
    status, headers, _ = raw(where, "POST", "/mcp", {**auth, "Authorization": "Bearer chb_" + "0" * 64},
                             initialize_body())
    check(status == 401 and headers.get("www-authenticate", "").startswith("Bearer"), f"a bad token: {status}")
    status, _, _ = raw(where, "POST", "/mcp", {k: v for k, v in auth.items() if k != "Authorization"},
                       initialize_body())
    check(status == 401, f"no token: {status}")
    status, _, body = raw(where, "POST", "/mcp", {**auth, "Mcp-Session-Id": "nope"},
                          json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
    check(status == 404, f"an unknown session is not found: {status} {body[:80]}")
    status, headers, body = raw(where, "GET", "/healthz")
    check(status == 200 and all(h in headers for h in HEADERS), f"/healthz: {status} {headers}")


def borrowed_session(where, alice_token, bob_token):
    """A session id is no credential: bob's token naming alice's live session is not found."""
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    status, answer, _ = raw(where, "POST", "/mcp", {**headers, "Authorization": f"Bearer {alice_token}"},
                            initialize_body())
    check(status == 200, f"alice initializes: {status}")
    call = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "whoami"}})
    status, _, body = raw(where, "POST", "/mcp", {**headers, "Authorization": f"Bearer {bob_token}",
                                                  "Mcp-Session-Id": answer["mcp-session-id"]}, call)
    check(status == 404 and b"alice" not in body, f"bob cannot use alice's session: {status} {body[:120]}")
    status, _, body = raw(where, "POST", "/mcp", {**headers, "Authorization": f"Bearer {alice_token}",
                                                  "Mcp-Session-Id": answer["mcp-session-id"]}, call)
    check(status == 200 and b"alice" in body, f"alice still can: {status} {body[:120]}")


def revocation(deployment, where, alice_token):
    auth = {"Authorization": f"Bearer {alice_token}", "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream"}
    status, headers, _ = raw(where, "POST", "/mcp", auth, initialize_body())
    check(status == 200 and "mcp-session-id" in headers, f"initialize before revocation: {status}")
    session = headers["mcp-session-id"]
    deployment.run("choros-admin", "instance", "token", "alice", "--revoke")
    status, _, _ = raw(where, "POST", "/mcp", {**auth, "Mcp-Session-Id": session},
                       json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
    check(status == 401, f"a revoked token is refused on its next request: {status}")


MCP1_CLIENT = r'''
import asyncio, json, sys
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client
async def main(url, token):
    async with streamablehttp_client(url, headers={"Authorization": f"Bearer {token}"}) as (r, w, _):
        async with ClientSession(r, w) as s:
            await s.initialize()
            result = await s.call_tool("whoami", {})
            print(json.loads(result.content[0].text)["name"])
asyncio.run(main(sys.argv[1], sys.argv[2]))
'''


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--mcp1", help="a Python with mcp 1.x installed")
    arguments = parser.parse_args()
    # A fixed port: a client keeps its URL across `choros restart http`.
    port = free_port()
    deployment = Deployment(arguments.bin, 120, f'http_enabled = true\nhttp_listen = "127.0.0.1:{port}"\n'
                            'http_allowed_hosts = ["Choros.test"]\n')
    try:
        for name in ("alice", "bob"):
            deployment.run("choros-admin", "instance", "add", name)
        alice_token, bob_token = token(deployment, "alice"), token(deployment, "bob")
        where = address(deployment)
        status = deployment.run("choros", "status").stdout
        check("http" in status, f"choros status shows the door: {status}")
        asyncio.run(sessions(deployment, f"http://{where}/mcp", alice_token, bob_token))
        where = address(deployment)
        metrics(where)
        hardening(where, alice_token)
        borrowed_session(where, alice_token, bob_token)
        if arguments.mcp1:
            out = subprocess.run([arguments.mcp1, "-c", MCP1_CLIENT, f"http://{where}/mcp", bob_token],
                                 capture_output=True, text=True, timeout=120)
            check(out.returncode == 0 and out.stdout.strip() == "bob", f"the 1.x client: {out.stdout} {out.stderr}")
        revocation(deployment, where, alice_token)
        print("http loopback: ok")
    finally:
        deployment.stop()


if __name__ == "__main__":
    main()
