"""Voicemail and recordings pages are paged (newest first, 50 a page, "messages 51–100 of
230", Newer/Older links that keep the filters) over the real ``voicemail.search`` and
``recording.search`` commands with more than one page of rows."""
from __future__ import annotations

import datetime as dt
import re
import types
from html import unescape

import pytest

from firmware.config.store import ConfigStore
from firmware.recording.commands import register_recording
from firmware.recording.index import RecordingIndex
from firmware.voicemail.commands import register_voicemail
from firmware.voicemail.store import VoicemailStore

T0 = dt.datetime(2026, 3, 14, 8, 0, tzinfo=dt.timezone.utc)     # 16:00 in Shanghai


@pytest.fixture
def media(server, datadir):
    cfg = ConfigStore(datadir / "config.db")
    try:
        cfg.update_settings({"timezone": "Asia/Shanghai"})
    finally:
        cfg.close()
    vm = VoicemailStore(datadir / "voicemail.db", datadir / "vm")
    for i in range(230):                       # one message every 5 minutes from 16:00 Shanghai
        wav = datadir / f"m{i}.wav"
        wav.write_bytes(b"RIFF")
        vm.add("801" if i < 200 else "802", wav, caller=f"139{i:08d}", caller_name=f"Caller {i}",
               received=T0 + dt.timedelta(minutes=5 * i), duration_ms=2000)
    index = RecordingIndex(datadir / "recordings.db")
    for i in range(75):
        index.add(uniqueid=f"c{i}", linkedid=f"c{i}", path=f"r{i}.wav", caller="801", callee=f"9{i:03d}",
                  agent="1001", start=T0 + dt.timedelta(minutes=i), duration_s=30.0, format="wav",
                  channels=1, state="done")
    d = server.server.dispatcher
    register_voicemail(d, types.SimpleNamespace(voicemail=types.SimpleNamespace(store=vm)))
    register_recording(d, types.SimpleNamespace(recording=types.SimpleNamespace(index=index),
                                                config=types.SimpleNamespace(settings={"timezone": "UTC"})))
    yield
    vm.close()
    index.close()


def callers(html: str) -> list[str]:
    return re.findall(r"<td>(139\d{8}) ", html)


def links(html: str) -> dict[str, str]:
    return {rel: unescape(href) for rel, href in re.findall(r'rel="(prev|next)" href="([^"]+)"', html)}


def count(html: str, which: str) -> str:
    return unescape(re.search(rf'id="{which}-count">([^<]*)<', html).group(1))


def test_voicemail_pages_newest_first_and_keep_filters(http, media):
    http.login()
    r = http.get("/reports/voicemail")
    assert r.status == 200 and count(r.text, "voicemail") == "messages 1–50 of 230"
    assert callers(r.text)[:2] == ["13900000229", "13900000228"] and len(callers(r.text)) == 50
    assert links(r.text) == {"next": "/reports/voicemail?page=2"} and "page 1 of 5" in r.text
    r = http.get("/reports/voicemail?page=2")
    assert count(r.text, "voicemail") == "messages 51–100 of 230" and callers(r.text)[0] == "13900000179"
    assert set(links(r.text)) == {"prev", "next"}
    r = http.get("/reports/voicemail?page=5")
    assert count(r.text, "voicemail") == "messages 201–230 of 230" and callers(r.text)[-1] == "13900000000"
    assert set(links(r.text)) == {"prev"}
    r = http.get("/reports/voicemail?mailbox=801&folder=new&number=Caller+1")
    assert count(r.text, "voicemail") == "messages 1–50 of 111"    # 1, 10–19, 100–199 (all in 801)
    nxt = links(r.text)["next"]
    assert "mailbox=801" in nxt and "folder=new" in nxt and "number=Caller+1" in nxt and "page=2" in nxt
    r = http.get(nxt)
    assert count(r.text, "voicemail") == "messages 51–100 of 111"
    assert callers(r.text)[0] == "13900000149" and callers(r.text)[-1] == "13900000100"


def test_voicemail_days_are_the_boxs_days(http, media):
    http.login()
    # messages from 16:00 Shanghai on 14 March, every 5 minutes: 96 of them on the 14th
    r = http.get("/reports/voicemail?until=2026-03-14")
    assert count(r.text, "voicemail") == "messages 1–50 of 96"
    r = http.get("/reports/voicemail?since=2026-03-15&until=2026-03-15&page=3")
    assert count(r.text, "voicemail") == "messages 101–134 of 134" and callers(r.text)[-1] == "13900000096"
    r = http.get("/reports/voicemail?since=15.3.2026")
    assert r.status == 400 and "is not a date" in r.text


def test_recordings_pages_keep_the_filters(http, media):
    http.login()
    r = http.get("/reports/recordings?agent=1001")
    assert r.status == 200 and count(r.text, "recordings") == "recordings 1–50 of 75"
    assert links(r.text) == {"next": "/reports/recordings?agent=1001&page=2"}
    r = http.get("/reports/recordings?agent=1001&page=2")
    assert count(r.text, "recordings") == "recordings 51–75 of 75" and "9000" in r.text and "9074" not in r.text
    assert links(r.text) == {"prev": "/reports/recordings?agent=1001&page=1"}
    r = http.get("/reports/recordings?agent=nobody")
    assert count(r.text, "recordings") == "No recordings." and not links(r.text)


def test_voicemail_paging_in_the_browser(webapp, media, page):
    from playwright.sync_api import expect
    from tests.webui.harness import browser_login, shot
    base = webapp.url.rstrip("/") + "/"
    browser_login(page, base)
    page.goto(base + "reports/voicemail?mailbox=801")
    expect(page.locator("#voicemail-count")).to_have_text("messages 1–50 of 200")
    page.click("a[rel=next]")
    expect(page.locator("#voicemail-count")).to_have_text("messages 51–100 of 200")
    assert "mailbox=801" in page.url and page.input_value("#f-mailbox") == "801"
    shot(page, "reports-voicemail-paged")
    page.click("a[rel=prev]")
    expect(page.locator("#voicemail-count")).to_have_text("messages 1–50 of 200")
