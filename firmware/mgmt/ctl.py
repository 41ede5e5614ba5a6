"""``hotline ctl``: run one management command against a running box.

    hotline ctl [--data DIR] [--json] <command> [key=value ...]
    hotline ctl [--data DIR] [--json] events [prefix ...] [--count N]

Provisioning, for installers who script it (options after the number/name):

    hotline ctl extension add 801 --sip [--password PW] [--name N] [--outbound-class C]
    hotline ctl extension add 802 --fxs fxs2 [--name N]
    hotline ctl extension list | delete N | password N [--password PW]
    hotline ctl sip-trunk add NAME --host H [--port P] [--transport udp|tcp] --username U
                          --password PW [--trunk-group G] [--no-register] [--backup-host H] ...
    hotline ctl sip-trunk update NAME [--option ...] | list | delete NAME
    hotline ctl recording list [since=DATE until=DATE agent=N number=N queue=N min_duration=S ...]
    hotline ctl recording export [same filters] [path=FILE.zip] | play id=N | start|stop call=ID

Call-centre figures (firmware/mgmt/acdctl.py):

    hotline ctl acd stats [--queue Q]
    hotline ctl acd report --interval 15min|hour|day --from DATE --to DATE [--queue Q] [--agents] [--csv]
    hotline ctl acd staffing [--queue Q] [--weeks N]

Call centre (agents are people: they log in at any phone):

    hotline ctl agent list | login AGENT EXTENSION PIN | logout AGENT | pause AGENT [REASON]
    hotline ctl agent unpause AGENT | wrapup AGENT [MS]
    hotline ctl queue list | status NUMBER
    hotline ctl queue add 700 name=Service strategy=ringall [field=value ...] | update 700 ... | delete 700
    hotline ctl queue member add 700 1001 [PENALTY] | member remove 700 1001
    hotline ctl agent add 1001 pin=1234 [name=...] | update 1001 ... | delete 1001
    hotline ctl supervisor add 90 pin=4321 extension=803 [queues=...] | update | delete | list

IVR menus and prompts (files are read / written by ctl; docs/ivr.md):

    hotline ctl ivr import MENUS.json | export [MENUS.json] [number=N] | list | show N | delete N
    hotline ctl prompt upload NAME FILE.wav [language=zh] | list | delete NAME

These are the commands ``extension.add`` ... ``sip_trunk.delete`` of
firmware/mgmt/provisioning.py with friendlier arguments. A generated SIP password is
printed once; the change is in force at once on the running box.

Agent panel, reports and the setup wizard (generic form; docs/agent-panel-api.md):

    hotline ctl cdr.search number=13800138000 since=2024-05-01 | cdr.export header=true > calls.csv
    hotline ctl log.tail level=warning | ports.check | test_call extension=801 | notice.list

Values are read as JSON when they parse (``n=3``, ``on=true``, ``ports=["fxs1","fxs2"]``)
and as plain strings otherwise (``name=Front desk`` quoted by the shell). A number that
must stay a string is written with JSON quotes: ``dst='"0801"'`` (``0801`` is not JSON
anyway, so it stays the string "0801").

Exit status: 0 ok; 1 the command failed (message on stderr); 2 usage (bad key=value,
unknown command, arguments the command refused); 3 no daemon serves the data dir.
"""
from __future__ import annotations

import argparse
import base64
import datetime as _dt
import json
import os
import sys
from typing import Any, Optional

from firmware.mgmt.acdctl import ACD_OPTIONS, acd_call, acd_config_call
from firmware.mgmt.client import DaemonNotRunning, MgmtClient, MgmtError
from firmware.mgmt.panelrender import render_panel
from firmware.mgmt.render import render, render_event, render_provisioning, render_status, table

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOT_RUNNING = 0, 1, 2, 3
INLINE_IMPORT_BYTES = 60 * 1024   #: larger IVR import files go by path (a request line holds up to 64 KiB)
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


