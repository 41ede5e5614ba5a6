"""Conference rooms, time-based inbound routing with holidays and the day/night code,
caller block/allow lists, outbound rights and the toll-fraud guard, the agent-number
announcement (报工号) — end to end on the simulated board."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hal.clock import VirtualClock

from firmware.box import Box
from firmware.paths import DataDir
from tests.firmware.conftest import Harness, rms, tone_power
from tests.firmware.features import dial, hang_up, hears_tone


# ---------------------------------------------------------------- conference rooms
def join(hx, port, pin="1234"):
    dial(hx, port, "700", settle_ms=1500)
    assert hx.state(port) == "talking"
    hx.phone(port).dial(pin + "#")
    hx.run(200 * (len(pin) + 1) + 1500)


def test_conference_room_with_pin_mute_and_kick(hx):
    hx.box.store.add_conference_room(number="700", name="Daily", pin="1234", admin_pin="9999"); hx.box.reload()
    join(hx, "fxs1", pin="9999")                        # the organiser
    join(hx, "fxs2")
    join(hx, "fxs3")
    room = hx.ctl.conferences.rooms["700"]
    assert len(room.members) == 3 and room.members[0].organiser
    p1, p2, p3 = (hx.phone(p) for p in ("fxs1", "fxs2", "fxs3"))
    p1.start_capture(); p3.start_capture()
    p2.play_tone("1000"); hx.run(1500); p2.stop_playing()
    assert tone_power(p1.captured()[4000:], 1000) > 0.5 and tone_power(p3.captured()[4000:], 1000) > 0.5
    # 802 mutes itself with 1: the others no longer hear it
    p2.dial("1"); hx.run(1000)
    assert room.members[1].muted
    p1.start_capture(); p2.play_tone("1000"); hx.run(1500); p2.stop_playing()
    assert tone_power(p1.captured()[4000:], 1000) < 0.1
    # the organiser removes the last joiner (803) with 2
    p1.dial("2"); hx.run(3000)
    assert hx.until(lambda: hx.state("fxs3") in ("busy", "congestion"), 3000)
    assert len(room.members) == 2
    status = hx.ctl.status()["conferences"]
    assert status[0]["number"] == "700" and len(status[0]["parties"]) == 2


def test_conference_wrong_pin_three_times_is_dropped(hx):
    hx.box.store.add_conference_room(number="700", pin="1234"); hx.box.reload()
    dial(hx, "fxs1", "700", settle_ms=1500)
    for _ in range(3):
        hx.phone("fxs1").dial("1111#"); hx.run(2500)
    assert hx.until(lambda: hx.state("fxs1") in ("busy", "congestion"), 4000)
    assert not hx.ctl.conferences.rooms["700"].members


def test_conference_room_is_full_at_max_parties(hx):
    hx.box.store.add_conference_room(number="700", max_parties=2); hx.box.reload()
    join(hx, "fxs1", pin=""); join(hx, "fxs2", pin="")
    dial(hx, "fxs3", "700", settle_ms=200)
    hx.phone("fxs3").dial("#"); hx.run(1000)
    assert len(hx.ctl.conferences.rooms["700"].members) == 2
    assert hx.until(lambda: hx.state("fxs3") in ("busy", "congestion"), 4000)


def test_outside_caller_reaches_a_conference_room_by_inbound_route(hx):
    hx.box.store.add_conference_room(number="700"); hx.box.reload()
    route = hx.box.store.inbound_routes()[0]
    hx.box.store.update_inbound_route(route["id"], dest_kind="conference", dest="700"); hx.box.reload()
    join(hx, "fxs1", pin="")
    remote = hx.board.exchange.ring_in("fxo1", caller="13800138000")
    assert hx.until(lambda: remote.state.value == "talking", 12000)
    remote.send_dtmf("#"); hx.run(2000)
    assert len(hx.ctl.conferences.rooms["700"].members) == 2
    assert hears_tone(hx, remote, hx.phone("fxs1"), 1000, ms=1500)


# ---------------------------------------------------------------- time routing
@pytest.fixture
def office(tmp_path):
    """A box whose clock starts on Monday 2026-11-23 10:00 in the box's time zone
    (settings.timezone, Asia/Shanghai by default — not the machine's zone)."""
    start = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    clock = VirtualClock(epoch=start.astimezone(dt.timezone.utc))
    box = Box(DataDir.at(tmp_path / "data"), clock)
    s = box.store
    s.add_time_condition(name="office", hours={d: ["09:00-12:00", "13:30-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")})
    route = s.inbound_routes()[0]
    s.update_inbound_route(route["id"], dest_kind="extension", dest="801", time_condition="office",
                           night_dest_kind="extension", night_dest="802")
    box.reload()
    yield Harness(box, clock)
    box.close()


def test_inbound_routes_by_business_hours_and_holidays(office):
    hx = office
    hx.board.exchange.ring_in("fxo1", caller="13800138000", give_up_after_ms=8000)
    assert hx.until(lambda: hx.state("fxs1") == "ringing", 12000), "office hours: 801"
    assert hx.state("fxs2") == "idle"
    hx.run(15000)
    hx.box.store.add_holiday(date="2026-11-23", name="test holiday"); hx.box.reload()
    hx.board.exchange.ring_in("fxo1", caller="13800138000", give_up_after_ms=8000)
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 12000), "holiday: night destination"
    assert hx.state("fxs1") == "idle"


