"""The `hotline` command.

    hotline run [--sim] [--data DIR] [--web HOST:PORT]   start the box
    hotline ctl [--data DIR] <command> [key=value ...]   talk to a running box
    hotline demo                                         a scripted call on the simulated board
    hotline cdr export --csv [--data DIR]                call records, Asterisk Master.csv order
    hotline user list|password USER [--data DIR]         web UI logins (a lost admin password)
    hotline bench dsp|talkoff|engine|sip|acd|recording|web ...  benchmarks
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Optional

#: Modules that add sub-commands: each has ``register(subparsers)`` which adds its parser
#: and sets ``func`` (called with the parsed args, returns the exit status).
COMMAND_MODULES = [
    "firmware.daemon",        # run
    "firmware.mgmt.ctl",      # ctl
    "firmware.demo",          # demo
    "firmware.cdr.cli",       # cdr
    "firmware.prompts.cli",   # prompts
    "firmware.config.users_cli",  # user
]


def _bench(args: argparse.Namespace) -> int:
    if args.what == "dsp":
        from dsp.bench.core import main as bench_main
        return bench_main(args.rest)
    if args.what == "talkoff":
        from dsp.bench.talkoff import main as talkoff_main
        return talkoff_main(args.rest)
    if args.what == "sip":
        from firmware.bench.sip import main as sip_main
        return sip_main(args.rest)
    if args.what == "acd":
        from firmware.bench.acd import main as acd_main
        return acd_main(args.rest)
    if args.what == "recording":
        from firmware.bench.recording import main as recording_main
        return recording_main(args.rest)
    if args.what == "web":
        from firmware.bench.web import main as web_main
        return web_main(args.rest)
    from firmware.bench.engine import main as engine_main
    return engine_main(args.rest)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="hotline", description="Hotline phone system firmware")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    bench = sub.add_parser("bench", help="benchmarks: dsp (vs spandsp), talkoff, engine, sip (vs sippy), acd, recording, web")
    bench.add_argument("what", choices=["dsp", "talkoff", "engine", "sip", "acd", "recording", "web"], help="what to benchmark")
    bench.add_argument("rest", nargs=argparse.REMAINDER)
    bench.set_defaults(func=_bench)
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:           # a real missing dependency: say so
                raise
            continue
        mod.register(sub)
    return ap


def main(argv: Optional[list[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = build_parser()
    args = ap.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        ap.print_help()
        return 2
    return int(func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
