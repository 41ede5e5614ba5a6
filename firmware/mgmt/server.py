"""The management API server: a Unix socket on the daemon's asyncio loop.

Each connection reads request lines, runs them one at a time through the
:class:`~firmware.mgmt.commands.Dispatcher` and writes the replies in request order.
After ``subscribe`` the connection also gets events from :meth:`MgmtServer.publish`,
interleaved with the replies.

A slow reader never slows the daemon down: each connection has a bounded queue of
outgoing events (``max_queued_events``); when it is full the oldest queued events are
dropped and the client is told once, before the next message it gets, with
``{"event": "mgmt.overflow", "data": {"dropped": n}}``. Replies are never dropped;
a client that sends requests without reading the replies simply stops being read
(``max_queued_replies``).

Everything here runs on the loop thread; :meth:`MgmtServer.publish` must be called
there too (use :meth:`MgmtServer.publish_threadsafe` from another thread).
"""
from __future__ import annotations

import asyncio
import collections
import logging
import os
import stat
from pathlib import Path
from typing import Optional

from firmware.mgmt import protocol
from firmware.mgmt.commands import Dispatcher, Session
from firmware.mgmt.protocol import MAX_LINE_BYTES, ProtocolError

log = logging.getLogger("hotline.mgmt")

SOCKET_MODE = 0o660           #: permissions of the socket file
MAX_SOCKET_PATH = 107         #: longest Unix socket path Linux accepts, bytes
OVERFLOW_EVENT = "mgmt.overflow"


class MgmtServerError(Exception):
    """The server cannot start; the message says why in plain words."""


