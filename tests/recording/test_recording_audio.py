"""Recordings contain the parties' audio: a tone sent by one party is found in its
channel of a stereo file (caller left, callee right) and in the mixed mono file; A-law
and PCM files read back by Python's wave / sox."""
from __future__ import annotations

import pytest

from tests.firmware.features import hang_up, talk
from tests.recording.helpers import power, read_recording, set_recording, sox_info


def _record_tones(hx, **doc):
    set_recording(hx, extensions={"801": "always"}, min_free_mb=0, **doc)
    talk(hx, "fxs1", "fxs2")
    hx.run(500)
    a, b = hx.phone("fxs1"), hx.phone("fxs2")
    a.play_tone("1000")
    hx.run(2000)
    a.stop_playing()
    hx.run(300)
    b.play_tone("1600")
    hx.run(2000)
    b.stop_playing()
    hang_up(hx, "fxs1")
    hang_up(hx, "fxs2")
    rows = hx.box.recording.index.search()
    assert len(rows) == 1, rows
    row = rows[0]
    assert row["state"] == "done" and row["caller"] == "801" and row["callee"] == "802"
    assert 4 <= row["duration_s"] <= 8
    cdr = hx.cdrs()[-1]
    assert row["uniqueid"] == cdr.uniqueid
    return hx.box.recording.dir / row["path"], row


@pytest.mark.parametrize("law", ["pcm16", "alaw"])
def test_stereo_caller_left_callee_right(hx, law):
    path, row = _record_tones(hx, format=law, channels="stereo")
    x, ch = read_recording(path)
    assert ch == 2
    left, right = x[:, 0], x[:, 1]
    assert power(left, 1000) > 0.6 and power(left, 1600) < 0.05
    assert power(right, 1600) > 0.6 and power(right, 1000) < 0.05
    info = sox_info(path)
    assert info["Channels"] == "2" and info["Sample Rate"] == "8000"
    assert ("A-law" in info["Sample Encoding"]) == (law == "alaw")
    assert abs(len(x) / 8000 - row["duration_s"]) < 0.05


@pytest.mark.parametrize("law", ["pcm16", "alaw"])
def test_mono_mixes_both_parties(hx, law):
    path, row = _record_tones(hx, format=law, channels="mono")
    x, ch = read_recording(path)
    assert ch == 1
    assert power(x[:, 0], 1000) > 0.25 and power(x[:, 0], 1600) > 0.25
    assert sox_info(path)["Channels"] == "1"


def test_never_and_default_record_nothing(hx):
    set_recording(hx, default="always", extensions={"801": "never"}, min_free_mb=0)
    talk(hx, "fxs1", "fxs2")
    hx.run(1500)
    hang_up(hx, "fxs1")
    assert hx.box.recording.index.search() == []
    hang_up(hx, "fxs2")
    talk(hx, "fxs2", "fxs3")                  # no entry: the default (always) applies
    hx.run(1500)
    hang_up(hx, "fxs2")
    rows = hx.box.recording.index.search()
    assert [r["caller"] for r in rows] == ["802"]
    assert rows[0]["started_by"] == "policy default"
