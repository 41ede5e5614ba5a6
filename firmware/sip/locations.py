"""Where the registered SIP phones are, kept across a restart (``DataDir.sip_db``).

The registrar's bindings live in memory; without a copy on disk a restarted box (power
cut, killed process, firmware update) would not know where its phones are until each one
registers again — up to an hour later with the default expiry — and calls to them would
fail meanwhile. :class:`LocationStore` keeps every binding's contact, flow and expiry
(wall-clock time) in SQLite, rewritten on each REGISTER (``Registrar.on_store``), and
gives the live ones back at start-up (``Registrar.restore``).

Only UDP bindings are restored: a phone registered over TCP or TLS reached the box on a
connection that died with the process, and it registers again on a new one by itself.
Qualify state (reachable, round trip) is not kept: the qualifier probes again.
"""
from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any, Union

from firmware.sip.message import Address, SipParseError, Target
from firmware.sip.registrar import Binding

log = logging.getLogger("hotline.sip.locations")

SCHEMA = """
CREATE TABLE IF NOT EXISTS bindings (
    user TEXT NOT NULL,            -- extension number
    contact TEXT NOT NULL,         -- the Contact as registered
    transport TEXT NOT NULL,       -- the flow the REGISTER came on
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    expires_at REAL NOT NULL,      -- Unix time (s) the binding ends
    registered_at REAL NOT NULL,   -- Unix time (s) of the first REGISTER
    call_id TEXT NOT NULL,
    cseq INTEGER NOT NULL,
    q REAL NOT NULL,
    user_agent TEXT NOT NULL,
    instance TEXT NOT NULL,
    reg_id INTEGER
);
CREATE INDEX IF NOT EXISTS bindings_user ON bindings(user);
"""


class LocationStore:
    """The bindings file. ``wall_s()`` and ``now_ms()`` come from the box's clock, so
    expiry times convert between this run's clock and wall time."""

    def __init__(self, path: Union[str, Path], clock: Any) -> None:
        self.path = Path(path)
        self.clock = clock
        try:
            self.db = self._open()
        except sqlite3.DatabaseError as e:
            # not a database (a torn write, a stray file): kept aside, and we start empty —
            # the phones register again by themselves
            aside = self.path.with_name(self.path.name + ".broken")
            log.warning("%s is unreadable (%s): moved to %s, starting without kept registrations",
                        self.path, e, aside.name)
            for suffix in ("-wal", "-shm"):
                self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
            self.path.replace(aside)
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), timeout=5.0, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")     # soft state: a lost last refresh is harmless
            db.executescript(SCHEMA)
            db.commit()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _wall_s(self) -> float:
        return self.clock.wall_time().timestamp()

    def save(self, user: str, bindings: list[Binding]) -> None:
        """Replace what is kept for ``user`` with ``bindings`` (empty: forget the user)."""
        now_ms, wall = self.clock.now_ms(), self._wall_s()

        def at(ms: int) -> float:
            return wall + (ms - now_ms) / 1000

        rows = [(user, str(b.contact), b.source.transport, b.source.host, int(b.source.port),
                 at(b.expires_at_ms), at(b.registered_ms), b.call_id, int(b.cseq), float(b.q),
                 b.user_agent, b.instance, b.reg_id) for b in bindings]
        with self.db:
            self.db.execute("DELETE FROM bindings WHERE user = ?", (user,))
            self.db.executemany("INSERT INTO bindings VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)

    def load(self) -> list[Binding]:
        """The UDP bindings that have not expired, with times on this run's clock;
        unreadable rows are skipped (and logged)."""
        now_ms, wall = self.clock.now_ms(), self._wall_s()

        def ms(at: float) -> int:
            return now_ms + int(round((at - wall) * 1000))

        out: list[Binding] = []
        for (user, contact, transport, host, port, expires_at, registered_at, call_id, cseq, q,
             user_agent, instance, reg_id) in self.db.execute(
                "SELECT * FROM bindings WHERE transport = 'UDP' AND expires_at > ?", (wall,)):
            try:
                addr = Address.parse(contact, "Contact")
            except SipParseError as e:
                log.warning("kept binding of %s with contact %r skipped: %s", user, contact, e)
                continue
            out.append(Binding(user=user, contact=addr, source=Target(transport, host, int(port)),
                               expires_at_ms=ms(expires_at), call_id=call_id, cseq=int(cseq), q=float(q),
                               user_agent=user_agent, instance=instance, reg_id=reg_id,
                               updated_ms=now_ms, registered_ms=min(now_ms, ms(registered_at))))
        return out

    def close(self) -> None:
        self.db.close()

