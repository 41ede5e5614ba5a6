"""Hold with music, blind and attended transfer (with recall), three-way calling, pickup —
from analog handsets: flash, DTMF, and what each party hears."""
from __future__ import annotations

from tests.firmware.conftest import rms, tone_power
from tests.firmware.features import dial, flash, hang_up, hears_tone, talk


def test_flash_holds_with_music_and_second_dial_tone_then_returns(hx):
    talk(hx, "fxs1", "fxs2")
    p1, p2 = hx.phone("fxs1"), hx.phone("fxs2")
    p2.start_capture()
    flash(hx, "fxs1")
    assert hx.state("fxs1") == "dialtone" and hx.until(lambda: p1.hears == "dialtone", 2000)
    hx.run(2000)
    moh = p2.captured()[4000:]
    assert rms(moh) > 200, "the held party hears no music"
    assert tone_power(moh, 450) < 0.5, "the held party hears a tone, not music"
    # the holder is not heard by the held party while on hold
    p2.start_capture(); p1.play_tone("1000"); hx.run(1200); p1.stop_playing()
    assert tone_power(p2.captured()[2400:], 1000) < 0.1
    flash(hx, "fxs1")
    assert hx.state("fxs1") == "talking"
    assert hears_tone(hx, p2, p1, 1000) and hears_tone(hx, p1, p2, 700)


def test_blind_transfer_connects_held_party_to_target_and_keeps_the_cdr_chain(hx):
    talk(hx, "fxs1", "fxs2")
    flash(hx, "fxs1")
    hx.phone("fxs1").dial("803")
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 6000)
    hang_up(hx, "fxs1")                          # blind: hang up while 803 rings
    assert hx.state("fxs1") == "idle" and hx.state("fxs3") == "ringing"
    p2, p3 = hx.phone("fxs2"), hx.phone("fxs3")
    assert hx.until(lambda: p2.hears == "ringback", 6000), "the transferred party hears no ringback"
    p3.off_hook()
    assert hx.until(lambda: hx.state("fxs3") == "talking", 2000)
    assert hears_tone(hx, p3, p2, 1000) and hears_tone(hx, p2, p3, 700)
    hang_up(hx, "fxs2"); hang_up(hx, "fxs3")
    first, second = hx.cdrs()
    assert first.linkedid == second.linkedid == first.uniqueid
    assert (first.src, first.dst, first.disposition, first.hangup_side) == ("801", "802", "ANSWERED", "transfer")
    assert "blind transfer by 801" in first.userfield
    assert (second.src, second.dst, second.disposition) == ("802", "803", "ANSWERED")
    assert second.dstchannel == "FXS/fxs3" and "blind transfer by 801" in second.userfield


def test_blind_transfer_not_answered_recalls_the_transferrer(hx):
    hx.box.store.set_setting("transfer_recall_ms", 8000); hx.box.reload()
    talk(hx, "fxs1", "fxs2")
    flash(hx, "fxs1")
    hx.phone("fxs1").dial("803")
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 6000)
    hang_up(hx, "fxs1")
    assert hx.until(lambda: hx.state("fxs1") == "ringing", 10000), "no recall to the transferrer"
    assert hx.state("fxs3") == "idle"
    hx.phone("fxs1").off_hook()
    assert hx.until(lambda: hx.state("fxs1") == "talking", 2000)
    assert hears_tone(hx, hx.phone("fxs1"), hx.phone("fxs2"), 1000)
    hang_up(hx, "fxs1"); hang_up(hx, "fxs2")
    assert "transfer recall 801" in hx.cdrs()[-1].userfield


def test_attended_transfer_after_talking_to_the_target(hx):
    talk(hx, "fxs1", "fxs2")
    flash(hx, "fxs1")
    hx.phone("fxs1").dial("803")
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 6000)
    p1, p2, p3 = hx.phone("fxs1"), hx.phone("fxs2"), hx.phone("fxs3")
    p3.off_hook()
    assert hx.until(lambda: hx.state("fxs1") == "talking", 2000)
    assert hears_tone(hx, p3, p1, 1000)              # consultation: 801 and 803 talk
    p2.start_capture(); p3.play_tone("900"); hx.run(1200); p3.stop_playing()
    assert tone_power(p2.captured()[2400:], 900) < 0.1, "the held party must not hear the consultation"
    hang_up(hx, "fxs1")                              # complete the transfer
    assert hx.state("fxs2") == hx.state("fxs3") == "talking"
    assert hears_tone(hx, p3, p2, 1000) and hears_tone(hx, p2, p3, 700)
    hang_up(hx, "fxs3"); hang_up(hx, "fxs2")
    first, second = hx.cdrs()
    assert first.linkedid == second.linkedid
    assert "attended transfer by 801" in second.userfield and first.hangup_side == "transfer"


