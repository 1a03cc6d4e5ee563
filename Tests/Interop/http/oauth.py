#!/usr/bin/env python3
"""The OAuth door (issue 17) against a real deployment whose `http_public_url` is set.

With raw HTTP: the discovery documents (RFC 9728, RFC 8414), the 401 challenge naming the
resource metadata, dynamic client registration (RFC 7591) with its checks, its 64 KiB body
cap and its per-address rate limit (429); PKCE S256 and exact redirect URIs at /authorize;
five wrong TOTP codes burn a transaction (401 x4, 429, then 400); a window approves once;
console approval continues the waiting page; single-use codes, rotating refresh tokens, and
revocation by /revoke and by `choros-admin connector revoke`, each effective on the next
request; rate limits on the auth routes.

End to end with the Python SDK's own `OAuthClientProvider`: discovery, registration,
authorization with the practitioner's code from pyotp, token exchange, then tools as the
approved instance, whose key the door holds and a practitioner-signed op enrolled.

Last: the audit log holds registration, approval (channel, window), refusal, issue and
revocation events, and no code or token appears in it or in any log.

Usage: oauth.py --bin .build/debug
"""
import argparse
import asyncio
import base64
import glob
import hashlib
import json
import os
import secrets
import sqlite3
import stat
import sys
import time
from urllib.parse import parse_qs, urlencode, urlparse

import pyotp
from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientMetadata

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from deployment import Deployment, check  # noqa: E402
from http_support import free_port, wait_for_address  # noqa: E402
from loopback import HEADERS, initialize_body, raw  # noqa: E402

PUBLIC = "https://choros.example"
REDIRECT = "http://127.0.0.1:9/callback"
MCP_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


def discovery(where):
    status, headers, body = raw(where, "GET", "/.well-known/oauth-protected-resource/mcp")
    resource = json.loads(body)
    check(status == 200 and resource["resource"] == PUBLIC + "/mcp"
          and resource["authorization_servers"] == [PUBLIC], f"RFC 9728 document: {status} {resource}")
    check(all(h in headers for h in HEADERS), f"security headers: {headers}")
    status, _, body = raw(where, "GET", "/.well-known/oauth-authorization-server")
    server = json.loads(body)
    check(status == 200 and server["issuer"] == PUBLIC, f"RFC 8414 document: {status} {server}")
    for key in ("authorization_endpoint", "token_endpoint", "registration_endpoint", "revocation_endpoint"):
        check(server[key].startswith(PUBLIC + "/"), f"{key}: {server.get(key)}")
    check(server["code_challenge_methods_supported"] == ["S256"], f"S256 only: {server}")
    status, _, _ = raw(where, "GET", "/.well-known/oauth-authorization-server", {"Host": "choros.example"})
    check(status == 200, f"the public URL's host is answered: {status}")
    status, headers, _ = raw(where, "POST", "/mcp", {"Content-Type": "application/json",
                                                     "Accept": "application/json, text/event-stream"},
                             initialize_body())
    challenge = headers.get("www-authenticate", "")
    check(status == 401 and f'resource_metadata="{PUBLIC}/.well-known/oauth-protected-resource/mcp"' in challenge,
          f"the challenge names the resource metadata: {status} {challenge}")


def register(where, metadata):
    status, _, body = raw(where, "POST", "/register", {"Content-Type": "application/json"}, json.dumps(metadata))
    return status, json.loads(body)


