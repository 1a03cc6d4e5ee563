"""Opens COUNT connections to a socket as fast as it can and holds them, never saying a word:
what an instance with a shell could do to starve the gateway (TRUST.md, rule 6). Then waits
up to HOLD_SECONDS for the server to close each one, and prints one JSON line: how many it
refused with an error frame (over the per-uid cap), how many it closed silently (unbound past
its handshake deadline), and how many were still open at the end.

Usage: flood.py SOCKET COUNT HOLD_SECONDS
"""

import json
import resource
import select
import socket
import sys
import time

path, count, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 64)), hard))

started = time.time()
open_sockets, failed = {}, 0
for _ in range(count):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
        open_sockets[sock.fileno()] = sock
    except OSError:
        failed += 1
        sock.close()

refused = silent = 0
poller = select.poll()
for descriptor in open_sockets:
    poller.register(descriptor, select.POLLIN | select.POLLHUP)
while open_sockets and time.time() - started < hold:
    for descriptor, _ in poller.poll(200):
        sock = open_sockets.pop(descriptor, None)
        if sock is None:
            continue
        poller.unregister(descriptor)
        try:
            data = sock.recv(4096)
        except OSError:
            data = b""
        if data:
            refused += 1
        else:
            silent += 1
        sock.close()

print(json.dumps({
    "attempted": count,
    "connect_failed": failed,
    "refused": refused,
    "closed_silently": silent,
    "still_open": len(open_sockets),
}), flush=True)
