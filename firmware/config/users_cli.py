"""``hotline user``: web logins from a shell or the serial console (a lost admin password).

    hotline user list [--data DIR]
    hotline user password USER [--data DIR] [--must-change]     (asks twice, not echoed)

Works whether or not the box is running (the config store takes its own write lock).
"""
from __future__ import annotations

import argparse
import getpass
import sys

from firmware.config.errors import ConfigError


def _store(args: argparse.Namespace):
    from firmware.config.store import ConfigStore
    return ConfigStore.at(args.data)


def _list(args: argparse.Namespace) -> int:
    store = _store(args)
    try:
        for u in store.users():
            flags = [] if u["enabled"] else ["disabled"]
            if u["must_change"]:
                flags.append("must change password")
            print(f"{u['username']:<20} {u['role']:<11} {u['agent'] or '-':<8} {', '.join(flags)}")
    finally:
        store.close()
    return 0


def _password(args: argparse.Namespace) -> int:
    pw = args.password
    if pw is None:
        pw = getpass.getpass(f"new password for {args.user}: ")
        if getpass.getpass("again: ") != pw:
            print("the two passwords differ; nothing changed", file=sys.stderr)
            return 1
    store = _store(args)
    try:
        with store.acting("console"):
            store.set_user_password(args.user, pw, must_change=args.must_change)
    except ConfigError as e:
        print(f"refused: {e.message}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"password of {args.user} changed; their web sessions end at their next click")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("user", help="web UI logins: list, set a password")
    p.add_argument("--data", metavar="DIR", help="data directory (default: $HOTLINE_DATA or ~/.local/share/hotline)")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = sub.add_parser("list", help="logins with role, agent and flags")
    ls.set_defaults(func=_list)
    pw = sub.add_parser("password", help="set a login's password (asks twice)")
    pw.add_argument("user")
    pw.add_argument("--password", help=argparse.SUPPRESS)            # tests and scripts
    pw.add_argument("--must-change", action="store_true", help="the user must choose a new one at next login")
    pw.set_defaults(func=_password)
