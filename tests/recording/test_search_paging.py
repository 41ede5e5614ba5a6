"""``recording.search``: one page of recordings newest first with the total (the web UI's
recordings pages); the same filters as ``recording.list``."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from firmware.mgmt.commands import Dispatcher
from firmware.recording.commands import register_recording
from firmware.recording.index import RecordingIndex

T0 = dt.datetime(2026, 3, 14, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def run(tmp_path):
    index = RecordingIndex(tmp_path / "recordings.db")
    for i in range(120):
        index.add(uniqueid=f"c{i}", linkedid=f"c{i}", path=f"r{i}.wav", caller=f"80{i % 3}", callee="700",
                  agent="1001" if i % 2 else "1002", start=T0 + dt.timedelta(minutes=i), duration_s=10.0 + i,
                  format="wav", channels=1, state="done")
    d = Dispatcher()
    register_recording(d, SimpleNamespace(recording=SimpleNamespace(index=index),
                                          config=SimpleNamespace(settings={"timezone": "UTC"})))
    yield lambda **a: d.run("recording.search", a)
    index.close()


def test_pages_newest_first_with_total(run):
    p1 = run()
    assert p1["total"] == 120 and len(p1["recordings"]) == 50 and p1["recordings"][0]["uniqueid"] == "c119"
    p3 = run(offset=100)
    assert [r["uniqueid"] for r in p3["recordings"]][-1] == "c0" and len(p3["recordings"]) == 20
    ids = {r["id"] for o in (0, 50, 100) for r in run(offset=o)["recordings"]}
    assert len(ids) == 120


def test_filters_apply_to_rows_and_total(run):
    got = run(agent="1001", limit=10)
    assert got["total"] == 60 and len(got["recordings"]) == 10
    assert all(r["agent"] == "1001" for r in got["recordings"])
    assert run(number="801", min_duration=100)["total"] == sum(1 for i in range(120) if i % 3 == 1 and 10 + i >= 100)
    with pytest.raises(ValueError, match="limit: 501 is not between 1 and 500"):
        run(limit=501)
    with pytest.raises(ValueError, match="offset"):
        run(offset=-5)
