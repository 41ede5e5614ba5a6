"""The system log (/system/log: log.tail with filters, admin and supervisor) and the
firmware page (version shown, uploads honestly refused)."""
from __future__ import annotations

import logging
from html import unescape

from tests.webui.sysadmin_fixtures import server, standin  # noqa: F401  (fixtures)


def test_log_page_shows_records_and_filters_them(http, standin):  # noqa: F811
    log = logging.getLogger("hotline.test_syslog")
    log.setLevel(logging.DEBUG)
    log.info("line fxo7q <b>rang</b>")          # words no other test logs: the ring is per process
    log.warning("disk nearly full on recordings-7q")
    standin.store.add_user("sup", role="supervisor", password="Sup-pass-1234")
    http.login("sup", "Sup-pass-1234")
    r = http.get("/system/log")
    assert r.status == 200 and "disk nearly full" in r.text
    assert "line fxo7q &lt;b&gt;rang&lt;/b&gt;" in r.text, "messages are escaped"
    r = http.get("/system/log?level=warning")
    assert "disk nearly full on recordings-7q" in r.text and "fxo7q" not in r.text
    r = http.get("/system/log?contains=FXO7Q", headers={"HX-Request": "true"})
    assert "fxo7q" in unescape(r.text) and "recordings-7q" not in r.text and "<html" not in r.text
    r = http.get("/system/log?level=nonsense&limit=7")
    assert r.status == 200


def test_agents_may_not_read_the_log(http, standin):  # noqa: F811
    standin.store.add_agent(number="1001", name="A")
    standin.store.add_user("ag", role="agent", password="Agent-pass-1234", agent="1001")
    http.login("ag", "Agent-pass-1234")
    assert http.get("/system/log").status == 403


def test_firmware_page_shows_the_version_and_refuses_uploads_honestly(http, standin):  # noqa: F811
    http.login()
    r = http.get("/system/firmware")
    assert r.status == 200 and 'id="fw-version">0.1.0<' in r.text
    assert f'id="fw-schema">{standin.store.schema_version()}<' in r.text
    r = http.post("/system/firmware")
    assert r.status == 501 and "not available yet" in r.text and "Nothing was changed" in r.text
