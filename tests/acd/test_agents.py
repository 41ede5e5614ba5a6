"""Agents as people: feature codes, wrap-up, pause with reason, ring-no-answer auto-pause,
wrong-PIN lockout, no queue call to an agent on a direct call, agent_events."""
from __future__ import annotations

from tests.acd.conftest import caller, events, fast_login, login, ringing_ports, setup_queue, states
from tests.firmware.features import dial, talk


def _hang(hx, port):
    hx.phone(port).on_hook()
    hx.run(1000)


def test_feature_codes_login_pause_with_reason_unpause_logout(hx):
    setup_queue(hx)
    hx.box.store.add_pause_reason(code="2", name="Lunch")
    hx.box.reload()
    login(hx, "1001", "802")
    dial(hx, "fxs2", "*632#", settle_ms=600); _hang(hx, "fxs2")
    dial(hx, "fxs2", "*64", settle_ms=600); _hang(hx, "fxs2")
    dial(hx, "fxs2", "*62", settle_ms=600); _hang(hx, "fxs2")
    rows = hx.box.acd_log.agent_events("1001")
    assert [(r["state"], r["reason"], r["extension"]) for r in rows] == [
        ("ready", "", "802"), ("paused", "2", "802"), ("ready", "", "802"), ("logged_out", "", "802")]
    assert [(e["event"], e["agent"], e["data1"]) for e in events(hx)] == [
        ("AGENTLOGIN", "1001", "802"), ("PAUSE", "1001", "2"), ("UNPAUSE", "1001", "2"),
        ("AGENTLOGOFF", "1001", "802")]
    assert all(r["ts_ms"] > 1_000_000_000_000 and r["time"].endswith("+00:00") for r in rows)


def test_wrap_up_holds_the_next_call_until_it_ends(hx):
    setup_queue(hx, members=("1001",), wrapup_ms=6000)
    fast_login(hx, "1001", "802")
    caller(hx, "fxo1")
    assert hx.until(lambda: ringing_ports(hx) == ["fxs2"], 12000)
    hx.phone("fxs2").off_hook(); hx.run(1500)
    hx.phone("fxs2").on_hook(); hx.run(1500)
    caller(hx, "fxo2", "13900000002")
    hx.run(4000)
    assert ringing_ports(hx) == [] and states(hx, "1001")[-1] == "wrap_up"
    assert hx.until(lambda: ringing_ports(hx) == ["fxs2"], 4000)
    wrap = events(hx, "WRAPUPEND")
    assert len(wrap) == 1 and 5900 <= int(wrap[0]["data1"]) <= 6100


def test_extend_wrap_up_and_paused_agent_is_skipped(hx):
    setup_queue(hx, members=("1001", "1002"), wrapup_ms=3000, strategy="linear")
    fast_login(hx, "1001", "802")
    fast_login(hx, "1002", "803")
    assert hx.box.acd.pause("1001", "")
    caller(hx)
    assert hx.until(lambda: ringing_ports(hx) == ["fxs3"], 12000)   # 1001 paused: 1002 gets it
    hx.phone("fxs3").off_hook(); hx.run(1000)
    hx.phone("fxs3").on_hook(); hx.run(1500)
    dial(hx, "fxs3", "*65", settle_ms=600); _hang(hx, "fxs3")        # 30 s more
    hx.run(5000)
    assert states(hx, "1002")[-1] == "wrap_up"
    hx.run(30000)
    assert states(hx, "1002")[-1] == "ready"


def test_ring_no_answer_pauses_the_agent_after_the_limit(hx):
    setup_queue(hx, members=("1001",), ring_ms=3000, retry_ms=500)
    hx.box.store.update_agent("1001", rna_limit=2)
    hx.box.reload()
    fast_login(hx, "1001", "802")
    remote = caller(hx)
    for _ in range(2):
        assert hx.until(lambda: ringing_ports(hx) == ["fxs2"], 8000)
        assert hx.until(lambda: ringing_ports(hx) == [], 8000)
    hx.run(8000)
    assert ringing_ports(hx) == []
    assert hx.box.acd.agents_status()[0]["state"] == "paused"
    assert hx.box.acd_log.agent_events("1001")[-1]["reason"] == "ring_no_answer"
    assert [int(e["data1"]) for e in events(hx, "RINGNOANSWER")] == [3000, 3000]
    assert remote.in_call                     # the caller still waits in the queue


def test_three_wrong_pins_lock_the_agent(hx):
    setup_queue(hx)
    acd = hx.box.acd
    for _ in range(2):
        assert acd.login("1001", "9999", "802") == "wrong_pin"
    assert acd.login("1001", "9999", "802") == "locked"
    assert acd.login("1001", "1234", "802") == "locked"        # even the right PIN, for a while
    dial(hx, "fxs2", "*611001*1234#", settle_ms=600); _hang(hx, "fxs2")
    assert acd.agent_extension("1001") is None
    hx.run(5 * 60_000 + 1000)
    assert acd.login("1001", "1234", "802") == "ok"


def test_pin_is_stored_hashed_and_never_listed(hx):
    setup_queue(hx)
    row = hx.box.store.agent("1001")
    assert "1234" not in row["pin"] and row["pin"].startswith("pbkdf2$")
    listed = hx.box.dispatcher.call("acd.agents", {}) if hasattr(hx.box.dispatcher, "call") else None
    for r in (listed or hx.box.acd.agents_status()):
        assert "pin" not in r


def test_agent_on_a_direct_call_is_not_offered_queue_calls(hx):
    setup_queue(hx, members=("1001", "1002"), strategy="linear")
    fast_login(hx, "1001", "802")
    fast_login(hx, "1002", "803")
    talk(hx, "fxs1", "fxs2")                   # 801 calls 802 directly: agent 1001 is busy
    caller(hx)
    assert hx.until(lambda: ringing_ports(hx) == ["fxs3"], 12000)
    assert hx.state("fxs2") == "talking"
    assert "ringing" not in states(hx, "1001")


def test_login_elsewhere_moves_the_agent_and_one_agent_per_phone(hx):
    setup_queue(hx)
    acd = hx.box.acd
    fast_login(hx, "1001", "802")
    fast_login(hx, "1001", "803")
    assert acd.agent_extension("1001") == "803"
    fast_login(hx, "1002", "803")
    assert acd.agent_extension("1001") is None and acd.agent_extension("1002") == "803"


def test_agent_transfers_the_caller_and_the_transfer_is_logged(hx):
    setup_queue(hx, members=("1001",), wrapup_ms=0)
    fast_login(hx, "1001", "802")
    remote = caller(hx)
    assert hx.until(lambda: ringing_ports(hx) == ["fxs2"], 12000)
    hx.phone("fxs2").off_hook(); hx.run(1500)
    hx.phone("fxs2").flash(); hx.run(1000)                 # hold, second dial tone
    hx.phone("fxs2").dial("803"); hx.run(2500)
    hx.phone("fxs2").on_hook(); hx.run(1500)               # blind transfer to 803
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 4000)
    tr = events(hx, "TRANSFER")
    assert len(tr) == 1 and tr[0]["data1"] == "803" and tr[0]["agent"] == "1001"
    assert states(hx, "1001")[-1] == "ready" and remote.in_call
