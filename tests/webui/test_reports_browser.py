"""Report pages in Debian's chromium against a daemon on the simulated board: play a
voicemail in the page (access-logged), export CDRs as CSV, screenshots of each page."""
from __future__ import annotations

import csv
import io

import pytest

from tests.mgmt.fixtures import remove, short_tmpdir
from tests.webui.harness import WebBox, browser_login, shot, wait_until

DAY = "from=2026-03-14&to=2026-03-14"


def _setup(store) -> None:
    store.set_setting("ring_timeout_ms", 5000)
    store.add_mailbox(number="801", pin="1234")


@pytest.fixture(scope="module")
def box():
    tmp = short_tmpdir()
    try:
        with WebBox(tmp, setup=_setup) as b:
            yield b
    finally:
        remove(tmp)


def leave_voicemail(box: WebBox, caller: str = "fxs2", number: str = "801") -> dict:
    """``caller`` calls ``number``, nobody answers, a tone is left after the beep."""
    box.ctl("sim.phone.offhook", port=caller)
    box.advance(300)
    box.ctl("sim.phone.dial", port=caller, digits=number)
    for _ in range(80):                                     # ring timeout (5 s), greeting, beep
        box.advance(500)
        if any(leg.get("state") == "recording" for leg in box.ctl("voicemail.status")["active"]):
            break
    else:
        raise AssertionError("voicemail never started recording")
    box.ctl("sim.phone.play", port=caller, tone="700")
    box.advance(3000)
    box.ctl("sim.phone.play", port=caller, stop=True)
    box.ctl("sim.phone.onhook", port=caller)
    box.advance(1500)
    [m] = box.ctl("voicemail.list", mailbox=number)
    return m


def test_play_a_voicemail_in_the_page(box, page):
    m = leave_voicemail(box)
    assert m["duration_ms"] > 1000
    browser_login(page, box.url)
    page.goto(box.url + "reports/voicemail")
    row = page.locator("#voicemail tr", has_text="802")
    row.locator("button.play").click()
    audio = page.locator(f"#audio-voicemail-{m['id']}")
    audio.wait_for()
    page.wait_for_function(f"() => document.querySelector('#audio-voicemail-{m['id']}').readyState >= 1")
    duration = audio.evaluate("a => a.duration")
    assert abs(duration - m["duration_ms"] / 1000) < 0.5
    shot(page, "reports-voicemail-playing")
    log = wait_until(lambda: box.ctl("voicemail.access", id=m["id"]), what="the access log entry")
    assert log[0]["who"] == "web:admin" and log[0]["action"] == "listen"
    page.reload()
    page.locator("#access-log td", has_text="web:admin").first.wait_for()
    shot(page, "reports-voicemail")


def test_export_cdrs_as_csv(box, page):
    box.ctl("sim.phone.offhook", port="fxs1")
    box.advance(300)
    box.ctl("sim.phone.dial", port="fxs1", digits="802")
    box.advance(3000)
    box.ctl("sim.phone.onhook", port="fxs1")
    box.advance(1000)
    found = wait_until(lambda: box.ctl("cdr.search", limit=1000)["rows"], what="call records")
    browser_login(page, box.url)
    page.goto(box.url + "reports/cdr")
    page.locator("#cdr tr[data-sequence]").first.wait_for()
    assert page.locator("#cdr tr[data-sequence]").count() == len(found)
    shot(page, "reports-cdr")
    with page.expect_download() as dl:
        page.click("#export-csv")
    download = dl.value
    assert download.suggested_filename.startswith("cdr-") and download.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))
    assert sorted(r["uniqueid"] for r in rows) == sorted(r["uniqueid"] for r in found)
    by_id = {r["uniqueid"]: r for r in found}
    for r in rows:
        assert (r["src"], r["dst"], r["disposition"]) == (by_id[r["uniqueid"]]["src"], by_id[r["uniqueid"]]["dst"],
                                                          by_id[r["uniqueid"]]["disposition"])


def test_report_pages_render_charts(box, page):
    from tests.acd.test_stats import scripted_day
    scripted_day(box.data / "acd.db")
    browser_login(page, box.url)
    for path, name in ((f"reports/queues?{DAY}&interval=hour", "reports-queues"),
                       (f"reports/agents?{DAY}&interval=hour", "reports-agents"),
                       ("reports/staffing?weeks=52", "reports-staffing"),
                       ("reports/recordings", "reports-recordings")):
        page.goto(box.url + path)
        page.locator("h1").wait_for()
        if name != "reports-recordings":
            assert page.locator("svg.chart").count() == 2
            assert page.locator("svg.chart").first.bounding_box()["width"] > 500
        shot(page, name)
