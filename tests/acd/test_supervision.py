"""Supervisor listen / whisper / barge / take over, checked by audio capture.

An outside caller (FXO line 1) talks to the agent on extension 802 (fxs2); the supervisor
is extension 803 (fxs3).  Each party plays its own tone: caller 1000 Hz, agent 1800 Hz,
supervisor 2500 Hz, and we look for each tone in each party's capture.
"""
from __future__ import annotations

import pytest

from firmware.acd.supervision_log import SupervisionLog
from tests.firmware.conftest import rms, tone_power       # (the hx fixture: tests/acd/conftest.py)

CALLER, AGENT, SUP = 1000, 1800, 2500


def heard(hx, listener, speaker, freq: float, ms: int = 1000) -> float:
    """Share of ``listener``'s captured energy at ``freq`` while ``speaker`` plays it."""
    listener.start_capture()
    speaker.play_tone(str(int(freq)))
    hx.run(ms)
    speaker.stop_playing()
    x = listener.captured()[2400:]
    hx.run(200)
    return tone_power(x, freq) if rms(x) > 150 else 0.0


def agent_call(hx):
    """An outside caller answered by extension 802 (fxs2)."""
    remote = hx.board.exchange.ring_in("fxo1", caller="13900002222")
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 12000)
    hx.phone("fxs2").off_hook()
    assert hx.until(lambda: hx.state("fxo1") == "talking" and remote.state.value == "talking", 3000)
    hx.run(500)
    return remote


def supervise(hx, code: str, target: str = "802"):
    p = hx.phone("fxs3")
    p.off_hook()
    assert hx.until(lambda: hx.state("fxs3") == "dialtone", 2000)
    hx.run(300)
    p.dial(code + target + "#")
    hx.run(200 * (len(code) + len(target) + 1) + 800)
    assert hx.state("fxs3") == "talking"
    return p


def test_listen_whisper_barge_by_feature_code(hx):
    remote = agent_call(hx)
    agent, sup = hx.phone("fxs2"), hx.phone("fxs3")
    supervise(hx, "*66")
    (s,) = hx.ctl.supervision.status()
    assert s["state"] == "monitoring" and s["mode"] == "listen" and s["extension"] == "802"

    # listen: the supervisor hears both parties, nobody hears the supervisor
    assert heard(hx, sup, remote, CALLER) > 0.5
    assert heard(hx, sup, agent, AGENT) > 0.5
    assert heard(hx, agent, sup, SUP) < 0.05
    assert heard(hx, remote, sup, SUP) < 0.05
    assert heard(hx, agent, remote, CALLER) > 0.5           # the call itself is untouched
    assert heard(hx, remote, agent, AGENT) > 0.5

    # whisper (key 5): the agent hears the supervisor, the caller does not
    sup.dial("5")
    hx.run(600)
    assert hx.ctl.supervision.status()[0]["mode"] == "whisper"
    assert heard(hx, agent, sup, SUP) > 0.5
    assert heard(hx, remote, sup, SUP) < 0.05
    assert heard(hx, agent, remote, CALLER) > 0.2           # the agent still hears the caller
    assert heard(hx, sup, remote, CALLER) > 0.5

    # barge (key 6): everybody hears everybody
    sup.dial("6")
    hx.run(600)
    assert hx.ctl.supervision.status()[0]["mode"] == "barge"
    assert heard(hx, remote, sup, SUP) > 0.5
    assert heard(hx, agent, sup, SUP) > 0.5
    assert heard(hx, sup, remote, CALLER) > 0.5
    assert heard(hx, sup, agent, AGENT) > 0.5

    # back to listen (key 4): the supervisor is silent again
    sup.dial("4")
    hx.run(600)
    assert heard(hx, remote, sup, SUP) < 0.05 and heard(hx, agent, sup, SUP) < 0.05

    sup.on_hook()
    hx.run(1500)
    assert hx.ctl.supervision.status() == []
    assert heard(hx, agent, remote, CALLER) > 0.5           # the call goes on
    assert not hx.ctl.switch._mixes                          # nothing left patched

    rows = list(reversed(SupervisionLog(hx.box.data.acd_db).rows()))
    assert [r["mode"] for r in rows] == ["listen", "whisper", "barge", "listen"]
    assert all(r["supervisor"] == "803" and r["extension"] == "802" and r["end_ts_ms"] for r in rows)
    call_id = next(iter(hx.ctl.calls))
    assert {r["callid"] for r in rows} == {call_id}
    assert all(r["end_ts_ms"] >= r["ts_ms"] for r in rows)