def test_business_hours_follow_the_box_time_zone_not_the_machine(office):
    """10:00 in Shanghai is 02:00 in London: the same instant is night for a box set to London."""
    hx = office
    assert hx.box.config.settings["timezone"] == "Asia/Shanghai"
    assert hx.box.ctl.local_time().hour == 10
    hx.box.store.set_setting("timezone", "Europe/London"); hx.box.reload()
    assert hx.box.ctl.local_time().hour == 2
    hx.board.exchange.ring_in("fxo1", caller="13800138000", give_up_after_ms=8000)
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 12000), "02:00 in London: night destination"
    assert hx.state("fxs1") == "idle"


def test_day_night_code_overrides_and_returns_to_the_schedule(office):
    hx = office
    dial(hx, "fxs3", "*28")
    assert hx.box.config.time_condition("office").override == "night"
    hang_up(hx, "fxs3")
    hx.board.exchange.ring_in("fxo1", caller="13800138000", give_up_after_ms=8000)
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 12000), "forced night"
    hx.run(15000)
    dial(hx, "fxs3", "*28")
    assert hx.box.config.time_condition("office").override == "auto"


# ---------------------------------------------------------------- caller lists
def test_blocked_caller_gets_busy_and_is_counted_while_allowed_number_passes(hx):
    s = hx.box.store
    blocked = s.add_caller_list_entry(list="block", number="1700", match="prefix", action="busy")
    s.add_caller_list_entry(list="allow", number="17001234567")
    hx.box.reload()
    remote = hx.board.exchange.ring_in("fxo1", caller="17009998888")
    assert hx.until(lambda: remote.state.value == "talking", 12000), "the box answers to refuse"
    assert hx.until(lambda: remote.hears == "busy", 4000)
    assert all(hx.state(p) == "idle" for p in ("fxs1", "fxs2", "fxs3", "fxs4"))
    assert hx.until(lambda: remote.state.value == "ended", 8000)
    assert hx.box.cdr.caller_list_hits() == {blocked: 1}
    (r,) = hx.box.cdr.refusals()
    assert r["kind"] == "inbound" and r["who"] == "17009998888" and "block list" in r["reason"]
    hx.run(3000)
    ok = hx.board.exchange.ring_in("fxo1", caller="17001234567")
    assert hx.until(lambda: hx.state("fxs1") == "ringing", 12000), "the allow list wins"
    assert ok.state.value != "ended"


def test_blocked_caller_hangup_action_drops_the_line(hx):
    hx.box.store.add_caller_list_entry(list="block", number="13911112222", action="hangup"); hx.box.reload()
    remote = hx.board.exchange.ring_in("fxo1", caller="13911112222")
    assert hx.until(lambda: remote.state.value == "ended", 15000)
    assert all(hx.state(p) == "idle" for p in ("fxs1", "fxs2"))


