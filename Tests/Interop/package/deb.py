"""Issue 21: the .deb from scripts/package, installed on this machine with dpkg -i. It checks
what the package carries (static Swift runtime, man pages, completions, units that
systemd-analyze accepts, the service user), runs `choros up` from /usr/bin on a temporary data
directory until every daemon is healthy, then removes and purges it: the files, the user
and an empty /var/lib/choros go, and a /var/lib/choros that holds data is kept.

Usage: python3 Tests/Interop/package/deb.py DEB   (as root, or with sudo available)
"""
import grp
import gzip
import json
import os
import pwd
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from deployment import Deployment, Failure, check  # noqa: E402

SUDO = [] if os.geteuid() == 0 else ["sudo", "-n"]
EXECUTABLES = ["choros", "choros-admin", "choros-mcp", "choros-store", "choros-audit", "choros-index",
               "choros-airlock", "choros-gateway", "choros-http", "choros-cockpit"]
UNITS = ["choros.target", "choros-init.service"] + [f"choros-{name}.service" for name in
                                                     ["store", "audit", "index", "airlock", "gateway"]]


def run(*arguments, ok=True):
    result = subprocess.run(list(arguments), capture_output=True, text=True, timeout=600)
    if ok and result.returncode != 0:
        raise Failure(f"{' '.join(arguments)} exited {result.returncode}: {result.stderr}{result.stdout}")
    return result


def dpkg(*arguments):
    return run(*SUDO, "dpkg", *arguments)


def installed():
    return run("dpkg-query", "-W", "-f=${Status}", "choros", ok=False).stdout.startswith("install ok installed")


def user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def check_contents():
    for name in EXECUTABLES:
        path = f"/usr/bin/{name}"
        check(os.access(path, os.X_OK), f"{path} is installed and executable")
        libraries = run("ldd", path).stdout
        check("libswift" not in libraries and "libFoundation" not in libraries,
              f"{name} carries the Swift runtime statically: {libraries}")
        version = run(path, "--version").stdout.strip()
        check(version and version != "unknown", f"{name} --version names its build: {version!r}")
        with gzip.open(f"/usr/share/man/man1/{name}.1.gz", "rt") as page:
            text = page.read()
        check(".Dt " in text and name.upper() in text, f"{name}.1 is an mdoc page for {name}")
    for name in ["choros", "choros-admin", "choros-mcp", "choros-cockpit"]:
        completion = f"/usr/share/bash-completion/completions/{name}"
        registered = run("bash", "-c", f"source {completion} && complete -p {name}").stdout
        check(name in registered, f"the bash completion registers {name}: {registered!r}")
        check(os.path.getsize(f"/usr/share/zsh/vendor-completions/_{name}") > 0, f"zsh completion for {name}")
        check(os.path.getsize(f"/usr/share/fish/vendor_completions.d/{name}.fish") > 0, f"fish completion for {name}")
    units = [f"/lib/systemd/system/{unit}" for unit in UNITS]
    for unit in units:
        check(os.path.exists(unit), f"{unit} is installed")
    if shutil.which("systemd-analyze"):
        # With the executables in /usr/bin and the user present, verify checks the units whole.
        verified = run("systemd-analyze", "verify", *units, ok=False)
        check(verified.returncode == 0, f"systemd-analyze verify accepts the units: {verified.stderr}")


def check_service_user():
    user = pwd.getpwnam("choros")
    check(user.pw_dir == "/var/lib/choros" and user.pw_shell == "/usr/sbin/nologin",
          f"choros is a system user without a shell: {user}")
    check("choros" in grp.getgrnam("choros-instances").gr_mem, "choros may hand gateway.sock to choros-instances")
    info = os.stat("/var/lib/choros")
    check(info.st_uid == user.pw_uid and info.st_mode & 0o777 == 0o750,
          f"/var/lib/choros is choros's, 0750: uid {info.st_uid}, mode {oct(info.st_mode & 0o777)}")


def check_runs():
    """choros up from /usr/bin on a temporary data directory, until every daemon is healthy."""
    deployment = Deployment("/usr/bin", 90)
    try:
        deadline = time.time() + 60
        while True:
            status = json.loads(deployment.run("choros", "status", "--json").stdout)
            states = {daemon["name"]: daemon.get("state") for daemon in status["daemons"]}
            if len(states) == 5 and all(state == "healthy" for state in states.values()):
                break
            check(time.time() < deadline, f"every daemon healthy within 60 s: {states}")
            time.sleep(0.5)
        deployment.run("choros-admin", "verify")  # exits non-zero unless the chain verifies
    finally:
        deployment.stop()


def check_removal(deb):
    dpkg("-r", "choros")
    for name in EXECUTABLES:
        check(not os.path.exists(f"/usr/bin/{name}"), f"dpkg -r removed /usr/bin/{name}")
    check(not any(os.path.exists(f"/lib/systemd/system/{unit}") for unit in UNITS), "dpkg -r removed the units")
    check(user_exists("choros") and os.path.isdir("/var/lib/choros"), "dpkg -r keeps the user and the data")
    dpkg("--purge", "choros")
    check(not user_exists("choros") and not os.path.exists("/var/lib/choros"),
          "purging removes the user and the empty /var/lib/choros")
    for group in ["choros", "choros-instances"]:
        check(group not in [entry.gr_name for entry in grp.getgrall()], f"purging removes the group {group}")

    # A deployment in /var/lib/choros outlives a purge, and so does the user that owns it.
    dpkg("-i", deb)
    marker = "/var/lib/choros/choros.toml"
    run(*SUDO, "sh", "-c", f"echo 'data_dir = \"/var/lib/choros\"' > {marker}")
    purged = dpkg("--purge", "choros")
    check(os.path.exists(marker) and user_exists("choros"), "purging keeps a /var/lib/choros that holds data")
    check("kept" in purged.stderr + purged.stdout, f"purging says what it kept: {purged.stderr}")
    run(*SUDO, "rm", "-r", "/var/lib/choros")
    run(*SUDO, "userdel", "choros")
    for group in ["choros-instances", "choros"]:
        run(*SUDO, "groupdel", group, ok=False)


def main():
    deb = os.path.abspath(sys.argv[1])
    if installed():
        raise Failure("a choros package is already installed here; this test installs and purges its own")
    dpkg("-i", deb)
    try:
        check(installed(), "dpkg -i installed choros")
        check_service_user()
        check_contents()
        check_runs()
        check_removal(deb)
    except BaseException:
        if installed():
            dpkg("--purge", "choros")
        raise
    print("package: installed, ran healthy from /usr/bin, removed and purged cleanly")


if __name__ == "__main__":
    try:
        main()
    except Failure as failure:
        print(f"package: FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