def registration(where):
    status, client = register(where, {"client_name": "Claude\nDesktop", "redirect_uris": ["http://127.0.0.1:5/cb"]})
    check(status == 201 and client["client_id"].startswith("chc_") and client["client_name"] == "ClaudeDesktop"
          and client["token_endpoint_auth_method"] == "none", f"a client registers: {status} {client}")
    for metadata, error in (
        ({"redirect_uris": ["http://evil.example/cb"]}, "invalid_redirect_uri"),
        ({"redirect_uris": []}, "invalid_redirect_uri"),
        ({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "client_secret_basic"},
         "invalid_client_metadata"),
        ([1, 2], "invalid_client_metadata"),
    ):
        status, answer = register(where, metadata)
        check(status == 400 and answer["error"] == error, f"{metadata} is refused with {error}: {status} {answer}")
    status, _, _ = raw(where, "POST", "/register", {"Content-Type": "application/json"},
                       json.dumps({"redirect_uris": ["https://a.example/cb"], "pad": "x" * (64 << 10)}))
    check(status == 413, f"a registration past 64 KiB is refused: {status}")
    statuses = [register(where, {"redirect_uris": ["https://a.example/cb"]})[0] for _ in range(12)]
    check(statuses.count(429) >= 1 and statuses[-1] == 429, f"one address is rate limited: {statuses}")


class Secrets:
    """Every code and token the test saw: none may appear in the audit log or a log line."""
    seen = set()

    @classmethod
    def add(cls, *values):
        cls.seen.update(v for v in values if v)


def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def form(where, path, fields, cookie=None):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        headers["Cookie"] = cookie
    return raw(where, "POST", path, headers, urlencode(fields))


class Txn(str):
    """A transaction id, with the cookie its starting browser got (only that browser completes it)."""

    def __new__(cls, id, cookie):
        value = super().__new__(cls, id)
        value.cookie = cookie
        return value


def wait_for_new_window(totp, used):
    """The next TOTP window's code (a window approves once)."""
    while totp.now() in used:
        time.sleep(0.5)
    return totp.now()


def authorize(where, client_id, challenge, scope=None, state="s1", redirect=REDIRECT, method="S256"):
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect,
             "code_challenge": challenge, "code_challenge_method": method, "state": state}
    if scope:
        query["scope"] = scope
    return raw(where, "GET", "/authorize?" + urlencode(query))


def transaction(where, client_id, challenge, scope=None):
    status, headers, body = authorize(where, client_id, challenge, scope)
    location = headers.get("location", "")
    check(status == 302 and "/approve?txn=" in location, f"/authorize sends the browser to /approve: {status} {body[:200]}")
    cookie = headers.get("set-cookie", "")
    check("HttpOnly" in cookie and "Path=/approve" in cookie, f"the starting browser's cookie: {cookie}")
    return Txn(parse_qs(urlparse(location).query)["txn"][0], cookie.split(";")[0])


def redirected(headers, state="s1"):
    location = urlparse(headers.get("location", ""))
    query = parse_qs(location.query)
    check(f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT and query.get("state") == [state],
          f"the code goes to the registered redirect URI with the state: {headers.get('location')}")
    Secrets.add(query["code"][0])
    return query["code"][0], query.get("iss", [None])[0]


def tokens(where, client_id, code, verifier):
    status, _, body = form(where, "/token", {"grant_type": "authorization_code", "code": code,
                                             "redirect_uri": REDIRECT, "client_id": client_id,
                                             "code_verifier": verifier})
    answer = json.loads(body)
    if status == 200:
        Secrets.add(answer["access_token"], answer["refresh_token"])
    return status, answer


def mcp_status(where, access):
    status, _, _ = raw(where, "POST", "/mcp", {**MCP_HEADERS, "Authorization": f"Bearer {access}"}, initialize_body())
    return status


def whoami(where, access):
    status, headers, _ = raw(where, "POST", "/mcp", {**MCP_HEADERS, "Authorization": f"Bearer {access}"},
                             initialize_body())
    check(status == 200, f"initialize with the access token: {status}")
    call = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "whoami"}})
    status, _, body = raw(where, "POST", "/mcp", {**MCP_HEADERS, "Authorization": f"Bearer {access}",
                                                  "Mcp-Session-Id": headers["mcp-session-id"]}, call)
    return json.loads(json.loads(body)["result"]["content"][0]["text"])["name"]


