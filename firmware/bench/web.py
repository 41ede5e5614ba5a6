"""``hotline bench web``: server time of the web UI's main pages on a loaded box.

A box is built in a temporary data dir with ``--extensions`` extensions (the seeded
analog ones plus SIP extensions up to the count) and ``--cdrs`` call records (spread over
the last 30 days: internal, inbound and outbound, answered and not), the real
:class:`~firmware.box.Box` on a virtual clock serving its management API on a Unix
socket (a thread), and the real web UI app (:func:`webui.app.make_app`) called in this
process through WSGI with a logged-in admin session — no HTTP, no browser: the time is
the server's (routing, login guard, management calls over the socket, SQL, templates).

Pages: the box status, the extensions list and the dashboard when those pages exist,
CDR search page 1 (and page 2 of a filtered search), the queue report of a day. Each is
rendered ``--repeat`` times after ``--warmup`` untimed renders; reported per page: min /
median / p95 ms and whether the median is within the target.
Target (issue 8): every page under 200 ms server time with 100 extensions and 10,000 CDRs.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import json
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional

TARGET_MS = 200.0
#: (label, path) candidates; pages whose route does not exist in this build are skipped
PAGES = (("status", "/status"), ("extensions", "/config/extensions"), ("extensions", "/setup/extensions"), ("extensions", "/admin/extensions"),
         ("extensions", "/extensions"), ("dashboard", "/dashboard"), ("cdr search p1", "/reports/cdr"),
         ("cdr filtered p2", "/reports/cdr?direction=inbound&page=2"),
         ("queue report", "/reports/queues?interval=hour"))


def build_box_data(root: Path, extensions: int, cdrs: int, now: dt.datetime) -> None:
    """Config with ``extensions`` extensions and a CDR store with ``cdrs`` records."""
    from firmware.cdr.record import CdrRecord
    from firmware.cdr.store import CdrStore
    from firmware.config.store import ConfigStore
    from firmware.paths import DataDir
    data = DataDir.at(str(root)).create()
    store = ConfigStore(data.config_db)
    try:
        have = len(store.extensions())
        for i in range(max(0, extensions - have)):
            store.add_extension(number=str(2000 + i), name=f"SIP phone {2000 + i}", kind="sip")
        store.set_user_password("admin", "Bench-web-pass1")
        store.update_user("admin", must_change=False)
    finally:
        store.close()
    cdr = CdrStore(data.cdr_db)
    try:
        step = dt.timedelta(days=30) / max(cdrs, 1)
        start0 = now - dt.timedelta(days=30)
        for i in range(cdrs):
            t = start0 + i * step
            kind = i % 4
            answered = i % 5 != 0
            ans = t + dt.timedelta(seconds=4) if answered else None
            end = t + dt.timedelta(seconds=30 + i % 240)
            if kind == 0:
                rec = CdrRecord(uniqueid=f"{int(t.timestamp())}.{i}", start=t, answer=ans, end=end,
                                src=f"1380013{i % 10000:04d}", dst="600", caller_name="张三" if i % 7 == 0 else "",
                                channel="FXO/fxo1", dcontext="from-trunk", direction="inbound", trunk="fxo1")
            elif kind == 1:
                rec = CdrRecord(uniqueid=f"{int(t.timestamp())}.{i}", start=t, answer=ans, end=end, src="801",
                                dst=f"6300{i % 10000:04d}", channel="FXS/fxs1", dstchannel="FXO/fxo2",
                                direction="outbound", trunk="fxo2")
            else:
                rec = CdrRecord(uniqueid=f"{int(t.timestamp())}.{i}", start=t, answer=ans, end=end,
                                src=str(2000 + i % 96), dst=str(2000 + (i + 1) % 96), channel=f"SIP/{2000 + i % 96}",
                                direction="internal")
            cdr.submit(rec)
        cdr.flush(60.0)
    finally:
        cdr.close()


class _ServerThread:
    """The box's management server on an event loop in a thread."""

    def __init__(self, dispatcher: Any, socket_path: Path) -> None:
        from firmware.mgmt.server import MgmtServer
        self.loop = asyncio.new_event_loop()
        self.server = MgmtServer(dispatcher, socket_path)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="bench-mgmt")
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def _wsgi_get(app: Callable, path: str, cookie: str) -> tuple[int, int]:
    """GET ``path`` from the WSGI ``app``; (HTTP status, body bytes)."""
    p, _, q = path.partition("?")
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": p, "QUERY_STRING": q, "SERVER_NAME": "bench",
           "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "bench", "HTTP_COOKIE": cookie,
           "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": io.StringIO(),
           "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False, "wsgi.version": (1, 0)}
    status: list[str] = []
    body = app(env, lambda s, h, exc=None: status.append(s))
    n = sum(len(chunk) for chunk in body)
    if hasattr(body, "close"):
        body.close()
    return int(status[0].split()[0]), n


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q * len(s) + 0.5)) - 1))]