#: Options of the provisioning sub-commands: flag, argument name of the management
#: command, argparse keywords.  Stored under ``prov_<name>`` (None = not given).
PROVISION_OPTIONS: list[tuple[str, str, dict]] = [
    ("--sip", "sip", dict(action="store_const", const=True, help="extension add: a SIP (IP) phone")),
    ("--fxs", "fxs", dict(metavar="PORT", help="extension add: an analog phone on this FXS port (fxs1 ...)")),
    ("--password", "password", dict(metavar="PW", help="SIP password (extension: generated when left out)")),
    ("--name", "name", dict(metavar="TEXT", help="extension: the name shown to callees")),
    ("--outbound-class", "outbound_class", dict(metavar="C", help="extension: internal|local|national|international")),
    ("--host", "host", dict(metavar="HOST", help="sip-trunk: the provider's server")),
    ("--port", "port", dict(metavar="N", help="sip-trunk: its port (5060)")),
    ("--transport", "transport", dict(metavar="T", help="sip-trunk: udp or tcp")),
    ("--username", "username", dict(metavar="U", help="sip-trunk: the account's user name")),
    ("--auth-user", "auth_user", dict(metavar="U", help="sip-trunk: digest user if not the user name")),
    ("--realm", "realm", dict(metavar="R", help="sip-trunk: only answer this realm's challenges")),
    ("--domain", "domain", dict(metavar="D", help="sip-trunk: our SIP domain at the provider (= host)")),
    ("--register", "register", dict(action="store_const", const=True, help="sip-trunk: register (default)")),
    ("--no-register", "register", dict(action="store_const", const=False,
                                       help="sip-trunk: do not register (IP-authenticated trunk)")),
    ("--expires", "expires_s", dict(metavar="S", help="sip-trunk: registration lifetime in s (600)")),
    ("--backup-host", "backup_host", dict(metavar="HOST", help="sip-trunk: second server on failure")),
    ("--backup-port", "backup_port", dict(metavar="N", help="sip-trunk: its port (= --port)")),
    ("--trunk-group", "trunk_group", dict(metavar="G", help="sip-trunk: the trunk group outbound routes use")),
    ("--cid-mode", "cid_mode", dict(metavar="M", help="sip-trunk: caller ID in from|pai|both")),
    ("--cid-number", "cid_number", dict(metavar="N", help="sip-trunk: caller number sent (= the caller's)")),
    ("--codecs", "codecs", dict(metavar="LIST", help="sip-trunk: e.g. PCMA,PCMU (= settings.sip_codecs)")),
    ("--max-channels", "max_channels", dict(metavar="N", help="sip-trunk: concurrent calls (0 = no limit)")),
    ("--enabled", "enabled", dict(action="store_const", const=True, help="sip-trunk: in use (default)")),
    ("--disabled", "enabled", dict(action="store_const", const=False, help="sip-trunk: kept but not used")),
]
_TRUNK_KEYS = ("host", "port", "transport", "username", "auth_user", "password", "realm", "domain",
               "register", "expires_s", "backup_host", "backup_port", "trunk_group", "cid_mode",
               "cid_number", "codecs", "max_channels", "enabled")

#: ``(what, action)`` → (management command, name of the positional argument or None,
#: the option names it takes).
PROVISIONING: dict[tuple[str, str], tuple[str, Optional[str], tuple[str, ...]]] = {
    ("extension", "add"): ("extension.add", "number", ("sip", "fxs", "password", "name", "outbound_class")),
    ("extension", "list"): ("extension.list", None, ()),
    ("extension", "delete"): ("extension.delete", "number", ()),
    ("extension", "password"): ("extension.password", "number", ("password",)),
    ("sip-trunk", "add"): ("sip_trunk.add", "name", _TRUNK_KEYS),
    ("sip-trunk", "update"): ("sip_trunk.update", "name", _TRUNK_KEYS),
    ("sip-trunk", "list"): ("sip_trunk.list", None, ()),
    ("sip-trunk", "delete"): ("sip_trunk.delete", "name", ()),
}


def provisioning_call(what: str, params: list[str], options: dict[str, Any]) -> tuple[str, dict]:
    """The management command and arguments for ``hotline ctl <what> <params...>
    <options>`` (``options``: option name → value, only those given).
    :class:`UsageError` says what is wrong and how it is written."""
    usage = "; ".join(f"hotline ctl {w} {a}" + (f" {'NUMBER' if key == 'number' else 'NAME'}" if key else "")
                      for (w, a), (_, key, _) in PROVISIONING.items() if w == what)
    if not params:
        raise UsageError(f"say what to do: {usage}")
    action, rest = params[0], params[1:]
    if (what, action) not in PROVISIONING:
        raise UsageError(f"{what} {action!r} is not known: {usage}")
    command, key, allowed = PROVISIONING[(what, action)]
    if key is not None and not rest:
        raise UsageError(f"{what} {action} needs the {key}: hotline ctl {what} {action} "
                         f"{'NUMBER' if key == 'number' else 'NAME'}")
    if len(rest) > (1 if key else 0):
        raise UsageError(f"{what} {action}: unexpected {' '.join(rest[1 if key else 0:])!r} "
                         "(options go as --name VALUE; write values with spaces in quotes)")
    for opt in options:
        if opt not in allowed:
            flag = next(f for f, k, _ in PROVISION_OPTIONS if k == opt)
            raise UsageError(f"{flag} does not apply to `{what} {action}`" +
                             (f" (it takes {', '.join(_flag(k) for k in allowed)})" if allowed else ""))
    args = dict(options)
    if key is not None:
        args[key] = rest[0]
    return command, args


