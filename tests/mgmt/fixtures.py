"""A real management server on a real Unix socket, its loop in a background thread.

Shared by tests/mgmt and tests/webui: ``serve(dispatcher, socket_path)`` starts it,
``.publish()`` sends events from the loop thread, ``.stop()`` ends it.
"""
from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

from firmware.mgmt.commands import CommandError, Dispatcher
from firmware.mgmt.server import MgmtServer

SAMPLE_STATUS = {
    "box": {"name": "Front desk <b>&", "country": "CN", "board": "hotline-8", "simulated": True,
            "uptime_s": 3725.5, "ticks": 186275, "clock": "virtual", "version": "0.1.0"},
    "ports": [
        {"name": "fxs1", "kind": "fxs", "slot": 1, "state": "talk", "extension": "801", "hook": "off"},
        {"name": "fxs2", "kind": "fxs", "slot": 2, "state": "idle", "extension": "802", "hook": "on"},
        {"name": "fxo1", "kind": "fxo", "slot": 5, "state": "idle", "extension": None, "hook": "on"},
    ],
    "calls": [
        {"id": "c-1", "from": "801", "to": "802", "state": "talk", "duration_s": 12.4,
         "legs": ["fxs1", "fxs2"]},
    ],
    "counters": {"calls_total": 7, "calls_failed": 1},
}


def test_dispatcher() -> Dispatcher:
    """Commands the tests drive: echo, add, fail, boom, slow, status, emit."""
    d = Dispatcher()
    d.register("echo", lambda args: args, help="return the arguments")

    def add(args):
        return int(args["a"]) + int(args["b"])
    d.register("add", add, help="a + b")

    def fail(args):
        raise CommandError("the line is busy")
    d.register("fail", fail)

    def boom(args):
        raise RuntimeError("kaput")
    d.register("boom", boom)

    async def slow(args):
        for _ in range(int(args.get("yields", 3))):
            await asyncio.sleep(0)
        return {"slow": args.get("n")}
    d.register("slow", slow)
    d.register("status", lambda args: SAMPLE_STATUS, help="box, ports and calls")
    return d


test_dispatcher.__test__ = False          # not a test function


class ServerThread:
    def __init__(self, dispatcher: Dispatcher, socket_path: Path, **kw) -> None:
        self.loop = asyncio.new_event_loop()
        self.server = MgmtServer(dispatcher, socket_path, **kw)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.run(self.server.start())

    def run(self, coro, timeout: float = 10.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def publish(self, event: str, data: dict, times: int = 1, yield_every: int = 0) -> None:
        """Publish on the loop thread and return when done (``yield_every``: let the
        loop run the writers after every that many events)."""
        async def go():
            for i in range(times):
                self.server.publish(event, data)
                if yield_every and i % yield_every == 0:
                    await asyncio.sleep(0)
        self.run(go())

    def stop(self) -> None:
        if self.loop.is_closed():
            return
        self.run(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def short_tmpdir() -> Path:
    """A directory with a short path (Unix socket paths are limited to 107 bytes)."""
    return Path(tempfile.mkdtemp(prefix="hl", dir="/tmp"))


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def datadir():
    """A short temporary data dir (Unix socket paths are limited to 107 bytes)."""
    d = short_tmpdir()
    yield d
    remove(d)


@pytest.fixture
def server(datadir):
    """A management server with the test dispatcher on ``datadir/hotline.sock``."""
    s = ServerThread(test_dispatcher(), datadir / "hotline.sock")
    yield s
    s.stop()
