"""Queue callback keeps the caller's place and calls back (agent first, then the
customer); the satisfaction survey after the agent hangs up stores the score."""
from __future__ import annotations

from tests.acd.conftest import caller, events, fast_login, ringing_ports, setup_queue
from tests.firmware.features import hears_tone


def test_callback_keeps_the_place_and_calls_back(hx):
    setup_queue(hx, members=("1001",), callback_after_ms=3000, wrapup_ms=0)
    acd = hx.box.acd
    fast_login(hx, "1001", "802")
    acd.pause("1001")
    first = caller(hx, "fxo1", "13800138000")
    assert hx.until(lambda: len(acd.waiting("700")) == 1, 12000)
    e1 = acd.waiting("700")[0]
    assert hx.until(lambda: ["queue_callback_offer"] in e1.announcements, 5000)
    hx.run(2500)
    first.send_dtmf("1")
    assert hx.until(lambda: e1.announcements[-1][-1] == "queue_callback_accept", 3000)
    assert e1.announcements[-1][0] == "queue_callback_confirm_number" and len(e1.announcements[-1]) == 13
    hx.run(5000)
    first.send_dtmf("1")                                             # 1: this number
    assert hx.until(lambda: first.state.value == "ended", 8000)      # hung up after "we will call you back"
    second = caller(hx, "fxo2", "13900000002")
    assert hx.until(lambda: len(acd.waiting("700")) == 2, 12000)
    assert [e.caller for e in acd.waiting("700")] == ["13800138000", "13900000002"]   # place kept
    req = events(hx, "CALLBACKREQUEST")
    assert len(req) == 1 and req[0]["data1"] == "13800138000" and req[0]["data2"] == "1"
    home = hx.board.exchange.add_subscriber("13800138000", answer_after_ms=2000)   # the customer's phone
    acd.unpause("1001")
    assert hx.until(lambda: ringing_ports(hx) == ["fxs2"], 5000)    # the agent first
    assert hx.ctl.channel("fxs2").call is None                       # not the waiting caller's call
    hx.phone("fxs2").off_hook()
    assert hx.until(lambda: home.state.value == "talking", 15000)   # then the customer, out a line
    assert hears_tone(hx, home, hx.phone("fxs2"), 1000)
    hx.phone("fxs2").on_hook()
    hx.run(2000)
    cb = events(hx, "CALLBACKCONNECT")
    assert len(cb) == 1 and cb[0]["agent"] == "1001" and cb[0]["data2"] == "802" and cb[0]["data3"] == "1"
    assert hx.until(lambda: ringing_ports(hx) == ["fxs2"], 8000)    # now the second caller
    assert hx.ctl.channel("fxs2").call.src == "13900000002"
    assert second.in_call


def test_survey_score_is_stored_with_call_agent_and_queue(hx):
    setup_queue(hx, members=("1001",), survey=True)
    fast_login(hx, "1001", "802")
    remote = caller(hx)
    assert hx.until(lambda: ringing_ports(hx) == ["fxs2"], 12000)
    hx.phone("fxs2").off_hook()
    hx.run(2000)
    callid = events(hx, "CONNECT")[0]["callid"]
    hx.phone("fxs2").on_hook()
    hx.run(1500)
    assert remote.in_call                          # the caller stays for the survey
    remote.send_dtmf("2")
    assert hx.until(lambda: remote.state.value == "ended", 10000)
    s = events(hx, "SURVEY")
    assert [(e["callid"], e["agent"], e["queue"], e["data1"]) for e in s] == [(callid, "1001", "700", "2")]
    assert [e["event"] for e in events(hx)][-3:-1] == ["CONNECT", "COMPLETEAGENT"] or \
        "COMPLETEAGENT" in [e["event"] for e in events(hx)]
    assert len(hx.cdrs()) == 1 and hx.cdrs()[0].disposition == "ANSWERED"


def test_survey_without_a_key_stores_nothing(hx):
    setup_queue(hx, members=("1001",), survey=True)
    fast_login(hx, "1001", "802")
    remote = caller(hx)
    assert hx.until(lambda: ringing_ports(hx) == ["fxs2"], 12000)
    hx.phone("fxs2").off_hook(); hx.run(1500)
    hx.phone("fxs2").on_hook()
    assert hx.until(lambda: remote.state.value == "ended", 16000)
    assert events(hx, "SURVEY") == []
