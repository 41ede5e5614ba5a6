"""FXS to FXS calls end to end: real DTMF/pulse dialling, ringing with caller ID, audio
both ways through the echo cancellers, busy / no answer / unknown number, CDR rows."""
from __future__ import annotations

from tests.firmware.conftest import rms, tone_power


def call_802(hx, mode="dtmf"):
    p1, p2 = hx.phone("fxs1"), hx.phone("fxs2")
    p1.off_hook()
    assert hx.until(lambda: p1.hears == "dialtone", 3000), "no dial tone"
    p1.dial("802", mode=mode)
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 6000)
    return p1, p2


def test_fxs_to_fxs_call_with_dtmf_tones(hx):
    p1, p2 = call_802(hx)
    assert hx.state("fxs1") == "calling"
    assert hx.until(lambda: p1.hears == "ringback", 6000), "caller hears no ringback"
    assert hx.until(lambda: (p2.caller_id or {}).get("number") == "801", 8000), "no caller ID on 802"
    assert p2.caller_id["name"] == "Extension 801"
    p2.off_hook()
    hx.run(400)
    assert hx.state("fxs1") == hx.state("fxs2") == "talking"
    # voice both ways: a 1 kHz tone from each side arrives at the other
    p1.start_capture(); p2.start_capture()
    p2.play_tone("1000"); p1.play_tone("700")
    hx.run(1500)
    heard1, heard2 = p1.captured()[4000:], p2.captured()[4000:]
    assert tone_power(heard1, 1000) > 0.8 and rms(heard1) > 1000
    assert tone_power(heard2, 700) > 0.8 and rms(heard2) > 1000
    p2.stop_playing(); p1.stop_playing()
    p1.on_hook()
    hx.run(1000)
    assert hx.until(lambda: p2.hears == "busy", 3000), "the other side hears busy after hang-up"
    p2.on_hook()
    hx.run(1000)
    (cdr,) = hx.cdrs()
    assert (cdr.src, cdr.dst, cdr.disposition) == ("801", "802", "ANSWERED")
    assert cdr.channel == "FXS/fxs1" and cdr.dstchannel == "FXS/fxs2"
    assert cdr.hangup_side == "caller" and cdr.direction == "internal"
    assert cdr.billsec >= 1 and cdr.duration >= cdr.billsec + 3
    assert cdr.clid == '"Extension 801" <801>'
    assert hx.state("fxs1") == hx.state("fxs2") == "idle"


def test_pulse_dialling_reaches_the_extension(hx):
    p1, p2 = call_802(hx, mode="pulse")
    p2.off_hook()
    hx.run(400)
    assert hx.state("fxs2") == "talking"


def test_unknown_extension_gives_congestion_and_failed_cdr(hx):
    p1 = hx.phone("fxs1")
    p1.off_hook()
    hx.run(500)
    p1.dial("805")
    assert hx.until(lambda: p1.hears == "congestion", 6000)
    assert hx.state("fxs1") == "congestion"
    p1.on_hook()
    hx.run(500)
    (cdr,) = hx.cdrs()
    assert (cdr.dst, cdr.disposition, cdr.hangup_side) == ("805", "FAILED", "system")


def test_busy_extension(hx):
    hx.phone("fxs2").off_hook()          # 802 is in use (dial tone)
    hx.run(500)
    p1 = hx.phone("fxs1")
    p1.off_hook(); hx.run(500); p1.dial("802")
    assert hx.until(lambda: p1.hears == "busy", 6000)
    p1.on_hook(); hx.run(1500)
    (cdr,) = hx.cdrs()
    assert cdr.disposition == "BUSY" and cdr.billsec == 0


def test_no_answer_after_ring_timeout(hx):
    p1, p2 = call_802(hx)
    timeout = hx.box.config.settings["ring_timeout_ms"]
    hx.run(timeout - 2000)
    assert hx.state("fxs2") == "ringing"
    assert hx.until(lambda: hx.state("fxs2") == "idle", 4000)
    assert hx.state("fxs1") == "busy"
    p1.on_hook(); hx.run(1500)
    (cdr,) = hx.cdrs()
    assert cdr.disposition == "NO ANSWER" and cdr.answer is None


def test_caller_hangs_up_while_ringing(hx):
    p1, p2 = call_802(hx)
    hx.run(2000)
    p1.on_hook()
    hx.run(1500)
    assert hx.state("fxs2") == "idle" and not p2.ringing
    (cdr,) = hx.cdrs()
    assert cdr.disposition == "NO ANSWER" and cdr.hangup_side == "caller"


def test_ring_group_rings_all_members(hx):
    p1 = hx.phone("fxs1")
    p1.off_hook(); hx.run(500); p1.dial("600")
    assert hx.until(lambda: all(hx.state(p) == "ringing" for p in ("fxs2", "fxs3", "fxs4")), 6000)
    hx.phone("fxs4").off_hook()
    hx.run(500)
    assert hx.state("fxs4") == "talking"
    assert hx.state("fxs2") == hx.state("fxs3") == "idle"
    p1.on_hook(); hx.run(1500)
    (cdr,) = hx.cdrs()
    assert cdr.dst == "600" and cdr.dstchannel == "FXS/fxs4" and cdr.disposition == "ANSWERED"


def test_hunt_group_rings_members_in_turn(hx):
    hx.box.store.update_ring_group("600", strategy="hunt", ring_ms=4000)
    hx.run(1100)                          # the box notices the change (checked once a second)
    p1 = hx.phone("fxs1")
    p1.off_hook(); hx.run(500); p1.dial("600")
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 6000)
    assert hx.state("fxs3") == "idle"
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 5000)
    assert hx.state("fxs2") == "idle"


def test_flash_holds_with_music_and_returns(hx):
    p1, p2 = call_802(hx)
    p2.off_hook(); hx.run(500)
    p1.flash()
    assert hx.until(lambda: hx.state("fxs1") == "dialtone", 2000)
    assert hx.until(lambda: p1.hears == "dialtone", 3000), "second dial tone"
    p2.start_capture(); hx.run(2000)
    assert rms(p2.captured()) > 100, "the held party hears music on hold"
    p1.flash()
    assert hx.until(lambda: hx.state("fxs1") == "talking", 2000)
    p1.start_capture(); p2.play_tone("1000"); hx.run(1000)
    assert tone_power(p1.captured()[2000:], 1000) > 0.8


def test_hang_up_with_a_call_on_hold_rings_back(hx):
    p1, p2 = call_802(hx)
    p2.off_hook(); hx.run(500)
    p1.flash(); hx.run(1000)
    p1.on_hook()
    assert hx.until(lambda: hx.state("fxs1") == "recall", 2000)
    assert hx.until(lambda: p1.ringing, 3000)
    p1.off_hook()
    assert hx.until(lambda: hx.state("fxs1") == "talking", 2000)


def test_held_party_hanging_up_is_forgotten(hx):
    p1, p2 = call_802(hx)
    p2.off_hook(); hx.run(500)
    p1.flash(); hx.run(1000)
    assert hx.ctl.channel("fxs1").held is not None
    p2.on_hook(); hx.run(1500)
    assert hx.ctl.channel("fxs1").held is None
    p1.on_hook()
    hx.run(1500)
    assert hx.state("fxs1") == "idle", "no recall for a party that already left"
