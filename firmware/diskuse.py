"""``disk.usage`` — how much the box's data dir holds and how full its disk is (the web
UI's firmware page, ``hotline ctl disk.usage``).

The data dir is walked in a worker thread (a box with many recordings holds many files;
the management loop and the engine's ticks are not held up), at most
:data:`MAX_ENTRIES` entries; the answer says when it stopped early.
"""
from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

from firmware.mgmt.commands import Dispatcher

SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
MAX_ENTRIES = 500_000          #: files and folders counted at most (a runaway dir does not stall the answer)


def _tree_bytes(path: Path, budget: list[int]) -> int:
    """Bytes of the files under ``path`` (links not followed); ``budget[0]`` counts down."""
    if path.is_symlink():
        return 0
    if path.is_file():
        budget[0] -= 1
        return path.stat().st_size
    total = 0
    stack = [path]
    while stack and budget[0] > 0:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for e in entries:
            budget[0] -= 1
            try:
                if e.is_dir(follow_symlinks=False):
                    stack.append(Path(e.path))
                elif e.is_file(follow_symlinks=False):
                    total += e.stat(follow_symlinks=False).st_size
            except OSError:
                continue
    return total


def data_dir_usage(root: Path, max_entries: int = MAX_ENTRIES) -> dict[str, Any]:
    """``{data_dir, disk_total_bytes, disk_free_bytes, data_bytes, parts: [{name, bytes}]
    (largest first), complete}`` — parts are the data dir's top-level entries (a SQLite
    database counted with its -wal/-shm files)."""
    budget = [max_entries]
    try:
        top = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        top = []
    sizes: dict[str, int] = {}
    for e in top:
        name = e.name + ("/" if e.is_dir(follow_symlinks=False) else "")
        for tail in SQLITE_SIDE_FILES:                  # a database with its journal files is one part
            if name.endswith(tail):
                name = name[: -len(tail)]
        sizes[name] = sizes.get(name, 0) + _tree_bytes(Path(e.path), budget)
    parts = [{"name": n, "bytes": b} for n, b in sizes.items()]
    parts.sort(key=lambda p: (-p["bytes"], p["name"]))
    try:
        disk = shutil.disk_usage(root)
        total, free = disk.total, disk.free
    except OSError:
        total = free = 0
    return {"data_dir": str(root), "disk_total_bytes": total, "disk_free_bytes": free,
            "data_bytes": sum(p["bytes"] for p in parts), "parts": parts, "complete": budget[0] > 0}


def register_disk(d: Dispatcher, box: Any) -> None:
    async def usage(a: dict) -> dict:
        return await asyncio.to_thread(data_dir_usage, Path(box.data.root))

    d.register("disk.usage", usage, "the data dir's size (per top-level folder) and the disk's total/free bytes")
