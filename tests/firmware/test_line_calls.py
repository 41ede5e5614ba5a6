"""Calls over FXO lines end to end against the simulated exchange: inbound with FSK caller
ID (Bell 202 and V.23), outbound with DTMF dialling, every disconnect-supervision method,
failover from a dead line, callers who give up, CDR rows."""
from __future__ import annotations

import pytest

from tests.firmware.conftest import rms, tone_power


def answer_inbound(hx, cid="bell202", caller="13800138000", name="ZHANG SAN"):
    ex = hx.board.exchange
    hx.board.line("fxo1").cid = cid
    remote = ex.ring_in("fxo1", caller=caller, name=name)
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 12000), "the ring group does not ring"
    p = hx.phone("fxs2")
    # the phone shows the outside caller (FSK after its first ring), then is answered
    assert hx.until(lambda: (p.caller_id or {}).get("number") == caller, 8000)
    p.off_hook()
    assert hx.until(lambda: hx.state("fxo1") == "talking", 2000)
    assert hx.until(lambda: remote.state.value == "talking", 2000)
    return remote, p


@pytest.mark.parametrize("cid", ["bell202", "v23"])
def test_inbound_call_caller_id_reaches_cdr_and_phone(hx, cid):
    remote, p = answer_inbound(hx, cid=cid)
    assert hx.ctl.channel("fxo1").cid["number"] == "13800138000"
    assert p.caller_id["name"] == "ZHANG SAN"
    p.start_capture(); remote.play_tone("1000"); hx.run(1500); remote.stop_playing()
    assert tone_power(p.captured()[4000:], 1000) > 0.7
    remote.start_capture(); p.play_tone("600"); hx.run(1500); p.stop_playing()
    assert tone_power(remote.captured()[4000:], 600) > 0.7
    p.on_hook(); hx.run(1500)
    assert remote.state.value == "ended"
    (cdr,) = hx.cdrs()
    assert (cdr.src, cdr.caller_name, cdr.disposition) == ("13800138000", "ZHANG SAN", "ANSWERED")
    assert cdr.direction == "inbound" and cdr.dcontext == "from-trunk" and cdr.trunk == "line1"
    assert cdr.channel == "FXO/fxo1" and cdr.dstchannel == "FXS/fxs2" and cdr.hangup_side == "callee"
    assert cdr.clid == '"ZHANG SAN" <13800138000>'


@pytest.mark.parametrize("method,limit_ms", [("busy", 4000), ("polarity", 500), ("loop", 800)])
def test_far_end_hangup_is_detected(hx, method, limit_ms):
    hx.board.line("fxo1").disconnect = method
    remote, p = answer_inbound(hx)
    hx.run(1000)
    remote.hangup()
    t0 = hx.clock.now_ms()
    assert hx.until(lambda: hx.state("fxo1") in ("guard", "idle"), limit_ms), \
        f"{method} disconnect not seen within {limit_ms} ms"
    assert hx.clock.now_ms() - t0 <= limit_ms
    assert hx.until(lambda: p.hears == "busy", 3000), "the extension hears busy after the far end left"
    (cdr,) = hx.cdrs()
    assert cdr.hangup_side == "caller" and cdr.disposition == "ANSWERED"


def test_caller_gives_up_before_answer(hx):
    remote = hx.board.exchange.ring_in("fxo1", caller="13900001111")
    assert hx.until(lambda: hx.state("fxs1") == "ringing", 12000)
    remote.hangup()
    assert hx.until(lambda: hx.state("fxs1") == "idle", 9000), "extensions stop ringing"
    assert hx.state("fxo1") == "idle"
    (cdr,) = hx.cdrs()
    assert cdr.disposition == "NO ANSWER" and cdr.src == "13900001111" and cdr.hangup_side == "caller"


def dial_out(hx, number="963001234"):
    p = hx.phone("fxs1")
    p.off_hook(); hx.run(500)
    p.dial(number)
    return p


