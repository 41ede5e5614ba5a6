"""The daemon's own log: the last records in memory (for ``log.tail``) and on disk.

* :func:`ring` — one :class:`LogRing` per process, a logging handler on the ``hotline``
  logger keeping the last :data:`RING_RECORDS` records (time, level, logger, message).
  It sees what the ``hotline`` loggers let through: the daemon sets the level
  (``hotline run --log-level``); in-process tests see warnings and above unless they
  lower it.
* :func:`install` — what ``hotline run`` calls where it configures logging: the ring
  plus a rotating file ``<data>/logs/hotline.log`` (:data:`FILE_BYTES` per file,
  :data:`FILE_COUNT` files in all: hotline.log, hotline.log.1 ... .4).
"""
from __future__ import annotations

import collections
import datetime as dt
import logging
import logging.handlers
import threading
from pathlib import Path
from typing import Any, Optional

RING_RECORDS = 2000
FILE_BYTES = 1_000_000
FILE_COUNT = 5
LOGGER = "hotline"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
          "error": logging.ERROR, "critical": logging.CRITICAL}


class LogRing(logging.Handler):
    """The last ``capacity`` log records as plain dicts (newest last inside)."""

    def __init__(self, capacity: int = RING_RECORDS) -> None:
        super().__init__(logging.DEBUG)
        self.records: collections.deque = collections.deque(maxlen=capacity)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            msg = record.getMessage()
            if record.exc_info:
                msg += "\n" + logging.Formatter().formatException(record.exc_info)
            self.records.append((record.created, record.levelno, record.name, msg))
        except Exception:                                # never let logging break the daemon
            self.handleError(record)

    def tail(self, limit: int = 100, level: str = "", contains: str = "",
             zone: Optional[dt.tzinfo] = None) -> list[dict[str, Any]]:
        """Records newest first: at least ``level`` (debug..critical), with ``contains``
        (any case) in the message or logger name; at most ``limit``. Times are ISO text in
        ``zone`` (None: the system's local time)."""
        least = LEVELS[level] if level else 0
        needle = contains.lower()
        out: list[dict[str, Any]] = []
        for created, levelno, name, msg in reversed(list(self.records)):
            if levelno < least or (needle and needle not in msg.lower() and needle not in name.lower()):
                continue
            when = dt.datetime.fromtimestamp(created, dt.timezone.utc).astimezone(zone)
            out.append({"time": when.isoformat(timespec="milliseconds"),
                        "level": logging.getLevelName(levelno).lower(), "logger": name, "message": msg})
            if len(out) >= limit:
                break
        return out


_ring: Optional[LogRing] = None
_lock = threading.Lock()


def ring() -> LogRing:
    """The process's ring, attached to the ``hotline`` logger on first use."""
    global _ring
    with _lock:
        if _ring is None:
            _ring = LogRing()
            logging.getLogger(LOGGER).addHandler(_ring)
        return _ring


def install(logs_dir: Path, level: int = logging.INFO) -> Optional[logging.Handler]:
    """Attach the ring and a rotating file under ``logs_dir`` to the ``hotline`` logger at
    ``level``; returns the file handler (None when the directory cannot be written:
    the box then logs to the ring and stderr only, and says why)."""
    logger = logging.getLogger(LOGGER)
    logger.setLevel(level)
    ring()
    try:
        Path(logs_dir).mkdir(parents=True, exist_ok=True)
        fh = logging.handlers.RotatingFileHandler(Path(logs_dir) / "hotline.log", maxBytes=FILE_BYTES,
                                                  backupCount=FILE_COUNT - 1, encoding="utf-8")
    except OSError as e:
        logger.error("cannot write the log file in %s: %s; logging to the console only", logs_dir, e.strerror)
        return None
    fh.setFormatter(logging.Formatter(FORMAT))
    logger.addHandler(fh)
    return fh
