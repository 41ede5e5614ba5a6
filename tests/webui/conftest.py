"""Fixtures of the web UI tests.

* ``server`` / ``datadir`` — a real management server with the test dispatcher
  (tests/mgmt/fixtures.py); ``webapp`` — the web UI on it (in this process), with the
  admin password prepared; ``http`` — an :class:`Http` client of it (logged out).
* ``webbox`` — a whole daemon on the simulated board with the web UI (a subprocess);
  ``browser`` — Debian's chromium through Playwright (one per test module: a running
  Playwright keeps an event loop on the main thread, which breaks asyncio.run() in later tests);
  ``page`` — a fresh browser context and page (English, 1280×860).
"""
from __future__ import annotations

import os

import pytest

from firmware.config.store import ConfigStore
from tests.mgmt.fixtures import datadir, remove, server, short_tmpdir  # noqa: F401
from tests.webui.harness import CHROMIUM, CHROMIUM_ARGS, Http, WebBox, prepare_store


@pytest.fixture
def webapp(server, datadir):  # noqa: F811
    from firmware.mgmt.client import MgmtClient
    from webui import start_web
    prepare_store(datadir / "config.db")
    w = start_web("127.0.0.1", 0, data_root=datadir, socket_path=datadir / "hotline.sock",
                  config_db=datadir / "config.db",
                  client_factory=lambda: MgmtClient(socket_path=datadir / "hotline.sock", timeout=5))
    yield w
    w.stop()


@pytest.fixture
def http(webapp) -> Http:
    return Http(webapp.url)


@pytest.fixture
def store(datadir):  # noqa: F811
    """The config store of the ``server`` fixture's data dir (the one ``webapp`` shows)."""
    s = ConfigStore(datadir / "config.db")
    yield s
    s.close()


@pytest.fixture
def admin(http):
    """``http`` logged in as admin."""
    http.login()
    return http


@pytest.fixture
def webbox():
    tmp = short_tmpdir()                  # Unix socket paths are limited to 107 bytes
    try:
        with WebBox(tmp) as box:
            yield box
    finally:
        remove(tmp)


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (make test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright
    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield b
    b.close()
    pw.stop()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 860})
    p = ctx.new_page()
    p.set_default_timeout(15000)
    from playwright.sync_api import expect
    expect.set_options(timeout=15000)              # a loaded CI machine: live updates may take seconds
    yield p
    ctx.close()
