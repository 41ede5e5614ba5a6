"""``hotline run``: start the box — engine on the 20 ms tick, management API on the Unix
socket of the data dir, status page on http://127.0.0.1:8080.

    hotline run [--sim] [--data DIR] [--web HOST:PORT|off] [--sip HOST:PORT|off]
                [--virtual-clock] [--log-level L]

SIP (phones and trunks) listens on UDP and TCP at ``--sip`` or, without it, at the
``sip_bind`` setting (default 0.0.0.0:5060). ``--sim`` selects the simulated board; it is also what runs when no hardware board is
detected. ``--virtual-clock`` makes time stand still until a ``clock.advance {ms}``
management command moves it (end-to-end tests drive a real daemon that way).
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
from typing import Optional

from hal.board import detect_board
from hal.clock import Clock, RealtimeClock, VirtualClock

from firmware.paths import DataDir

log = logging.getLogger("hotline")


def parse_hostport(text: str) -> Optional[tuple[str, int]]:
    """``HOST:PORT`` (or ``PORT``, or ``off``) → (host, port) or None."""
    if text in ("off", "none", ""):
        return None
    host, _, port = text.rpartition(":")
    try:
        p = int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--web wants HOST:PORT (e.g. 127.0.0.1:8080), got {text!r}") from None
    if not 0 <= p <= 65535:
        raise argparse.ArgumentTypeError(f"--web port must be 0..65535, got {p}")
    return (host or "127.0.0.1", p)


def _sip_arg(text: str) -> Optional[tuple[str, int]]:
    try:
        return parse_hostport(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"--sip wants HOST:PORT (e.g. 0.0.0.0:5060) or off, got {text!r}") from None


class _SafeRealtimeClock(RealtimeClock):
    """A real-time clock whose tick never takes the daemon down: an exception in call
    control is logged (with the traceback) and the next tick runs."""

    errors = 0

    def tick(self) -> None:
        try:
            super().tick()
        except Exception:
            self.errors += 1
            if self.errors <= 20 or self.errors % 1000 == 0:
                log.exception("error in tick %d (%d so far); the box keeps running", self.ticks, self.errors)


async def serve(data: DataDir, *, web: Optional[tuple[str, int]], virtual: bool,
                ready: Optional[asyncio.Event] = None, stop: Optional[asyncio.Event] = None,
                sip: object = "config", web_tls: Optional[bool] = None) -> int:
    """Run the box until ``stop`` is set (or SIGINT/SIGTERM)."""
    from firmware.box import Box
    from firmware.mgmt.client import MgmtClient
    from firmware.mgmt.server import MgmtServer, MgmtServerError

    stop = stop or asyncio.Event()
    clock: Clock = VirtualClock() if virtual else _SafeRealtimeClock()
    box = Box(data, clock)
    server = MgmtServer(box.dispatcher, data.socket)
    try:
        await server.start()
    except MgmtServerError as e:
        log.error("%s", e)
        box.close()
        return 1
    box.add_publisher(server.publish)
    if sip == "config":
        from firmware.config.model import sip_bind
        sip = sip_bind(box.config)
    sip_addr = None
    if sip is not None:
        try:
            sip_addr = await box.start_sip(*sip)            # type: ignore[misc]
        except OSError as e:
            log.error("SIP: %s; the box runs without SIP (fix --sip or settings.sip_bind)", e)
    webserver = None
    if web is not None:
        from webui import start_web
        from webui.server import WebServerError
        try:
            webserver = start_web(web[0], web[1], data_root=data.root, socket_path=data.socket,
                                  config_db=data.config_db, tls=web_tls,
                                  client_factory=lambda: MgmtClient(data.socket))
        except WebServerError as e:
            log.error("%s", e)
            await server.stop()
            box.close()
            return 1
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):       # not the main thread
            pass
    try:
        data.pidfile.write_text(f"{os.getpid()}\n")
    except OSError:
        pass
    log.info("Hotline running: board %s (%s), %s clock, data %s, management socket %s%s",
             box.board.name, "simulated" if getattr(box.board, "simulated", False) else "hardware",
             "virtual" if virtual else "real-time", data.root, data.socket,
             f", web {webserver.url}" if webserver else "")
    if sip_addr is not None:
        print(f"SIP {sip_addr[0]}:{sip_addr[1]}", flush=True)
    if webserver is not None:
        print(f"WEB {webserver.url}", flush=True)
    settle_garbage_collector()
    # one line on stdout when the box answers on its socket: for supervisors and tests
    print(f"READY {data.socket}", flush=True)
    if ready is not None:
        ready.set()
    try:
        if isinstance(clock, RealtimeClock):
            await clock.run(stop)
        else:
            await stop.wait()
    finally:
        if webserver is not None:
            webserver.stop()
        await box.stop_sip()
        await server.stop()
        box.close()
        try:
            data.pidfile.unlink()
        except OSError:
            pass
        log.info("Hotline stopped")
    return 0


GC_THRESHOLDS = (20_000, 20, 20)   #: allocations before a young collection; old-generation ratios


def settle_garbage_collector() -> None:
    """Start-up is done: what exists now (config, prompts, the switch's arrays, imported
    modules) lives as long as the daemon, so move it out of the collector's sight
    (``gc.freeze``), and collect the young generation less often — each call set-up
    allocates a few thousand short-lived objects, and full collections walking every
    long-lived object cost milliseconds the tick engine does not have."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=getattr(logging, args.log_level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.sim and detect_board() is not None:       # pragma: no cover - no hardware yet
        log.error("hardware boards arrive with the drivers issue; use --sim")
        return 1
    if not args.sim:
        log.info("no hardware board detected: using the simulated board")
    data = DataDir.at(args.data)
    try:
        data.create()
    except OSError as e:
        log.error("cannot use data directory %s: %s", data.root, e.strerror)
        return 1
    from firmware import logbook
    logbook.install(data.logs, getattr(logging, args.log_level.upper(), logging.INFO))
    return asyncio.run(serve(data, web=args.web, virtual=args.virtual_clock,
                             sip=args.sip if args.sip != "config" else "config",
                             web_tls={"on": True, "off": False}.get(args.web_tls)))


def register(subparsers) -> None:
    p = subparsers.add_parser("run", help="start the box (simulated board when no hardware)",
                              description=__doc__.split("\n\n")[0])
    p.add_argument("--sim", action="store_true", help="use the simulated board")
    p.add_argument("--data", metavar="DIR", help="data directory (default: $HOTLINE_DATA or ~/.local/share/hotline)")
    p.add_argument("--web", metavar="HOST:PORT", type=parse_hostport, default=("127.0.0.1", 8080),
                   help="web UI address (default 127.0.0.1:8080; 'off' for none)")
    p.add_argument("--web-tls", choices=["auto", "on", "off"], default="auto",
                   help="HTTPS for the web UI with a self-signed certificate made on first start in "
                        "DATA/tls (auto: on unless the address is loopback)")
    p.add_argument("--sip", metavar="HOST:PORT", type=_sip_arg, default="config",
                   help="SIP address, UDP and TCP (default: settings.sip_bind, 0.0.0.0:5060; 'off' for none)")
    p.add_argument("--virtual-clock", action="store_true",
                   help="time moves only with `hotline ctl clock.advance ms=N` (tests, demos)")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.set_defaults(func=_run)
