"""Search (date range, agent, number, queue, duration), playback and export (zip of the
files + CSV index) through the management API, each access logged; retention deletes
expired files and keeps the rows."""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest

from firmware.mgmt.commands import CommandError

from tests.firmware.features import hang_up, talk
from tests.recording.helpers import set_recording


def _call(hx, a, b, secs):
    talk(hx, a, b)
    hx.run(secs * 1000)
    hang_up(hx, a)
    hang_up(hx, b)


@pytest.fixture
def made(hx):
    set_recording(hx, default="always", min_free_mb=0, retention_days=30,
                  extensions={"803": {"mode": "always", "retention_days": 1}})
    _call(hx, "fxs1", "fxs2", 2)          # 801 -> 802, ~2 s
    _call(hx, "fxs3", "fxs4", 6)          # 803 -> 804, ~6 s
    return hx


def test_search_by_number_duration_and_date(made):
    d = made.box.dispatcher
    rows = d.run("recording.list")
    assert [r["caller"] for r in rows] == ["803", "801"]           # newest first
    assert [r["callee"] for r in d.run("recording.list", {"number": "802"})] == ["802"]
    assert [r["caller"] for r in d.run("recording.list", {"min_duration": 4})] == ["803"]
    assert [r["caller"] for r in d.run("recording.list", {"max_duration": 4})] == ["801"]
    start = dt.datetime.fromisoformat(rows[0]["start"])
    later = (start + dt.timedelta(seconds=1)).isoformat()
    assert d.run("recording.list", {"since": later}) == []
    assert len(d.run("recording.list", {"until": later})) == 2
    assert d.run("recording.list", {"agent": "nobody"}) == []
    assert d.run("recording.list", {"queue": "700"}) == []


def test_times_without_offset_and_the_index_csv_are_in_the_box_time_zone(made, tmp_path):
    """'since 10:00' means 10:00 in settings.timezone, and the export's CSV shows that zone."""
    from zoneinfo import ZoneInfo
    d = made.box.dispatcher
    rows = d.run("recording.list")
    start = dt.datetime.fromisoformat(rows[0]["start"])
    for zone in ("Asia/Shanghai", "America/New_York"):
        made.box.store.set_setting("timezone", zone); made.box.reload()
        wall = start.astimezone(ZoneInfo(zone)).replace(tzinfo=None)          # naive, in the box's zone
        assert len(d.run("recording.list", {"since": (wall - dt.timedelta(seconds=1)).isoformat()})) == 1
        assert d.run("recording.list", {"since": (wall + dt.timedelta(seconds=1)).isoformat()}) == []
        assert d.run("recording.search", {"since": (wall - dt.timedelta(seconds=1)).isoformat()})["total"] == 1
        assert d.run("recording.search", {"since": (wall + dt.timedelta(seconds=1)).isoformat()})["total"] == 0
        ex = d.run("recording.export", {"number": "803", "path": str(tmp_path / f"{zone[:4]}.zip")})
        with zipfile.ZipFile(ex["path"]) as z:
            index = list(csv.DictReader(io.StringIO(z.read("index.csv").decode())))
        assert index[0]["start"] == wall.strftime("%Y-%m-%d %H:%M:%S")
    with pytest.raises(ValueError, match="since must be a date or time"):
        d.run("recording.list", {"since": "yesterday"})


def test_play_and_export_are_logged(made, tmp_path):
    d = made.box.dispatcher
    rows = d.run("recording.list")
    out = d.run("recording.play", {"id": rows[1]["id"], "who": "alice", "data": True})
    assert out["wav_base64"] and out["path"].endswith(".wav")
    dest = tmp_path / "out.zip"
    ex = d.run("recording.export", {"number": "803", "who": "bob", "path": str(dest)})
    assert ex["files"] == 1 and ex["recordings"] == 1
    with zipfile.ZipFile(dest) as z:
        names = z.namelist()
        index = list(csv.DictReader(io.StringIO(z.read("index.csv").decode())))
        assert index[0]["caller"] == "803" and index[0]["file"] in names
        assert z.read(index[0]["file"])[:4] == b"RIFF"
    log = d.run("recording.access")
    assert [(e["who"], e["action"], e["recording_id"]) for e in log] == \
        [("bob", "export", rows[0]["id"]), ("alice", "listen", rows[1]["id"])]
    with pytest.raises(CommandError):
        d.run("recording.export", {"number": "999"})


def test_retention_deletes_files_keeps_rows(made):
    hx = made
    rec = hx.box.recording
    rows = rec.index.search()
    short = next(r for r in rows if r["caller"] == "803")
    assert (rec.dir / short["path"]).exists()
    now = hx.clock.wall_time()
    assert rec.purge_expired(now + dt.timedelta(hours=23)) == []
    assert rec.purge_expired(now + dt.timedelta(hours=25)) == [short["id"]]
    assert rec._sweep is not None                  # the hourly sweep is armed
    assert not (rec.dir / short["path"]).exists()
    assert [r["caller"] for r in rec.index.search()] == ["801"]
    assert rec.index.get(short["id"])["state"] == "deleted"
    assert rec.index.access(5)[0]["action"] == "delete"