def test_flash_while_target_rings_returns_to_the_held_party(hx):
    talk(hx, "fxs1", "fxs2")
    flash(hx, "fxs1")
    hx.phone("fxs1").dial("803")
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 6000)
    flash(hx, "fxs1")
    assert hx.state("fxs1") == "talking" and hx.state("fxs3") == "idle"
    assert hears_tone(hx, hx.phone("fxs2"), hx.phone("fxs1"), 1000)


def test_three_way_call_then_flash_drops_the_last_party(hx):
    talk(hx, "fxs1", "fxs2")
    flash(hx, "fxs1")
    hx.phone("fxs1").dial("803")
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 6000)
    hx.phone("fxs3").off_hook()
    assert hx.until(lambda: hx.state("fxs1") == "talking", 2000)
    flash(hx, "fxs1")                                # join: three-way
    assert hx.state("fxs1") == "threeway"
    p1, p2, p3 = hx.phone("fxs1"), hx.phone("fxs2"), hx.phone("fxs3")
    p1.start_capture(); p3.start_capture()
    p2.play_tone("1000"); hx.run(1200); p2.stop_playing()
    assert tone_power(p1.captured()[2400:], 1000) > 0.5 and tone_power(p3.captured()[2400:], 1000) > 0.5
    flash(hx, "fxs1")                                # drop 803, back to 802
    assert hx.state("fxs1") == "talking"
    assert hx.until(lambda: p3.hears == "busy", 3000)
    assert hears_tone(hx, p2, p1, 700)


def test_three_way_controller_hangs_up_leaves_the_others_talking(hx):
    talk(hx, "fxs1", "fxs2")
    flash(hx, "fxs1")
    hx.phone("fxs1").dial("803")
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 6000)
    hx.phone("fxs3").off_hook()
    hx.run(500)
    flash(hx, "fxs1")
    hang_up(hx, "fxs1")
    assert hx.state("fxs2") == hx.state("fxs3") == "talking"
    assert hears_tone(hx, hx.phone("fxs3"), hx.phone("fxs2"), 1000)


def test_group_pickup_and_directed_pickup(hx):
    dial(hx, "fxs1", "802", settle_ms=200)
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 6000)
    dial(hx, "fxs3", "*8", settle_ms=500)
    assert hx.state("fxs3") == "talking" and hx.state("fxs2") == "idle"
    assert hears_tone(hx, hx.phone("fxs3"), hx.phone("fxs1"), 1000)
    hang_up(hx, "fxs1"); hang_up(hx, "fxs3")
    cdr = hx.cdrs()[-1]
    assert cdr.dstchannel == "FXS/fxs3" and "pickup by 803" in cdr.userfield
    # directed: **802 picks up the call ringing 802 only
    dial(hx, "fxs1", "802", settle_ms=200)
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 6000)
    dial(hx, "fxs4", "**803#", settle_ms=500)           # nothing rings 803: invalid
    assert hx.state("fxs4") == "feature"
    hang_up(hx, "fxs4")
    dial(hx, "fxs4", "**802", settle_ms=500)
    assert hx.state("fxs4") == "talking" and hx.state("fxs2") == "idle"


def test_pickup_of_an_outside_call_ringing_the_ring_group(hx):
    hx.box.store.update_ring_group("600", members=["801", "802", "803"]); hx.box.reload()
    remote = hx.board.exchange.ring_in("fxo1", caller="13800138000")
    assert hx.until(lambda: hx.state("fxs1") == "ringing", 12000)
    hx.box.store.update_extension("804", pickup_group="sales"); hx.box.reload()
    dial(hx, "fxs4", "*8", settle_ms=500)
    assert hx.state("fxs4") == "feature", "another pickup group must not pick it up"
    hang_up(hx, "fxs4")
    hx.box.store.update_extension("804", pickup_group="default"); hx.box.reload()
    dial(hx, "fxs4", "*8", settle_ms=500)
    assert hx.state("fxs4") == "talking"
    assert hx.until(lambda: remote.state.value == "talking", 2000)
    assert all(hx.state(p) == "idle" for p in ("fxs1", "fxs2", "fxs3"))