def authorize_checks(where, client_id):
    _, challenge = pkce()
    status, headers, _ = authorize(where, client_id, challenge, redirect="http://127.0.0.1:9/other")
    check(status == 400 and "location" not in headers, f"an unregistered redirect URI is never redirected to: {status}")
    status, headers, _ = authorize(where, "chc_" + "0" * 32, challenge)
    check(status == 400 and "location" not in headers, f"an unknown client: {status}")
    status, headers, _ = authorize(where, client_id, challenge, method="plain")
    check(status == 302 and "error=invalid_request" in headers.get("location", ""), f"plain PKCE is refused: {headers}")
    status, headers, _ = authorize(where, client_id, "")
    check(status == 302 and "error=invalid_request" in headers.get("location", ""), f"PKCE is required: {headers}")


def wrong_codes(where, client_id, totp):
    """Five wrong codes burn the transaction: 401, 401, 401, 401, 429, then 400."""
    txn = transaction(where, client_id, pkce()[1])
    status, headers, page = raw(where, "GET", f"/approve?txn={txn}", {"Cookie": txn.cookie})
    check(status == 200 and b"Approve a connector" in page and REDIRECT.encode() in page,
          f"the approval page shows the client and where it returns: {status}")
    policy = headers.get("content-security-policy", "")
    check("script-src 'sha256-" in policy and "http://127.0.0.1:9" in policy, f"the page's own CSP: {policy}")
    good = totp.now()
    wrong = f"{(int(good) + 500000) % 1000000:06d}"
    status, _, page = form(where, "/approve", {"txn": txn, "code": good})
    check(status == 403 and b"browser that started it" in page, f"another browser cannot approve it: {status}")
    statuses = [form(where, "/approve", {"txn": txn, "code": wrong}, txn.cookie)[0] for _ in range(5)]
    statuses.append(form(where, "/approve", {"txn": txn, "code": good}, txn.cookie)[0])
    check(statuses == [401, 401, 401, 401, 429, 400], f"wrong codes burn the transaction: {statuses}")


def console_approval(deployment, where, client_id):
    """Approved at the console, the waiting page continues: its status turns, and the next load
    redirects with the code."""
    verifier, challenge = pkce()
    txn = transaction(where, client_id, challenge, scope="instance:remote2")
    status, _, body = raw(where, "GET", f"/approve/status?txn={txn}")
    check(json.loads(body)["status"] == "pending", f"pending before approval: {body}")
    listed = json.loads(deployment.run("choros-admin", "connector", "list", "--json").stdout)
    check(any(p["transaction"] == txn and p["instance"] == "remote2" for p in listed["pending"]),
          f"connector list shows the waiting approval: {listed['pending']}")
    deployment.run("choros-admin", "connector", "approve", txn, "--as", "remote2")
    status, _, body = raw(where, "GET", f"/approve/status?txn={txn}")
    check(json.loads(body)["status"] == "approved", f"approved at the console: {body}")
    status, _, page = raw(where, "GET", f"/approve?txn={txn}")
    check(status == 403, f"whoever else knows the id gets no code: {status}")
    status, headers, _ = raw(where, "GET", f"/approve?txn={txn}", {"Cookie": txn.cookie})
    check(status == 303, f"the waiting page continues to the client: {status}")
    code, iss = redirected(headers)
    check(iss == f"http://{where}", f"RFC 9207 iss: {iss}")
    status, pair = tokens(where, client_id, code, verifier)
    check(status == 200 and pair["token_type"] == "Bearer" and pair["expires_in"] == 86400, f"/token: {pair}")
    check(whoami(where, pair["access_token"]) == "remote2", "the console-approved grant acts as remote2")
    # A code is single use: presented again, it is refused and its grant revoked.
    status, answer = tokens(where, client_id, code, verifier)
    check(status == 400 and answer["error"] == "invalid_grant", f"a spent code: {status} {answer}")
    check(mcp_status(where, pair["access_token"]) == 401, "a replayed code revokes what it issued")
    return client_id


