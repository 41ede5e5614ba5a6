"""The dashboard in a real browser against a real daemon on the simulated board: a queue
call appears without a reload, the pause button pauses the agent, the wallboard shows
the waiting caller.  Saves screenshots of the dashboard and the wallboard."""
from __future__ import annotations

import pytest

from tests.interop.conftest import require_pjsua2  # noqa: F401  (fixture)
from tests.mgmt.fixtures import remove, short_tmpdir
from tests.webui.harness import WebBox, browser_login, shot, wait_until

SUP_PASSWORD = "Sup3rvisor-pass"


def queue_setup(store) -> None:
    """Agents 1001/1002 (PIN 1234) in queue 700; every inbound call goes to queue 700."""
    for a in ("1001", "1002"):
        store.add_agent(number=a, name=f"Agent {a}", pin="1234")
    store.add_pause_reason(code="1", name="Lunch")
    store.add_queue(number="700", name="Service", announce_ms=0, ring_ms=30000, retry_ms=1000,
                    wrapup_ms=2000, whisper=False,
                    members=[{"agent": "1001", "penalty": 0}, {"agent": "1002", "penalty": 0}])
    store.update_inbound_route(1, dest_kind="queue", dest="700")
    store.add_user("sup", role="supervisor", password=SUP_PASSWORD)


@pytest.fixture
def callbox():
    tmp = short_tmpdir()
    try:
        with WebBox(tmp, setup=queue_setup) as box:
            box.ctl("acd.agent.login", agent="1001", extension="801", pin="1234")
            yield box
    finally:
        remove(tmp)


def agent_state(box, agent: str) -> str:
    return next(a["state"] for a in box.ctl("acd.agents") if a["agent"] == agent)


def test_queue_call_appears_on_the_dashboard_without_reload(callbox, page):
    box = callbox
    browser_login(page, box.url, "sup", SUP_PASSWORD)
    assert page.url.endswith("/dashboard")                  # a supervisor's start page
    queue = page.locator('tr[data-queue="700"]')
    queue.locator(".waiting-count").filter(has_text="0").wait_for()
    page.locator('tr[data-agent="1001"] .agent-state[data-state="ready"]').wait_for()
    page.evaluate("window.__marker = 1")

    box.ctl("sim.line.ring", port="fxo1", caller="13800138000")
    box.advance(6000)                                       # caller ID, answered by the queue, agent rung
    queue.locator(".waiting-count").filter(has_text="1").wait_for()
    queue.locator(".callers").filter(has_text="13800138000").wait_for()
    page.locator('tr[data-agent="1001"] .agent-state[data-state="ringing"]').wait_for()
    page.locator('.chip.ringing[data-extension="801"]').wait_for()
    page.locator('tr[data-line="fxo1"] .chip').filter(has_text="in use").wait_for()
    assert page.evaluate("window.__marker") == 1            # the same page: no navigation
    shot(page, "dashboard")

    # pause agent 1002 (logged in now) with the button; reason from the toolbar
    box.ctl("acd.agent.login", agent="1002", extension="802", pin="1234")
    row = page.locator('tr[data-agent="1002"]')
    row.locator('.agent-state[data-state="ready"]').wait_for()
    page.select_option("#pause-reason", "1")
    row.get_by_role("button", name="Pause").click()
    page.locator("#action-result").filter(has_text="Agent 1002 is paused.").wait_for()
    wait_until(lambda: agent_state(box, "1002") == "paused", what="agent 1002 paused")
    row.locator('.agent-state[data-state="paused"]').wait_for()
    row.filter(has_text="(1)").wait_for()
    # a refusal (HTTP 400) is shown in words where the answers go
    page.fill("#listen-ext", "899")
    page.get_by_role("button", name="Save").click()
    page.locator("#action-result .flash.error").filter(has_text="There is no extension 899.").wait_for()
    assert page.evaluate("window.__marker") == 1


def test_wallboard_big_screen(callbox, page):
    box = callbox
    page.set_viewport_size({"width": 1920, "height": 1080})
    browser_login(page, box.url)
    page.goto(box.url + "wallboard")
    tile = page.locator('.wall-tile[data-queue="700"]')
    tile.locator(".waiting-count").filter(has_text="0").wait_for()
    box.ctl("sim.line.ring", port="fxo1", caller="13800138000")
    box.advance(6000)
    tile.locator(".waiting-count").filter(has_text="1").wait_for()
    fits = page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
    assert fits, "the wallboard scrolls at 1920x1080"
    assert page.locator("nav.side").count() == 0
    shot(page, "wallboard")


def test_sip_phone_registers_live_and_the_supervision_mode_switches(page, tmp_path, require_pjsua2):  # noqa: F811
    """A real SIP phone registers while the page is open: its row turns "registered"
    without a reload; a supervision session's mode is switched with its button."""
    from tests.interop.phones import PjPhone
    from tests.webui.test_dashboard_sip import PW_901, PW_902, SUP_PASSWORD as SIP_SUP, SipWebBox, agent_on_call
    from tests.webui.test_dashboard_sip import setup as sip_setup

    tmp = short_tmpdir()
    try:
        with SipWebBox(tmp, setup=sip_setup) as box:
            host, port = box.sip.split(":")
            store = box.store()
            try:
                store.add_sip_trunk(name="carrier", host=host, port=int(port), username="902", password=PW_902)
                store.add_sip_trunk(name="ipauth", host="10.1.2.3", register=False)
            finally:
                store.close()
            box.advance(1000)
            browser_login(page, box.url, "sup", SIP_SUP)
            ext = page.locator('tr[data-extension="901"]')
            ext.locator('[data-reg="unregistered"]').wait_for()
            page.locator('tr[data-line="carrier"] [data-reg="registered"]').wait_for()
            page.evaluate("window.__marker = 1")
            with PjPhone("901", log_dir=tmp_path) as phone:
                assert phone.register(box.sip, "901", PW_901)["code"] == 200
                ext.locator('[data-reg="registered"]').wait_for()          # no reload: the sip. event
                ext.filter(has_text="hotline-test-pjphone/901").wait_for()

                agent_on_call(box)
                page.fill("#listen-ext", "803")
                page.get_by_role("button", name="Save").click()
                page.locator("#action-result").filter(has_text="You listen from extension 803").wait_for()
                page.locator('tr[data-agent="1001"]').get_by_role("button", name="Listen").click()
                page.locator("#action-result").filter(has_text="Extension 803 is ringing").wait_for()
                box.advance(200)
                box.ctl("sim.phone.offhook", port="fxs3")
                box.advance(1000)
                session = page.locator("#sessions tr[data-session]")
                session.and_(page.locator('[data-mode="listen"]')).wait_for()
                session.filter(has_text="on the call").wait_for()
                session.get_by_role("button", name="whisper").click()
                page.locator("#action-result").filter(has_text="you now whisper to agent 1001").wait_for()
                session.and_(page.locator('[data-mode="whisper"]')).wait_for()
                assert box.ctl("supervise.list")[0]["mode"] == "whisper"
                assert session.get_by_role("button", name="whisper").is_disabled()
                assert page.evaluate("window.__marker") == 1
                shot(page, "dashboard-sip")
    finally:
        remove(tmp)
