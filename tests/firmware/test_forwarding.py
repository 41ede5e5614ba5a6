"""Feature codes from an analog phone: DND, forwarding (all / busy / no answer, internal and
outside, loops, refused targets), stutter dial tone, follow-me with press-1, ring-group
strategies, invalid codes."""
from __future__ import annotations

from tests.firmware.conftest import tone_power
from tests.firmware.features import dial, hang_up, has_gaps, hears_tone


def ext(hx, number):
    return hx.box.config.extension(number)


def test_unknown_feature_code_gives_the_invalid_tone(hx):
    dial(hx, "fxs1", "*55#")
    assert hx.state("fxs1") == "feature"
    assert hx.until(lambda: hx.phone("fxs1").hears == "sit", 3000), "no 'invalid' information tone"


def test_dnd_on_gives_stutter_dial_tone_and_callers_get_busy(hx):
    dial(hx, "fxs2", "*78")
    assert ext(hx, "802").dnd is True and hx.state("fxs2") == "feature"
    hang_up(hx, "fxs2")
    p2 = hx.phone("fxs2")
    p2.start_capture(); p2.off_hook(); hx.run(1500)
    assert has_gaps(p2.captured()[1600:]), "no stutter dial tone while DND is on"
    hang_up(hx, "fxs2")
    dial(hx, "fxs1", "802", settle_ms=500)
    assert hx.until(lambda: hx.phone("fxs1").hears == "busy", 4000)
    assert hx.state("fxs2") == "idle"
    hang_up(hx, "fxs1")
    assert hx.cdrs()[-1].disposition == "BUSY" and "dnd 802" in hx.cdrs()[-1].userfield
    dial(hx, "fxs2", "*79")
    assert ext(hx, "802").dnd is False
    hang_up(hx, "fxs2")
    p2.start_capture(); p2.off_hook(); hx.run(1500)
    assert not has_gaps(p2.captured()[1600:]), "plain dial tone again after *79"


def test_forward_all_internal_and_the_cdr_says_so(hx):
    dial(hx, "fxs2", "*72803")
    assert ext(hx, "802").cfu == "803"
    hang_up(hx, "fxs2")
    dial(hx, "fxs1", "802", settle_ms=200)
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 6000) and hx.state("fxs2") == "idle"
    hx.phone("fxs3").off_hook(); hx.run(500)
    assert hears_tone(hx, hx.phone("fxs3"), hx.phone("fxs1"), 1000)
    hang_up(hx, "fxs1"); hang_up(hx, "fxs3")
    cdr = hx.cdrs()[-1]
    assert (cdr.src, cdr.dst, cdr.dstchannel, cdr.disposition) == ("801", "802", "FXS/fxs3", "ANSWERED")
    assert "cfu 802>803" in cdr.userfield
    dial(hx, "fxs2", "*73")
    assert ext(hx, "802").cfu == ""


def test_forward_on_busy_and_on_no_answer(hx):
    hx.box.store.update_extension("802", cfb="803", cfna="804", cfna_ring_ms=6000); hx.box.reload()
    # no answer: 802 rings 6 s, then 804
    dial(hx, "fxs1", "802", settle_ms=200)
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 6000)
    assert hx.until(lambda: hx.state("fxs4") == "ringing", 8000)
    assert hx.state("fxs2") == "idle"
    hang_up(hx, "fxs1")
    assert "cfna 802>804" in hx.cdrs()[-1].userfield
    # busy: 802 off-hook -> 803 rings at once
    hx.phone("fxs2").off_hook(); hx.run(500)
    dial(hx, "fxs1", "802", settle_ms=200)
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 3000)
    hang_up(hx, "fxs1")
    assert "cfb 802>803" in hx.cdrs()[-1].userfield


def test_forward_loop_stops_at_the_first_repeat(hx):
    hx.box.store.update_extension("802", cfu="803")
    hx.box.store.update_extension("803", cfu="802"); hx.box.reload()
    dial(hx, "fxs1", "802", settle_ms=200)
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 6000), "the loop must end ringing 803"
    assert hx.state("fxs2") == "idle"
    hang_up(hx, "fxs1")
    assert "forward loop 803>802 stopped at 803" in hx.cdrs()[-1].userfield


def test_forward_to_an_outside_number_dials_it_on_a_line(hx):
    ex = hx.board.exchange
    mobile = ex.add_subscriber("13800138000", answer_after_ms=1000)
    dial(hx, "fxs2", "*72913800138000")
    assert ext(hx, "802").cfu == "913800138000"
    hang_up(hx, "fxs2")
    dial(hx, "fxs1", "802", settle_ms=200)
    assert hx.until(lambda: mobile.state.value == "talking", 12000), "the forward target was not called"
    hx.run(1000)
    assert hears_tone(hx, mobile, hx.phone("fxs1"), 1000)
    hang_up(hx, "fxs1")
    cdr = hx.cdrs()[-1]
    assert cdr.dstchannel.startswith("FXO/") and cdr.lastdata.endswith("/13800138000")
    assert "cfu 802>913800138000" in cdr.userfield


