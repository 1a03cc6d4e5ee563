#!/usr/bin/env python3
"""A local stand-in for an OpenAI-compatible /v1/embeddings server, for tests only.

  fake_server.py DIR

Listens on 127.0.0.1 on a free port and writes it to DIR/port. Each request's model and
inputs are appended to DIR/requests.jsonl. DIR/mode, if present, says how to answer:
"ok" (default), "500", or "slow" (sleep 8 s, past the client's timeout).
Vectors are deterministic: a character histogram of the input, 8-dimensional.
"""
import http.server
import json
import os
import sys
import time

directory = sys.argv[1]


def mode():
    try:
        with open(os.path.join(directory, "mode")) as handle:
            return handle.read().strip()
    except FileNotFoundError:
        return "ok"


def vector(text):
    values = [0.0] * 8
    for character in text:
        values[ord(character) % 8] += 1.0
    return values


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(os.path.join(directory, "requests.jsonl"), "a") as log:
            log.write(json.dumps({"model": body["model"], "input": body["input"], "path": self.path}) + "\n")
        current = mode()
        if current == "500":
            self.send_response(500)
            self.end_headers()
            return
        if current == "slow":
            time.sleep(8)
        payload = {"data": [{"index": i, "embedding": vector(text)} for i, text in enumerate(body["input"])]}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *arguments):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(directory, "port.tmp"), "w") as handle:
    handle.write(str(server.server_address[1]))
os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
server.serve_forever()