#: ``hotline ctl agent|queue ACTION ...`` → (command, positional argument names).
AGENT_CALLS: dict[tuple[str, str], tuple[str, tuple[str, ...], int]] = {
    ("agent", "list"): ("acd.agents", (), 0),
    ("agent", "login"): ("acd.agent.login", ("agent", "extension", "pin"), 3),
    ("agent", "logout"): ("acd.agent.logout", ("agent",), 1),
    ("agent", "pause"): ("acd.agent.pause", ("agent", "reason"), 1),
    ("agent", "unpause"): ("acd.agent.unpause", ("agent",), 1),
    ("agent", "wrapup"): ("acd.agent.wrapup", ("agent", "ms"), 1),
    ("queue", "list"): ("acd.queues", (), 0),
    ("queue", "status"): ("acd.queue.status", ("queue",), 1),
}


def agent_call(what: str, params: list[str]) -> tuple[str, dict]:
    """``hotline ctl agent pause 1001 2`` → ("acd.agent.pause", {"agent": "1001", "reason": "2"});
    configuration: ``hotline ctl queue add 700 name=Service`` (firmware/mgmt/acdctl.py)."""
    try:
        found = acd_config_call(what, params, parse_params)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if found is not None:
        return found
    usage = "; ".join(f"hotline ctl {w} {a} " + " ".join(n.upper() for n in names)
                      for (w, a), (_, names, _) in AGENT_CALLS.items() if w == what)
    if not params or (what, params[0]) not in AGENT_CALLS:
        raise UsageError(f"say what to do: {usage}")
    command, names, needed = AGENT_CALLS[(what, params[0])]
    rest = params[1:]
    if len(rest) < needed or len(rest) > len(names):
        raise UsageError(f"{what} {params[0]} takes {' '.join(n.upper() for n in names) or 'nothing'}")
    args: dict[str, Any] = dict(zip(names, rest))
    if "ms" in args:
        args["ms"] = parse_value(args["ms"])
    return command, args


RECORDING_ACTIONS = ("list", "export", "play", "start", "stop", "status", "access", "purge")


def recording_call(params: list[str]) -> tuple[str, dict]:
    """``hotline ctl recording list number=801 since=2026-01-01`` → ``recording.list``
    with those filters; ``who`` (logged for play/export) defaults to the user running ctl."""
    if not params or params[0] not in RECORDING_ACTIONS:
        raise UsageError(f"say what to do: hotline ctl recording {'|'.join(RECORDING_ACTIONS)} [key=value ...]")
    args = parse_params(params[1:])
    if params[0] in ("play", "export", "start", "stop") and "who" not in args:
        import getpass
        try:
            args["who"] = getpass.getuser()
        except Exception:                               # pragma: no cover
            pass
    return f"recording.{params[0]}", args


def _flag(key: str) -> str:
    return next(f for f, k, _ in PROVISION_OPTIONS if k == key)


