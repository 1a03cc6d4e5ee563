"""What the HTTP door's interop tests share: a free loopback port and the door's address."""
import os
import socket
import time


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_address(deployment):
    path = os.path.join(deployment.data, "run", "http.address")
    deadline = time.time() + 60
    while time.time() < deadline:
        if os.path.exists(path):
            text = open(path).read().strip()
            if text:
                return text
        time.sleep(0.1)
    raise AssertionError(f"choros-http wrote no {path}")
