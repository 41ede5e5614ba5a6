"""A blocking client of the management API (``hotline ctl``, the web UI, tests).

    with MgmtClient(data_dir="/tmp/box1") as c:
        status = c.call("status")
        c.call("sim.offhook", port="fxs1")

    events = c.subscribe(["call."])            # its own connection; subscribe first,
    c.call("originate", src="801", dst="802")  # then act, then wait: nothing is missed
    ev = events.wait_for(lambda e: e["data"].get("state") == "talk", timeout=5)

The client connects on first use. One client is for one thread; make one per thread
(the web UI makes one per request). Errors:

* :class:`DaemonNotRunning` — no daemon answers on the socket (absent or refused);
* :class:`MgmtError` ``(code, message)`` — the daemon refused or failed the command
  (codes as in :mod:`firmware.mgmt.protocol`, plus ``disconnected`` when the daemon
  closed the connection and ``timeout`` (:class:`MgmtTimeout`) when it did not answer).
"""
from __future__ import annotations

import itertools
import json
import os
import socket
import time
from collections import deque
from pathlib import Path
from typing import Any, Callable, Optional

from firmware.mgmt import protocol
from firmware.paths import DataDir


class MgmtError(Exception):
    """The daemon answered ``ok: false`` (or the conversation broke): ``code``, ``message``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


class DaemonNotRunning(MgmtError):
    """Nobody serves the socket."""

    def __init__(self, message: str) -> None:
        super().__init__("not_running", message)


class MgmtTimeout(MgmtError, TimeoutError):
    """The daemon did not answer (or the awaited event did not come) in time."""

    def __init__(self, message: str) -> None:
        super().__init__("timeout", message)


class _Line:
    """A connected socket read line by line (JSON messages)."""

    def __init__(self, sock: socket.socket, where: str) -> None:
        self.sock = sock
        self.where = where
        self.buf = bytearray()

    def send(self, message: dict) -> None:
        try:
            self.sock.sendall(protocol.encode(message))
        except (BrokenPipeError, ConnectionError) as e:
            raise MgmtError("disconnected", f"the Hotline daemon serving {self.where} "
                                            f"closed the connection ({e.strerror or e})") from e

    def read(self, timeout: Optional[float]) -> Optional[dict]:
        """The next message, or None at end of stream; socket.timeout when none came."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0:
                line = bytes(self.buf[:nl])
                del self.buf[:nl + 1]
                if not line.strip():
                    continue
                try:
                    msg = json.loads(line.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError) as e:
                    raise MgmtError("bad_json", f"the daemon sent a line that is not JSON ({e})")
                if isinstance(msg, dict):
                    return msg
                continue
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout()
                self.sock.settimeout(left)
            else:
                self.sock.settimeout(None)
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, ConnectionAbortedError):
                chunk = b""
            if not chunk:
                return None
            self.buf += chunk

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def _connect(path: Path, where: str, timeout: Optional[float]) -> _Line:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError) as e:
        sock.close()
        raise DaemonNotRunning(
            f"no Hotline daemon is serving {where} (is `hotline run` running?)") from e
    except socket.timeout as e:
        sock.close()
        raise MgmtTimeout(f"the Hotline daemon serving {where} did not accept a connection "
                          f"within {timeout} s") from e
    except OSError as e:
        sock.close()
        raise MgmtError("cannot_connect",
                        f"cannot connect to the management socket {path}: {e.strerror or e}") from e
    return _Line(sock, where)


