"""What the caller hears and how a caller leaves: announcements (prompt sequence),
exit key, max wait, empty-queue policies, full queue, whisper, screen pop."""
from __future__ import annotations

import datetime as dt

from tests.acd.conftest import caller, events, fast_login, ringing_ports, rms, setup_queue
from tests.firmware.features import hears_tone


def _lib(hx):
    return hx.ctl._prompt_library()


def test_position_and_expected_wait_announcement(hx):
    setup_queue(hx, announce_ms=6000)
    acd = hx.box.acd
    caller(hx, "fxo1", "13800000001")
    assert hx.until(lambda: len(acd.waiting("700")) == 1, 12000)
    second = caller(hx, "fxo2", "13800000002")
    assert hx.until(lambda: len(acd.waiting("700")) == 2, 12000)
    e1, e2 = acd.waiting("700")
    second.start_capture()
    assert hx.until(lambda: e2.announcements, 8000)
    lib = _lib(hx)
    # nobody logged in: 1 agent assumed, 120 s handle time -> position 2 waits 4 minutes
    assert e2.announcements[0] == ["queue_thank_you_for_waiting", "you_are_number", *lib.number(2), "in_queue",
                                   "expected_wait", *lib.duration(240)]
    assert e1.announcements[0][2:3] == lib.number(1)
    playing = hx.ctl.switch.player(e2.call.a.row).describe()
    assert playing.startswith("prompts:queue_thank_you_for_waiting,you_are_number,")
    hx.run(3000)
    assert rms(second.captured()[8000:]) > 100       # the caller hears it (speech, not silence)


def test_expected_wait_follows_recent_handle_time_and_agents(hx):
    setup_queue(hx, members=("1001", "1002"), wrapup_ms=0)
    acd = hx.box.acd
    from collections import deque
    acd.aht["700"] = deque([60_000, 120_000])      # 90 s average
    fast_login(hx, "1001", "802")
    fast_login(hx, "1002", "803")
    acd.pause("1001"); acd.pause("1002")
    for line in ("fxo1", "fxo2", "fxo3"):
        caller(hx, line, "1380000000" + line[-1])
    assert hx.until(lambda: len(acd.waiting("700")) == 3, 12000)
    third = acd.waiting("700")[2]
    assert acd.expected_wait_ms(third) == 3 * 90_000 // 2
    assert acd.announcement(third)[-len(_lib(hx).duration(180)):] == _lib(hx).duration(180)


def test_exit_key_leaves_to_its_destination(hx):
    setup_queue(hx, exit_key="0", exit_key_dest="801")
    remote = caller(hx)
    assert hx.until(lambda: len(hx.box.acd.waiting("700")) == 1, 12000)
    hx.run(1000)
    remote.send_dtmf("0")
    assert hx.until(lambda: hx.state("fxs1") == "ringing", 4000)
    ev = events(hx, "EXITWITHKEY")
    assert len(ev) == 1 and ev[0]["data1"] == "0" and ev[0]["data4"] == "801"
    hx.phone("fxs1").off_hook()
    assert hx.until(lambda: hx.state("fxs1") == "talking", 2000)
    assert hears_tone(hx, remote, hx.phone("fxs1"), 1000)


def test_max_wait_sends_the_caller_to_the_exit_destination(hx):
    setup_queue(hx, max_wait_ms=6000, exit_dest="801")
    caller(hx)
    assert hx.until(lambda: len(hx.box.acd.waiting("700")) == 1, 12000)
    hx.run(5000)
    assert hx.state("fxs1") == "idle"
    assert hx.until(lambda: hx.state("fxs1") == "ringing", 3000)
    ev = events(hx, "EXITWITHTIMEOUT")
    assert len(ev) == 1 and ev[0]["data4"] == "801" and 5900 <= int(ev[0]["data3"]) <= 6200


def test_queue_with_nobody_logged_in_follows_its_join_policy(hx):
    setup_queue(hx, join_empty=False)
    remote = caller(hx)
    assert hx.until(lambda: remote.state.value == "ended", 20000)
    assert [e["event"] for e in events(hx)] == ["EXITEMPTY"]
    assert hx.box.acd.waiting("700") == []


def test_last_agent_logging_out_empties_a_leave_when_empty_queue(hx):
    setup_queue(hx, members=("1001",), leave_empty=True, exit_dest="801")
    fast_login(hx, "1001", "802")
    hx.box.acd.pause("1001")
    caller(hx)
    assert hx.until(lambda: len(hx.box.acd.waiting("700")) == 1, 12000)
    hx.box.acd.logout("1001")
    assert hx.until(lambda: hx.state("fxs1") == "ringing", 4000)
    assert [e["event"] for e in events(hx)][-1] == "EXITEMPTY"


