"""In Debian's chromium: the whole setup wizard from a fresh data dir (admin/admin that must
be changed), the provisioning sheet, a test call that rings a simulated phone, Finish."""
from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from tests.mgmt.fixtures import remove, short_tmpdir
from tests.webui.harness import WebBox, browser_login, shot, wait_until

NEW_PASSWORD = "Wizard-pass-2024"


@pytest.fixture
def freshbox():
    tmp = short_tmpdir()
    try:
        with WebBox(tmp, fresh=True) as box:
            yield box
    finally:
        remove(tmp)


def greeting_wav(path) -> None:
    """One second of a 440 Hz tone as 16 kHz PCM (the box resamples to 8 kHz)."""
    t = np.arange(16000) / 16000
    pcm = (np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm.tobytes())
    path.write_bytes(buf.getvalue())


def next_step(page, box, key: str) -> None:
    page.click("#next")
    page.wait_for_url(box.url + f"setup/{key}")
    page.locator(f"#step-{key}").wait_for()


def test_whole_wizard_from_a_fresh_box(freshbox, page, tmp_path):
    box = freshbox
    browser_login(page, box.url, password="admin")
    page.wait_for_url(box.url + "account/password")          # the factory password must go first
    page.fill("#f-current", "admin")
    page.fill("#f-password", NEW_PASSWORD)
    page.fill("#f-confirm", NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.locator("main .flash").wait_for()
    page.goto(box.url)                                        # not set up yet: the wizard is home
    page.wait_for_url(box.url + "setup/language")

    page.select_option("#f-language", "en")
    shot(page, "wizard-01-language")
    next_step(page, box, "password")
    assert page.locator("#admins .badge.ok").count() == 1     # admin has its own password now
    shot(page, "wizard-02-password")
    next_step(page, box, "time")
    page.select_option("#f-timezone", "Asia/Shanghai")
    page.fill("#f-ntp_servers", "ntp.aliyun.com, 203.107.6.88")
    shot(page, "wizard-03-time")
    next_step(page, box, "country")
    page.select_option("#f-country", "cn")
    shot(page, "wizard-04-country")
    next_step(page, box, "network")
    assert "recorded, not applied" in page.inner_text("#step-network")
    page.select_option("#f-mode", "static")
    page.fill("#f-address", "192.168.10.20")
    page.fill("#f-prefix", "24")
    page.fill("#f-gateway", "192.168.10.1")
    page.fill("#f-dns", "192.168.10.1")
    shot(page, "wizard-05-network")
    next_step(page, box, "ports")
    assert "line present" in page.inner_text("tr[data-port=fxo1]")
    box.ctl("sim.phone.offhook", port="fxs2")                 # the line check sees a lifted phone
    box.advance(200)
    page.click("#check-lines")
    page.locator("tr[data-port=fxs2] .badge", has_text="off-hook").wait_for()
    box.ctl("sim.phone.onhook", port="fxs2")
    box.advance(200)
    shot(page, "wizard-06-ports")
    next_step(page, box, "extensions")
    page.fill("#f-first", "801")
    page.fill("#f-count", "6")
    shot(page, "wizard-07-extensions")
    next_step(page, box, "trunks")
    page.fill("#f-prefix", "9")
    shot(page, "wizard-08-trunks")
    next_step(page, box, "hours")
    page.fill("#f-sat", "09:00-12:00")
    shot(page, "wizard-09-hours")
    next_step(page, box, "queue")
    page.fill("#f-number", "500")
    page.fill("#f-name", "Service")
    page.fill("#f-agents", "101 Li Wei 1234\n102 Wang Fang 5678")
    shot(page, "wizard-10-queue")
    next_step(page, box, "ivr")
    wav = tmp_path / "hello.wav"
    greeting_wav(wav)
    page.set_input_files("#f-greeting_file", str(wav))
    page.fill("#f-number", "700")
    page.fill("#f-key1", "500")
    page.fill("#f-key0", "801")
    shot(page, "wizard-11-ivr")
    next_step(page, box, "summary")
    shot(page, "wizard-12-summary")

    # the provisioning sheet shows the generated SIP passwords of 805 and 806
    store = box.store()
    try:
        exts = {e["number"]: e for e in store.extensions()}
        settings = store.settings()
        menu = store.ivr_menu("700")
        queue = store.queue("500")
        routes = store.outbound_routes()
    finally:
        store.close()
    assert [exts[n]["port"] for n in ("801", "802", "803", "804")] == ["fxs1", "fxs2", "fxs3", "fxs4"]
    assert exts["805"]["kind"] == exts["806"]["kind"] == "sip"
    assert settings["network"]["address"] == "192.168.10.20"
    assert settings["ntp_servers"] == ["ntp.aliyun.com", "203.107.6.88"]
    assert settings["setup_done"] is False
    assert menu["nodes"]["main"]["prompts"] == ["greeting"]
    assert [m["agent"] for m in queue["members"]] == ["101", "102"]
    assert {r["prefix"] for r in routes} == {"9"}
    sheet = page.context.new_page()
    sheet.goto(box.url + "setup/sheet")
    row = sheet.locator("#sheet tr", has_text="805")
    assert exts["805"]["secret"] in row.inner_text()
    shot(sheet, "wizard-sheet")
    sheet.close()

    # Test call: the simulated phone on fxs1 rings
    page.select_option("#f-extension", "801")
    page.click("#test-call")
    page.locator("#testcall-ok").wait_for()

    def ringing() -> bool:
        box.advance(100)
        return bool(box.ctl("sim.phone.status", port="fxs1")["ringing"])
    wait_until(ringing, what="fxs1 ringing")
    shot(page, "wizard-12-testcall")

    page.click("#finish")
    page.wait_for_url(box.url + "status")
    store = box.store()
    try:
        assert store.settings()["setup_done"] is True
    finally:
        store.close()
    page.goto(box.url)                                        # done: home is the status page again
    page.wait_for_url(box.url + "status")
