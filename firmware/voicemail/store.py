"""The voicemail index and files: messages in SQLite, audio as WAV under the data dir.

All SQL of voicemail lives here.  ``<data>/voicemail.db`` (WAL, ``synchronous=FULL``,
one commit per event: a crash loses no message that was saved) holds

* ``messages``: id, mailbox, folder (``new`` unheard / ``old`` heard / ``deleted``: the
  audio is gone but the row stays for the follow-up list), caller number and name,
  received (ISO-8601 UTC), duration (ms), urgent, the WAV path, the call id, emailed;
* ``callbacks``: call-back attempts per message (from the menu's "call back" or an
  outbound call to the caller's number found in the CDRs), answered or not;
* ``access_log``: who listened to which message outside the phone menu (the web UI's
  player, ``voicemail.play``), when (migration 2).

Audio: ``<data>/voicemail/<mailbox>/msg<id>.wav`` (8 kHz mono 16-bit), recorded to a temp
name and renamed into place; greetings ``<data>/voicemail/<mailbox>/greet-<kind>.wav``
with kind ``unavailable`` / ``busy`` / ``temp``.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union


from firmware.config.migrations import Migration, open_database

UTC = dt.timezone.utc
GREETINGS = ("unavailable", "busy", "temp")
FOLDERS = ("new", "old")

_V1 = """
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, mailbox TEXT NOT NULL, folder TEXT NOT NULL,
    caller TEXT NOT NULL, caller_name TEXT NOT NULL, received TEXT NOT NULL,
    duration_ms INTEGER NOT NULL, urgent INTEGER NOT NULL DEFAULT 0, path TEXT NOT NULL,
    call_id TEXT NOT NULL DEFAULT '', emailed TEXT NOT NULL DEFAULT '',
    forwarded_from INTEGER);
CREATE INDEX messages_mailbox ON messages (mailbox, folder);
CREATE TABLE callbacks (
    id INTEGER PRIMARY KEY AUTOINCREMENT, message INTEGER NOT NULL REFERENCES messages(id),
    time TEXT NOT NULL, how TEXT NOT NULL, answered INTEGER NOT NULL, call_id TEXT NOT NULL DEFAULT '');
CREATE INDEX callbacks_message ON callbacks (message);
CREATE UNIQUE INDEX callbacks_call ON callbacks (message, call_id) WHERE call_id != ''
"""

_V2 = """
CREATE TABLE access_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, who TEXT NOT NULL,
    action TEXT NOT NULL, message INTEGER, mailbox TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '');
