"""An agent on an analog phone transfers the queue caller to the satisfaction survey:
flash, ``*60`` (feature code ``agent_survey``), hang up.  The caller hears the survey,
and the score is stored against the call, the agent who transferred and the queue."""
from __future__ import annotations

from tests.acd.conftest import caller, events, fast_login, ringing_ports, setup_queue, states
from tests.firmware.conftest import rms
from tests.firmware.features import flash


def _answered_queue_call(hx, **queue):
    setup_queue(hx, members=("1001",), **queue)
    fast_login(hx, "1001", "802")
    remote = caller(hx)
    assert hx.until(lambda: ringing_ports(hx) == ["fxs2"], 12000)
    hx.phone("fxs2").off_hook()
    hx.run(3000)
    assert events(hx, "CONNECT")
    return remote


def test_flash_transfer_to_the_survey_stores_the_score(hx):
    remote = _answered_queue_call(hx)                 # survey off in the queue: only on transfer
    callid = events(hx, "CONNECT")[0]["callid"]
    agent = hx.phone("fxs2")
    flash(hx, "fxs2")
    agent.dial("*60")
    hx.run(1500)
    assert hx.state("fxs2") == "feature"              # confirmation: the caller is gone to the survey
    agent.on_hook()
    hx.run(1500)
    assert hx.state("fxs2") == "idle" and remote.in_call
    (call,) = hx.ctl.calls.values()
    assert call.b.tech == "Survey" and call.id == callid
    remote.start_capture()
    hx.run(600)
    assert rms(remote.captured()) > 100                             # the survey question plays
    assert states(hx, "1001")[-2:] == ["wrap_up", "ready"]       # the agent is free for the next call
    remote.send_dtmf("1")
    assert hx.until(lambda: remote.state.value == "ended", 10000)
    rows = [(e["event"], e["callid"], e["agent"], e["queue"], e["data1"]) for e in events(hx)
            if e["event"] in ("TRANSFER", "SURVEY")]
    assert rows == [("TRANSFER", callid, "1001", "700", "*60"), ("SURVEY", callid, "1001", "700", "1")]
    cdrs = hx.cdrs()
    assert len(cdrs) == 1 and cdrs[0].disposition == "ANSWERED"
    assert hx.box.acd.connected == {}


def test_survey_code_without_a_held_queue_call_is_refused(hx):
    _answered_queue_call(hx)
    hx.phone("fxs2").on_hook()                        # the call ends normally
    hx.run(1500)
    p = hx.phone("fxs2")
    p.off_hook()
    hx.run(500)
    p.dial("*60")
    hx.run(1500)
    assert hx.state("fxs2") == "feature"
    assert events(hx, "SURVEY") == [] and events(hx, "TRANSFER") == []
    assert events(hx, "COMPLETEAGENT")