def run(extensions: int = 100, cdrs: int = 10_000, repeat: int = 30, warmup: int = 3,
        workdir: Optional[Path] = None) -> dict[str, Any]:
    """Build the box, render the pages, return the figures (see the module docstring)."""
    from firmware.box import Box
    from firmware.config.store import ConfigStore
    from firmware.mgmt.client import MgmtClient
    from firmware.paths import DataDir
    from hal.clock import VirtualClock
    from webui.app import make_app                # the bench is a tool: it may drive the web UI
    from webui.auth import COOKIE
    from webui.web import Web

    tmp = Path(tempfile.mkdtemp(prefix="hlweb", dir=str(workdir) if workdir else "/tmp"))
    try:
        t0 = time.perf_counter()
        clock = VirtualClock()
        build_box_data(tmp, extensions, cdrs, clock.wall_time())
        data = DataDir.at(str(tmp))
        box = Box(data, clock)
        server = _ServerThread(box.dispatcher, data.socket)
        store = ConfigStore(data.config_db)
        try:
            web = Web(lambda: MgmtClient(socket_path=data.socket, timeout=30), store, data.root)
            app = make_app(web)
            session = web.sessions.create(store.user("admin"))
            cookie = f"{COOKIE}={session.sid}"
            setup_s = time.perf_counter() - t0
            rules = {r.rule for r in app.routes}
            pages: list[dict[str, Any]] = []
            seen: set[str] = set()
            for label, path in PAGES:
                if path.split("?")[0] not in rules or label in seen and label == "extensions":
                    continue
                seen.add(label)
                for _ in range(warmup):
                    _wsgi_get(app, path, cookie)
                times, status, size = [], 0, 0
                for _ in range(repeat):
                    a = time.perf_counter()
                    status, size = _wsgi_get(app, path, cookie)
                    times.append((time.perf_counter() - a) * 1000.0)
                med = statistics.median(times)
                pages.append({"page": label, "path": path, "status": status, "bytes": size,
                              "min_ms": round(min(times), 2), "median_ms": round(med, 2),
                              "p95_ms": round(percentile(times, 0.95), 2), "within_target": med < TARGET_MS})
            counts = {"extensions": len(store.extensions()), "cdrs": box.dispatcher.run("cdr.search", {"limit": 1})["total"]}
        finally:
            store.close()
            server.stop()
            box.close()
        return {"target_ms": TARGET_MS, "extensions": counts["extensions"], "cdrs": counts["cdrs"],
                "repeat": repeat, "setup_s": round(setup_s, 2), "pages": pages,
                "all_within_target": all(p["within_target"] and p["status"] == 200 for p in pages)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="hotline bench web", description=__doc__.split("\n\n")[0])
    ap.add_argument("--extensions", type=int, default=100, help="extensions configured (default 100)")
    ap.add_argument("--cdrs", type=int, default=10_000, help="call records stored (default 10000)")
    ap.add_argument("--repeat", type=int, default=30, help="timed renders per page (default 30)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed renders per page first (default 3)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    a = ap.parse_args(argv)
    if a.repeat < 1 or a.extensions < 0 or a.cdrs < 0:
        ap.error("--repeat must be at least 1; --extensions and --cdrs 0 or more")
    out = run(a.extensions, a.cdrs, a.repeat, a.warmup)
    if a.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"web UI server time, {out['extensions']} extensions, {out['cdrs']} call records, "
          f"{out['repeat']} renders per page (target {out['target_ms']:.0f} ms)")
    print(f"{'page':<18} {'min ms':>8} {'median':>8} {'p95':>8}  {'status':>6} {'KiB':>6}  target")
    for p in out["pages"]:
        print(f"{p['page']:<18} {p['min_ms']:>8.1f} {p['median_ms']:>8.1f} {p['p95_ms']:>8.1f}  {p['status']:>6} "
              f"{p['bytes'] / 1024:>6.1f}  {'ok' if p['within_target'] else 'SLOW'}")
    print("all pages within target" if out["all_within_target"] else "some pages are over the target")
    return 0
