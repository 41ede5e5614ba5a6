"""``hotline ctl``: run one management command against a running box.

    hotline ctl [--data DIR] [--json] <command> [key=value ...]
    hotline ctl [--data DIR] [--json] events [prefix ...] [--count N]

Values are read as JSON when they parse (``n=3``, ``on=true``, ``ports=["fxs1","fxs2"]``)
and as plain strings otherwise (``name=Front desk`` quoted by the shell). A number that
must stay a string is written with JSON quotes: ``dst='"0801"'`` (``0801`` is not JSON
anyway, so it stays the string "0801").

Exit status: 0 ok; 1 the command failed (message on stderr); 2 usage (bad key=value,
unknown command, arguments the command refused); 3 no daemon serves the data dir.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from typing import Any

from firmware.mgmt.client import DaemonNotRunning, MgmtClient, MgmtError
from firmware.mgmt.render import render, render_event, render_status, table

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOT_RUNNING = 0, 1, 2, 3
USAGE_CODES = {"unknown_command", "bad_args", "bad_request", "bad_json"}


class UsageError(Exception):
    """The command line is wrong (exit 2)."""


def parse_value(text: str) -> Any:
    """JSON when ``text`` parses as JSON, else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_params(params: list[str]) -> dict:
    """``["a=1", "b=x"]`` → ``{"a": 1, "b": "x"}``; :class:`UsageError` for anything else."""
    args: dict = {}
    for p in params:
        key, sep, value = p.partition("=")
        if not sep or not key:
            raise UsageError(f"expected key=value, got {p!r}")
        if key in args:
            raise UsageError(f"{key!r} is given twice")
        args[key] = parse_value(value)
    return args


def register(subparsers) -> None:
    """Add ``ctl`` to the ``hotline`` command."""
    p = subparsers.add_parser(
        "ctl", help="talk to a running box (status, sim.*, events ...)",
        description="Run a management command against the box serving --data DIR. "
                    "`hotline ctl help` lists the commands; `hotline ctl events` streams events.",
        epilog="exit status: 0 ok, 1 command failed, 2 usage, 3 daemon not running")
    p.add_argument("--data", metavar="DIR", default=None,
                   help="the box's data directory (default: $HOTLINE_DATA or ~/.local/share/hotline)")
    p.add_argument("--socket", metavar="PATH", default=None,
                   help="talk to this management socket instead of DIR's")
    p.add_argument("--json", action="store_true", help="print the raw JSON result")
    p.add_argument("--wide", action="store_true",
                   help="status: show every field of ports and calls, not just the usual columns")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S",
                   help="seconds to wait for the reply (default 10)")
    p.add_argument("--count", type=int, default=None, metavar="N",
                   help="events: stop after N events (default: until Ctrl-C)")
    p.add_argument("command", nargs="?", help="command name, e.g. status, help, events, sim.offhook")
    p.add_argument("params", nargs="*", metavar="key=value",
                   help="command arguments (for events: event-name prefixes)")
    p.set_defaults(func=run, ctl_parser=p)


def _err(msg: str) -> None:
    print(f"hotline ctl: {msg}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Run the parsed ``ctl`` command line; returns the exit status."""
    if not args.command:
        parser = getattr(args, "ctl_parser", None)
        if parser is not None:
            parser.print_usage(sys.stderr)
        _err("say which command to run, e.g. `hotline ctl status` (`hotline ctl help` lists them)")
        return EXIT_USAGE
    try:
        return _run(args)
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace) -> int:
    client = MgmtClient(socket_path=args.socket, data_dir=args.data, timeout=args.timeout)
    try:
        if args.command == "events":
            return _events(client, args)
        try:
            cmd_args = parse_params(args.params)
        except UsageError as e:
            _err(str(e))
            return EXIT_USAGE
        try:
            result = client.call(args.command, **cmd_args)
        except DaemonNotRunning as e:
            _err(str(e))
            return EXIT_NOT_RUNNING
        except MgmtError as e:
            _err(f"{args.command}: {e.message}")
            if e.code == "unknown_command":
                _err("`hotline ctl help` lists the commands")
            return EXIT_USAGE if e.code in USAGE_CODES else EXIT_FAILED
        print(format_result(args.command, result, as_json=args.json, wide=args.wide))
        return EXIT_OK
    finally:
        client.close()


def format_result(command: str, result: Any, as_json: bool = False, wide: bool = False) -> str:
    """The text ``hotline ctl`` prints for ``result`` of ``command`` (``wide``: status
    tables with every field)."""
    if as_json:
        return json.dumps(result, ensure_ascii=False, indent=2)
    if command == "status" and isinstance(result, dict):
        return render_status(result, wide=wide)
    if command == "help" and isinstance(result, dict) and isinstance(result.get("commands"), list):
        return table(result["commands"], ["name", "help"], headers={"name": "COMMAND", "help": ""})
    if result is None:
        return "ok"
    return render(result)


def _events(client: MgmtClient, args: argparse.Namespace) -> int:
    if any("=" in p for p in args.params):
        _err("events takes event-name prefixes such as call. or port., not key=value")
        return EXIT_USAGE
    try:
        stream = client.subscribe(args.params or None)
    except DaemonNotRunning as e:
        _err(str(e))
        return EXIT_NOT_RUNNING
    except MgmtError as e:
        _err(f"events: {e.message}")
        return EXIT_FAILED
    seen = 0
    try:
        if args.count is not None and args.count <= 0:
            return EXIT_OK
        for ev in stream:
            if args.json:
                line = json.dumps(ev, ensure_ascii=False)
            else:
                now = _dt.datetime.now().strftime("%H:%M:%S.%f")[:-3]
                line = f"{now}  {render_event(ev)}"
            print(line, flush=True)
            seen += 1
            if args.count is not None and seen >= args.count:
                return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_OK
    _err("the daemon closed the connection")
    return EXIT_NOT_RUNNING