class EventStream:
    """Events from one subscribed connection; iterate it, or :meth:`wait_for` one.

    Iteration ends when the daemon closes the connection. ``timeout`` (s, None = wait
    for ever) bounds each wait for the next event during iteration.
    """

    def __init__(self, line: _Line, filters: list[str], timeout: Optional[float]) -> None:
        self._line = line
        self.filters = filters
        self.timeout = timeout
        self.closed = False

    def __iter__(self) -> "EventStream":
        return self

    def __next__(self) -> dict:
        ev = self.next_event(self.timeout)
        if ev is None:
            raise StopIteration
        return ev

    def next_event(self, timeout: Optional[float] = None) -> Optional[dict]:
        """The next event message ``{"event", "data"}``; None when the daemon closed the
        connection; :class:`MgmtTimeout` when none came within ``timeout`` s."""
        if self.closed:
            return None
        while True:
            try:
                msg = self._line.read(timeout)
            except socket.timeout:
                raise MgmtTimeout(f"no event from the Hotline daemon serving {self._line.where} "
                                  f"within {timeout} s") from None
            if msg is None:
                self.close()
                return None
            if protocol.is_event(msg):
                return msg

    def wait_for(self, predicate: Callable[[dict], bool], timeout: float = 5.0) -> dict:
        """The first event (``{"event", "data"}``) for which ``predicate`` is true;
        :class:`MgmtTimeout` after ``timeout`` s, ``MgmtError("disconnected")`` when the
        daemon goes away first."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise MgmtTimeout(f"the awaited event did not come within {timeout} s")
            try:
                ev = self.next_event(left)
            except MgmtTimeout:
                raise MgmtTimeout(f"the awaited event did not come within {timeout} s") from None
            if ev is None:
                raise MgmtError("disconnected", f"the Hotline daemon serving {self._line.where} "
                                                f"closed the connection")
            if predicate(ev):
                return ev

    def close(self) -> None:
        self.closed = True
        self._line.close()

    def __enter__(self) -> "EventStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class MgmtClient:
    """Talks to the daemon serving ``data_dir`` (default data dir when both are None)
    or directly to ``socket_path``. ``timeout``: seconds to wait for each reply."""

    def __init__(self, socket_path: Optional[str | os.PathLike] = None,
                 data_dir: Optional[str | os.PathLike] = None, timeout: float = 5.0) -> None:
        if socket_path is not None:
            self.socket_path = Path(socket_path)
            self.where = str(data_dir) if data_dir is not None else str(self.socket_path)
        else:
            dd = DataDir.at(data_dir)
            self.socket_path = dd.socket
            self.where = str(dd.root)
        self.timeout = timeout
        self._line: Optional[_Line] = None
        self._ids = itertools.count(1)
        self._stream: Optional[EventStream] = None
        #: events that arrived on the command connection (after ``call("subscribe")``)
        self.pending_events: deque[dict] = deque()

    # -- connection
    def connect(self) -> "MgmtClient":
        """Connect now (otherwise the first call does); :class:`DaemonNotRunning` if nobody answers."""
        if self._line is None:
            self._line = _connect(self.socket_path, self.where, self.timeout)
        return self

    def close(self) -> None:
        """Close both connections (commands and events)."""
        if self._line is not None:
            self._line.close()
            self._line = None
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def __enter__(self) -> "MgmtClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- commands
    def call(self, cmd: str, /, **args: Any) -> Any:
        """Run command ``cmd`` with ``args`` and return its result; :class:`MgmtError`
        when the daemon answers ``ok: false``."""
        rid = next(self._ids)
        message = protocol.request(cmd, args, rid)
        fresh = self._line is None
        self.connect()
        assert self._line is not None
        try:
            self._line.send(message)
        except MgmtError:
            # the daemon closed an idle connection (restarted?): the request never left,
            # so one new connection is safe; a fresh connection failing is final
            self.close()
            if fresh:
                raise
            self.connect()
            assert self._line is not None
            try:
                self._line.send(message)
            except MgmtError:
                self.close()
                raise
        while True:
            try:
                msg = self._line.read(self.timeout)
            except socket.timeout:
                self.close()                 # a late reply would confuse the next call
                raise MgmtTimeout(f"the Hotline daemon serving {self.where} did not answer "
                                  f"{cmd!r} within {self.timeout} s") from None
            if msg is None:
                self.close()
                raise MgmtError("disconnected", f"the Hotline daemon serving {self.where} "
                                                f"closed the connection during {cmd!r}")
            if protocol.is_event(msg):
                self.pending_events.append(msg)
                continue
            if msg.get("id") != rid:
                continue
            if msg.get("ok"):
                return msg.get("result")
            err = msg.get("error") or {}
            raise MgmtError(str(err.get("code", "failed")), str(err.get("message", "failed")))

    # -- events
    def subscribe(self, events: Optional[list[str]] = None,
                  timeout: Optional[float] = None) -> EventStream:
        """Open an event stream on its own connection, filtered by name prefixes
        (None/[] = all). The client keeps it for :meth:`wait_for_event` and closes it
        with the client."""
        line = _connect(self.socket_path, self.where, self.timeout)
        filters = list(events or [])
        try:
            line.send(protocol.request("subscribe", {"events": filters}, "subscribe"))
            while True:
                try:
                    msg = line.read(self.timeout)
                except socket.timeout:
                    raise MgmtTimeout(f"the Hotline daemon serving {self.where} did not answer "
                                      f"'subscribe' within {self.timeout} s") from None
                if msg is None:
                    raise MgmtError("disconnected", f"the Hotline daemon serving {self.where} "
                                                    f"closed the connection during 'subscribe'")
                if msg.get("id") == "subscribe" and not protocol.is_event(msg):
                    if not msg.get("ok"):
                        err = msg.get("error") or {}
                        raise MgmtError(str(err.get("code", "failed")), str(err.get("message")))
                    break
        except BaseException:
            line.close()
            raise
        if self._stream is not None:
            self._stream.close()
        self._stream = EventStream(line, filters, timeout)
        return self._stream

    def wait_for_event(self, predicate: Callable[[dict], bool], timeout: float = 5.0,
                       events: Optional[list[str]] = None) -> dict:
        """The first event matching ``predicate`` on the client's event stream (opened
        now with ``events`` filters if :meth:`subscribe` was not called; events before
        that moment are not seen, so subscribe first when racing an action)."""
        if self._stream is None or self._stream.closed:
            self.subscribe(events)
        assert self._stream is not None
        return self._stream.wait_for(predicate, timeout)
