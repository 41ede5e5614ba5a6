"""Notices (电子公告板): short messages supervisors post for every agent's panel.

Kept in their own SQLite file (``DataDir.notices_db``, WAL, committed at once) so they
survive a restart. A notice may expire ``expires_min`` minutes after posting (none =
until deleted); times are the box clock's, stored as UTC ISO text.

Commands:

* ``notice.post {text, author, expires_min?}`` → the notice (``id``...); publishes
  ``notice.posted`` with it;
* ``notice.list`` → unexpired notices, newest first;
* ``notice.delete {id}`` → ``{"deleted": id}``; publishes ``notice.deleted``.
"""
from __future__ import annotations

import datetime as dt
import os
import threading
from typing import Any, Optional, Union


from firmware.config.migrations import Migration, open_database
from firmware.mgmt.commands import CommandError, Dispatcher

UTC = dt.timezone.utc
MAX_TEXT = 2000
MAX_EXPIRES_MIN = 60 * 24 * 366

NOTICE_MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "notices", """
CREATE TABLE notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT, posted TEXT NOT NULL, author TEXT NOT NULL,
    text TEXT NOT NULL, expires TEXT);
CREATE INDEX notices_expires ON notices (expires)
"""),
)


def _iso(t: Optional[dt.datetime]) -> Optional[str]:
    return None if t is None else t.astimezone(UTC).isoformat(timespec="seconds")


class NoticeBoard:
    """The notices of one box in the SQLite file ``path``."""

    def __init__(self, path: Union[str, os.PathLike]) -> None:
        self._lock = threading.Lock()
        self.db, _before = open_database(path, NOTICE_MIGRATIONS, "notice board", synchronous=None)

    def close(self) -> None:
        with self._lock:
            self.db.close()

    def post(self, text: str, author: str, now: dt.datetime, expires_min: Optional[float] = None) -> dict[str, Any]:
        expires = now + dt.timedelta(minutes=expires_min) if expires_min else None
        with self._lock:
            with self.db.atomic():
                cur = self.db.execute("INSERT INTO notices (posted, author, text, expires) VALUES (?, ?, ?, ?)",
                                      [_iso(now), author, text, _iso(expires)])
            nid = int(cur.lastrowid)
        return {"id": nid, "posted": _iso(now), "author": author, "text": text, "expires": _iso(expires)}

    def current(self, now: dt.datetime) -> list[dict[str, Any]]:
        """Unexpired notices, newest first."""
        with self._lock:
            return list(self.db.query("SELECT id, posted, author, text, expires FROM notices "
                                      "WHERE expires IS NULL OR expires > ? ORDER BY id DESC", [_iso(now)]))

    def delete(self, notice_id: int) -> bool:
        with self._lock:
            with self.db.atomic():
                cur = self.db.execute("DELETE FROM notices WHERE id = ?", [int(notice_id)])
        return cur.rowcount > 0


def register_notices(d: Dispatcher, box: Any) -> None:
    board: NoticeBoard = box.notices

    def post(a: dict) -> dict:
        text = str(a.get("text") or "").strip()
        if not text:
            raise ValueError("'text' is required (the message agents will see)")
        if len(text) > MAX_TEXT:
            raise ValueError(f"text: {len(text)} characters is too long (at most {MAX_TEXT})")
        author = str(a.get("author") or "").strip()
        if not author:
            raise ValueError("'author' is required (who posts the notice)")
        exp = a.get("expires_min")
        if exp not in (None, ""):
            try:
                exp = float(exp)
            except (TypeError, ValueError):
                raise ValueError(f"expires_min: {exp!r} is not a number of minutes") from None
            if not 0 < exp <= MAX_EXPIRES_MIN:
                raise ValueError(f"expires_min: {exp:g} must be more than 0 and at most {MAX_EXPIRES_MIN}")
        else:
            exp = None
        n = board.post(text, author[:64], box.clock.wall_time(), exp)
        box.publish("notice.posted", dict(n))
        return n

    def delete(a: dict) -> dict:
        try:
            nid = int(a["id"])
        except KeyError:
            raise ValueError("'id' is required (a notice id from notice.list)") from None
        except (TypeError, ValueError):
            raise ValueError(f"id: {a.get('id')!r} is not a notice id (a whole number)") from None
        if not board.delete(nid):
            raise CommandError(f"no notice {nid}")
        box.publish("notice.deleted", {"id": nid})
        return {"deleted": nid}

    d.register("notice.post", post, "post a notice for the agents {text, author, expires_min?} "
                                    "(event notice.posted)")
    d.register("notice.list", lambda a: board.current(box.clock.wall_time()),
               "notices not yet expired, newest first")
    d.register("notice.delete", delete, "remove a notice {id}")
