"""A running Hotline daemon for interop tests: real-time clock (real SIP phones keep real
time), simulated board, SIP on 127.0.0.1 at a free port, no web UI.

``with BoxDaemon(tmp) as box:`` starts ``hotline run``; ``box.sip`` is "127.0.0.1:PORT",
``box.ctl(name, **args)`` runs a management command, ``box.wait(pred, timeout)`` polls.
The daemon's log is ``<tmp>/daemon.log`` (quoted when start-up fails).
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

from firmware.config.store import ConfigStore
from firmware.mgmt.client import MgmtClient
from firmware.paths import DataDir

REPO = Path(__file__).resolve().parents[2]


class BoxDaemon:
    def __init__(self, tmp: Path, *, log_level: str = "info", settings: dict | None = None) -> None:
        self.tmp = Path(tmp)
        self.data = self.tmp / "data"
        self.log_path = self.tmp / "daemon.log"
        self.log_level = log_level
        self.sip = ""
        self.proc: subprocess.Popen | None = None
        self.client: MgmtClient | None = None
        self.settings = settings or {}

    def start(self) -> "BoxDaemon":
        self.tmp.mkdir(parents=True, exist_ok=True)
        if self.settings:                    # written before start: read once at start-up
            store = ConfigStore(DataDir.at(str(self.data)).create().config_db)
            try:
                store.update_settings(self.settings)
            finally:
                store.close()
        said = self.spawn(["--web", "off", "--sip", "127.0.0.1:0", "--log-level", self.log_level])
        self.sip = said.get("SIP", "")
        if not self.sip:
            raise AssertionError("daemon started without SIP:\n" + self.log_tail())
        self.client = MgmtClient(data_dir=str(self.data), timeout=10)
        return self

    def spawn(self, extra: list[str]) -> dict[str, str]:
        """Start ``hotline run --sim --data DATA *extra`` and read its stdout until READY;
        returns what it announced, e.g. ``{"SIP": "127.0.0.1:5071", "WEB": "http://..."}``."""
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "firmware.cli", "run", "--sim", "--data", str(self.data), *extra],
            stdout=subprocess.PIPE, stderr=log, cwd=str(REPO))
        seen, said = [], {}
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace")
            seen.append(line)
            word, _, rest = line.strip().partition(" ")
            said[word] = rest
            if word == "READY":
                return said
        self.proc.wait()
        raise AssertionError("daemon did not start:\n" + "".join(seen) + self.log_tail())

    def ctl(self, name: str, **args: Any) -> Any:
        assert self.client is not None
        return self.client.call(name, **args)

    def wait(self, pred: Callable[[], Any], timeout: float = 5.0, what: str = "condition") -> Any:
        end = time.monotonic() + timeout
        while True:
            v = pred()
            if v:
                return v
            if time.monotonic() > end:
                raise AssertionError(f"timed out waiting for {what}\n{self.log_tail()}")
            time.sleep(0.05)

    def cdr(self, limit: int = 5) -> list[dict]:
        return self.ctl("cdr.list", limit=limit)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> "BoxDaemon":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()
