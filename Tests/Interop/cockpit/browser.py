#!/usr/bin/env python3
"""The practitioner's cockpit (issue 18) in a real browser: Debian's chromium, headless,
driven by Selenium against a real deployment (`choros up`) that an instance filled through
choros-mcp and the official Python MCP client.

It logs in through the URL `choros-admin cockpit` prints; opens a proposal the instance wrote
and sees its rendered entries and line diff against canon; lands it by typing its id and sees
the seq advance on the overview; reads and answers the practitioner's mail; refutes a claim
after a cascade preview that lists exactly what the refute then invalidates; enrolls an
instance; verifies the audit log. A form posted without its CSRF token is refused, a request
naming another Host is refused, and an entry whose body holds a <script> and an onerror
image renders inert (no script ran). Each step saves a PNG screenshot under --out.

Usage: browser.py --bin .build/debug [--out .build/test-output/cockpit]
"""
import argparse
import asyncio
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse
import base64

import pyotp
import hashlib
import secrets

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "http"))
from deployment import Deployment, check, field  # noqa: E402
from http_support import free_port, wait_for_address  # noqa: E402

HOSTILE = ("Tides follow the moon, twice a day.\n\n<script>document.title='owned';window.owned=1</script>\n\n"
           "<img src=x onerror=\"document.title='owned';window.owned=1\">\n\n"
           "**Spring tides** come with the new and full moon. [more](javascript:window.owned=1)\n")


async def call(session, tool, arguments=None):
    result = await session.call_tool(tool, arguments or {})
    text = result.content[0].text if result.content else ""
    check(not field(result, "isError", "is_error"), f"{tool} refused: {text}")
    return json.loads(text)


async def fill(deployment):
    """alice proposes p1 (landed at the console), then p2, which supersedes p1's entry with a
    hostile body; she writes to the practitioner and derives claims."""
    added = json.loads(deployment.run("choros-admin", "instance", "add", "alice", "--json").stdout)
    params = StdioServerParameters(command=deployment.cmd("choros-mcp"),
                                   args=["--key", added["key_file"], "--data-dir", deployment.data])
    async with stdio_client(params) as (read, write), ClientSession(read, write) as a:
        await a.initialize()
        await call(a, "propose", {"proposal_id": "p1", "domain": "notes", "slug": "tides",
                                  "body": "Tides follow the moon.\n\nHigh water twice a day.", "op_id": "p1a"})
        await call(a, "propose", {"proposal_id": "p1", "domain": "meta/log", "slug": "1",
                                  "body": "Adds tides.", "op_id": "p1b"})
        deployment.run("choros-admin", "land", "p1")
        await call(a, "canon_diff")
        await call(a, "sup_reconcile", {"body": "Tides landed."})
        await call(a, "propose", {"proposal_id": "p2", "domain": "notes", "slug": "tides-2", "body": HOSTILE,
                                  "supersedes": "notes/tides", "title": "Tides, revised", "op_id": "p2a"})
        await call(a, "propose", {"proposal_id": "p2", "domain": "meta/log", "slug": "2",
                                  "body": "Revises tides.", "op_id": "p2b"})
        for proposal in ("p3", "p4"):
            await call(a, "propose", {"proposal_id": proposal, "domain": "notes", "slug": f"draft-{proposal}",
                                      "body": "A draft.", "op_id": f"{proposal}a"})
        await call(a, "imp_send", {"recipients": ["practitioner"], "subject": "p2 is ready",
                                   "body": "Please look at **p2**.", "coordinates": "notes/tides.md",
                                   "op_id": "m1"})
        evidence = await call(a, "evidence_add", {"source": "instance.observation", "kind": "tide-table",
                                                  "content": {"high_water": "06:12"}, "observed_at": 1700000000000,
                                                  "op_id": "c-e"})
        ids = []
        inputs = [evidence["id"]]
        for predicate, key in (("high_water", "c-r"), ("safe_departure", "c-1"), ("ferry_slot", "c-2")):
            claim = await call(a, "claim_assert", {"subject": "harbor", "predicate": predicate, "value": {"v": key},
                                                   "confidence_ppm": 900000, "deriver": "browser",
                                                   "deriver_version": "1", "inputs": inputs, "rationale": "read off",
                                                   "op_id": key})
            ids.append(claim["id"])
            inputs = [claim["id"]]
        return ids


