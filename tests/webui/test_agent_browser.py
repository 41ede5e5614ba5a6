"""In Debian's chromium against a real daemon on the simulated board: an agent logs in
from the agent panel, an outside caller rings into the queue and the screen pop appears
without a reload; a note written in the page is stored with the call."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.mgmt.fixtures import remove, short_tmpdir
from tests.webui.harness import WebBox, browser_login, shot, wait_until

AGENT_PASSWORD = "Agent-pass-42"
CALLER = "13800138000"


def _setup(store) -> None:
    store.add_agent(number="1001", name="Li Lei", pin="1234")
    store.add_pause_reason(code="1", name="Lunch")
    store.add_queue(number="700", name="Service", members=[{"agent": "1001", "penalty": 0}], announce_ms=0,
                    ring_ms=20000, wrapup_ms=5000, whisper=False)
    store.update_inbound_route(1, dest_kind="queue", dest="700")
    store.add_contact(number=CALLER, name="王小明", note="prefers mornings")
    store.add_user("agent1", role="agent", password=AGENT_PASSWORD, agent="1001")
    store.add_kb_article("如何办理退款", "核对订单号，七天内全额退款。", tags="退款")


def test_agent_logs_in_and_gets_a_screen_pop(page):
    tmp = short_tmpdir()
    try:
        with WebBox(tmp, setup=_setup) as box:
            browser_login(page, box.url, "agent1", AGENT_PASSWORD)
            page.wait_for_url(box.url + "agent")
            page.select_option("#f-extension", "801")
            page.fill("#f-pin", "1234")
            page.click("text=Log in")
            expect(page.locator("#agent-state")).to_have_attribute("data-state", "ready")
            assert box.ctl("acd.agents")[0]["extension"] == "801"

            box.ctl("sim.line.ring", port="fxo1", caller=CALLER)
            box.advance(3000)                      # the queue answers and offers the call to 801
            expect(page.locator("#pop-caller")).to_have_text(CALLER)       # live, no reload
            expect(page.locator("#pop-name")).to_have_text("王小明")
            expect(page.locator("#pop-queue")).to_contain_text("700 Service")
            expect(page.locator("#agent-state")).to_have_attribute("data-state", "ringing")

            box.ctl("sim.phone.offhook", port="fxs1")
            box.advance(1000)
            expect(page.locator("#agent-state")).to_have_attribute("data-state", "on_call")
            page.fill("#f-text", "wants a refund for order 42")
            page.check("#f-followup")
            page.fill("#f-category", "refund")
            page.click("text=Save note")
            expect(page.locator("#note-form .flash")).to_have_text("Note saved.")
            notes = wait_until(lambda: box.ctl("note.list", number=CALLER), what="the note")
            assert [(n["text"], n["author"], n["followup"]) for n in notes] == \
                [("wants a refund for order 42", "1001", True)]
            expect(page.locator("#pop-notes")).to_contain_text("wants a refund for order 42")
            expect(page.locator("#followup-list")).to_contain_text("refund")

            page.fill("#kb-q", "退款")
            expect(page.locator("#kb-results a").first).to_have_text("如何办理退款")
            shot(page, "agent-panel")

            box.ctl("sim.phone.onhook", port="fxs1")
            box.advance(2000)
            expect(page.locator("#agent-state")).to_have_attribute("data-state", "wrap_up")
            expect(page.locator("#pop")).to_contain_text("Last call")
            with page.expect_response(lambda r: "/agent/wrapup" in r.url):   # the daemon has it before time moves
                page.click("text=End wrap-up")
            box.advance(100)
            expect(page.locator("#agent-state")).to_have_attribute("data-state", "ready")
            page.goto(box.url + "kb/1")
            expect(page.locator("h1")).to_have_text("如何办理退款")
            shot(page, "kb-article")
    finally:
        remove(tmp)
