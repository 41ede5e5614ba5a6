"""Queue callback: retries when the customer does not answer (count and delay from the
queue), each logged in queue_log, stopping after the limit; and the caller entering
another number to be called back on (validated: digits, length, the queue's call class)."""
from __future__ import annotations

import pytest

from tests.acd.conftest import caller, events, fast_login, ringing_ports, setup_queue

AGENT_PORT = "fxs2"


def _supervised_lines(hx):
    """Lines that report the far end's answer (polarity reversal), so an unanswered
    customer is told apart from an answered one."""
    for i in range(1, 5):
        hx.board.exchange.line(f"fxo{i}").configure(answer_polarity=True)
        hx.box.store.update_line(f"line{i}", answer="polarity")
    hx.box.store.set_setting("ring_timeout_ms", 6000)
    hx.box.reload()


def _ask_for_callback(hx, remote, keys: str):
    """Wait for the callback offer, press 1, then ``keys`` (one at a time)."""
    acd = hx.box.acd
    assert hx.until(lambda: len(acd.waiting("700")) == 1, 12000)
    e = acd.waiting("700")[0]
    assert hx.until(lambda: ["queue_callback_offer"] in e.announcements, 6000)
    hx.run(2500)
    remote.send_dtmf("1")
    hx.run(1500)
    for k in keys:
        remote.send_dtmf(k)
        hx.run(300)
    return e


def test_callback_retries_until_the_limit_when_the_customer_does_not_answer(hx):
    setup_queue(hx, members=("1001",), callback_after_ms=2000, callback_retries=2, callback_retry_ms=4000,
                wrapup_ms=0)
    _supervised_lines(hx)
    acd = hx.box.acd
    fast_login(hx, "1001", "802")
    acd.pause("1001")
    home = hx.board.exchange.add_subscriber("13800138000", behaviour="no_answer")
    first = caller(hx, "fxo1", "13800138000")
    _ask_for_callback(hx, first, "1")
    assert hx.until(lambda: first.state.value == "ended", 8000)
    acd.unpause("1001")
    agent = hx.phone(AGENT_PORT)
    for attempt in (1, 2, 3):
        assert hx.until(lambda: ringing_ports(hx) == [AGENT_PORT], 8000), f"attempt {attempt}: agent not rung"
        agent.off_hook()                                  # the agent answers, the phone dials out
        assert hx.until(lambda: home.state.value == "ringing_in", 8000), f"attempt {attempt}: customer not rung"
        assert hx.until(lambda: home.state.value != "ringing_in", 12000)   # ring timeout: the attempt ends
        hx.run(500)
        agent.on_hook()
        hx.run(500)
        retries = events(hx, "CALLBACKRETRY")
        assert len(retries) == min(attempt, 2)
    assert not hx.until(lambda: ringing_ports(hx) == [AGENT_PORT], 10000)      # no fourth attempt
    retries = events(hx, "CALLBACKRETRY")
    assert [(r["data1"], r["data2"], r["data3"], r["data4"]) for r in retries] == \
        [("1", "no_answer", "4000", "13800138000"), ("2", "no_answer", "4000", "13800138000")]
    assert retries[1]["ts_ms"] - retries[0]["ts_ms"] >= 4000          # the queue's retry delay
    (failed,) = events(hx, "CALLBACKFAILED")
    assert (failed["data1"], failed["data2"]) == ("3", "no_answer")
    assert {r["callid"] for r in retries + [failed]} == {events(hx, "ENTERQUEUE")[0]["callid"]}
    assert acd.waiting("700") == []
    stats = hx.box.dispatcher.run("acd.stats", {"queue": "700"})["queues"]["700"]
    assert (stats["callback_requests"], stats["callbacks_failed"], stats["callbacks_pending"]) == (1, 1, 0)


def test_caller_enters_another_number_to_be_called_back_on(hx):
    setup_queue(hx, members=("1001",), callback_after_ms=2000, wrapup_ms=0)
    acd = hx.box.acd
    fast_login(hx, "1001", "802")
    acd.pause("1001")
    office = hx.board.exchange.add_subscriber("02161234567", answer_after_ms=1000)
    first = caller(hx, "fxo1", "13800138000")
    e = _ask_for_callback(hx, first, "2")
    assert e.announcements[-1] == ["queue_callback_enter_number"]
    for k in "02161234567#":
        first.send_dtmf(k)
        hx.run(250)
    assert hx.until(lambda: first.state.value == "ended", 8000)
    (req,) = events(hx, "CALLBACKREQUEST")
    assert (req["data1"], req["data4"]) == ("02161234567", "entered")
    acd.unpause("1001")
    assert hx.until(lambda: ringing_ports(hx) == [AGENT_PORT], 8000)
    hx.phone(AGENT_PORT).off_hook()
    assert hx.until(lambda: office.state.value == "talking", 15000)     # the other number, out a line


@pytest.mark.parametrize("typed, why", [
    ("123#", "has 3 digits"),                      # too short
    ("110#", "has 3 digits"),
    ("00441234567890#", "international number"),  # class above the queue's callback_class (national)
])
def test_a_bad_callback_number_is_refused_and_asked_again(hx, typed, why):
    setup_queue(hx, members=("1001",), callback_after_ms=2000)
    acd = hx.box.acd
    fast_login(hx, "1001", "802")
    acd.pause("1001")
    refused = []
    hx.box.add_publisher(lambda ev, d: refused.append(d) if ev == "acd.callback_refused" else None)
    first = caller(hx, "fxo1", "13800138000")
    e = _ask_for_callback(hx, first, "2")
    for k in typed:
        first.send_dtmf(k)
        hx.run(250)
    hx.run(500)
    assert first.in_call and events(hx, "CALLBACKREQUEST") == []
    assert e.announcements[-1] == ["not_allowed", "queue_callback_enter_number"]
    assert len(refused) == 1 and why in refused[0]["reason"]
    assert acd.waiting("700")[0] is e                       # still waiting, same place


def test_service_checks_callback_numbers_in_plain_words(hx):
    setup_queue(hx, members=("1001",), callback_class="local")
    acd = hx.box.acd
    q = hx.box.config.queue("700")
    assert acd.callback_number_problem(q, "1380013800x").endswith("(digits only)")
    assert "has 3 digits; a callback number has 5 to 20" in acd.callback_number_problem(q, "112")
    assert acd.callback_number_problem(q, "61234567") == ""                  # a local number: fine
    assert "national number" in acd.callback_number_problem(q, "02161234567")
    assert "callback_class" in acd.callback_number_problem(q, "02161234567")
