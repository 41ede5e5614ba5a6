"""On-demand recording: the record toggle code (*1) pressed during a call starts and
stops the recording; its in-band keys are swallowed (the other party does not hear
them); keys that are not the code reach the other party after all; the management
API starts/stops by call id."""
from __future__ import annotations

import numpy as np

from dsp.dtmf import DtmfDetector
from firmware.mgmt.commands import CommandError

from tests.firmware.features import hang_up, talk
from tests.recording.helpers import set_recording


def _digits(x: np.ndarray) -> str:
    return "".join(DtmfDetector().process(x))


def _press(hx, port: str, keys: str, listener) -> str:
    listener.start_capture()
    hx.phone(port).dial(keys)
    hx.run(200 * len(keys) + 600)
    return _digits(listener.captured())


def test_code_toggles_recording_and_is_not_heard(hx):
    set_recording(hx, extensions={"801": "on_demand"}, min_free_mb=0)
    talk(hx, "fxs1", "fxs2")
    rec = hx.box.recording
    hx.run(500)
    heard = _press(hx, "fxs1", "*1", hx.phone("fxs2"))
    assert heard == "", f"the other party heard the code: {heard!r}"
    rows = rec.index.search()
    assert len(rows) == 1 and rows[0]["state"] == "recording"
    assert rows[0]["started_by"] == "feature code by 801"
    hx.run(2000)
    assert _press(hx, "fxs1", "*1", hx.phone("fxs2")) == ""
    row = rec.index.search()[0]
    assert row["state"] == "done" and 1.5 < row["duration_s"] < 4
    # a key that is not the code goes through (the held-back * is replayed)
    assert _press(hx, "fxs1", "*5", hx.phone("fxs2")) == "*5"
    assert _press(hx, "fxs1", "37", hx.phone("fxs2")) == "37"
    hang_up(hx, "fxs1")
    assert len(rec.index.search()) == 1


def test_code_does_nothing_unless_on_demand(hx):
    set_recording(hx, extensions={"801": "never"}, min_free_mb=0)
    talk(hx, "fxs1", "fxs2")
    hx.run(500)
    assert _press(hx, "fxs1", "*1", hx.phone("fxs2")) == "*1"      # plain DTMF to the other party
    assert hx.box.recording.index.search() == []


def test_mgmt_start_stop_by_call_id(hx):
    set_recording(hx, default="on_demand", min_free_mb=0)
    talk(hx, "fxs1", "fxs2")
    d = hx.box.dispatcher
    call_id = d.run("calls")[0]["id"]
    out = d.run("recording.start", {"call": call_id, "who": "supervisor"})
    assert out["call"] == call_id
    try:
        d.run("recording.start", {"call": call_id})
        raise AssertionError("second start accepted")
    except CommandError as e:
        assert "already" in str(e)
    hx.run(1500)
    stopped = d.run("recording.stop", {"call": call_id})
    assert stopped["state"] == "done" and stopped["duration_s"] >= 1.4
    rows = d.run("recording.list", {"call": call_id})
    assert rows[0]["started_by"] == "mgmt by supervisor"
    hang_up(hx, "fxs1")
