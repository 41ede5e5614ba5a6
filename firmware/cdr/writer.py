"""Group commit: records are written by a thread, everything queued since the last
commit in one transaction.

Why: a commit with ``synchronous=FULL`` waits for the disk (an fsync: about a
millisecond on a good SSD, tens of ms on an SD card or a busy disk).  Done on the
event loop, every finished call would stall SIP and the 20 ms audio tick for that
long.  Here the loop only appends to a list; the thread commits — at most one fsync
per batch however many calls end together — and SQLite releases the GIL while it
waits for the disk.  A record is on disk a few ms after the call ends; readers in
the process :meth:`flush` first, so they always see every record submitted before.

When a commit fails (disk full, I/O error) the batch stays queued, the error is
logged in words and kept in :attr:`last_error`, and the thread retries every
``retry_ms``: finished calls are not dropped while the box keeps running.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Optional

log = logging.getLogger("hotline.cdr")


class GroupCommitWriter:
    """Calls ``commit(batch)`` from its own thread with every item :meth:`submit`-ted
    since the previous call (oldest first)."""

    def __init__(self, commit: Callable[[list[Any]], None], *, name: str = "cdr-writer",
                 retry_ms: int = 1000) -> None:
        self._commit = commit
        self.retry_ms = retry_ms
        self._cv = threading.Condition()
        self._pending: list[Any] = []
        self._busy = False
        self._closed = False
        self.batches = 0                 #: commits done
        self.items = 0                   #: items committed
        self.failures = 0                #: commits that failed (and were retried)
        self.last_error = ""             #: the last failure, in words ("" when none)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def queued(self) -> int:
        """Items submitted and not yet committed."""
        with self._cv:
            return len(self._pending) + (1 if self._busy else 0)

    def submit(self, item: Any) -> None:
        """Queue ``item``; returns at once."""
        with self._cv:
            if self._closed:
                raise RuntimeError("the writer is closed")
            self._pending.append(item)
            self._cv.notify_all()

    def flush(self, timeout_s: Optional[float] = 5.0) -> bool:
        """Wait until everything submitted so far is committed; False on timeout (the
        disk is failing: readers then see what is on disk)."""
        with self._cv:
            return self._cv.wait_for(lambda: not self._pending and not self._busy, timeout_s)

    def close(self, timeout_s: float = 10.0) -> None:
        """Commit what is queued (waiting at most ``timeout_s``) and stop the thread."""
        self.flush(timeout_s)
        with self._cv:
            self._closed = True
            self._cv.notify_all()
        self._thread.join(timeout_s)
        with self._cv:
            if self._pending:
                log.error("%d call record(s) could not be written before shutdown: %s",
                          len(self._pending), self.last_error or "the disk did not answer")

    def _run(self) -> None:
        while True:
            with self._cv:
                self._cv.wait_for(lambda: self._pending or self._closed)
                if not self._pending:
                    return                                   # closed and drained
                batch, self._pending = self._pending, []
                self._busy = True
            try:
                self._commit(batch)
            except Exception as e:                           # disk full, I/O error...
                with self._cv:
                    self._pending[:0] = batch
                    self._busy = False
                    self.failures += 1
                    self.last_error = f"{type(e).__name__}: {e}"
                    log.error("writing %d call record(s) failed (%s); kept in memory, retrying "
                              "every %d ms", len(batch), self.last_error, self.retry_ms)
                    self._cv.notify_all()
                    if self._closed:
                        return
                    self._cv.wait(self.retry_ms / 1000)
                continue
            with self._cv:
                self._busy = False
                self.batches += 1
                self.items += len(batch)
                self.last_error = ""
                self._cv.notify_all()