def refresh_and_revoke(deployment, where, client_id, totp, used):
    verifier, challenge = pkce()
    txn = transaction(where, client_id, challenge, scope="instance:remote2")
    code = wait_for_new_window(totp, used)
    status, headers, _ = form(where, "/approve", {"txn": txn, "code": code}, txn.cookie)
    used.add(code)
    check(status == 303, f"a fresh window approves: {status}")
    # The same window again, for another transaction: a window approves once.
    txn2 = transaction(where, client_id, pkce()[1])
    status, _, page = form(where, "/approve", {"txn": txn2, "code": code}, txn2.cookie)
    check(status == 401 and b"already used" in page, f"a window approves once: {status} {page[-300:]}")
    status, pair = tokens(where, client_id, redirected(headers)[0], verifier)
    check(status == 200, f"tokens: {pair}")
    status, _, body = form(where, "/token", {"grant_type": "refresh_token", "refresh_token": pair["refresh_token"],
                                             "client_id": client_id})
    rotated = json.loads(body)
    Secrets.add(rotated.get("access_token"), rotated.get("refresh_token"))
    check(status == 200 and rotated["refresh_token"] != pair["refresh_token"], f"refresh rotates: {rotated}")
    check(whoami(where, rotated["access_token"]) == "remote2", "the rotated access token works")
    # /revoke (RFC 7009) of an access token: refused from the next request on.
    status, _, _ = form(where, "/revoke", {"token": rotated["access_token"], "client_id": client_id})
    check(status == 200 and mcp_status(where, rotated["access_token"]) == 401, f"/revoke: {status}")
    status, _, _ = form(where, "/revoke", {"token": "cha_" + "1" * 64})
    check(status == 200, "revoking an unknown token says nothing")
    # The rotated-away refresh token, presented again: a stolen copy; the grant is revoked.
    status, _, body = form(where, "/token", {"grant_type": "refresh_token", "refresh_token": pair["refresh_token"],
                                             "client_id": client_id})
    check(status == 400 and json.loads(body)["error"] == "invalid_grant", f"a rotated refresh token: {body}")
    status, _, body = form(where, "/token", {"grant_type": "refresh_token",
                                             "refresh_token": rotated["refresh_token"], "client_id": client_id})
    check(status == 400, f"its grant is revoked with it: {status} {body}")


