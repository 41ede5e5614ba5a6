"""IVR trees walked with DTMF tones from a simulated analog phone and an outside caller."""
from __future__ import annotations

import datetime as _dt

from tests.firmware.features import dial, hang_up
from tests.ivr.conftest import install, ivr_leg, press, rms

MAIN = {
    "number": "7000", "name": "Main menu", "start": "main", "fallback": "804", "operator": "803",
    "direct_dial": ["801-809"], "loop_limit": 3,
    "nodes": {
        "main": {"type": "collect", "prompts": ["welcome"], "timeout_ms": 3000, "attempts": 2,
                 "keys": {"1": "sales", "2": "acct", "5": "again"}},
        "sales": {"type": "set", "vars": {"dept": "sales"}, "next": "to_sales"},
        "to_sales": {"type": "goto", "target": "802"},
        "acct": {"type": "collect", "prompts": ["ivr_enter_extension"], "digits": 4, "var": "acct",
                 "next": "acct_done", "keys": {}},
        "acct_done": {"type": "goto", "target": "802"},
        "again": {"type": "play", "prompts": ["please_hold"], "next": "main"},
    },
}


def _in_menu(hx, port="fxs1", number="7000"):
    dial(hx, port, number, settle_ms=300)
    leg = ivr_leg(hx, port)
    assert leg is not None and leg.tech == "IVR", "the menu answered the call"
    return leg


def test_key_goes_to_destination_and_variable_reaches_cdr(hx):
    install(hx, **MAIN)
    leg = _in_menu(hx)
    hx.phone("fxs1").start_capture()
    hx.run(800)
    assert rms(hx.phone("fxs1").captured()) > 300, "the caller hears the welcome prompt"
    press(hx, "fxs1", "1")
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 4000), "key 1 rings 802"
    call = hx.ctl.channel("fxs1").call
    assert call.vars == {"dept": "sales"}
    assert call.status()["vars"] == {"dept": "sales"}
    hx.phone("fxs2").off_hook()
    assert hx.until(lambda: hx.state("fxs1") == "talking" and hx.state("fxs2") == "talking", 2000)
    hang_up(hx, "fxs1"); hang_up(hx, "fxs2")
    cdr = hx.cdrs()[-1]
    assert "dept=sales" in cdr.userfield and cdr.dst == "7000" and cdr.disposition == "ANSWERED"
    assert leg.path[:2] == ["7000:main", "7000:sales"]


def test_prompt_barge_in_stops_the_prompt(hx):
    install(hx, **MAIN)
    leg = _in_menu(hx)
    hx.run(300)
    assert leg.state.value == "collecting" and hx.ctl.switch.player(hx.ctl.channel("fxs1").row) is not None
    press(hx, "fxs1", "2", settle_ms=200)           # a key during the welcome prompt
    assert leg.node_id == "acct"
    press(hx, "fxs1", "12", settle_ms=100)           # during the next prompt: it stops at once
    assert hx.ctl.switch.player(hx.ctl.channel("fxs1").row) is None
    press(hx, "fxs1", "34")
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 4000)
    assert hx.ctl.channel("fxs1").call.vars["acct"] == "1234"


def test_string_ended_with_hash_and_interdigit_timeout(hx):
    install(hx, **MAIN)
    _in_menu(hx)
    press(hx, "fxs1", "2")
    press(hx, "fxs1", "77#")
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 4000)
    assert hx.ctl.channel("fxs1").call.vars["acct"] == "77"


def test_invalid_key_then_max_attempts_goes_to_fallback(hx):
    install(hx, **MAIN)
    leg = _in_menu(hx)
    press(hx, "fxs1", "9")                          # not a key, not an extension start
    assert leg.state.value == "notice" and leg.attempts == 1
    hx.run(4000)
    assert leg.state.value == "collecting", "after the invalid prompt the menu asks again"
    press(hx, "fxs1", "7")
    assert leg.attempts == 2
    assert hx.until(lambda: hx.state("fxs4") == "ringing", 8000), "attempts used up: fallback 804"


def test_timeouts_then_fallback(hx):
    install(hx, **MAIN)
    leg = _in_menu(hx)
    assert hx.until(lambda: leg.state.value == "notice", 12000), "no key: the timeout prompt"
    assert leg.attempts == 1
    assert hx.until(lambda: hx.state("fxs4") == "ringing", 20000), "second timeout: fallback 804"


def test_direct_dial_and_operator(hx):
    install(hx, **MAIN)
    _in_menu(hx)
    press(hx, "fxs1", "803")
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 4000), "direct dial of 803"
    hang_up(hx, "fxs1")
    assert hx.until(lambda: hx.state("fxs3") == "idle", 3000)
    _in_menu(hx)
    press(hx, "fxs1", "0")
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 4000), "0: the operator (803)"