def test_whisper_code_from_the_start(hx):
    remote = agent_call(hx)
    agent, sup = hx.phone("fxs2"), hx.phone("fxs3")
    supervise(hx, "*67")
    assert heard(hx, agent, sup, SUP) > 0.5
    assert heard(hx, remote, sup, SUP) < 0.05


def test_take_over(hx):
    remote = agent_call(hx)
    sup = hx.phone("fxs3")
    supervise(hx, "*66")
    call_id = next(c for c in hx.ctl.calls.values() if c.b is not None and c.b.name == "fxs2").id
    sup.dial("7")
    hx.run(800)
    assert hx.state("fxs2") == "busy"                       # the agent was taken out
    assert hx.ctl.supervision.status() == []
    call = hx.ctl.calls[call_id]
    assert call.b.name == "fxs3" and call.a.name == "fxo1"
    assert heard(hx, remote, sup, SUP) > 0.5
    assert heard(hx, sup, remote, CALLER) > 0.5
    hx.phone("fxs2").on_hook()
    sup.on_hook()
    hx.run(2000)
    cdr = [c for c in hx.cdrs() if c.uniqueid == call_id][0]
    assert cdr.disposition == "ANSWERED" and "taken over by supervisor 803" in cdr.userfield
    modes = [r["mode"] for r in SupervisionLog(hx.box.data.acd_db).rows()]
    assert "takeover" in modes


def test_takeover_code_directly(hx):
    remote = agent_call(hx)
    sup = supervise(hx, "*69")
    hx.run(400)
    assert hx.state("fxs2") == "busy"
    assert heard(hx, remote, sup, SUP) > 0.5


def test_session_waits_for_the_agents_next_call(hx):
    sup = supervise(hx, "*66")
    assert hx.ctl.supervision.status()[0]["state"] == "waiting"
    remote = agent_call(hx)
    hx.run(400)
    assert hx.ctl.supervision.status()[0]["state"] == "monitoring"
    assert heard(hx, sup, remote, CALLER) > 0.5
    remote.hangup()
    hx.run(1500)
    assert hx.ctl.supervision.status()[0]["state"] == "waiting"
    assert not [r for r in hx.ctl.switch._mixes if r != hx.ctl.channel("fxs3").row]


def test_refused_targets(hx):
    p = hx.phone("fxs3")
    for code in ("*66803#", "*66999#"):                     # itself; no such extension or agent
        p.off_hook()
        assert hx.until(lambda: hx.state("fxs3") == "dialtone", 2000)
        hx.run(300)
        p.dial(code)
        hx.run(2500)
        assert hx.state("fxs3") == "feature"
        p.on_hook()
        hx.run(1500)
    assert hx.ctl.supervision.status() == []