async def sdk_flow(deployment, where, totp, used):
    """The Python SDK's own OAuthClientProvider does the whole flow; the practitioner's code
    comes from pyotp."""

    class Storage:
        tokens = client = None

        async def get_tokens(self):
            return self.tokens

        async def set_tokens(self, tokens):
            self.tokens = tokens
            Secrets.add(tokens.access_token, tokens.refresh_token)

        async def get_client_info(self):
            return self.client

        async def set_client_info(self, info):
            self.client = info

    pending = {}

    async def redirect_handler(url):
        pending["url"] = url

    async def callback_handler():
        parsed = urlparse(pending["url"])
        status, headers, _ = raw(where, "GET", f"{parsed.path}?{parsed.query}")
        check(status == 302, f"the SDK's authorization URL: {status}")
        txn = parse_qs(urlparse(headers["location"]).query)["txn"][0]
        cookie = headers["set-cookie"].split(";")[0]
        status, _, page = raw(where, "GET", f"/approve?txn={txn}", {"Cookie": cookie})
        check(status == 200 and b'value="choros-test-client"' in page and b"choros test client" in page,
              f"the page names the client and the instance: {page[-1500:]}")
        code = wait_for_new_window(totp, used)
        used.add(code)
        # The practitioner names the instance on the page.
        status, headers, page = form(where, "/approve", {"txn": txn, "code": code, "instance": "remote1"}, cookie)
        check(status == 303, f"the practitioner's code approves: {status} {page[-400:]}")
        query = parse_qs(urlparse(headers["location"]).query)
        Secrets.add(query["code"][0])
        return AuthorizationCodeResult(code=query["code"][0], state=query["state"][0], iss=query.get("iss", [None])[0])

    storage = Storage()
    provider = OAuthClientProvider(
        server_url=f"http://{where}/mcp",
        client_metadata=OAuthClientMetadata(client_name="choros test client", redirect_uris=[REDIRECT],
                                            grant_types=["authorization_code", "refresh_token"],
                                            response_types=["code"],
                                            token_endpoint_auth_method="none"),
        storage=storage, redirect_handler=redirect_handler, callback_handler=callback_handler)
    client = create_mcp_http_client(auth=provider)
    async with streamable_http_client(f"http://{where}/mcp", http_client=client) as (read, write, *_):
        async with ClientSession(read, write) as session:
            await session.initialize()
            result = await session.call_tool("whoami", {})
            who = json.loads(result.content[0].text)
            check(who["name"] == "remote1", f"the SDK's session acts as the approved instance: {who}")
            result = await session.call_tool("kip_commit", {"domain": "notes", "slug": "remote", "op_id": "remote-1",
                                                            "body": "Written through the OAuth door."})
            check(not result.isError if hasattr(result, "isError") else not result.is_error,
                  f"a write through the door: {result.content[0].text}")
            result = await session.call_tool("kip_get", {"ref": "remote1", "path": "notes/remote.md"})
            check("Written through the OAuth door." in result.content[0].text, "and it reads back")
    key = os.path.join(deployment.data, "keys", "connectors", "remote1.key")
    check(stat.S_IMODE(os.stat(key).st_mode) == 0o600, "the custodial key is the door's, 0600")
    instances = json.loads(deployment.run("choros-admin", "instance", "list", "--json").stdout)["instances"]
    check(any(i["name"] == "remote1" for i in instances), f"remote1 is enrolled: {instances}")
    return storage.client.client_id


def connector_revoke(deployment, where, client_id, totp, used):
    """choros-admin connector revoke: the grant's tokens fail from the next request."""
    verifier, challenge = pkce()
    txn = transaction(where, client_id, challenge, scope="instance:remote1")
    deployment.run("choros-admin", "connector", "approve", txn)
    status, headers, _ = raw(where, "GET", f"/approve?txn={txn}", {"Cookie": txn.cookie})
    status, pair = tokens(where, client_id, redirected(headers)[0], verifier)
    check(whoami(where, pair["access_token"]) == "remote1", "a second grant for remote1")
    grants = json.loads(deployment.run("choros-admin", "connector", "list", "--json").stdout)["grants"]
    grant = [g for g in grants if g["instance"] == "remote1" and "revoked_at" not in g][-1]["grant"]
    deployment.run("choros-admin", "connector", "revoke", grant)
    check(mcp_status(where, pair["access_token"]) == 401, "a revoked grant's token is refused on its next request")


def route_hardening(where):
    """On every route: a foreign Host is misdirected (421) and every answer carries the
    security headers; the auth routes cap bodies at 64 KiB (413)."""
    routes = [("GET", "/.well-known/oauth-authorization-server"), ("GET", "/.well-known/oauth-protected-resource/mcp"),
              ("POST", "/register"), ("GET", "/authorize"), ("GET", "/approve"), ("POST", "/approve"),
              ("GET", "/approve/status"), ("POST", "/token"), ("POST", "/revoke"), ("GET", "/healthz"),
              ("GET", "/metrics"), ("POST", "/mcp")]
    for method, path in routes:
        status, headers, _ = raw(where, method, path, {"Host": "evil.example"}, "" if method == "POST" else None)
        check(status == 421, f"{method} {path} with a foreign Host: {status}")
        check(all(h in headers for h in HEADERS), f"{method} {path}: security headers on the refusal: {headers}")
        status, headers, _ = raw(where, method, path, {}, "" if method == "POST" else None)
        check(all(h in headers for h in HEADERS), f"{method} {path}: security headers: {status} {headers}")
    for path in ("/token", "/revoke", "/approve"):
        status, _, _ = raw(where, "POST", path, {"Content-Type": "application/x-www-form-urlencoded"},
                           "token=" + "x" * (64 << 10))
        check(status == 413, f"{path} refuses a body past 64 KiB: {status}")


