"""Drivers for real SIP handsets in tests: ``PjPhone`` runs ``pjphone_agent`` as a child.

pjsua2 allows one Endpoint per process and its threads must not live inside pytest,
so each phone is a child process speaking JSON lines (see ``pjphone_agent``).  A
reader thread collects replies (by command id) and events (in a buffer) from the
child's stdout; the child's stderr and pjsip log go to ``<log_dir>/<name>.log``
(``<name>-2.log``... for a second phone of the same name in the same folder).

Every wait has a timeout; a failed wait raises ``PhoneTimeout`` whose message shows
the last events and the tail of the phone's log, so a red test says what the phone
saw.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[2]
LOG_TAIL_LINES = 40
"""Lines of the phone's log quoted in a failure message."""


def default_log_level() -> int:
    """pjsip log level of phones: ``$HOTLINE_INTEROP_PJ_LOG_LEVEL`` or 3 (4 adds every SIP message)."""
    raw = os.environ.get("HOTLINE_INTEROP_PJ_LOG_LEVEL", "3")
    try:
        level = int(raw)
    except ValueError:
        raise ValueError(f"HOTLINE_INTEROP_PJ_LOG_LEVEL must be a number 0..6, not {raw!r}") from None
    if not 0 <= level <= 6:
        raise ValueError(f"HOTLINE_INTEROP_PJ_LOG_LEVEL must be 0..6, not {level}")
    return level


class PhoneError(AssertionError):
    """The phone refused a command, died, or did not do what a test waited for."""


class PhoneTimeout(PhoneError):
    """A wait for a reply or an event ran out of time."""


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 200 * lines))
            text = f.read().decode("utf-8", "replace")
    except OSError as e:
        return f"(no log: {e})"
    return "\n".join(text.splitlines()[-lines:])


