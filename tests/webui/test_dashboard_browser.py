"""The dashboard in a real browser against a real daemon on the simulated board: a queue
call appears without a reload, the pause button pauses the agent, the wallboard shows
the waiting caller.  Saves screenshots of the dashboard and the wallboard."""
from __future__ import annotations

import pytest

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
    page.locator('.chip[data-line="fxo1"]').filter(has_text="in use").wait_for()
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