def test_direct_dial_outside_the_allowed_range_is_refused(hx):
    menu = dict(MAIN, direct_dial=["801-802"])
    install(hx, **menu)
    leg = _in_menu(hx)
    press(hx, "fxs1", "803")
    assert leg.state.value == "notice" and hx.state("fxs3") == "idle"


def test_loop_without_input_goes_to_fallback(hx):
    install(hx, number="7100", fallback="803", loop_limit=2, nodes={
        "main": {"type": "play", "prompts": ["welcome"], "next": "more"},
        "more": {"type": "play", "prompts": ["please_hold"], "next": "main"},
    })
    leg = _in_menu(hx, number="7100")
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 30000), "looping caller reaches the fallback"
    assert leg.path == ["7100:main", "7100:more"] * 2       # two passes round the loop, then out
    assert "ivr 7100 loop limit" in hx.ctl.channel("fxs1").call.notes


def test_menu_to_menu_and_hangup(hx):
    install(hx, number="7200", nodes={"main": {"type": "hangup", "prompts": ["goodbye"]}})
    install(hx, number="7000", nodes={
        "main": {"type": "collect", "prompts": ["welcome"], "keys": {"3": "sub"}},
        "sub": {"type": "goto", "target": "7200"}})
    leg = _in_menu(hx)
    press(hx, "fxs1", "3")
    assert leg.menu.number == "7200"
    assert hx.until(lambda: hx.ctl.channel("fxs1").call is None or
                    hx.ctl.channel("fxs1").call.state.value == "ended", 6000)
    assert hx.cdrs()[-1].disposition == "ANSWERED"


def test_time_branch_by_virtual_clock(hx):
    hx.box.store.add_time_condition(name="office", hours={d: ["09:00-18:00"] for d in
                                                          ("mon", "tue", "wed", "thu", "fri")}, holidays=False)
    install(hx, number="7300", nodes={
        "main": {"type": "time", "condition": "office", "day": "open", "night": "closed"},
        "open": {"type": "goto", "target": "802"},
        "closed": {"type": "goto", "target": "803"}})
    now = hx.ctl.local_time()
    expected = "fxs2" if now.weekday() < 5 and 9 <= now.hour < 18 else "fxs3"
    dial(hx, "fxs1", "7300", settle_ms=300)
    assert hx.until(lambda: hx.state(expected) == "ringing", 4000)
    hang_up(hx, "fxs1")
    # move the virtual clock to a Sunday: closed
    days = (6 - now.weekday()) % 7 or 7
    hx.clock.epoch += _dt.timedelta(days=days)          # the virtual clock's date moves on
    assert hx.ctl.local_time().weekday() == 6
    dial(hx, "fxs1", "7300", settle_ms=300)
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 4000), "Sunday: the night branch"


def test_outside_caller_walks_the_menu_with_dtmf(hx):
    install(hx, **MAIN)
    hx.box.store.update_inbound_route(1, dest_kind="ivr", dest="7000")
    hx.box.reload()
    remote = hx.board.exchange.ring_in("fxo1", caller="13800138000")
    assert hx.until(lambda: hx.state("fxo1") == "talking", 15000), "the menu answers the line"
    hx.run(500)
    remote.send_dtmf("1")
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 5000), "the caller's tone 1 reaches 802"
    call = hx.ctl.channel("fxo1").call
    assert call.vars["dept"] == "sales" and call.direction == "inbound"


def test_menu_sends_callers_to_voicemail_and_queue(hx):
    hx.box.store.add_mailbox(number="802", pin="1234")
    hx.box.store.add_queue(number="5000", name="Support")
    install(hx, number="7400", nodes={
        "main": {"type": "collect", "prompts": ["welcome"], "keys": {"1": "vm", "2": "q"}},
        "vm": {"type": "goto", "target": "6802"},
        "q": {"type": "goto", "target": "5000"}})
    assert hx.box.config.destination_kind("6802") == "voicemail"
    _in_menu(hx, number="7400")
    press(hx, "fxs1", "1")
    call = hx.ctl.channel("fxs1").call
    assert hx.until(lambda: call.b is not None and call.b.tech != "IVR", 3000)
    assert "vm" in call.b.channel_id.lower() or "voicemail" in " ".join(call.notes)
    hang_up(hx, "fxs1")
    _in_menu(hx, number="7400")
    press(hx, "fxs1", "2")
    call = hx.ctl.channel("fxs1").call
    assert any("ivr 7400 q>5000" in n for n in call.notes) and call.state.value != "ended"