def register(subparsers) -> None:
    """Add ``ctl`` to the ``hotline`` command."""
    p = subparsers.add_parser(
        "ctl", help="talk to a running box (status, sim.*, events ...)",
        description="Run a management command against the box serving --data DIR. "
                    "`hotline ctl help` lists the commands; `hotline ctl events` streams events; "
                    "`hotline ctl extension add 801 --sip` and `hotline ctl sip-trunk add NAME --host H ...` "
                    "provision phones and trunks.",
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
    g = p.add_argument_group("provisioning (hotline ctl extension ... / hotline ctl sip-trunk ...)")
    for flag, key, kw in PROVISION_OPTIONS:
        g.add_argument(flag, dest=f"prov_{key}", default=None, **kw)
    g = p.add_argument_group("call centre (hotline ctl acd stats|report|staffing)")
    for flag, key, kw in ACD_OPTIONS:
        g.add_argument(flag, dest=f"acd_{key}", default=None, **kw)
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


def _given_options(args: argparse.Namespace) -> dict[str, Any]:
    """The provisioning options on the command line: name → value."""
    out: dict[str, Any] = {}
    for _, key, _ in PROVISION_OPTIONS:
        v = getattr(args, f"prov_{key}", None)
        if v is not None:
            out[key] = v
    return out


def ivr_call(what: str, params: list[str]) -> tuple[str, dict, str]:
    """``hotline ctl ivr import FILE.json | export [FILE.json] [number=N] | list | show N |
    delete N`` and ``hotline ctl prompt upload NAME FILE.wav | list | delete NAME``:
    (command, arguments, file to write the result to or "")."""
    action, rest = params[0], params[1:]
    kv = parse_params([p for p in rest if "=" in p])
    pos = [p for p in rest if "=" not in p]
    try:
        if what == "ivr" and action == "import" and len(pos) == 1:
            if os.path.getsize(pos[0]) > INLINE_IMPORT_BYTES:       # too big for one request: the box reads it
                return "ivr.import", {"path": os.path.abspath(pos[0])}, ""
            with open(pos[0], encoding="utf-8") as f:
                return "ivr.import", {"doc": json.load(f)}, ""
        if what == "ivr" and action == "export" and len(pos) <= 1:
            return "ivr.export", kv, pos[0] if pos else ""
        if what == "ivr" and action in ("show", "delete") and len(pos) == 1:
            return f"ivr.{action}", {"number": pos[0]}, ""
        if what == "prompt" and action == "upload" and len(pos) == 2:
            with open(pos[1], "rb") as f:
                return "prompt.upload", {"name": pos[0], "data": base64.b64encode(f.read()).decode(), **kv}, ""
        if what == "prompt" and action == "delete" and len(pos) == 1:
            return "prompt.delete", {"name": pos[0], **kv}, ""
        if action == "list" and not pos:
            return f"{what}.list", kv, ""
    except OSError as e:
        raise UsageError(f"{what} {action}: {e.strerror}: {e.filename}") from None
    except ValueError as e:
        raise UsageError(f"{what} {action}: the file is not JSON ({e})") from None
    raise UsageError(f"`{what} {' '.join(params)}` is not known: hotline ctl ivr import FILE.json | ivr export "
                     "[FILE.json] [number=N] | ivr list | ivr show N | ivr delete N | prompt upload NAME FILE.wav "
                     "[language=zh] | prompt list | prompt delete NAME")


def _run(args: argparse.Namespace) -> int:
    options = _given_options(args)
    out_file = ""
    try:
        what = {"sip_trunk": "sip-trunk", "extensions": "extension"}.get(args.command, args.command)
        acd_options = {k: getattr(args, f"acd_{k}") for _f, k, _kw in ACD_OPTIONS
                       if getattr(args, f"acd_{k}", None) is not None}
        if what == "acd":
            try:
                command, cmd_args = acd_call(list(args.params), acd_options)
            except ValueError as e:
                raise UsageError(str(e)) from None
        elif acd_options:
            raise UsageError(f"--{next(iter(acd_options))} is for `hotline ctl acd ...` only")
        elif what in ("extension", "sip-trunk"):
            command, cmd_args = provisioning_call(what, list(args.params), options)
        elif what in ("agent", "queue", "supervisor"):
            command, cmd_args = agent_call(what, list(args.params))
        elif what in ("ivr", "prompt") and args.params and "=" not in args.params[0]:
            command, cmd_args, out_file = ivr_call(what, list(args.params))
        elif what == "recording" and not options:
            command, cmd_args = recording_call(list(args.params))
        else:
            if options:
                raise UsageError(f"{_flag(next(iter(options)))} is for `hotline ctl extension ...` and "
                                 "`hotline ctl sip-trunk ...` only")
            command = args.command
            if command != "events":
                cmd_args = parse_params(args.params)
    except UsageError as e:
        _err(str(e))
        return EXIT_USAGE
    client = MgmtClient(socket_path=args.socket, data_dir=args.data, timeout=args.timeout)
    try:
        if command == "events":
            return _events(client, args)
        try:
            result = client.call(command, **cmd_args)
        except DaemonNotRunning as e:
            _err(str(e))
            return EXIT_NOT_RUNNING
        except MgmtError as e:
            _err(f"{command}: {e.message}")
            if e.code == "unknown_command":
                _err("`hotline ctl help` lists the commands" if command == args.command else
                     "this box's firmware has no provisioning commands yet")
            return EXIT_USAGE if e.code in USAGE_CODES else EXIT_FAILED
        if out_file:
            with open(out_file, "w", encoding="utf-8") as f:
                json.dump(result, f, ensure_ascii=False, indent=2)
            print(f"wrote {out_file}")
            return EXIT_OK
        print(format_result(command, result, as_json=args.json, wide=args.wide))
        return EXIT_OK
    finally:
        client.close()


def format_result(command: str, result: Any, as_json: bool = False, wide: bool = False) -> str:
    """The text ``hotline ctl`` prints for ``result`` of ``command`` (``wide``: status
    tables with every field)."""
    if as_json:
        return json.dumps(result, ensure_ascii=False, indent=2)
    if command == "acd.report" and isinstance(result, dict) and "csv" in result:
        return result["csv"].rstrip("\n")
    if command == "status" and isinstance(result, dict):
        return render_status(result, wide=wide)
    if command == "help" and isinstance(result, dict) and isinstance(result.get("commands"), list):
        return table(result["commands"], ["name", "help"], headers={"name": "COMMAND", "help": ""})
    if command == "recording.list" and isinstance(result, list):
        return table(result, ["id", "start", "duration_s", "caller", "callee", "agent", "queue", "direction",
                              "state", "path"]) if result else "no recordings"
    text = render_provisioning(command, result)
    if text is None:
        text = render_panel(command, result)
    if text is not None:
        return text
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