class Cockpit:
    def __init__(self, deployment):
        self.process = subprocess.Popen(
            [deployment.cmd("choros-admin"), "cockpit", "--no-browser", "--port", "0", "--data-dir", deployment.data],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 60
        self.url = None
        while time.time() < deadline and self.url is None:
            line = self.process.stdout.readline()
            check(line != "" or self.process.poll() is None, "choros-admin cockpit exited before printing its URL")
            if "open http" in line:
                self.url = line.split("open ", 1)[1].strip()
        check(self.url is not None, "the cockpit printed a login URL")
        parsed = urllib.parse.urlparse(self.url)
        check(parsed.hostname == "127.0.0.1", f"the cockpit is on loopback: {self.url}")
        self.origin = f"{parsed.scheme}://{parsed.netloc}"
        self.port = parsed.port

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def browser():
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,1000"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


class Shots:
    def __init__(self, driver, out):
        self.driver, self.out = driver, out
        os.makedirs(out, exist_ok=True)

    def take(self, name, width=1280):
        self.driver.set_window_size(width, 1000)
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(width, min(max(height + 120, 700), 6000))
        path = os.path.join(self.out, f"{name}.png")
        check(self.driver.save_screenshot(path), f"screenshot {path}")
        self.driver.set_window_size(1280, 1000)
        print(f"  screenshot {path}")


def text(driver):
    """The page's text; read again if the overview's live refresh replaced it meanwhile."""
    for _ in range(5):
        try:
            return driver.find_element(By.TAG_NAME, "body").text
        except StaleElementReferenceException:
            time.sleep(0.2)
    return driver.find_element(By.TAG_NAME, "body").text


def click_link(driver, words, partial=False):
    """Clicks a link, again if the overview's live refresh replaced it meanwhile."""
    for _ in range(5):
        try:
            driver.find_element(By.PARTIAL_LINK_TEXT if partial else By.LINK_TEXT, words).click()
            return
        except StaleElementReferenceException:
            time.sleep(0.2)
    raise AssertionError(f"the link {words!r} kept changing")


def shows(driver, words, timeout=20):
    """Whether the page shows `words` within `timeout` (a submitted form loads the next page)."""
    try:
        WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: words in text(d))
        return True
    except TimeoutException:
        return False