# ---------------------------------------------------------------- outbound rights
def test_international_call_needs_the_pin(hx):
    ex = hx.board.exchange
    far = ex.add_subscriber("0044201234567", answer_after_ms=500)
    hx.box.store.update_extension("801", outbound_class="international", pin="2468"); hx.box.reload()
    dial(hx, "fxs1", "90044201234567#", settle_ms=1000)
    assert hx.state("fxs1") == "pin", "no PIN asked"
    hx.phone("fxs1").dial("1111#"); hx.run(2500)
    assert hx.state("fxs1") == "pin"                     # wrong: asked again
    hx.phone("fxs1").dial("2468#")
    assert hx.until(lambda: far.state.value == "talking", 15000), "the right PIN places the call"
    hang_up(hx, "fxs1")
    (r,) = hx.box.cdr.refusals()
    assert r["who"] == "801" and "wrong PIN" in r["reason"]


def test_class_of_service_and_box_limits_refuse_with_a_logged_reason(hx):
    ex = hx.board.exchange
    ex.add_subscriber("63001234", answer_after_ms=500)
    hx.box.store.update_extension("802", outbound_class="internal")
    hx.box.store.set_setting("max_outbound_calls", 1); hx.box.reload()
    dial(hx, "fxs2", "963001234", settle_ms=3000)
    assert hx.until(lambda: hx.phone("fxs2").hears == "congestion", 4000)
    hang_up(hx, "fxs2")
    dial(hx, "fxs1", "963001234", settle_ms=200)      # 801 uses the one allowed outside call
    assert hx.until(lambda: hx.state("fxs1") == "talking", 12000)
    dial(hx, "fxs3", "963001234", settle_ms=3000)
    assert hx.until(lambda: hx.phone("fxs3").hears == "congestion", 4000)
    hang_up(hx, "fxs3")
    # emergency numbers are always allowed, limits or not
    dial(hx, "fxs2", "110", settle_ms=4000)
    assert any(e.get("number") == "110" for e in hx.board.exchange.calls_log), "the emergency call was not dialled"
    reasons = [r["reason"] for r in hx.box.cdr.refusals()]
    assert any("class of service internal" in r for r in reasons)
    assert any("the box already has 1 outside calls" in r for r in reasons)


def test_daily_minutes_limit_cuts_the_call_and_refuses_the_next(hx):
    hx.board.exchange.add_subscriber("63001234", answer_after_ms=500)
    hx.box.store.update_extension("801", max_outbound_minutes=1); hx.box.reload()
    dial(hx, "fxs1", "963001234", settle_ms=200)
    assert hx.until(lambda: hx.state("fxs1") == "talking", 12000)
    hx.run(62_000)
    assert hx.state("fxs1") != "talking", "the call was not cut at the limit"
    hang_up(hx, "fxs1")
    dial(hx, "fxs1", "963001234", settle_ms=3000)
    assert hx.until(lambda: hx.phone("fxs1").hears == "congestion", 4000)
    assert any("minutes" in r["reason"] for r in hx.box.cdr.refusals())


# ---------------------------------------------------------------- 报工号
def test_answering_extension_is_announced_to_the_outside_caller(hx):
    hx.box.store.update_extension("801", announce=True)
    hx.box.store.update_ring_group("600", members=["801"]); hx.box.reload()
    remote = hx.board.exchange.ring_in("fxo1", caller="13800138000")
    assert hx.until(lambda: hx.state("fxs1") == "ringing", 12000)
    remote.start_capture()
    p = hx.phone("fxs1")
    p.off_hook(); p.play_tone("700")
    hx.run(1500)
    start = remote.captured()
    assert rms(start[1600:]) > 300 and tone_power(start[1600:], 700) < 0.2, \
        "the caller should hear the announcement, not the agent yet"
    hx.run(6000)
    remote.start_capture(); hx.run(1500)
    assert tone_power(remote.captured()[2400:], 700) > 0.5, "after the announcement the talk path opens"


def test_refusals_and_conferences_through_the_management_commands(hx):
    hx.box.store.update_extension("802", outbound_class="internal"); hx.box.reload()
    dial(hx, "fxs2", "963001234", settle_ms=1000)
    (r,) = hx.box.dispatcher.run("refusals")
    assert r["who"] == "802" and "class of service" in r["reason"]
    assert hx.box.dispatcher.run("conferences") == []
