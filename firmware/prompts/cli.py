"""``hotline prompts``: build, list and try out the voice prompts.

    hotline prompts build [--out DIR] [--lang zh,en] [--force] [NAME ...]
    hotline prompts list [--data DIR] [--lang zh|en] [--missing]
    hotline prompts play-test [--data DIR] [--lang zh|en] [--gap MS] [--out FILE] [--play] ITEM ...

``play-test`` renders a sequence the way a call would hear it into a WAV file (default
``prompts-test.wav``). An ITEM is a prompt name or one of ``number:105``, ``digits:801``,
``time:15:05``, ``duration:125``, e.g.
``hotline prompts play-test agent_number digits:801 is_serving_you``.
The language defaults to the box's ``language`` setting (zh when the box has none yet).
Exit status: 0 ok, 1 a prompt is missing or an argument is wrong (said in words).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

from firmware.paths import DataDir
from firmware.prompts import build as _build
from firmware.prompts.catalogue import LANGUAGES, PROMPTS
from firmware.prompts.library import DEFAULT_GAP_MS, PromptLibrary, PromptMissing


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("prompts", help="voice prompts: build the built-in set, list, try a sequence")
    sub = p.add_subparsers(dest="prompts_command", metavar="ACTION", required=True)

    b = sub.add_parser("build", help="generate the built-in prompts with espeak-ng (incremental)")
    _build.add_arguments(b)
    b.set_defaults(func=_build.run)

    ls = sub.add_parser("list", help="every prompt with its text and which file plays")
    _common(ls)
    ls.add_argument("--missing", action="store_true", help="only prompts that have no file")
    ls.set_defaults(func=cmd_list)

    pt = sub.add_parser("play-test", help="render a prompt sequence to a WAV file")
    _common(pt)
    pt.add_argument("--gap", type=int, default=DEFAULT_GAP_MS, metavar="MS",
                    help=f"silence between prompts, ms (default {DEFAULT_GAP_MS})")
    pt.add_argument("--out", "-o", type=Path, default=Path("prompts-test.wav"), metavar="FILE",
                    help="WAV file to write (default prompts-test.wav)")
    pt.add_argument("--play", action="store_true", help="also play it (needs aplay or sox's play)")
    pt.add_argument("items", nargs="+", metavar="ITEM",
                    help="prompt name, number:N, digits:D, time:HH:MM or duration:SECONDS")
    pt.set_defaults(func=cmd_play_test)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="DIR", help="data directory of the box (its own recordings "
                                                  "are in DIR/sounds/prompts/<lang>/)")
    p.add_argument("--lang", choices=LANGUAGES, help="language (default: the box's language setting)")
    p.add_argument("--builtin", type=Path, default=None, metavar="DIR",
                   help="folder of the built-in prompts (default: the one `prompts build` writes)")


def _language(args: argparse.Namespace, data: DataDir) -> str:
    if args.lang:
        return args.lang
    if data.config_db.exists():
        from firmware.config.store import ConfigStore
        store = ConfigStore(data.config_db)
        try:
            return str(store.get_setting("language"))
        finally:
            store.close()
    return LANGUAGES[0]


def _library(args: argparse.Namespace) -> PromptLibrary:
    data = DataDir.at(args.data)
    return PromptLibrary(data.sounds, _language(args, data), builtin_dir=args.builtin)


def cmd_list(args: argparse.Namespace) -> int:
    lib = _library(args)
    missing = 0
    for p in PROMPTS.values():
        if not lib.exists(p.name):
            source = "MISSING"
            missing += 1
        else:
            source = "custom" if lib.is_custom(p.name) else "built-in"
        if args.missing and source != "MISSING":
            continue
        print(f"{p.name:32} {p.group:10} {source:8} {p.text(lib.language)}")
    if missing:
        print(f"{missing} prompt(s) have no file: run `hotline prompts build`", file=sys.stderr)
    return 0


def expand_item(lib: PromptLibrary, item: str) -> list[str]:
    """One play-test ITEM as prompt names (``number:12`` -> its read-out)."""
    kind, sep, value = item.partition(":")
    if not sep:
        return [item]
    if kind == "number":
        if not value.isdigit():
            raise ValueError(f"{item!r}: {value!r} is not a whole number")
        return lib.number(int(value))
    if kind == "digits":
        return lib.digits(value)
    if kind == "time":
        try:
            t = _dt.time.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{item!r}: {value!r} is not a time like 15:05") from None
        return lib.time_of_day(t)
    if kind == "duration":
        try:
            seconds = float(value)
        except ValueError:
            raise ValueError(f"{item!r}: {value!r} is not a number of seconds") from None
        return lib.duration(seconds)
    raise ValueError(f"{item!r}: unknown kind {kind!r} (number:, digits:, time:, duration:)")


def cmd_play_test(args: argparse.Namespace) -> int:
    from firmware.engine.media import write_wav
    try:
        lib = _library(args)
        names = [n for item in args.items for n in expand_item(lib, item)]
        samples = lib.sequence(*names, gap_ms=args.gap)
    except (PromptMissing, ValueError) as e:
        print(f"hotline prompts: {e}", file=sys.stderr)
        return 1
    write_wav(args.out, samples)
    print(f"{lib.language}: {' '.join(names)}")
    print(f"{samples.size / 8000:.2f} s -> {args.out}")
    if args.play:
        player = shutil.which("aplay") or shutil.which("play")
        if player is None:
            print("hotline prompts: neither aplay nor play is installed; open the WAV file instead",
                  file=sys.stderr)
            return 1
        subprocess.run([player, "-q", str(args.out)])
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    """``python -m firmware.prompts.cli ACTION ...`` = ``hotline prompts ACTION ...``."""
    ap = argparse.ArgumentParser(prog="hotline")
    register(ap.add_subparsers(dest="command"))
    args = ap.parse_args(["prompts"] + list(sys.argv[1:] if argv is None else argv))
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