def test_full_queue_turns_callers_away(hx):
    setup_queue(hx, max_len=1)
    caller(hx, "fxo1", "13800000001")
    assert hx.until(lambda: len(hx.box.acd.waiting("700")) == 1, 12000)
    second = caller(hx, "fxo2", "13800000002")
    assert hx.until(lambda: second.state.value == "ended", 20000)
    assert [e["data1"] for e in events(hx, "ENTERQUEUE")] == ["13800000001"]
    full = events(hx, "FULL")                      # turned away is logged (Asterisk's FULL)
    assert [(e["queue"], e["data1"], e["data2"]) for e in full] == [("700", "13800000002", "1")]
    stats = hx.box.dispatcher.run("acd.stats", {"queue": "700"})["queues"]["700"]
    assert (stats["offered"], stats["full"], stats["waiting"]) == (1, 1, 1)
    day = hx.box.clock.wall_time().astimezone().date()
    (row,) = hx.box.dispatcher.run("acd.report", {"interval": "day", "from": day.isoformat(),
                                                   "to": (day + dt.timedelta(days=1)).isoformat()})
    assert (row["offered"], row["full"]) == (1, 1)


def test_whisper_reaches_the_agent_before_the_bridge_opens(hx):
    setup_queue(hx, members=("1001",), whisper=True)
    fast_login(hx, "1001", "802")
    remote = caller(hx)
    assert hx.until(lambda: ringing_ports(hx) == ["fxs2"], 12000)
    agent = hx.phone("fxs2")
    agent.start_capture()
    agent.off_hook()
    hx.run(300)
    row = hx.ctl.channel("fxs2").row
    heard = hx.ctl.switch.player(row)
    assert heard is not None and heard.describe().startswith("prompts:queue_whisper_call_from")
    assert hx.ctl.switch.hears(hx.ctl.channel("fxo1").row) is None or \
        hx.ctl.switch.hears(hx.ctl.channel("fxo1").row) != row     # the caller does not hear the agent yet
    assert hx.until(lambda: hx.ctl.switch.player(row) is None, 8000)
    assert rms(agent.captured()) > 100
    assert hears_tone(hx, remote, agent, 1000) and hears_tone(hx, agent, remote, 1400)


def test_screen_pop_at_offer_time(hx):
    setup_queue(hx, members=("1001",))
    hx.box.store.add_contact(number="13800138000", name="Zhang San", note="gold customer")
    hx.box.reload()
    seen = []
    hx.box.add_publisher(lambda ev, data: seen.append(data) if ev == "acd.screen_pop" else None)
    fast_login(hx, "1001", "802")
    caller(hx)
    assert hx.until(lambda: seen, 12000)
    pop = seen[0]
    assert pop["caller"] == "13800138000" and pop["caller_name"] == "Zhang San"
    assert pop["queue"] == "700" and pop["extensions"] == ["802"] and pop["agents"] == ["1001"]
    assert pop["previous_calls"]["count"] == 1 and pop["wait_s"] >= 0 and pop["vars"] == {}


def test_max_wait_while_an_agent_rings_withdraws_the_offer_and_exits(hx):
    setup_queue(hx, members=("1001",), max_wait_ms=12000, exit_dest="801", ring_ms=20000)
    fast_login(hx, "1001", "802")
    remote = caller(hx)
    assert hx.until(lambda: ringing_ports(hx) == ["fxs2"], 12000)
    assert hx.until(lambda: hx.state("fxs1") == "ringing", 14000)
    assert hx.state("fxs2") == "idle" and remote.in_call
    assert hx.box.acd.agents_status()[0]["state"] == "ready"       # withdrawn, not a ring-no-answer
    assert events(hx, "RINGNOANSWER") == [] and len(events(hx, "EXITWITHTIMEOUT")) == 1


def test_caller_hanging_up_is_an_abandon_waiting_or_while_an_agent_rings(hx):
    setup_queue(hx, members=("1001",))
    acd = hx.box.acd
    fast_login(hx, "1001", "802")
    acd.pause("1001")
    first = caller(hx, "fxo1", "13800000001")
    assert hx.until(lambda: len(acd.waiting("700")) == 1, 12000)
    hx.run(3000)
    first.hangup()
    hx.run(1000)
    ab = events(hx, "ABANDON")
    assert len(ab) == 1 and ab[0]["data1"] == "1" and ab[0]["data2"] == "1" and int(ab[0]["data3"]) >= 3000
    acd.unpause("1001")
    second = caller(hx, "fxo2", "13800000002")
    assert hx.until(lambda: ringing_ports(hx) == ["fxs2"], 12000)
    second.hangup()
    hx.run(1500)
    assert len(events(hx, "ABANDON")) == 2 and hx.state("fxs2") == "idle"
    assert acd.agents_status()[0]["state"] == "ready" and events(hx, "RINGNOANSWER") == []
    assert acd.waiting("700") == []