class _Connection:
    """One client: its subscription, its outgoing queue and its two tasks."""

    def __init__(self, server: "MgmtServer", reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self.session = Session()
        self.out: collections.deque[tuple[bool, bytes]] = collections.deque()  # (is_event, line)
        self.queued_events = 0
        self.queued_replies = 0
        self.dropped = 0
        self.wake = asyncio.Event()
        self.room = asyncio.Event()
        self.idle = asyncio.Event()          # set while nothing waits to be written
        self.idle.set()
        self.closed = False
        self.read_task: Optional[asyncio.Task] = None
        self.write_task: Optional[asyncio.Task] = None

    # -- outgoing
    def push_reply(self, line: bytes) -> None:
        self.idle.clear()
        self.out.append((False, line))
        self.queued_replies += 1
        self.wake.set()

    def push_event(self, line: bytes) -> None:
        if self.closed:
            return
        self.idle.clear()
        self.out.append((True, line))
        self.queued_events += 1
        while self.queued_events > self.server.max_queued_events:
            for i, (is_event, _) in enumerate(self.out):      # the oldest event
                if is_event:
                    del self.out[i]
                    break
            self.queued_events -= 1
            self.dropped += 1
        self.wake.set()

    async def write_loop(self) -> None:
        try:
            while True:
                await self.wake.wait()
                self.wake.clear()
                while self.out:
                    if self.dropped:
                        n, self.dropped = self.dropped, 0
                        self.writer.write(protocol.encode(protocol.event(OVERFLOW_EVENT, {"dropped": n})))
                    is_event, line = self.out.popleft()
                    if is_event:
                        self.queued_events -= 1
                    else:
                        self.queued_replies -= 1
                        self.room.set()
                    self.writer.write(line)
                    await self.writer.drain()
                if not self.out:
                    self.idle.set()
        except (ConnectionError, BrokenPipeError):
            self.close()

    # -- incoming
    async def read_loop(self) -> None:
        buf = bytearray()
        discarding = 0            # bytes of an over-long line thrown away so far
        try:
            while True:
                chunk = await self.reader.read(65536)
                if not chunk:
                    break
                buf += chunk
                while True:
                    nl = buf.find(b"\n")
                    if nl < 0:
                        if len(buf) > MAX_LINE_BYTES:
                            discarding += len(buf)
                            buf.clear()
                        break
                    line = bytes(buf[:nl])
                    del buf[:nl + 1]
                    if discarding:
                        size, discarding = discarding + len(line), 0
                        await self._answer_error(None, protocol.BAD_REQUEST, _too_long(size))
                        continue
                    await self._handle_line(line)
        except (ConnectionError, BrokenPipeError):
            pass

    async def _handle_line(self, line: bytes) -> None:
        line = line.rstrip(b"\r")
        if not line.strip():
            return                                   # blank lines are ignored
        if len(line) > MAX_LINE_BYTES:
            await self._answer_error(None, protocol.BAD_REQUEST, _too_long(len(line)))
            return
        try:
            req = protocol.parse_request(line)
        except ProtocolError as e:
            await self._answer_error(e.id, e.code, e.message)
            return
        reply = await self.server.dispatcher.dispatch(req, self.session)
        try:
            data = protocol.encode(reply)
        except (TypeError, ValueError) as e:
            log.error("reply to %r cannot be sent as JSON: %s", req.cmd, e)
            data = protocol.encode(protocol.reply_error(
                _plain_id(req.id), protocol.FAILED,
                f"internal error: the result of {req.cmd!r} cannot be sent as JSON ({e})"))
        await self._answer(data)

    async def _answer_error(self, rid, code: str, message: str) -> None:
        await self._answer(protocol.encode(protocol.reply_error(_plain_id(rid), code, message)))

    async def _answer(self, data: bytes) -> None:
        self.push_reply(data)
        while self.queued_replies > self.server.max_queued_replies and not self.closed:
            self.room.clear()
            await self.room.wait()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.room.set()
        self.idle.set()
        t = self.write_task                   # the read task ends by itself: EOF after close
        if t is not None and t is not asyncio.current_task() and not t.done():
            t.cancel()
        try:
            self.writer.close()
        except Exception:        # noqa: BLE001 - already gone
            pass
        self.server._connections.discard(self)


def _too_long(size: int) -> str:
    return f"the line is {size} bytes long; the limit is {MAX_LINE_BYTES} bytes"


def _plain_id(rid):
    """An id that can be echoed (anything JSON can carry)."""
    try:
        protocol.encode({"id": rid})
        return rid
    except (TypeError, ValueError):
        return None


class MgmtServer:
    """Serves ``dispatcher`` on the Unix socket ``socket_path``.

    ``max_queued_events``: events held per connection before the oldest are dropped.
    ``max_queued_replies``: replies held per connection before its requests stop being read.
    """

    def __init__(self, dispatcher: Dispatcher, socket_path: str | os.PathLike,
                 max_queued_events: int = 1000, max_queued_replies: int = 64) -> None:
        self.dispatcher = dispatcher
        self.socket_path = Path(socket_path)
        self.max_queued_events = max_queued_events
        self.max_queued_replies = max_queued_replies
        self._server: Optional[asyncio.AbstractServer] = None
        self._connections: set[_Connection] = set()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._inode: Optional[tuple[int, int]] = None

    @property
    def clients(self) -> int:
        """Connections open now."""
        return len(self._connections)

    @property
    def running(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        """Listen on the socket. A stale socket file (nobody answers) is removed; a live
        daemon on it, a non-socket file in the way or a too-long path is a
        :class:`MgmtServerError`."""
        path = self.socket_path
        n = len(os.fsencode(str(path)))
        if n > MAX_SOCKET_PATH:
            raise MgmtServerError(
                f"the management socket path {path} is {n} bytes long; Unix sockets allow at "
                f"most {MAX_SOCKET_PATH} bytes: use a data directory with a shorter path")
        await self._clear_stale(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._loop = asyncio.get_running_loop()
        try:
            self._server = await asyncio.start_unix_server(self._on_client, path=str(path))
        except OSError as e:
            raise MgmtServerError(f"cannot listen on the management socket {path}: "
                                  f"{e.strerror or e}") from e
        os.chmod(path, SOCKET_MODE)
        st = os.stat(path)
        self._inode = (st.st_dev, st.st_ino)
        log.info("management API listening on %s", path)

    @staticmethod
    async def _clear_stale(path: Path) -> None:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        if not stat.S_ISSOCK(st.st_mode):
            raise MgmtServerError(
                f"{path} is in the way of the management socket and is not a socket; "
                f"move it away (or use another data directory)")
        try:
            _, w = await asyncio.wait_for(asyncio.open_unix_connection(str(path)), 2.0)
        except (ConnectionRefusedError, FileNotFoundError):
            log.info("removing stale management socket %s", path)
            path.unlink(missing_ok=True)
            return
        except (asyncio.TimeoutError, OSError):
            pass                                    # something holds it: treat as live
        else:
            w.close()
        raise MgmtServerError(
            f"another Hotline daemon is already serving {path.parent} (its management socket "
            f"{path} answers); stop it first or start this one with another --data directory")

    async def stop(self) -> None:
        """Close every connection, stop listening and remove the socket file."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        conns = list(self._connections)
        tasks = [t for c in conns for t in (c.read_task, c.write_task) if t is not None]
        for c in conns:
            c.close()
        if tasks:
            done, pending = await asyncio.wait(tasks, timeout=1.0)
            for t in pending:                 # a handler still running: stop it
                t.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)
        try:
            await asyncio.wait_for(server.wait_closed(), 2.0)
        except asyncio.TimeoutError:
            pass
        try:
            st = os.stat(self.socket_path)
            if (st.st_dev, st.st_ino) == self._inode:
                self.socket_path.unlink()
        except FileNotFoundError:
            pass
        log.info("management API stopped")

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = _Connection(self, reader, writer)
        if self._server is None:          # stopping
            writer.close()
            return
        self._connections.add(conn)
        conn.read_task = asyncio.current_task()
        conn.write_task = asyncio.get_running_loop().create_task(conn.write_loop())
        try:
            await conn.read_loop()
        except asyncio.CancelledError:
            pass                               # stop(): nobody awaits this task's result
        finally:
            # let the replies already queued go out before closing
            if conn.out and not conn.write_task.done():
                conn.wake.set()
                try:
                    await asyncio.wait_for(conn.idle.wait(), 1.0)
                except (asyncio.TimeoutError, asyncio.CancelledError):
                    pass
            conn.close()

    def publish(self, event: str, data: dict) -> None:
        """Send event ``event`` with ``data`` to every subscribed connection whose filter
        matches. Call on the loop thread; never blocks."""
        if not self._connections:
            return
        line: Optional[bytes] = None
        for conn in list(self._connections):
            if conn.session.wants(event):
                if line is None:
                    line = protocol.encode(protocol.event(event, data))
                conn.push_event(line)

    def publish_threadsafe(self, event: str, data: dict) -> None:
        """:meth:`publish` from another thread (hands it to the loop)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.publish, event, data)

