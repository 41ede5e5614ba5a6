"""Management commands of call recording (registered on the box's dispatcher).

* ``recording.status`` → disk use, quota, free space, active recordings, raised alarms.
* ``recording.list {since?, until?, agent?, number?, queue?, call?, min_duration?,
  max_duration?, limit?}`` → index rows newest first (times ISO UTC; ``since``/``until``
  dates or ISO times, naive = local time; durations in seconds).
* ``recording.search {<list filters>, offset?, limit? (50, 1..500)}`` → one page
  ``{"recordings": [...], "total": N, "offset", "limit"}`` newest first (the web UI's pages).
* ``recording.start {call}`` / ``recording.stop {call}`` — a call id from ``calls``.
* ``recording.play {id, who?, data?}`` → the file's path (and ``wav_base64`` with
  ``data: true``); logged in the access log as ``listen`` by ``who``.
* ``recording.export {<list filters>, who?, path?}`` → a zip of the files + index.csv
  (default ``<data>/exports/recordings-<time>.zip``); logged as ``export`` per recording.
* ``recording.access {limit?, id?}`` → the access log, newest first.
* ``recording.purge`` → delete recordings whose retention ran out now (it runs hourly).
"""
from __future__ import annotations

import base64
import datetime as _dt
import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from firmware.config.timezone import box_zone

from firmware.mgmt.commands import CommandError, Dispatcher, page_args
from firmware.recording.archive import write_zip
from firmware.recording.manager import RecordingRefused

if TYPE_CHECKING:
    from firmware.box import Box

FILTERS = ("since", "until", "agent", "number", "queue", "min_duration", "max_duration", "limit")
PAGE_DEFAULT, PAGE_MAX = 50, 500          #: recording.search page size: default, largest


def _who(args: dict) -> str:
    who = args.get("who")
    if who:
        return str(who)[:64]
    try:
        return getpass.getuser()
    except Exception:                                   # pragma: no cover
        return "unknown"


def _filters(args: dict, zone: Optional[_dt.tzinfo] = None) -> dict[str, Any]:
    """Search filters from command arguments; a date or time without an offset in
    ``since``/``until`` is in ``zone`` (the box's time zone)."""
    out: dict[str, Any] = {}
    for k in FILTERS:
        v = args.get(k)
        if v in (None, ""):
            continue
        if k in ("min_duration", "max_duration"):
            try:
                v = float(v)
            except (TypeError, ValueError):
                raise ValueError(f"{k} must be a number of seconds, not {v!r}") from None
        elif k == "limit":
            v = int(v)
        elif k in ("since", "until") and isinstance(v, str):
            try:
                v = _dt.datetime.fromisoformat(v.strip())
            except ValueError:
                raise ValueError(f"{k} must be a date or time (2026-03-14 or 2026-03-14T09:00), "
                                 f"not {args[k]!r}") from None
            if v.tzinfo is None and zone is not None:
                v = v.replace(tzinfo=zone)
        else:
            v = str(v)
        out[k] = v
    if args.get("call"):
        out["uniqueid"] = str(args["call"])
    return out


def register_recording(d: Dispatcher, box: "Box") -> None:
    rec = box.recording

    def call_of(args: dict) -> Any:
        cid = args.get("call") or args.get("id")
        if not cid:
            raise ValueError("needs 'call' (a call id from `calls`)")
        call = box.ctl.calls.get(str(cid))
        if call is None:
            raise CommandError(f"no call {cid!r} in progress")
        return call

    def start(args: dict) -> dict:
        try:
            return rec.start(call_of(args), by=f"mgmt by {_who(args)}")
        except RecordingRefused as e:
            raise CommandError(str(e)) from None

    def stop(args: dict) -> dict:
        try:
            return rec.stop(call_of(args), by=f"mgmt by {_who(args)}")
        except RecordingRefused as e:
            raise CommandError(str(e)) from None

    def listing(args: dict) -> list:
        f = _filters(args, box_zone(box.config))
        f.setdefault("limit", 100)
        try:
            return rec.index.search(**f)
        except ValueError as e:
            raise ValueError(f"bad date: {e}") from None

    def search_page(args: dict) -> dict:
        f = _filters({k: v for k, v in args.items() if k != "limit"}, box_zone(box.config))
        limit, offset = page_args(args, PAGE_DEFAULT, PAGE_MAX)
        try:
            total = rec.index.count(**f)
            rows = rec.index.search(**f, limit=limit, offset=offset)
        except ValueError as e:
            raise ValueError(f"bad date: {e}") from None
        return {"recordings": rows, "total": total, "offset": offset, "limit": limit}

    def play(args: dict) -> dict:
        rid = args.get("id")
        if rid in (None, ""):
            raise ValueError("recording.play needs 'id' (from recording.list)")
        row = rec.index.get(int(rid))
        if row is None or row["state"] in ("deleted", "lost"):
            raise CommandError(f"no recording {rid} (deleted or never made)")
        path = rec.dir / row["path"]
        rec.index.log_access(box.clock.wall_time(), _who(args), "listen", row["id"])
        out = {"id": row["id"], "path": str(path), "format": row["format"], "channels": row["channels"],
               "duration_s": row["duration_s"], "state": row["state"]}
        if args.get("data"):
            out["wav_base64"] = base64.b64encode(path.read_bytes()).decode()
        return out

    def export(args: dict) -> dict:
        f = _filters(args, box_zone(box.config))
        f.setdefault("limit", None)
        rows = rec.index.search(**f)
        if not rows:
            raise CommandError("no recordings match")
        stamp = box.ctl.local_time().strftime("%Y%m%d-%H%M%S")
        dest = Path(args["path"]) if args.get("path") else box.data.root / "exports" / f"recordings-{stamp}.zip"
        try:
            out = write_zip(dest, rows, rec.dir, box_zone(box.config))
        except OSError as e:
            raise CommandError(f"cannot write the export {dest}: {e}") from None
        who, now = _who(args), box.clock.wall_time()
        for r in rows:
            rec.index.log_access(now, who, "export", r["id"], str(dest))
        return {**out, "recordings": len(rows)}

    d.register("recording.status", lambda a: rec.usage(), "call recording: disk use, quota, free space, alarms")
    d.register("recording.list", listing, "recordings {since?, until?, agent?, number?, queue?, call?, "
                                          "min_duration?, max_duration?, limit?}")
    d.register("recording.search", search_page, "one page of recordings, newest first {list filters, "
                                                "offset?, limit? (50, max 500)} -> {recordings, total, offset, limit}")
    d.register("recording.start", start, "start recording call {call}")
    d.register("recording.stop", stop, "stop recording call {call}")
    d.register("recording.play", play, "a recording's file {id, who?, data?} (access is logged)")
    d.register("recording.export", export, "zip of recordings + index.csv {list filters, who?, path?} (logged)")
    d.register("recording.access", lambda a: rec.index.access(int(a.get("limit", 100)),
                                                              int(a["id"]) if a.get("id") not in (None, "") else None),
               "who listened to / exported recordings {limit?, id?}")
    d.register("recording.purge", lambda a: {"deleted": rec.purge_expired()},
               "delete recordings whose retention ran out, now")