def rate_limits(where):
    statuses = [form(where, "/token", {"grant_type": "nope"})[0] for _ in range(70)]
    check(statuses[0] in (400, 401) and statuses[-1] == 429, f"/token is rate limited per address: {statuses[-3:]}")
    statuses = [raw(where, "GET", "/authorize?client_id=x")[0] for _ in range(35)]
    check(statuses[-1] == 429, f"/authorize is rate limited per address: {statuses[-3:]}")


def audit_trail(deployment):
    database = sqlite3.connect(os.path.join(deployment.data, "audit.sqlite"))
    rows = database.execute("SELECT op, actor, detail FROM events WHERE op LIKE 'connector.%' OR op = 'instance.enroll'"
                            " OR op = 'airlock.window'").fetchall()
    ops = {op for op, _, _ in rows}
    for op in ("connector.register", "connector.approve", "connector.refused", "connector.issue", "connector.revoke",
               "instance.enroll"):
        check(op in ops, f"{op} is audited: {sorted(ops)}")
    approvals = [json.loads(d) for op, _, d in rows if op == "connector.approve"]
    check(any(a["channel"] == "totp" and a["window"] > 0 for a in approvals)
          and any(a["channel"] == "console" for a in approvals), f"approvals name channel and window: {approvals}")
    check(any(op == "airlock.window" and actor == "connector" for op, actor, _ in rows), "the window is spent")
    dump = b"".join(line.encode() for line in database.iterdump())
    logs = b"".join(open(path, "rb").read() for path in glob.glob(os.path.join(deployment.data, "logs", "*")))
    for value in Secrets.seen:
        check(value.encode() not in dump, "no code or token in the audit log")
        check(value.encode() not in logs, "no code or token in a log")
    check(len(Secrets.seen) >= 8, f"the grep looked for every secret: {len(Secrets.seen)}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    arguments = parser.parse_args()
    deployment = Deployment(arguments.bin, 120, 'http_enabled = true\nhttp_listen = "127.0.0.1:0"\n'
                            f'http_public_url = "{PUBLIC}/"\n')
    try:
        where = wait_for_address(deployment)
        discovery(where)
        registration(where)
        print("http oauth: public face ok")
    finally:
        deployment.stop()
    # The whole flow needs the public URL to be where the door is: a fixed loopback port.
    port = free_port()
    deployment = Deployment(arguments.bin, 120, f'http_enabled = true\nhttp_listen = "127.0.0.1:{port}"\n'
                            f'http_public_url = "http://127.0.0.1:{port}"\n')
    try:
        where = wait_for_address(deployment)
        deployment.run("choros-admin", "totp-provision")
        with open(os.path.join(deployment.data, "keys", "airlock.totp")) as secret_file:
            totp = pyotp.TOTP(secret_file.read().strip())
        used = set()
        client_id = asyncio.run(sdk_flow(deployment, where, totp, used))
        authorize_checks(where, client_id)
        wrong_codes(where, client_id, totp)
        console_approval(deployment, where, client_id)
        refresh_and_revoke(deployment, where, client_id, totp, used)
        connector_revoke(deployment, where, client_id, totp, used)
        route_hardening(where)
        rate_limits(where)
        audit_trail(deployment)
        print("http oauth: ok")
    finally:
        deployment.stop()


if __name__ == "__main__":
    main()
