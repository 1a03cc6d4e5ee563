#!/usr/bin/env python3
"""The HTTP door over its own TLS (issue 17): a self-signed certificate made here with
openssl, `http_tls_cert` / `http_tls_key`, and the official Python MCP client over https
trusting only that certificate. Plain HTTP on the TLS port gets nowhere, answers carry HSTS,
and a key file others may read is refused at start.

Usage: tls.py --bin .build/debug
"""
import argparse
import asyncio
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile

import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from deployment import Deployment, check  # noqa: E402
from http_support import free_port, wait_for_address  # noqa: E402


def certificate(directory):
    cert, key = os.path.join(directory, "door.crt"), os.path.join(directory, "door.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", key, "-out", cert,
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    os.chmod(key, 0o600)
    return cert, key


async def session(url, token, cert):
    context = ssl.create_default_context(cafile=cert)
    client = httpx2.AsyncClient(verify=context, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    async with streamable_http_client(url, http_client=client) as (read, write, *_):
        async with ClientSession(read, write) as s:
            await s.initialize()
            result = await s.call_tool("whoami", {})
            return json.loads(result.content[0].text)["name"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    arguments = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="choros-tls-")
    cert, key = certificate(directory)
    port = free_port()
    deployment = Deployment(arguments.bin, 120, f'http_enabled = true\nhttp_listen = "127.0.0.1:{port}"\n'
                                                f'http_tls_cert = "{cert}"\nhttp_tls_key = "{key}"\n')
    try:
        deployment.run("choros-admin", "instance", "add", "lintel")
        token = json.loads(deployment.run("choros-admin", "instance", "token", "lintel", "--json").stdout)["token"]
        where = wait_for_address(deployment)
        check(asyncio.run(session(f"https://localhost:{port}/mcp", token, cert)) == "lintel",
              "the Python client over https, trusting the test's certificate")
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=ssl.create_default_context(cafile=cert),
                                                 timeout=10)
        connection.request("GET", "/healthz", headers={"Host": f"localhost:{port}"})
        response = connection.getresponse()
        check(response.status == 200 and "max-age" in (response.getheader("Strict-Transport-Security") or ""),
              f"HSTS under TLS: {response.status} {response.getheaders()}")
        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            plain.request("GET", "/healthz")
            status = plain.getresponse().status
        except (http.client.HTTPException, ConnectionError, socket.timeout):
            status = None
        check(status is None, f"plain HTTP on the TLS port is not served: {status} at {where}")
    finally:
        deployment.stop()
    # A key others may read is refused as the daemon starts, naming the file.
    os.chmod(key, 0o644)
    data = tempfile.mkdtemp(prefix="choros-tls-data-")
    with open(os.path.join(data, "choros.toml"), "w") as config:
        config.write(f'data_dir = "{data}"\nhttp_enabled = true\nhttp_listen = "127.0.0.1:{free_port()}"\n'
                     f'http_tls_cert = "{cert}"\nhttp_tls_key = "{key}"\n')
    started = subprocess.run([os.path.join(arguments.bin, "choros-http"), "--data-dir", data],
                             capture_output=True, text=True, timeout=60)
    check(started.returncode != 0 and "others may read it" in started.stderr,
          f"a readable TLS key is refused: {started.returncode} {started.stderr[-300:]}")
    print("http tls: ok")


if __name__ == "__main__":
    main()
