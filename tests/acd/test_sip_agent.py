"""An agent on a registered SIP handset (pjsua2, real time, like tests/interop): logs in
with *61 from the phone, is offered a queue call and answers it, the call's audio flows,
wrap-up follows the hang-up, and *63 / *64 pause and unpause (no offer while paused).

The box runs as a daemon in real time (real SIP phones keep real time); each wait has a
timeout.  The outside caller rings FXO line 1 of the simulated board."""
from __future__ import annotations

import time

import pytest

from firmware.config.store import ConfigStore
from firmware.paths import DataDir
from tests.interop.audio import has_tone
from tests.interop.boxd import BoxDaemon
from tests.interop.conftest import require_pjsua2  # noqa: F401  (fixture)
from tests.interop.phones import PjPhone

PW = "Pw-901-agent-sip"


@pytest.fixture
def box(tmp_path, require_pjsua2):
    store = ConfigStore(DataDir.at(str(tmp_path / "data")).create().config_db)
    try:
        store.add_extension(number="901", name="SIP agent desk", kind="sip", secret=PW)
        store.add_agent(number="1001", name="Agent 1001", pin="1234")
        store.add_queue(number="700", name="Service", members=[{"agent": "1001"}], announce_ms=0,
                        ring_ms=8000, retry_ms=1000, wrapup_ms=1500, whisper=False)
        store.update_inbound_route(1, dest_kind="queue", dest="700")
    finally:
        store.close()
    with BoxDaemon(tmp_path) as b:
        yield b


def agent_state(box) -> dict:
    return next(a for a in box.ctl("acd.agents") if a["agent"] == "1001")


def feature(phone: PjPhone, box, code: str) -> None:
    """Dial a feature code from the SIP phone; the box answers with the confirmation tone
    and hangs up by itself a few seconds later (we hang up as soon as it answered)."""
    cid = phone.call(f"sip:{code}@{box.sip}")
    phone.wait_call_state("CONFIRMED", call=cid, timeout=5)
    phone.hangup(cid)
    phone.wait_call_state("DISCONNECTED", call=cid, timeout=5)


def test_sip_agent_logs_in_answers_a_queue_call_wraps_up_and_pauses(box, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    with PjPhone("901", log_dir=logs) as p:
        assert p.register(box.sip, "901", PW)["code"] == 200
        feature(p, box, "*611001*1234")                         # agent 1001, PIN 1234
        box.wait(lambda: agent_state(box)["state"] == "ready", 5, "agent ready")
        assert agent_state(box)["extension"] == "901"

        remote = box.ctl("sim.line.ring", port="fxo1", caller="13800138000")["remote"]
        inc = p.wait_event("incoming_call", timeout=10)           # the queue offers the call
        assert "13800138000" in inc["from"]
        assert agent_state(box)["state"] == "ringing"
        p.answer()
        p.wait_media("active", timeout=5)
        box.wait(lambda: agent_state(box)["state"] == "on_call", 5, "agent on call")
        (conn,) = box.ctl("acd.queue_log", event="CONNECT")
        assert (conn["agent"], conn["data2"]) == ("1001", "901")
        p.record(logs / "agent.wav")                                 # the caller is heard
        box.ctl("sim.remote.play", id=remote, tone="1000/2500")
        time.sleep(2.0)
        p.stop_record()
        assert has_tone(logs / "agent.wav", 1000, min_ms=500)

        p.hangup()                                                   # the agent ends the call
        box.wait(lambda: agent_state(box)["state"] == "wrap_up", 3, "wrap-up")
        box.wait(lambda: agent_state(box)["state"] == "ready", 5, "ready after wrap-up")
        assert [e["event"] for e in box.ctl("acd.queue_log")][-2:] == ["COMPLETEAGENT", "WRAPUPEND"]

        feature(p, box, "*63")                                       # pause
        box.wait(lambda: agent_state(box)["state"] == "paused", 5, "paused")
        box.ctl("sim.line.ring", port="fxo2", caller="13900000002")
        box.wait(lambda: box.ctl("acd.queue.status", queue="700")["waiting"], 8, "second caller waiting")
        time.sleep(2.5)
        assert not p.events("incoming_call")[1:], "a paused agent was offered a call"
        feature(p, box, "*64")                                       # ready again: the waiting caller rings
        inc2 = p.wait_event("incoming_call", timeout=10)
        assert "13900000002" in inc2["from"]
        p.hangup(code=486)
    states = [e["state"] for e in box.ctl("acd.agent_events", agent="1001")]
    assert states[:6] == ["ready", "ringing", "on_call", "wrap_up", "ready", "paused"]