CREATE INDEX access_log_message ON access_log (message)
"""

VOICEMAIL_MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "voicemail messages and call-back attempts", _V1),
    Migration(2, "voicemail access log (who listened to which message)", _V2),
)


def _iso(t: dt.datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Message:
    id: int
    mailbox: str
    folder: str                 #: new | old | deleted
    caller: str
    caller_name: str
    received: dt.datetime       #: aware, UTC
    duration_ms: int
    urgent: bool
    path: Path
    call_id: str = ""
    emailed: str = ""           #: ISO time the email went out ("" = not yet / no email)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "mailbox": self.mailbox, "folder": self.folder, "caller": self.caller,
                "caller_name": self.caller_name, "received": self.received.isoformat(),
                "duration_ms": self.duration_ms, "urgent": self.urgent, "path": str(self.path),
                "call_id": self.call_id, "emailed": self.emailed}


class VoicemailStore:
    """Messages and greetings of every mailbox of one box.

    ``db_path``: the SQLite index; ``root``: the folder of the WAV files.
    """

    def __init__(self, db_path: Union[str, os.PathLike], root: Union[str, os.PathLike]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.db, _before = open_database(db_path, VOICEMAIL_MIGRATIONS, "voicemail")

    def close(self) -> None:
        with self._lock:
            self.db.close()

    # ------------------------------------------------------------------ files
    def folder(self, mailbox: str) -> Path:
        d = self.root / mailbox
        d.mkdir(parents=True, exist_ok=True)
        return d

    def temp_path(self, mailbox: str, tag: str) -> Path:
        """Where a recording in progress goes (renamed into place when saved)."""
        d = self.folder(mailbox) / "tmp"
        d.mkdir(exist_ok=True)
        return d / f"{tag}.wav"

    def greeting_path(self, mailbox: str, kind: str) -> Path:
        if kind not in GREETINGS:
            raise ValueError(f"greeting {kind!r}: one of {', '.join(GREETINGS)}")
        return self.folder(mailbox) / f"greet-{kind}.wav"

    def greeting(self, mailbox: str, kind: str) -> Optional[Path]:
        """The recorded greeting of ``kind``, None if the owner has not recorded one."""
        p = self.greeting_path(mailbox, kind)
        return p if p.exists() else None

    def set_greeting(self, mailbox: str, kind: str, recorded: Path) -> Path:
        p = self.greeting_path(mailbox, kind)
        os.replace(recorded, p)
        return p

    def delete_greeting(self, mailbox: str, kind: str) -> bool:
        p = self.greeting_path(mailbox, kind)
        if p.exists():
            p.unlink()
            return True
        return False

    # ------------------------------------------------------------------ messages
    @staticmethod
    def _message(r: dict[str, Any]) -> Message:
        return Message(id=int(r["id"]), mailbox=r["mailbox"], folder=r["folder"], caller=r["caller"],
                       caller_name=r["caller_name"], received=dt.datetime.fromisoformat(r["received"]),
                       duration_ms=int(r["duration_ms"]), urgent=bool(r["urgent"]), path=Path(r["path"]),
                       call_id=r["call_id"], emailed=r["emailed"])

    def add(self, mailbox: str, recorded: Path, *, caller: str, caller_name: str, received: dt.datetime,
            duration_ms: int, call_id: str = "", urgent: bool = False,
            forwarded_from: Optional[int] = None) -> Message:
        """Store a recorded WAV (renamed into the mailbox's folder) as a new message."""
        with self._lock:
            with self.db.atomic():
                cur = self.db.execute(
                    "INSERT INTO messages (mailbox, folder, caller, caller_name, received, duration_ms, urgent, "
                    "path, call_id, forwarded_from) VALUES (?, 'new', ?, ?, ?, ?, ?, '', ?, ?)",
                    [mailbox, caller, caller_name, _iso(received), int(duration_ms), int(urgent), call_id,
                     forwarded_from])
                mid = int(cur.lastrowid)
                final = self.folder(mailbox) / f"msg{mid:06d}.wav"
                tmp = final.with_name(final.name + ".part")
                if forwarded_from is not None:
                    shutil.copyfile(recorded, tmp)
                    os.replace(tmp, final)
                else:
                    os.replace(recorded, final)
                self.db.execute("UPDATE messages SET path = ? WHERE id = ?", [str(final), mid])
            return self.get(mid)

    def get(self, mid: int) -> Optional[Message]:
        with self._lock:
            rows = list(self.db.query("SELECT * FROM messages WHERE id = ?", [mid]))
        return self._message(rows[0]) if rows else None

    def messages(self, mailbox: Optional[str] = None, folder: Optional[str] = None) -> list[Message]:
        """Messages (not deleted), urgent first, then oldest first — the order they are played."""
        where, args = ["folder != 'deleted'"], []
        if mailbox is not None:
            where.append("mailbox = ?")
            args.append(mailbox)
        if folder is not None:
            where.append("folder = ?")
            args.append(folder)
        sql = f"SELECT * FROM messages WHERE {' AND '.join(where)} ORDER BY urgent DESC, received, id"
        with self._lock:
            return [self._message(r) for r in self.db.query(sql, args)]

    def search(self, *, mailbox: Optional[str] = None, folder: Optional[str] = None, caller: str = "",
               since: Optional[dt.datetime] = None, until: Optional[dt.datetime] = None,
               offset: int = 0, limit: int = 50) -> tuple[list[Message], int]:
        """One page of messages (not deleted), newest first, and how many match in all:
        ``caller`` is found in the caller's number or name; received in [since, until)."""
        where, args = ["folder != 'deleted'"], []
        for col, op, v in (("mailbox", "=", mailbox), ("folder", "=", folder),
                           ("received", ">=", _iso(since) if since else None),
                           ("received", "<", _iso(until) if until else None)):
            if v is not None:
                where.append(f"{col} {op} ?")
                args.append(v)
        if caller:
            where.append("(instr(caller, ?) > 0 OR instr(caller_name, ?) > 0)")
            args += [caller, caller]
        cond = " AND ".join(where)
        with self._lock:
            total = int(next(self.db.query(f"SELECT COUNT(*) AS n FROM messages WHERE {cond}", args))["n"])
            rows = [self._message(r) for r in self.db.query(
                f"SELECT * FROM messages WHERE {cond} ORDER BY received DESC, id DESC LIMIT ? OFFSET ?",
                [*args, int(limit), int(offset)])]
        return rows, total

    def counts(self, mailbox: str) -> tuple[int, int]:
        """(new, old) messages of ``mailbox``."""
        with self._lock:
            rows = {r["folder"]: r["n"] for r in self.db.query(
                "SELECT folder, COUNT(*) AS n FROM messages WHERE mailbox = ? GROUP BY folder", [mailbox])}
        return int(rows.get("new", 0)), int(rows.get("old", 0))

    def _set(self, mid: int, **cols: Any) -> None:
        sets = ", ".join(f"{k} = ?" for k in cols)
        with self._lock:
            with self.db.atomic():
                self.db.execute(f"UPDATE messages SET {sets} WHERE id = ?", [*cols.values(), mid])

    def mark_read(self, mid: int) -> None:
        self._set(mid, folder="old")

    def mark_emailed(self, mid: int, when: dt.datetime) -> None:
        self._set(mid, emailed=_iso(when))

    def delete(self, mid: int) -> Optional[Message]:
        """Delete the audio; the row stays (folder ``deleted``) for the follow-up list."""
        m = self.get(mid)
        if m is None or m.folder == "deleted":
            return None
        self._set(mid, folder="deleted")
        try:
            m.path.unlink()
        except FileNotFoundError:
            pass
        return m

    # ------------------------------------------------------------------ call-backs
    def add_callback(self, mid: int, when: dt.datetime, how: str, answered: bool,
                     call_id: str = "") -> Optional[int]:
        """Record a call-back attempt; returns its id, None if that call was already counted."""
        with self._lock:
            with self.db.atomic():
                try:
                    cur = self.db.execute("INSERT INTO callbacks (message, time, how, answered, call_id) "
                                          "VALUES (?, ?, ?, ?, ?)", [mid, _iso(when), how, int(answered), call_id])
                except sqlite3.IntegrityError:
                    return None
        return int(cur.lastrowid)

    def set_callback_answered(self, cid: int) -> None:
        with self._lock:
            with self.db.atomic():
                self.db.execute("UPDATE callbacks SET answered = 1 WHERE id = ?", [cid])

    def callbacks(self, mid: int) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r, answered=bool(r["answered"])) for r in
                    self.db.query("SELECT * FROM callbacks WHERE message = ? ORDER BY time, id", [mid])]

    # ------------------------------------------------------------------ access log
    def log_access(self, when: dt.datetime, who: str, action: str, mid: Optional[int], mailbox: str = "",
                   detail: str = "") -> None:
        """Record that ``who`` did ``action`` (``listen``) to message ``mid`` at ``when``."""
        with self._lock:
            with self.db.atomic():
                self.db.execute("INSERT INTO access_log (time, who, action, message, mailbox, detail) "
                                "VALUES (?, ?, ?, ?, ?, ?)", [_iso(when), who, action, mid, mailbox, detail])

    def access(self, limit: int = 100, mid: Optional[int] = None) -> list[dict[str, Any]]:
        """The access log, newest first (of message ``mid`` only when given)."""
        sql, args = "SELECT * FROM access_log", []
        if mid is not None:
            sql += " WHERE message = ?"
            args.append(int(mid))
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(int(limit))
        with self._lock:
            return list(self.db.query(sql, args))

    def all_messages(self, since: Optional[dt.datetime] = None) -> list[Message]:
        """Every message, deleted ones too, oldest first (for the follow-up list)."""
        sql, args = "SELECT * FROM messages", []
        if since is not None:
            sql += " WHERE received >= ?"
            args.append(_iso(since))
        with self._lock:
            return [self._message(r) for r in self.db.query(sql + " ORDER BY received, id", args)]
