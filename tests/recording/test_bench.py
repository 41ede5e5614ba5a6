"""``hotline bench recording --json`` runs (a smoke run with few calls) and reports
``simultaneous_recordings`` with the per-load figures."""
from __future__ import annotations

import json

from firmware.bench.recording import main


def test_bench_recording_json(capsys, tmp_path):
    assert main(["--json", "--quick", "--calls", "4", "--dir", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "simultaneous_recordings" in out
    (load,) = out["loads"]
    assert load["calls"] == 4 and load["recorded_cpu_ms_per_tick"] > 0
    assert load["mb_per_s"] > 0.05                 # 4 stereo A-law calls = 0.064 MB/s written
    assert list(tmp_path.iterdir()) == []           # the bench cleans up its files
