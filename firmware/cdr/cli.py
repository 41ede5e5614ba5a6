"""``hotline cdr``: read the call records of a box.

    hotline cdr list   [--data DIR] [--limit N]                      newest first, as a table
    hotline cdr export [--csv] [--data DIR] [--since YYYY-MM-DD] [--output FILE] [--tz ZONE]

``export`` writes Asterisk Master.csv lines (see firmware.cdr.store) to stdout or FILE.
Exit status: 0 on success, also when the box has no call records yet (the message
"no call records yet in DIR" goes to stderr for export, so the CSV stays empty);
1 when DIR does not exist (a mistyped --data should not look like "no calls") or an
argument is wrong; 2 for usage errors (argparse).
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Optional

from firmware.paths import DataDir


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("cdr", help="call records: list, export as Asterisk Master.csv")
    sub = p.add_subparsers(dest="cdr_command", metavar="ACTION", required=True)

    ls = sub.add_parser("list", help="show the latest calls as a table")
    ls.add_argument("--data", metavar="DIR", help="data directory of the box (default: $HOTLINE_DATA "
                                                   "or ~/.local/share/hotline)")
    ls.add_argument("--limit", type=int, default=20, metavar="N", help="how many calls (default 20)")
    ls.set_defaults(func=cmd_list)

    ex = sub.add_parser("export", help="write call records as CSV in Asterisk Master.csv column order")
    ex.add_argument("--csv", action="store_true", default=True,
                    help="CSV in Asterisk Master.csv order (the only format; the default)")
    ex.add_argument("--data", metavar="DIR", help="data directory of the box")
    ex.add_argument("--since", metavar="YYYY-MM-DD", help="only calls that started on or after this day")
    ex.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    ex.add_argument("--tz", metavar="ZONE", help="time zone of the times, e.g. UTC or Asia/Shanghai "
                                                 "(default: the box's time zone, settings.timezone)")
    ex.add_argument("--new-columns", action="store_true",
                    help="append peeraccount, linkedid, sequence (Asterisk newcdrcolumns=yes)")
    ex.set_defaults(func=cmd_export)


def _open(args: argparse.Namespace, quiet_missing: bool):
    """(store or None, exit status if we should stop)."""
    from firmware.cdr.store import CdrStore
    d = DataDir.at(args.data)
    if not d.root.is_dir():
        print(f"hotline cdr: no data directory {d.root} (check --data)", file=sys.stderr)
        return None, 1
    if not d.cdr_db.exists():
        print(f"no call records yet in {d.root}", file=sys.stderr if quiet_missing else sys.stdout)
        return None, 0
    return CdrStore(d.cdr_db), None


def _zone(name: Optional[str], data: Optional[str]) -> Optional[dt.tzinfo]:
    """The zone named by --tz; without it the box's (settings.timezone of the data dir's
    configuration), else the system's local time (None)."""
    from firmware.config.timezone import settings_zone, zone_named
    if not name:
        d = DataDir.at(data)
        if not d.config_db.exists():
            return None
        from firmware.config.store import ConfigStore
        try:
            with ConfigStore(d.config_db) as s:
                return settings_zone(s.settings())
        except Exception:                    # an unreadable configuration: the system's time
            return None
    zone = zone_named(name)
    if zone is None:
        raise ValueError(f"--tz: unknown time zone {name!r} (e.g. UTC, Asia/Shanghai)")
    return zone


def cmd_export(args: argparse.Namespace) -> int:
    try:
        tz = _zone(args.tz, args.data)
        since = dt.date.fromisoformat(args.since) if args.since else None
    except ValueError as e:
        msg = str(e) if str(e).startswith("--tz") else f"--since: {args.since!r} is not a date like 2024-05-31"
        print(f"hotline cdr export: {msg}", file=sys.stderr)
        return 1
    store, status = _open(args, quiet_missing=True)
    if store is None:
        return status
    with store:
        if args.output:
            tmp = args.output + ".tmp"
            with open(tmp, "w", encoding="utf-8", newline="") as f:
                n = store.export_csv(f, since=since, tz=tz, new_columns=args.new_columns)
            import os
            os.replace(tmp, args.output)
            print(f"{n} call records written to {args.output}", file=sys.stderr)
        else:
            store.export_csv(sys.stdout, since=since, tz=tz, new_columns=args.new_columns)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        print("hotline cdr list: --limit must be 1 or more", file=sys.stderr)
        return 1
    store, status = _open(args, quiet_missing=False)
    if store is None:
        return status
    tz = _zone(None, args.data)
    with store:
        recs = store.list(limit=args.limit)
        total = store.count()
    if not recs:
        print(f"no call records yet in {DataDir.at(args.data).root}")
        return 0
    head = ("start", "from", "to", "caller", "result", "dur", "bill", "trunk", "hung up")
    rows = [(r.start.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"), r.src, r.dst, r.caller_name,
             r.disposition, str(r.duration), str(r.billsec), r.trunk or "-", r.hangup_side) for r in recs]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    print(fmt.format(*head).rstrip())
    for row in rows:
        print(fmt.format(*row).rstrip())
    print(f"({len(recs)} of {total} calls, newest first)")
    return 0
