"""``disk.usage``: the data dir's bytes per top-level entry (largest first) and the disk's
free space, walked off the management loop."""
from __future__ import annotations

import asyncio
import os
import shutil
from types import SimpleNamespace

from firmware.diskuse import data_dir_usage, register_disk
from firmware.mgmt.commands import Dispatcher


def test_bytes_per_folder_largest_first(tmp_path):
    (tmp_path / "recordings" / "2026").mkdir(parents=True)
    (tmp_path / "recordings" / "2026" / "a.wav").write_bytes(b"x" * 5000)
    (tmp_path / "recordings" / "b.wav").write_bytes(b"x" * 3000)
    (tmp_path / "voicemail").mkdir()
    (tmp_path / "voicemail" / "m.wav").write_bytes(b"x" * 100)
    (tmp_path / "config.db").write_bytes(b"x" * 600)
    (tmp_path / "config.db-wal").write_bytes(b"x" * 100)
    os.symlink("/usr", tmp_path / "link")                # links are not followed
    u = data_dir_usage(tmp_path)
    assert u["parts"][:3] == [{"name": "recordings/", "bytes": 8000}, {"name": "config.db", "bytes": 700},
                              {"name": "voicemail/", "bytes": 100}]
    assert u["data_bytes"] == 8800 and u["complete"]
    assert 0 < u["disk_free_bytes"] <= u["disk_total_bytes"] == shutil.disk_usage(tmp_path).total
    assert not data_dir_usage(tmp_path, max_entries=3)["complete"]


def test_command_runs_in_a_worker_thread(tmp_path):
    (tmp_path / "cdr.db").write_bytes(b"x" * 10)
    d = Dispatcher()
    register_disk(d, SimpleNamespace(data=SimpleNamespace(root=tmp_path)))
    got = asyncio.run(d.run("disk.usage"))
    assert got["parts"] == [{"name": "cdr.db", "bytes": 10}] and got["data_dir"] == str(tmp_path)
