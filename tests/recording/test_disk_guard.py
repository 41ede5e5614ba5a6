"""Disk safety on a genuinely small filesystem (a 3 MB tmpfs holding the whole data dir,
config DB included): the low-disk guard stops recordings and refuses new ones with an
``alarm`` event while calls go on; a disk that fills anyway stops only the recording
(write error), never the call, and leaves the config DB intact. The quota works the
same way on any disk."""
from __future__ import annotations

import os
import sqlite3
import subprocess

import pytest

from hal.clock import VirtualClock

from firmware.box import Box
from firmware.paths import DataDir

from tests.firmware.conftest import Harness
from tests.firmware.features import hang_up, hears_tone, talk
from tests.recording.helpers import set_recording


@pytest.fixture
def small_hx(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {r.stderr.decode().strip()}")
    clock = VirtualClock()
    box = Box(DataDir.at(mnt / "data"), clock)
    events: list = []
    box.add_publisher(lambda ev, data: events.append((ev, data)))
    hx = Harness(box, clock)
    hx.events = events
    try:
        yield hx
    finally:
        box.close()
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _alarms(hx, kind):
    return [d for ev, d in hx.events if ev == "alarm" and d["kind"] == kind]


def _config_ok(hx):
    con = sqlite3.connect(str(hx.box.data.config_db))
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    assert hx.box.store.snapshot().settings["box_name"]


def test_low_disk_guard_stops_and_refuses_calls_go_on(small_hx):
    hx = small_hx
    set_recording(hx, default="always", format="pcm16", channels="stereo", min_free_mb=1)
    talk(hx, "fxs1", "fxs2")
    rec = hx.box.recording
    assert rec.active, "the first call is recorded"
    assert hx.until(lambda: not rec.active, 120_000), "the guard never stopped the recording"
    alarms = _alarms(hx, "low_disk")
    assert len(alarms) == 1 and "min_free_mb" in alarms[0]["message"]
    row = rec.index.search()[0]
    assert row["state"] == "failed" and "disk guard" in row["note"]
    assert hx.state("fxs1") == "talking" and hx.state("fxs2") == "talking"
    assert hears_tone(hx, hx.phone("fxs2"), hx.phone("fxs1"), 1000)
    talk(hx, "fxs3", "fxs4")                         # a new call: not recorded, but connected
    assert len(rec.index.search()) == 1 and not rec.active
    for p in ("fxs1", "fxs2", "fxs3", "fxs4"):
        hang_up(hx, p)
    _config_ok(hx)
    hx.box.update_config(lambda s: s.set_setting("box_name", "still writable"))
    assert hx.box.store.snapshot().settings["box_name"] == "still writable"


def test_full_disk_write_error_stops_recording_not_call(small_hx):
    hx = small_hx
    set_recording(hx, default="always", format="pcm16", channels="stereo", min_free_mb=0)
    talk(hx, "fxs1", "fxs2")
    rec = hx.box.recording
    assert hx.until(lambda: not rec.active, 200_000), "the recording never hit the full disk"
    assert _alarms(hx, "write_error")
    assert hx.state("fxs1") == "talking"
    assert hears_tone(hx, hx.phone("fxs2"), hx.phone("fxs1"), 1000)
    hang_up(hx, "fxs1")
    hang_up(hx, "fxs2")
    _config_ok(hx)
    row = rec.index.search()[0]
    assert row["state"] == "failed" and "write error" in row["note"]
    assert hx.cdrs()[-1].uniqueid == row["uniqueid"]       # the reserve made room for the CDR
    path = rec.dir / row["path"]
    assert os.path.getsize(path) > 1_000_000          # the audio up to the full disk is kept
    path.unlink()                                     # room again: the config takes writes
    hx.box.update_config(lambda s: s.set_setting("box_name", "after full"))
    assert hx.box.store.snapshot().settings["box_name"] == "after full"


def test_quota_refuses_new_recordings(hx):
    events = []
    hx.box.add_publisher(lambda ev, data: events.append((ev, data)))
    set_recording(hx, default="always", format="pcm16", channels="stereo", min_free_mb=0, quota_mb=1)
    talk(hx, "fxs1", "fxs2")
    rec = hx.box.recording
    assert hx.until(lambda: not rec.active, 60_000)
    assert [d for ev, d in events if ev == "alarm" and d["kind"] == "quota"]
    hang_up(hx, "fxs1")
    hang_up(hx, "fxs2")
    talk(hx, "fxs3", "fxs4")
    assert not rec.active and len(rec.index.search()) == 1
    assert rec.usage()["alarms"] == ["quota"]