def test_forward_to_a_number_the_extension_may_not_dial_is_refused_when_set(hx):
    hx.box.store.update_extension("802", outbound_class="local"); hx.box.reload()
    dial(hx, "fxs2", "*72913800138000")                  # a national (mobile) number
    assert hx.state("fxs2") == "feature" and ext(hx, "802").cfu == ""
    assert hx.until(lambda: hx.phone("fxs2").hears == "sit", 3000)
    (r,) = hx.box.cdr.refusals()
    assert r["who"] == "802" and "forward refused" in r["reason"] and "national" in r["reason"]


def test_follow_me_rings_the_mobile_which_must_press_1(hx):
    ex = hx.board.exchange
    mobile = ex.add_subscriber("13800138000", answer_after_ms=500)
    hx.box.store.update_extension("802", followme="913800138000", followme_mode="together"); hx.box.reload()
    dial(hx, "fxs1", "802", settle_ms=200)
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 6000)
    assert hx.until(lambda: mobile.state.value == "talking", 12000), "the mobile was not called"
    hx.run(1500)
    assert hx.state("fxs2") == "ringing", "the desk keeps ringing until the mobile accepts"
    assert hx.state("fxs1") == "calling"
    mobile.send_dtmf("1")
    assert hx.until(lambda: hx.state("fxs1") == "talking", 3000)
    assert hx.state("fxs2") == "idle"
    hx.run(500)
    assert hears_tone(hx, mobile, hx.phone("fxs1"), 1000)
    hang_up(hx, "fxs1")
    assert "followme 802+913800138000" in hx.cdrs()[-1].userfield


def test_follow_me_leg_that_does_not_press_1_is_dropped_and_the_desk_answers(hx):
    ex = hx.board.exchange
    mobile = ex.add_subscriber("13800138000", answer_after_ms=200)     # its voicemail picks up
    hx.box.store.update_settings({"followme_confirm_ms": 5000})
    hx.box.store.update_extension("802", followme="913800138000", followme_mode="after",
                                  followme_delay_ms=3000); hx.box.reload()
    dial(hx, "fxs1", "802", settle_ms=200)
    assert hx.until(lambda: mobile.state.value == "talking", 15000)
    assert hx.until(lambda: mobile.state.value == "ended", 8000), "the unconfirmed leg must be dropped"
    assert hx.state("fxs2") == "ringing" and hx.state("fxs1") == "calling"
    hx.phone("fxs2").off_hook()
    assert hx.until(lambda: hx.state("fxs1") == "talking", 2000)


def test_followme_code_switches_follow_me(hx):
    hx.box.store.update_extension("802", followme="913800138000"); hx.box.reload()
    dial(hx, "fxs2", "*21")
    assert ext(hx, "802").followme_mode == "after"
    hang_up(hx, "fxs2")
    dial(hx, "fxs2", "*22")
    assert ext(hx, "802").followme_mode == "off"


def test_ring_group_round_robin_remembers_who_answered(hx):
    hx.box.store.update_ring_group("600", strategy="round_robin", members=["802", "803", "804"],
                                   ring_ms=4000); hx.box.reload()
    dial(hx, "fxs1", "600", settle_ms=200)
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 4000)
    assert hx.state("fxs3") == "idle"
    hx.phone("fxs2").off_hook(); hx.run(500)
    hang_up(hx, "fxs1"); hang_up(hx, "fxs2")
    dial(hx, "fxs1", "600", settle_ms=200)
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 4000), "the next call starts after 802"
    assert hx.state("fxs2") == "idle"
    assert hx.until(lambda: hx.state("fxs4") == "ringing", 6000), "then the next member"


def test_ring_group_ring_all_then_overflow(hx):
    hx.box.store.update_ring_group("600", strategy="ringall", members=["802", "803"], ring_ms=5000,
                                   no_answer_dest="804"); hx.box.reload()
    dial(hx, "fxs1", "600", settle_ms=200)
    assert hx.until(lambda: hx.state("fxs2") == "ringing" and hx.state("fxs3") == "ringing", 4000)
    assert hx.until(lambda: hx.state("fxs4") == "ringing", 7000)
    assert hx.state("fxs2") == hx.state("fxs3") == "idle"
    hx.phone("fxs4").off_hook(); hx.run(500)
    assert hx.state("fxs1") == "talking"
    hang_up(hx, "fxs1")
    assert "overflow 600>804" in hx.cdrs()[-1].userfield


def test_held_party_hears_the_routes_music_class(hx):
    import numpy as np
    from firmware.engine.media import write_wav
    t = np.arange(8000 * 2) / 8000
    (hx.box.data.sounds / "moh").mkdir(exist_ok=True)
    write_wav(hx.box.data.sounds / "moh" / "sales.wav", (3000 * np.sin(2 * np.pi * 1300 * t)).astype(np.int16))
    route = hx.box.store.inbound_routes()[0]
    hx.box.store.update_inbound_route(route["id"], moh="sales"); hx.box.reload()
    remote = hx.board.exchange.ring_in("fxo1", caller="13800138000")
    assert hx.until(lambda: hx.state("fxs1") == "ringing", 12000)
    hx.phone("fxs1").off_hook()
    assert hx.until(lambda: remote.state.value == "talking", 3000)
    remote.start_capture()
    hx.phone("fxs1").flash(); hx.run(2500)
    assert tone_power(remote.captured()[8000:], 1300) > 0.5, "the caller does not hear the route's music"