def raw(port, method, path, headers=None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, payload


def terminal(deployment):
    """The terminal keeps up: the same content diff, the inbox, and a close."""
    diff = deployment.run("choros-admin", "preview", "p2", "--diff").stdout
    check("superseding notes/tides-2.md (against canon's notes/tides.md)" in diff
          and "+ Tides follow the moon, twice a day." in diff and "- High water twice a day." in diff
          and "\x1b[" not in diff, f"preview --diff, plain off a terminal: {diff[-600:]}")
    listed = deployment.run("choros-admin", "inbox").stdout
    check("alice  p2 is ready  messages/m1.md" in listed, f"choros-admin inbox: {listed}")
    shown = deployment.run("choros-admin", "inbox", "--read", "messages/m1.md").stdout
    check("Please look at **p2**." in shown, f"choros-admin inbox --read: {shown}")
    listed = deployment.run("choros-admin", "inbox", "--all").stdout
    check("  alice  p2 is ready" in listed, f"read messages are listed with --all: {listed}")
    deployment.run("choros-admin", "close", "p4", "superseded by p2")
    states = {p["proposal_id"]: p for p in json.loads(deployment.run("choros-admin", "proposals", "--json").stdout)
              ["proposals"]}
    check(states["p4"]["state"] == "closed", f"choros-admin close: {states}")


def waiting_connector(deployment):
    """A remote client registers with the HTTP door and asks to be approved."""
    where = wait_for_address(deployment)
    host, port = where.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("POST", "/register", json.dumps({"client_name": "Remote Claude",
                                                        "redirect_uris": ["http://127.0.0.1:9/cb"]}),
                       {"Content-Type": "application/json"})
    client = json.loads(connection.getresponse().read())
    challenge = base64.urlsafe_b64encode(hashlib.sha256(secrets.token_urlsafe(48).encode()).digest()).rstrip(b"=")
    query = urllib.parse.urlencode({"response_type": "code", "client_id": client["client_id"],
                                    "redirect_uri": "http://127.0.0.1:9/cb", "code_challenge": challenge.decode(),
                                    "code_challenge_method": "S256", "state": "s"})
    connection.request("GET", "/authorize?" + query)
    response = connection.getresponse()
    response.read()
    check(response.status == 302, f"the connector waits for approval: {response.status}")


def approval_in_browser(deployment, shots):
    """The HTTP door's approval page in the browser: the practitioner's code approves and the
    browser goes on to the client's redirect URI (the form's POST passes the door's Origin check
    and its CSP); a page left waiting continues by itself once the console approves."""
    driver = shots.driver
    where = wait_for_address(deployment)
    host, port = where.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("POST", "/register", json.dumps({"client_name": "Browser Client",
                                                        "redirect_uris": ["http://127.0.0.1:9/cb"]}),
                       {"Content-Type": "application/json"})
    client = json.loads(connection.getresponse().read())["client_id"]
    deployment.run("choros-admin", "totp-provision")
    with open(os.path.join(deployment.data, "keys", "airlock.totp")) as secret_file:
        totp = pyotp.TOTP(secret_file.read().strip())

    def authorize(state):
        challenge = base64.urlsafe_b64encode(hashlib.sha256(secrets.token_urlsafe(48).encode()).digest())
        driver.get(f"http://{where}/authorize?" + urllib.parse.urlencode({
            "response_type": "code", "client_id": client, "redirect_uri": "http://127.0.0.1:9/cb",
            "code_challenge": challenge.rstrip(b"=").decode(), "code_challenge_method": "S256", "state": state}))
        check(shows(driver, "Approve a connector"), f"the approval page: {text(driver)[:300]}")
        return urllib.parse.parse_qs(urllib.parse.urlparse(driver.current_url).query)["txn"][0]

    def redirected(state):
        WebDriverWait(driver, 30).until(lambda d: d.current_url.startswith("http://127.0.0.1:9/cb"))
        query = urllib.parse.parse_qs(urllib.parse.urlparse(driver.current_url).query)
        return query.get("state") == [state] and len(query.get("code", [""])[0]) > 20

    authorize("by-code")
    shots.take("13-approval-page")
    driver.find_element(By.ID, "instance").clear()
    driver.find_element(By.ID, "instance").send_keys("browser-remote")
    driver.find_element(By.ID, "code").send_keys(totp.now())
    driver.find_element(By.CSS_SELECTOR, "form button").click()
    check(redirected("by-code"), f"the code approves and the browser goes on to the client: {driver.current_url}")
    txn = authorize("by-console")
    deployment.run("choros-admin", "connector", "approve", txn)
    check(redirected("by-console"), f"the waiting page continued by itself: {driver.current_url}")


def run(deployment, cockpit, claims, shots):
    driver = shots.driver
    driver.get(cockpit.url)
    landed = urllib.parse.urlparse(driver.current_url)
    check(f"{landed.scheme}://{landed.netloc}" == cockpit.origin and landed.path.startswith("/c/"),
          f"the login lands on the session's overview: {driver.current_url}")
    cockpit.base = cockpit.origin + landed.path.rstrip("/")
    cookie_path = next(c for c in driver.get_cookies() if c["name"] == "choros_cockpit")["path"]
    check(cookie_path == landed.path.rstrip("/"), f"the cookie is sent to the session's path only: {cookie_path}")
    check("::1" in text(driver) and "p2" in text(driver), f"the overview shows canon ::1 and p2: {text(driver)[:400]}")
    shots.take("01-overview")
    shots.take("01-overview-narrow", width=640)

    # The proposal: rendered entries, the line diff against canon, inert hostile markup.
    click_link(driver, "p2")
    page = text(driver)
    check("superseding" in page and "notes/tides-2.md" in page and "notes/tides.md" in page, f"proposal: {page[:600]}")
    check(driver.find_elements(By.CSS_SELECTOR, ".markdown strong"), "the body renders as Markdown")
    added = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "pre.diff span.added")]
    removed = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "pre.diff span.removed")]
    check(any("twice a day" in line for line in added) and any("High water" in line for line in removed),
          f"the line diff against canon: +{added} -{removed}")
    check(driver.execute_script("return window.owned === undefined") and "owned" not in driver.title,
          f"no script from the entry ran: {driver.title}")
    check(not driver.find_elements(By.CSS_SELECTOR, ".markdown script, .markdown img, .markdown a[href^=javascript]"),
          "the hostile markup is not in the page")
    check("::2" in page, "the seq it will take")
    shots.take("02-proposal")

    # A form without its CSRF token, with the browser's own session cookie, is refused.
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    base = urllib.parse.urlparse(cockpit.base).path
    status, body = raw(cockpit.port, "POST", base + "/proposals/p2/land",
                       {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}, "confirm=p2")
    check(status == 403 and b"CSRF" in body, f"a form without its CSRF token: {status}")
    status, _ = raw(cockpit.port, "GET", base + "/", {"Cookie": cookie, "Host": "evil.example"})
    check(status == 421, f"a request naming another Host: {status}")
    status, _ = raw(cockpit.port, "GET", "/c/" + "0" * 32 + "/", {"Cookie": cookie})
    check(status == 401, f"the cookie opens its own session's path only: {status}")
    status, _ = raw(cockpit.port, "GET", base + "/", {"Cookie": cookie})
    check(status == 200, f"the same request on loopback: {status}")

    # A wrong confirmation lands nothing; the right one lands.
    driver.find_element(By.ID, "confirm").send_keys("p1")
    driver.find_element(By.CSS_SELECTOR, "form[action$='/land'] button").click()
    check(shows(driver, "Type the proposal's id exactly"), "a wrong id is refused")
    driver.get(cockpit.base + "/proposals/p2")
    driver.find_element(By.ID, "confirm").send_keys("p2")
    driver.find_element(By.CSS_SELECTOR, "form[action$='/land'] button").click()
    check(shows(driver, "Landed") and "::2" in text(driver), f"landed: {text(driver)[:300]}")
    shots.take("03-landed")
    driver.get(cockpit.base + "/")
    check("::2" in text(driver), "the overview shows the seq advanced")
    shots.take("04-overview-after-land")

    # Close, with a reason, from the proposal's page.
    driver.get(cockpit.base + "/proposals/p3")
    driver.find_element(By.ID, "reason").send_keys("a draft nobody needs")
    driver.find_element(By.CSS_SELECTOR, "form[action$='/close'] button").click()
    check(shows(driver, "Closed: a draft nobody needs"), f"closed from the cockpit: {text(driver)[:300]}")

    # Mail: read (marks read) and reply as the practitioner.
    click_link(driver, "Inbox", partial=True)
    click_link(driver, "all messages")  # choros-admin inbox --read marked it read already
    check(shows(driver, "p2 is ready"), f"the inbox lists alice's message: {text(driver)[:300]}")
    check("p2 is ready" in text(driver), f"the inbox lists alice's message: {text(driver)[:300]}")
    shots.take("05-inbox")
    driver.find_element(By.LINK_TEXT, "p2 is ready").click()
    check(driver.find_elements(By.CSS_SELECTOR, ".markdown strong"), "the message renders")
    driver.find_element(By.NAME, "body").send_keys("Landed as ::2.")
    driver.find_element(By.CSS_SELECTOR, "form[action$='/inbox/reply'] button").click()
    check(shows(driver, "Your reply to alice"), f"the reply is sent: {text(driver)[:300]}")
    unread = json.loads(deployment.run("choros-admin", "inbox", "--json").stdout)["messages"]
    check(not unread, f"the message is read: {unread}")

    # Claims: the cascade preview lists exactly what the refute then invalidates.
    root, level1, level2 = claims
    driver.get(cockpit.base + "/claims?subject=harbor")
    driver.find_element(By.PARTIAL_LINK_TEXT, root[:16]).click()
    driver.find_element(By.ID, "refute-reason").send_keys("the table was for another year")
    driver.find_element(By.CSS_SELECTOR, "form[action$='/preview'] button.danger").click()
    check(shows(driver, "will be invalidated"), f"the cascade preview: {text(driver)[:300]}")
    previewed = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "tbody tr td:first-child code")]
    check(previewed == [level1[:16], level2[:16]], f"the preview lists both derived claims: {previewed}")
    shots.take("06-cascade-preview")
    driver.find_element(By.CSS_SELECTOR, "form[action$='/judge'] button").click()
    check(shows(driver, "Recorded as"), f"the refute: {text(driver)[:300]}")
    invalidated = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "tbody tr td:first-child code")]
    check(invalidated == previewed, f"the cascade invalidated exactly what was previewed: {invalidated}")
    shots.take("07-refuted")

    # Instances and the audit log.
    driver.get(cockpit.base + "/instances")
    driver.find_element(By.ID, "name").send_keys("carol")
    driver.find_element(By.CSS_SELECTOR, "form[action$='/instances/enroll'] button").click()
    check(shows(driver, "choros-ed25519-key"), "the new key is shown once")
    shots.take("08-enrolled")
    driver.get(cockpit.base + "/instances")
    driver.find_element(By.CSS_SELECTOR, "form[action$='/instances/revoke'] input[value='carol'] + button").click()
    check(shows(driver, "revoked"), "carol is revoked")
    revoked = json.loads(deployment.run("choros-admin", "instance", "list", "--json").stdout)["instances"]
    check(any(i["name"] == "carol" and "revoked_at" in i for i in revoked), f"revoked in the registry: {revoked}")
    shots.take("09-instances")
    driver.get(cockpit.base + "/audit")
    driver.find_element(By.CSS_SELECTOR, "form[action$='/audit/verify'] button").click()
    check(shows(driver, "verified:", timeout=60), f"the audit log verifies: {text(driver)[:300]}")
    driver.find_element(By.CSS_SELECTOR, "form[action$='/audit/anchor'] button").click()
    check(shows(driver, "Anchored at seq"), f"anchored: {text(driver)[:300]}")
    shots.take("10-audit")

    # Connectors: a waiting approval, approved as the console channel, then revoked.
    waiting_connector(deployment)
    driver.get(cockpit.base + "/connectors")
    check("Remote Claude" in text(driver), f"the waiting approval is listed: {text(driver)[:400]}")
    shots.take("11-connectors-waiting")
    field_ = driver.find_element(By.CSS_SELECTOR, "form[action$='/connectors/approve'] input[name='instance']")
    field_.clear()
    field_.send_keys("remote-claude")
    driver.find_element(By.CSS_SELECTOR, "form[action$='/connectors/approve'] button").click()
    check(shows(driver, "acts as remote-claude"), f"approved: {text(driver)[:300]}")
    driver.get(cockpit.base + "/connectors")
    driver.find_element(By.CSS_SELECTOR, "form[action$='/connectors/revoke'] button").click()
    check(shows(driver, "revoked"), f"the grant is revoked: {text(driver)[:400]}")
    grants = json.loads(deployment.run("choros-admin", "connector", "list", "--json").stdout)["grants"]
    check([g["instance"] for g in grants] == ["remote-claude"] and "revoked_at" in grants[0], f"grants: {grants}")
    shots.take("12-connectors")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--out", default=os.path.join(".build", "test-output", "cockpit"))
    arguments = parser.parse_args()
    port = free_port()
    deployment = Deployment(arguments.bin, 120, f'http_enabled = true\nhttp_listen = "127.0.0.1:{port}"\n'
                            f'http_public_url = "http://127.0.0.1:{port}"\n')
    cockpit = None
    driver = None
    try:
        claims = asyncio.run(fill(deployment))
        terminal(deployment)
        cockpit = Cockpit(deployment)
        driver = browser()
        shots = Shots(driver, os.path.abspath(arguments.out))
        run(deployment, cockpit, claims, shots)
        approval_in_browser(deployment, shots)
        print("cockpit browser: ok")
    finally:
        if driver is not None:
            driver.quit()
        if cockpit is not None:
            cockpit.stop()
        deployment.stop()


if __name__ == "__main__":
    main()