class PjPhone:
    """A pjsua2 handset in a child process, bound to 127.0.0.1 (OS-chosen port).

    ``PjPhone(name, log_dir=None, tcp=False, codecs=("PCMA", "PCMU"), log_level=None,
    auto_answer=0)`` (``log_level`` None: ``default_log_level()``) (``auto_answer=200``: answer every incoming call at once);
    use as a context manager (or ``start()``/``close()``).  After start, ``port``
    (UDP), ``tcp_port`` (or None) and ``uri`` (``sip:<name>@127.0.0.1:<port>``) are
    known.  ``call_command(name, timeout=5.0, **args)`` sends one command and returns
    the reply dict (``PhoneError`` if the agent says no); ``wait_event(kind,
    timeout=5.0, **match)`` returns the oldest not yet consumed event of that kind whose
    fields equal ``match``.
    """

    def __init__(self, name: str = "phone", *, log_dir: str | os.PathLike | None = None,
                 tcp: bool = False, codecs: tuple[str, ...] = ("PCMA", "PCMU"),
                 log_level: int | None = None, start_timeout: float = 10.0,
                 auto_answer: int = 0) -> None:
        self.name = name
        self.log_dir = Path(log_dir) if log_dir else Path(tempfile.mkdtemp(prefix="pjphone-logs-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self._unique_log(self.log_dir, name)
        self.tcp = tcp
        self.codecs = tuple(codecs)
        self.log_level = default_log_level() if log_level is None else log_level
        self.start_timeout = start_timeout
        self.auto_answer = auto_answer
        self.port: int | None = None
        self.tcp_port: int | None = None
        self.uri = ""
        self._proc: subprocess.Popen | None = None
        self._cond = threading.Condition()
        self._events: list[dict[str, Any]] = []
        self._consumed: list[bool] = []
        self._replies: dict[int, dict[str, Any]] = {}
        self._next_id = 1
        self._eof = False
        self._reader: threading.Thread | None = None

    _logs_in_use: set[Path] = set()

    @classmethod
    def _unique_log(cls, log_dir: Path, name: str) -> Path:
        """``<name>.log``, or ``<name>-2.log``... when another phone of this run has it."""
        n = 1
        while True:
            p = log_dir / (f"{name}.log" if n == 1 else f"{name}-{n}.log")
            if p not in cls._logs_in_use:
                cls._logs_in_use.add(p)
                return p
            n += 1

    # ---- life cycle ----------------------------------------------------------------
    def start(self) -> "PjPhone":
        """Start the agent and wait for its ``ready`` event (ports known after this)."""
        cmd = [sys.executable, "-m", "tests.interop.pjphone_agent", "--name", self.name,
               "--codecs", ",".join(self.codecs), "--log", str(self.log_path),
               "--log-level", str(self.log_level)]
        if self.tcp:
            cmd.append("--tcp")
        if self.auto_answer:
            cmd += ["--auto-answer", str(self.auto_answer)]
        env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self._log_file = open(self.log_path, "ab")
        self._proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=self._log_file)
        self._reader = threading.Thread(target=self._read_loop, name=f"pjphone-{self.name}",
                                        daemon=True)
        self._reader.start()
        try:
            ready = self.wait_event("ready", timeout=self.start_timeout)
        except PhoneError:
            self.close()        # no half-started child left behind
            raise
        self.port = ready["port"]
        self.tcp_port = ready.get("tcp_port")
        self.uri = ready["uri"]
        return self

    def __enter__(self) -> "PjPhone":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def request_quit(self) -> None:
        """Ask the agent to quit without waiting (``close()`` then waits); closing
        several phones is faster this way."""
        if self._proc is not None and self._proc.poll() is None:
            try:
                self._send({"id": 0, "cmd": "quit"})
                self._proc.stdin.close()
            except (OSError, ValueError):
                pass

    def close(self, timeout: float = 3.0) -> None:
        """Ask the agent to quit (hanging up its calls); kill it if it does not go."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            self.request_quit()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if self._reader is not None:
            self._reader.join(2)
        self._log_file.close()
        self._proc = None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # ---- protocol ---------------------------------------------------------------------
    def _read_loop(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for raw in self._proc.stdout:
            try:
                msg = json.loads(raw)
            except ValueError:
                msg = {"event": "garbage", "line": raw.decode("utf-8", "replace")[:500]}
            with self._cond:
                if "event" in msg:
                    msg["t"] = time.monotonic()
                    self._events.append(msg)
                    self._consumed.append(False)
                else:
                    self._replies[msg.get("id")] = msg
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def _send(self, obj: dict[str, Any]) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write((json.dumps(obj) + "\n").encode())
        self._proc.stdin.flush()

    def describe(self, what: str) -> str:
        """A failure text: ``what`` + the last events + the tail of the phone's log."""
        with self._cond:
            last = self._events[-15:]
        rc = None if self._proc is None else self._proc.poll()
        ev = "\n".join("  " + json.dumps({k: v for k, v in e.items() if k != "t"}) for e in last)
        return (f"phone {self.name!r} (port {self.port}, exit code {rc}): {what}\n"
                f"last events:\n{ev or '  (none)'}\n"
                f"tail of {self.log_path}:\n{_tail(self.log_path)}")

    def _wait(self, pred: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                got = pred()
                if got is not None:
                    return got
                if self._eof:
                    raise PhoneError(self.describe(f"the agent exited while waiting for {what}"))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PhoneTimeout(self.describe(f"no {what} within {timeout:g} s"))
                self._cond.wait(left)

    def call_command(self, name: str, timeout: float = 5.0, **args: Any) -> dict[str, Any]:
        """Send command ``name`` with ``args``; return the reply (PhoneError if refused)."""
        if not self.alive:
            raise PhoneError(self.describe(f"cannot send {name!r}: the agent is not running"))
        with self._cond:
            mid = self._next_id
            self._next_id += 1
        self._send({"id": mid, "cmd": name, **args})
        reply = self._wait(lambda: self._replies.pop(mid, None), timeout,
                           f"reply to {name} {args}")
        if not reply.get("ok"):
            raise PhoneError(self.describe(f"command {name} {args} failed: {reply.get('error')}"))
        return reply

    def wait_event(self, kind: str, timeout: float = 5.0, **match: Any) -> dict[str, Any]:
        """Oldest unconsumed event of ``kind`` whose fields equal ``match`` (marked consumed)."""
        def find() -> dict[str, Any] | None:
            for i, e in enumerate(self._events):
                if not self._consumed[i] and e["event"] == kind and all(
                        e.get(k) == v for k, v in match.items()):
                    self._consumed[i] = True
                    return e
            return None
        return self._wait(find, timeout, f"event {kind} {match or ''}".strip())

    def events(self, kind: str | None = None, **match: Any) -> list[dict[str, Any]]:
        """All events so far (consumed or not) of ``kind`` matching ``match``."""
        with self._cond:
            return [e for e in self._events if (kind is None or e["event"] == kind)
                    and all(e.get(k) == v for k, v in match.items())]

    # ---- conveniences ---------------------------------------------------------------
    def register(self, server: str, user: str, password: str, *, transport: str = "udp",
                 expires: int = 300, mwi: bool = False, wait: bool = True,
                 timeout: float = 5.0) -> dict[str, Any]:
        """REGISTER to ``server`` (host:port); with ``wait`` return the first reg_state event.

        ``mwi=True`` also SUBSCRIBEs to message-summary (RFC 3842); NOTIFYs arrive as
        ``mwi`` events (unsolicited ones do too, without subscribing).
        """
        reply = self.call_command("register", server=server, user=user, password=password,
                                  transport=transport, expires=expires, mwi=mwi)
        return self.wait_event("reg_state", timeout=timeout) if wait else reply

    def unregister(self) -> dict[str, Any]:
        return self.call_command("unregister")

    def call(self, uri: str, **headers: str) -> int:
        """Start a call to ``uri``; returns the call id used by the other commands."""
        return self.call_command("call", uri=uri, headers=headers)["call"]

    def answer(self, call: int | None = None, code: int = 200) -> dict[str, Any]:
        return self.call_command("answer", call=call, code=code)

    def hangup(self, call: int | None = None, code: int | None = None) -> dict[str, Any]:
        args: dict[str, Any] = {"call": call}
        if code is not None:
            args["code"] = code
        return self.call_command("hangup", **args)

    def reject(self, call: int | None = None, code: int = 486) -> dict[str, Any]:
        return self.call_command("reject", call=call, code=code)

    def dtmf(self, digits: str, method: str = "rfc2833", call: int | None = None) -> dict[str, Any]:
        return self.call_command("dtmf", call=call, digits=digits, method=method)

    def play(self, wav: str | os.PathLike, call: int | None = None, loop: bool = True) -> dict[str, Any]:
        return self.call_command("play", call=call, wav=str(wav), loop=loop)

    def play_tone(self, freq_hz: float, ms: int = 1000, call: int | None = None,
                  level_dbm0: float = -10.0) -> dict[str, Any]:
        """Loop a ``ms`` long WAV of a ``freq_hz`` sine at ``level_dbm0`` into the call."""
        return self.call_command("play_tone", call=call, freq_hz=freq_hz, ms=ms,
                                 level_dbm0=level_dbm0)

    def stop_play(self, call: int | None = None) -> dict[str, Any]:
        return self.call_command("stop_play", call=call)

    def record(self, wav: str | os.PathLike, call: int | None = None) -> dict[str, Any]:
        return self.call_command("record", call=call, wav=str(wav))

    def stop_record(self, call: int | None = None) -> dict[str, Any]:
        """Stop recording; the WAV file is complete when this returns."""
        return self.call_command("stop_record", call=call)

    def hold(self, call: int | None = None) -> dict[str, Any]:
        return self.call_command("hold", call=call)

    def unhold(self, call: int | None = None) -> dict[str, Any]:
        return self.call_command("unhold", call=call)

    def xfer(self, uri: str, call: int | None = None) -> dict[str, Any]:
        return self.call_command("xfer", call=call, uri=uri)

    def xfer_replaces(self, call: int, other: int) -> dict[str, Any]:
        return self.call_command("xfer_replaces", call=call, other=other)

    def state(self) -> dict[str, Any]:
        return self.call_command("state")

    def wait_call_state(self, state: str, call: int | None = None,
                        timeout: float = 5.0) -> dict[str, Any]:
        """Wait for call ``call`` (any call if None) to reach ``state`` (e.g. CONFIRMED)."""
        match: dict[str, Any] = {"state": state}
        if call is not None:
            match["call"] = call
        return self.wait_event("call_state", timeout=timeout, **match)

    def wait_media(self, status: str, call: int | None = None,
                   timeout: float = 5.0) -> dict[str, Any]:
        """Wait for a media_state event with ``status`` (active, remote_hold, ...)."""
        match: dict[str, Any] = {"status": status}
        if call is not None:
            match["call"] = call
        return self.wait_event("media_state", timeout=timeout, **match)

    def __repr__(self) -> str:
        return f"PjPhone({self.name!r}, port={self.port})"
