"""Test harness of the web UI.

* :class:`Http` — a cookie-keeping HTTP client that does not follow redirects, with
  ``login()`` and CSRF-carrying ``post()`` (security tests, form tests without a browser).
* :class:`WebBox` — a real ``hotline run`` daemon on the simulated board with the virtual
  clock (time moves with ``advance(ms)``), SIP off, the web UI on a free port; logins are
  prepared in its config store before it starts.
* :func:`shot` — save a screenshot of a Playwright page to ``var/screenshots/NAME.png``.
"""
from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Callable, Optional

from firmware.config.store import ConfigStore
from firmware.mgmt.client import MgmtClient
from firmware.paths import DataDir
from tests.interop.boxd import REPO, BoxDaemon

SHOTS = REPO / "var" / "screenshots"
ADMIN_PASSWORD = "Adm1n-test-pass"        #: the admin password WebBox/webapp prepare
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a: Any, **kw: Any) -> None:
        return None


class Response:
    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class Http:
    """A browser without JavaScript: cookies kept, redirects not followed."""

    def __init__(self, base: str, ssl_context: Any = None) -> None:
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        extra = [urllib.request.HTTPSHandler(context=ssl_context)] if ssl_context is not None else []
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect(),
                                                  *extra)
        self.csrf = ""

    def request(self, method: str, path: str, data: Optional[dict] = None, headers: Optional[dict] = None,
                body: Optional[bytes] = None) -> Response:
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=20) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def get(self, path: str, **kw: Any) -> Response:
        r = self.request("GET", path, **kw)
        m = re.search(r'<meta name="csrf-token" content="([^"]*)"', r.text)
        if m and m.group(1):
            self.csrf = m.group(1)
        return r

    def post(self, path: str, data: Optional[dict] = None, csrf: bool = True, **kw: Any) -> Response:
        data = dict(data or {})
        if csrf and "csrf" not in data:
            data["csrf"] = self.csrf
        return self.request("POST", path, data=data, **kw)

    def login(self, username: str = "admin", password: str = ADMIN_PASSWORD, lang: str = "en") -> Response:
        page = self.get("/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        r = self.request("POST", "/login", data={"username": username, "password": password, "lang": lang,
                                                 "csrf": token, "next": "/"})
        if r.status in (302, 303):
            self.get("/account/password")        # picks up the session's CSRF token
        return r


def prepare_store(config_db: Path, setup: Optional[Callable[[ConfigStore], None]] = None) -> None:
    """Give the admin login :data:`ADMIN_PASSWORD` (no forced change), mark the setup wizard
    done and run ``setup(store)``."""
    store = ConfigStore(config_db)
    try:
        store.set_user_password("admin", ADMIN_PASSWORD)
        store.update_settings({"language": "en", "setup_done": True})     # the wizard is tested on its own
        if setup is not None:
            setup(store)
    finally:
        store.close()


class WebBox(BoxDaemon):
    """A daemon on the simulated board with the web UI (see the module docstring)."""

    def __init__(self, tmp: Path, setup: Optional[Callable[[ConfigStore], None]] = None,
                 fresh: bool = False) -> None:
        super().__init__(tmp)
        self.setup, self.fresh = setup, fresh
        self.url = ""

    def start(self) -> "WebBox":
        self.tmp.mkdir(parents=True, exist_ok=True)
        if not self.fresh:
            prepare_store(DataDir.at(str(self.data)).create().config_db, self.setup)
        said = self.spawn(["--virtual-clock", "--web", "127.0.0.1:0", "--sip", "off", "--log-level", "info"])
        self.url = said.get("WEB", "")
        self.client = MgmtClient(data_dir=str(self.data), timeout=10)
        return self

    def advance(self, ms: float) -> None:
        """Run ``ms`` of virtual time on the box now."""
        self.ctl("clock.advance", ms=ms)

    def store(self) -> ConfigStore:
        """A config store of the box's database (close it)."""
        return ConfigStore(DataDir.at(str(self.data)).config_db)

    def http(self) -> Http:
        return Http(self.url)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        super().close()


def read_sse_event(resp: Any) -> tuple[str, str]:
    """The next ``(event, data)`` of a server-sent-events response (an http.client response)."""
    event, data = "", []
    while True:
        line = resp.fp.readline().decode()
        if not line:
            raise EOFError
        line = line.rstrip("\r\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line == "" and event:
            return event, "\n".join(data)


def browser_login(page: Any, url: str, user: str = "admin", password: str = ADMIN_PASSWORD,
                  lang: str = "en") -> None:
    """Log in through the login page of the web UI at ``url`` (ends on the user's start page)."""
    page.goto(url + "login")
    page.fill("#username", user)
    page.fill("#password", password)
    page.select_option("#lang", lang)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as var/screenshots/NAME.png; returns the path."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_until(pred: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll ``pred`` (a cross-process condition: the daemon runs in its own process)."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
