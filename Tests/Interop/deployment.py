"""A real Choros deployment for the interop tests: `choros up` on a temporary data
directory (the supervisor starts every daemon and runs `choros-admin init`), stopped and
removed afterwards."""
import os
import shutil
import signal
import subprocess
import tempfile
import time


class Failure(Exception):
    pass


def field(value, camel, snake):
    """The MCP client's models spell fields inputSchema (1.x) or input_schema (2.x)."""
    return getattr(value, camel) if hasattr(value, camel) else getattr(value, snake)


def check(condition, message):
    if not condition:
        raise Failure(message)


class Deployment:
    def __init__(self, bin_dir, floor_seconds, extra_config=""):
        self.bin = os.path.abspath(bin_dir)
        self.dir = tempfile.mkdtemp(prefix="choros-mcp-")
        self.data = os.path.join(self.dir, "data")
        os.makedirs(self.data)
        with open(os.path.join(self.data, "choros.toml"), "w") as config:
            config.write(f'data_dir = "{self.data}"\nairlock_floor_s = {floor_seconds}\n{extra_config}')
        self.log = open(os.path.join(self.dir, "up.log"), "w")
        self.up = subprocess.Popen([self.cmd("choros"), "up", "--data-dir", self.data],
                                   stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_for_init()

    def cmd(self, name):
        return os.path.join(self.bin, name)

    def run(self, *arguments, check_status=True, timeout=180):
        result = subprocess.run([self.cmd(arguments[0]), *arguments[1:], "--data-dir", self.data],
                                capture_output=True, text=True, timeout=timeout)
        if check_status and result.returncode != 0:
            raise Failure(f"{' '.join(arguments)} exited {result.returncode}: {result.stderr}")
        return result

    def wait_for_init(self):
        init_log = os.path.join(self.data, "logs", "init.log")
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.up.poll() is not None:
                raise Failure(f"choros up exited {self.up.returncode}: {open(self.log.name).read()}")
            if os.path.exists(init_log) and "practitioner:" in open(init_log).read():
                return
            time.sleep(0.2)
        raise Failure("choros up did not initialize within 120 s")

    def stop(self):
        if self.log.closed:
            return
        self.up.send_signal(signal.SIGTERM)
        try:
            self.up.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.up.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
