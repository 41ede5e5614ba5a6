"""Agent panel on a whole box (virtual clock): agent.call mid-call, notes on a live call that
end up with its CDR, blind transfer to another queue carrying IVR variables and notes to the
next agent's screen pop, click-to-dial ringing the agent's phone first."""
from __future__ import annotations

import pytest

from firmware.mgmt.commands import CommandError
from tests.acd.conftest import caller, fast_login, ringing_ports, setup_queue
from tests.firmware.features import hang_up

CUSTOMER = "13800138000"
#: an IVR that sets a variable and hands the caller to queue 700 (no keys needed)
MENU = {"number": "7100", "name": "Billing line", "start": "s",
        "nodes": {"s": {"type": "set", "vars": {"dept": "billing"}, "next": "q"},
                  "q": {"type": "goto", "target": "700"}}}


def events(hx, name: str) -> list[dict]:
    got: list[dict] = []
    hx.box.add_publisher(lambda ev, data: got.append(data) if ev == name else None)
    return got


def two_queues(hx) -> None:
    """Queue 700 (agent 1001), queue 701 (agent 1002); the line goes to IVR 7100 then 700."""
    setup_queue(hx, members=("1001",))
    store = hx.box.store
    store.add_queue(number="701", name="Billing", members=[{"agent": "1002", "penalty": 0}],
                    announce_ms=0, ring_ms=8000, retry_ms=1000, wrapup_ms=2000, whisper=False)
    store.add_ivr_menu(**MENU)
    store.update_inbound_route(1, dest_kind="ivr", dest="7100")
    hx.box.reload()
    fast_login(hx, "1001", "802")
    fast_login(hx, "1002", "803")


def answered_by_first_agent(hx):
    caller(hx, number=CUSTOMER)
    assert hx.until(lambda: ringing_ports(hx) == ["fxs2"], 15000), "agent 1001's phone rings"
    hx.phone("fxs2").off_hook()
    hx.run(1500)
    call = hx.ctl.channel("fxs2").call
    assert call is not None and call.state.value == "answered"
    return call


def test_agent_call_shows_the_screen_pop_mid_call_and_notes_follow_a_transfer(hx):
    two_queues(hx)
    run = hx.box.dispatcher.run
    pops = events(hx, "acd.screen_pop")
    assert run("agent.call", {"agent": "1001"})["call"] is None
    call = answered_by_first_agent(hx)
    assert call.vars == {"dept": "billing"}                       # set by the IVR on the way in

    now = run("agent.call", {"agent": "1001"})                       # a panel opened mid-call
    c = now["call"]
    assert now["state"] == "on_call" and now["extension"] == "802"
    assert (c["id"], c["caller"], c["queue"], c["queue_name"], c["state"]) == (
        call.id, CUSTOMER, "700", "Service", "answered")
    assert c["vars"] == {"dept": "billing"} and c["wait_s"] is not None and c["notes"] == []

    note = run("note.add", {"call": call.id, "text": "wants the March invoice again", "author": "1001",
                            "followup": {"category": "billing"}})
    assert run("agent.call", {"agent": "1001"})["call"]["notes"][0]["id"] == note["id"]

    got = run("call.transfer", {"agent": "1001", "to": "701"})
    assert got["call"] == call.id and got["to"] == "701"
    assert hx.until(lambda: ringing_ports(hx) == ["fxs3"], 10000), "agent 1002's phone rings"
    pop = pops[-1]
    assert pop["queue"] == "701" and pop["agents"] == ["1002"] and pop["callid"] == call.id
    assert pop["vars"] == {"dept": "billing"}                         # the IVR variables followed
    assert [n["text"] for n in pop["notes"]] == ["wants the March invoice again"]   # and A's note
    b_view = run("agent.call", {"agent": "1002"})["call"]
    assert b_view["offered"] and b_view["queue"] == "701" and b_view["notes"][0]["author"] == "1001"

    hx.run(1000)
    assert hx.state("fxs2") == "busy", "agent 1001's phone was released (hears the call left)"
    hang_up(hx, "fxs2")
    assert hx.box.acd.book.agents["1001"].state.value in ("wrapup", "ready")
    transfer = [r for r in hx.box.acd_log.queue_log(100) if r["event"] == "TRANSFER"]
    assert [(r["agent"], r["queue"], r["data1"]) for r in transfer] == [("1001", "700", "701")]

    hx.phone("fxs3").off_hook()
    hx.run(1500)
    assert hx.ctl.channel("fxs3").call is call                         # the same call, now with 1002
    hang_up(hx, "fxs3")
    hx.run(3000)
    [row] = [r for r in run("cdr.search", {"number": CUSTOMER})["rows"] if r["uniqueid"] == call.id]
    assert row["notes"] == 1 and "dept=billing" in row["userfield"]     # the note is with the CDR
    assert [n["text"] for n in run("note.list", {"call": row["uniqueid"]})] == ["wants the March invoice again"]
    completes = [r["agent"] for r in hx.box.acd_log.queue_log(100) if r["event"].startswith("COMPLETE")]
    assert completes == ["1002"]                                        # 1001 was not counted twice


def test_next_call_from_the_number_shows_history_and_earlier_notes(hx):
    two_queues(hx)
    run = hx.box.dispatcher.run
    pops = events(hx, "acd.screen_pop")
    first = answered_by_first_agent(hx)
    run("note.add", {"call": first.id, "text": "first contact", "author": "1001"})
    hang_up(hx, "fxs2")
    hx.run(3000)                                    # wrap-up over
    assert hx.box.cdr.flush()
    caller(hx, number=CUSTOMER)
    assert hx.until(lambda: ringing_ports(hx) == ["fxs2"], 15000)
    pop = pops[-1]
    assert [h["uniqueid"] for h in pop["history"]] == [first.id]
    assert pop["history"][0]["disposition"] == "ANSWERED" and pop["history"][0]["notes"] == 1
    assert [n["text"] for n in pop["caller_notes"]] == ["first contact"] and pop["notes"] == []
    assert pop["previous_calls"]["count"] == 2          # the ACD's own count (this visit too) is kept


def test_transfer_refusals_are_plain_words(hx):
    two_queues(hx)
    run = hx.box.dispatcher.run
    with pytest.raises(CommandError, match="agent 1001 has no call to transfer"):
        run("call.transfer", {"agent": "1001", "to": "701"})
    with pytest.raises(CommandError, match="agent 1003 is not logged in"):
        run("agent.call", {"agent": "1003"})
    answered_by_first_agent(hx)
    with pytest.raises(CommandError, match="cannot transfer to 7999"):
        run("call.transfer", {"agent": "1001", "to": "7999"})
    assert hx.state("fxs2") == "talking"                              # nothing changed
    with pytest.raises(ValueError, match="'to' is required"):
        run("call.transfer", {"agent": "1001"})


def test_click_to_dial_rings_the_agents_phone_before_the_number(hx):
    run = hx.box.dispatcher.run
    got = run("originate", {"from": "802", "to": "803"})
    assert got["ringing"] == "fxs2"
    hx.run(1500)
    assert hx.phone("fxs2").ringing or hx.state("fxs2") == "ringing"
    assert hx.state("fxs3") == "idle", "the number is not called before the agent answers"
    hx.phone("fxs2").off_hook()
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 5000), "then the box calls the number"
    hx.phone("fxs3").off_hook()
    hx.run(1000)
    call = hx.ctl.channel("fxs3").call
    assert call is not None and (call.src, call.dst, call.state.value) == ("802", "803", "answered")
    with pytest.raises(CommandError, match="busy"):
        run("originate", {"from": "802", "to": "804"})
