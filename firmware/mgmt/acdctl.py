"""``hotline ctl acd ...``: call-centre figures from the command line.

    hotline ctl acd stats [--queue Q]
    hotline ctl acd report --interval 15min|hour|day --from DATE --to DATE [--queue Q] [--agents] [--csv]
    hotline ctl acd staffing [--queue Q] [--weeks N] [--interval hour|15min]

``--from`` / ``--to`` are local dates or times (``2026-03-14``, ``2026-03-14T09:00``);
``--csv`` prints the report as CSV (header line first) instead of a table.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

#: flag, argument name of the management command, argparse keywords (stored as ``acd_<name>``)
ACD_OPTIONS: list[tuple[str, str, dict]] = [
    ("--interval", "interval", dict(metavar="I", help="acd report: 15min, hour or day (default hour)")),
    ("--from", "from", dict(metavar="DATE", help="acd report: first day/time (local)")),
    ("--to", "to", dict(metavar="DATE", help="acd report: end day/time (local, not included)")),
    ("--queue", "queue", dict(metavar="Q", help="acd: only this queue")),
    ("--agents", "agents", dict(action="store_const", const=True, help="acd report: per agent")),
    ("--csv", "csv", dict(action="store_const", const=True, help="acd report: print CSV")),
    ("--weeks", "weeks", dict(metavar="N", type=int, help="acd staffing: weeks of history (default 4)")),
]
ACD_ACTIONS = {"stats": ("acd.stats", ("queue",)),
               "report": ("acd.report", ("interval", "from", "to", "queue", "agents", "csv")),
               "staffing": ("acd.staffing", ("queue", "weeks", "interval"))}


def acd_call(params: list[str], options: dict[str, Any]) -> tuple[str, dict]:
    """The management command and its arguments for ``hotline ctl acd <action> <options>``;
    ValueError (shown as a usage error) says what is wrong."""
    usage = "hotline ctl acd stats|report|staffing [options]"
    if not params or params[0] not in ACD_ACTIONS:
        raise ValueError(f"say what to show: {usage}")
    if len(params) > 1:
        raise ValueError(f"acd {params[0]}: unexpected {' '.join(params[1:])!r} (options go as --from DATE ...)")
    command, allowed = ACD_ACTIONS[params[0]]
    for k in options:
        if k not in allowed:
            raise ValueError(f"--{k} does not apply to `acd {params[0]}`")
    if params[0] == "report" and not (options.get("from") and options.get("to")):
        raise ValueError("acd report needs --from DATE and --to DATE")
    return command, dict(options)


#: ``hotline ctl queue|agent|supervisor add|update|delete NUMBER key=value ...``
CONFIG_WHAT = {"queue": "acd.queue", "agent": "acd.agent", "supervisor": "acd.supervisor"}
CONFIG_USAGE = ("hotline ctl queue|agent|supervisor add|update NUMBER key=value ... | delete NUMBER; "
                "hotline ctl queue member add QUEUE AGENT [PENALTY] | member remove QUEUE AGENT; "
                "hotline ctl supervisor list")


def acd_config_call(what: str, params: list[str],
                    parse_params: Callable[[list[str]], dict]) -> Optional[tuple[str, dict]]:
    """The management command for a call-centre configuration command line, e.g.
    ``queue add 700 name=Service strategy=ringall`` → ("acd.queue.add", {...}),
    ``queue member add 700 1001 2`` → ("acd.member.add", {...}); None when ``params`` is
    not one (another agent/queue action). ValueError says what is wrong."""
    if what not in CONFIG_WHAT or not params:
        return None
    action, rest = params[0], params[1:]
    if what == "queue" and action == "member":
        if len(rest) < 3 or rest[0] not in ("add", "remove") or len(rest) > (4 if rest[0] == "add" else 3):
            raise ValueError(f"queue member: {CONFIG_USAGE}")
        args: dict[str, Any] = {"queue": rest[1], "agent": rest[2]}
        if len(rest) == 4:
            args["penalty"] = int(rest[3]) if rest[3].isdigit() else rest[3]
        return f"acd.member.{rest[0]}", args
    if what == "supervisor" and action == "list" and not rest:
        return "acd.supervisor.list", {}
    if action not in ("add", "update", "delete"):
        return None
    if not rest or "=" in rest[0]:
        raise ValueError(f"{what} {action}: give the {what} number first ({CONFIG_USAGE})")
    if action == "delete" and len(rest) > 1:
        raise ValueError(f"{what} delete takes only the number")
    return f"{CONFIG_WHAT[what]}.{action}", {"number": rest[0], **parse_params(rest[1:])}