def test_management_api_rings_the_supervisor(hx):
    remote = agent_call(hx)
    d = hx.box.dispatcher
    st = d.run("supervise.start", {"supervisor": "803", "target": "802", "mode": "whisper"})
    assert st["state"] == "ringing"
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 3000)
    sup = hx.phone("fxs3")
    sup.off_hook()
    hx.run(800)
    (s,) = d.run("supervise.list", {})
    assert s["state"] == "monitoring" and s["mode"] == "whisper"
    assert heard(hx, hx.phone("fxs2"), sup, SUP) > 0.5
    assert heard(hx, remote, sup, SUP) < 0.05
    d.run("supervise.mode", {"id": s["id"], "mode": "barge"})
    hx.run(300)
    assert heard(hx, remote, sup, SUP) > 0.5
    d.run("supervise.stop", {"id": s["id"]})
    hx.run(600)
    assert d.run("supervise.list", {}) == []
    assert heard(hx, remote, sup, SUP) < 0.05
    log_rows = d.run("supervise.log", {})
    assert [r["mode"] for r in reversed(log_rows)] == ["whisper", "barge"]
    with pytest.raises(Exception, match="neither an agent nor an extension"):
        d.run("supervise.start", {"supervisor": "803", "target": "555"})
    with pytest.raises(Exception, match="mode"):
        d.run("supervise.start", {"supervisor": "803", "target": "802", "mode": "shout"})


def test_supervise_an_agent_by_number_on_a_queue_call(hx):
    """With the ACD: the supervisor names the agent (1002, logged in at 802); live
    statistics of the same call come from the ACD's own queue_log."""
    from tests.acd.conftest import caller, fast_login, setup_queue
    setup_queue(hx, members=("1002",))
    fast_login(hx, "1002", "802")
    remote = caller(hx)
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 15000)
    hx.phone("fxs2").off_hook()
    assert hx.until(lambda: remote.state.value == "talking", 3000)
    hx.run(1500)
    sup = supervise(hx, "*66", "1002")
    (s,) = hx.ctl.supervision.status()
    assert s["agent"] == "1002" and s["extension"] == "802" and s["state"] == "monitoring"
    assert heard(hx, sup, remote, CALLER) > 0.5
    assert heard(hx, sup, hx.phone("fxs2"), AGENT) > 0.5
    sup.dial("5")
    hx.run(600)
    assert heard(hx, hx.phone("fxs2"), sup, SUP) > 0.5
    assert heard(hx, remote, sup, SUP) < 0.05
    stats = hx.box.dispatcher.run("acd.stats", {})
    q = stats["queues"]["700"]
    assert q["offered"] == 1 and q["answered"] == 1 and q["waiting"] == 0
    assert q["sl_threshold_s"] == 15.0
    assert q["agents"]["on_call"] == 1 and sum(q["agents"].values()) == 1     # queue 700's one member
    a = next(x for x in stats["agents"] if x["agent"] == "1002")
    assert a["state"] == "on_call" and a["answered"] == 1
    rows = hx.box.dispatcher.run("supervise.log", {})
    assert rows[0]["agent"] == "1002" and rows[0]["extension"] == "802" and rows[0]["mode"] == "whisper"


def test_switch_mix_sets_are_summed_and_released(hx):
    """Switch.mix: a row hears its bridge plus the sum of its mix set, saturated; release()
    of a source row takes it out of every mix set."""
    import numpy as np
    sw = hx.ctl.switch
    clean = np.zeros((sw.rows, 160), np.int16)
    clean[1] = 1000
    clean[2] = 2000
    clean[3] = 31000
    tx = np.zeros_like(clean)
    tx[0] = 500                                   # what row 0 hears from its bridge
    sw.mix(0, [1, 2, 0])                          # (a row never hears itself)
    sw.mix(4, [3, 3, 2])                          # duplicates count once; 31000 + 2000 saturates
    assert sw.mixes(0) == (1, 2) and sw.mixes(4) == (3, 2)
    sw._apply_mixes(tx, clean)
    assert (tx[0] == 3500).all() and (tx[4] == 32767).all() and (tx[1] == 0).all()
    sw.release(2)
    assert sw.mixes(0) == (1,) and sw.mixes(4) == (3,)
    sw.release(4)
    assert sw.mixes(4) == ()
    sw.mix(0, [])
    assert not sw._mixes
