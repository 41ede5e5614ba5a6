"""Security of the web UI: login on every route, CSRF, roles, lockout, cookies, HTTPS."""
from __future__ import annotations

import re
import ssl
import urllib.request

import pytest

from firmware.config.store import ConfigStore
from tests.webui.harness import ADMIN_PASSWORD, Http

PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/static/<name:path>")}


def _routes(webapp):
    for r in webapp.app.routes:
        path = re.sub(r"<[^>]+>", "x", r.rule)
        yield r, r.method, path


def _add_agent_login(datadir):
    s = ConfigStore(datadir / "config.db")
    try:
        s.add_agent(number="2001", name="Ann", pin="4321")
        s.add_user("ann", role="agent", agent="2001", password="Ann-pass-77")
    finally:
        s.close()


def test_every_route_needs_a_login(webapp, http):
    checked = 0
    for route, method, path in _routes(webapp):
        if (method, route.rule) in PUBLIC:
            continue
        r = http.request(method, path, data={} if method != "GET" else None)
        if method == "GET" and not path.startswith(("/api/", "/sse/")):
            assert r.status in (302, 303), (method, path, r.status)
            assert r.location.split("?")[0].endswith("/login"), (path, r.location)
        else:
            assert r.status == 401, (method, path, r.status)
        checked += 1
    assert checked >= 8


def test_state_changing_request_without_csrf_token_is_refused(webapp, http):
    assert http.login().status == 303
    posts = [(m, p) for r, m, p in _routes(webapp) if m not in ("GET", "HEAD") and (m, r.rule) not in PUBLIC]
    assert posts
    for method, path in posts:
        r = http.request(method, path, data={"name": "x"})
        assert r.status == 403, (method, path, r.status)
        r = http.request(method, path, data={"name": "x", "csrf": "forged"})
        assert r.status == 403, (method, path, r.status)
    # with the token the same kind of request goes through
    r = http.post("/account/lang", {"lang": "en", "next": "/status"})
    assert r.status == 303


def test_login_form_itself_needs_its_token(webapp, http):
    r = http.request("POST", "/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status == 403 and "expired" in r.text


def test_agent_cannot_open_admin_pages(webapp, http, datadir):
    _add_agent_login(datadir)
    assert http.login("ann", "Ann-pass-77").status == 303
    refused = 0
    for route, method, path in _routes(webapp):
        roles = route.config.get("roles")
        if method != "GET" or not roles or "agent" in roles:
            continue
        r = http.get(path)
        assert r.status == 403, (path, r.status)
        assert "may not open this page" in r.text
        refused += 1
    assert refused >= 3
    assert http.get("/admin/users").status == 403


def test_ten_wrong_passwords_lock_the_login(webapp, http):
    for i in range(9):
        assert http.login("admin", f"wrong-{i}").status == 401
    r = http.login("admin", "wrong-9")
    assert r.status == 429 and "locked" in r.text
    r = http.login("admin", ADMIN_PASSWORD)               # even the right one, now
    assert r.status == 429
    s = ConfigStore(webapp.web.store.path)
    try:
        assert any(a["action"] == "lockout" and a["key"] == "admin" for a in s.audit_log()["rows"])
    finally:
        s.close()
    webapp.web.guard.unlock("admin")
    # the address is locked too (another user name from the same address)
    assert http.login("someone", "x").status == 429


def test_session_cookie_is_httponly_and_samesite(webapp, http):
    r = http.login()
    cookies = r.headers.get_all("Set-Cookie")
    sid = [c for c in cookies if c.startswith("hotline_sid=")][0]
    assert "HttpOnly" in sid and "samesite=strict" in sid.lower() and "Secure" not in sid
    assert r.headers["X-Frame-Options"] == "DENY" and "script-src 'self'" in r.headers["Content-Security-Policy"]


def test_logout_ends_the_session(webapp, http):
    http.login()
    assert http.get("/status").status == 200
    assert http.post("/logout").status == 303
    assert http.get("/status").status == 303


def test_first_login_must_change_the_default_password(webapp, http, datadir):
    s = ConfigStore(datadir / "config.db")
    try:
        s.set_user_password("admin", "Temp-pass-123", must_change=True)
    finally:
        s.close()
    assert http.login("admin", "Temp-pass-123").status == 303
    r = http.get("/status")
    assert r.status == 303 and r.location.endswith("/account/password")
    r = http.post("/account/password", {"current": "Temp-pass-123", "password": "password1", "confirm": "password1"})
    assert r.status == 400 and "first passwords attackers try" in r.text
    r = http.post("/account/password", {"current": "Temp-pass-123", "password": "New-pass-456",
                                        "confirm": "New-pass-456"})
    assert r.status == 200 and "has been changed" in r.text
    assert http.get("/status").status == 200


def test_disabled_user_is_logged_out_at_once(webapp, http, datadir):
    _add_agent_login(datadir)
    http.login("ann", "Ann-pass-77")
    assert http.get("/account/password").status == 200
    s = ConfigStore(datadir / "config.db")
    try:
        s.update_user("ann", enabled=False)
    finally:
        s.close()
    r = http.get("/account/password")
    assert r.status == 303 and "/login" in r.location


def test_https_with_a_self_signed_certificate(server, datadir):
    from firmware.mgmt.client import MgmtClient
    from webui import start_web
    from tests.webui.harness import prepare_store
    prepare_store(datadir / "config.db")
    w = start_web("127.0.0.1", 0, data_root=datadir, socket_path=datadir / "hotline.sock",
                  config_db=datadir / "config.db", tls=True,
                  client_factory=lambda: MgmtClient(socket_path=datadir / "hotline.sock", timeout=5))
    try:
        assert w.url.startswith("https://")
        assert (datadir / "tls" / "web.crt").is_file() and (datadir / "tls" / "web.key").stat().st_mode & 0o077 == 0
        ctx = ssl.create_default_context(cafile=str(datadir / "tls" / "web.crt"))
        ctx.check_hostname = False
        with urllib.request.urlopen(w.url + "login", context=ctx, timeout=10) as r:
            assert r.status == 200 and b"hotline_pre" not in r.read()
        with pytest.raises(urllib.error.URLError):              # not trusted without the certificate
            urllib.request.urlopen(w.url + "login", timeout=10)
        h = Http(w.url, ssl_context=ctx)
        r = h.login()
        sid = [c for c in r.headers.get_all("Set-Cookie") if c.startswith("hotline_sid=")][0]
        assert "Secure" in sid
    finally:
        w.stop()
    again = (datadir / "tls" / "web.crt").read_bytes()
    from webui.tls import ensure_certificate
    ensure_certificate(datadir / "tls")
    assert (datadir / "tls" / "web.crt").read_bytes() == again        # made once, kept
