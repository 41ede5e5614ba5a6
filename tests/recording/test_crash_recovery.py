"""kill -9 of the daemon during a recording: after a restart the file is playable (its
header fixed from the file's length by the start-up recovery) and indexed as
``recovered``; at most the last second of audio is lost."""
from __future__ import annotations

import signal
import subprocess
import sys
import wave

import pytest

from firmware.config.store import ConfigStore
from firmware.mgmt.client import MgmtClient
from firmware.paths import DataDir
from firmware.recording.wavfile import read_format

from tests.recording.helpers import power, read_recording, sox_info


def _start(data, log):
    proc = subprocess.Popen([sys.executable, "-m", "firmware.cli", "run", "--sim", "--virtual-clock",
                             "--sip", "off", "--data", str(data), "--log-level", "warning"],
                            stdout=subprocess.PIPE, stderr=log)
    for line in proc.stdout:
        if line.startswith(b"READY "):
            break
    else:
        proc.wait()
        pytest.fail("daemon did not start")
    c = MgmtClient(data_dir=str(data), timeout=10)
    c.call("ping")
    return proc, c


def test_kill_9_during_recording_leaves_a_playable_file(tmp_path):
    data = tmp_path / "d"
    dd = DataDir.at(data).create()
    store = ConfigStore(dd.config_db)
    store.set_setting("recording", {"default": "always", "format": "pcm16", "channels": "stereo",
                                    "min_free_mb": 0})
    store.close()
    log = open(tmp_path / "daemon.log", "wb")
    proc, c = _start(data, log)
    try:
        c.call("sim.phone.offhook", port="fxs1")
        c.call("clock.advance", ms=800)
        c.call("sim.phone.dial", port="fxs1", digits="802")
        c.call("clock.advance", ms=3000)
        c.call("sim.phone.offhook", port="fxs2")
        c.call("clock.advance", ms=500)
        c.call("sim.phone.play", port="fxs1", tone="1000")
        c.call("clock.advance", ms=3100)              # 3 flushes of 1 s
        (row,) = c.call("recording.list")
        assert row["state"] == "recording"
        path = dd.recordings / row["path"]
        assert path.stat().st_size > 3 * 32000        # written while the call runs
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        with wave.open(str(path)) as w:               # as the crash left it: sizes 0
            assert w.getnframes() == 0
        proc, c = _start(data, log)
        (row,) = c.call("recording.list")
        assert row["state"] == "recovered" and 2.5 <= row["duration_s"] <= 3.7
        with wave.open(str(path)) as w:
            assert w.getnchannels() == 2 and w.getnframes() == int(row["duration_s"] * 8000 + 0.5)
        x, ch = read_recording(path)
        assert power(x[:, 0], 1000) > 0.6
        assert sox_info(path)["Duration"].split("=")[1].split()[0] == str(int(row["duration_s"] * 8000 + 0.5))
        assert read_format(path)[0].channels == 2
        # hotline ctl recording list / export against the restarted daemon
        ctl = [sys.executable, "-m", "firmware.cli", "ctl", "--data", str(data), "recording"]
        out = subprocess.run(ctl + ["list", "number=801"], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0 and "recovered" in out.stdout and row["path"] in out.stdout
        dest = tmp_path / "x.zip"
        out = subprocess.run(ctl + ["export", f"path={dest}", "who=auditor"], capture_output=True, text=True,
                             timeout=30)
        assert out.returncode == 0 and dest.exists(), out.stderr
        assert [(e["who"], e["action"]) for e in c.call("recording.access")] == [("auditor", "export")]
        out = subprocess.run(ctl + ["frobnicate"], capture_output=True, text=True, timeout=30)
        assert out.returncode == 2 and "recording list|export" in out.stderr
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
            log.close()
