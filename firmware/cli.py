"""The `hotline` command.

    hotline bench dsp [--json] [--quick] [names...]   DSP throughput vs spandsp
    hotline bench talkoff [--minutes N] [--json]       DTMF false digits per hour on speech/music
"""
from __future__ import annotations

import argparse
import sys
from typing import Optional


def main(argv: Optional[list[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(prog="hotline", description="Hotline phone system firmware")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    bench = sub.add_parser("bench", help="benchmarks: `hotline bench dsp`, `hotline bench talkoff`")
    bench.add_argument("what", choices=["dsp", "talkoff"], help="what to benchmark")
    bench.add_argument("rest", nargs=argparse.REMAINDER)
    args = ap.parse_args(argv)
    if args.command == "bench" and args.what == "dsp":
        from dsp.bench.core import main as bench_main
        return bench_main(args.rest)
    if args.command == "bench" and args.what == "talkoff":
        from dsp.bench.talkoff import main as talkoff_main
        return talkoff_main(args.rest)
    ap.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