def test_outbound_call_dials_dtmf_to_the_exchange(hx):
    ex = hx.board.exchange
    hx.box.store.update_line("line1", answer="polarity")
    hx.board.line("fxo1").answer_polarity = True
    remote = ex.add_subscriber("63001234", behaviour="answer", answer_after_ms=9000)
    hx.run(1100)                          # the box applies the line change
    p = dial_out(hx)
    assert hx.until(lambda: hx.state("fxo1") == "alerting", 12000), "line seized, dial tone, digits"
    assert ex.calls_log[-1]["number"] == "63001234"
    assert hx.until(lambda: p.hears == "ringback", 8500), "the caller hears the exchange's ringback"
    assert hx.state("fxo1") == "alerting", "not answered before the polarity reversal"
    assert hx.until(lambda: hx.state("fxo1") == "talking", 8000)
    assert remote.state.value == "talking"
    p.start_capture(); remote.play_tone("1000"); hx.run(1500)
    assert tone_power(p.captured()[4000:], 1000) > 0.7
    p.on_hook(); hx.run(1500)
    (cdr,) = hx.cdrs()
    assert (cdr.dst, cdr.disposition, cdr.trunk, cdr.direction) == ("963001234", "ANSWERED", "line1", "outbound")
    assert cdr.lastdata.endswith("/63001234") and cdr.billsec >= 1


def test_outbound_to_a_busy_number(hx):
    # answer supervision by polarity: busy is known before any answer
    hx.box.store.update_line("line1", answer="polarity")
    hx.board.line("fxo1").answer_polarity = True
    hx.board.exchange.add_subscriber("63009999", behaviour="busy")
    hx.run(1100)
    p = dial_out(hx, "963009999")
    assert hx.until(lambda: p.hears == "busy", 15000)
    assert hx.until(lambda: hx.state("fxo1") in ("guard", "idle"), 5000), "the line is released"
    p.on_hook(); hx.run(1500)
    (cdr,) = hx.cdrs()
    assert cdr.disposition == "BUSY"


def test_dead_line_fails_over_to_the_next(hx):
    hx.board.line("fxo1").dial_tone = False
    hx.board.exchange.add_subscriber("63001234", behaviour="answer", answer_after_ms=1000)
    p = dial_out(hx)
    assert hx.until(lambda: hx.state("fxo2") in ("seizing", "dialing", "alerting"), 15000), \
        "the call moves to line 2 after line 1 gives no dial tone"
    assert hx.state("fxo1") in ("guard", "idle")
    assert hx.ctl.channel("fxo1").failures == 1
    assert hx.until(lambda: hx.state("fxo2") == "talking", 12000)
    p.on_hook(); hx.run(1500)
    (cdr,) = hx.cdrs()
    assert cdr.trunk == "line2" and cdr.disposition == "ANSWERED"


def test_emergency_number_routes_even_for_internal_only_extension(hx):
    hx.box.store.update_extension("801", outbound_class="internal")
    hx.run(1100)
    p = hx.phone("fxs1")
    p.off_hook(); hx.run(500); p.dial("110")
    assert hx.until(lambda: hx.state("fxo1") in ("seizing", "dialing"), 6000)
    assert hx.until(lambda: hx.board.exchange.calls_log and hx.board.exchange.calls_log[-1].get("number") == "110", 10000)


def test_internal_only_extension_cannot_dial_out(hx):
    hx.box.store.update_extension("801", outbound_class="internal")
    hx.run(1100)
    p = dial_out(hx)
    assert hx.until(lambda: p.hears == "congestion", 8000)
    assert all(hx.state(f"fxo{i}") == "idle" for i in range(1, 5))


def test_double_talk_with_tones_both_ways_stays_clean(hx):
    remote, p = answer_inbound(hx)
    p.start_capture()
    remote.play_tone("1000"); p.play_tone("600")
    hx.run(1500)
    assert tone_power(p.captured()[4000:], 1000) > 0.7
