#!/usr/bin/env python3
"""The OAuth door's public face (issue 17), with raw HTTP against a deployment whose
`http_public_url` is set: the discovery documents (RFC 9728, RFC 8414), the 401 challenge
naming the resource metadata, dynamic client registration (RFC 7591) with its checks, its
64 KiB body cap and its per-address rate limit (429).

Usage: oauth.py --bin .build/debug
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from deployment import Deployment, check  # noqa: E402
from http_support import wait_for_address  # noqa: E402
from loopback import HEADERS, initialize_body, raw  # noqa: E402

PUBLIC = "https://choros.example"


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
        print("http oauth: ok")
    finally:
        deployment.stop()


if __name__ == "__main__":
    main()
