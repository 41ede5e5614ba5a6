"""The status page: box, ports and calls, read from the daemon's ``status`` command.

``make_app(client_factory)`` builds a bottle app with

* ``/``            a plain HTML page (no JavaScript, refreshes itself every 2 s);
* ``/api/status``  the ``status`` result as JSON;
* ``/healthz``     ``{"ok": true}`` when the daemon answers ``ping``, else HTTP 503.

When the daemon does not answer, ``/`` says so in words with HTTP 503 (and the page keeps
refreshing, so it comes back by itself). ``client_factory()`` returns a fresh
:class:`firmware.mgmt.client.MgmtClient` per request (requests run on waitress threads).
Everything shown is HTML-escaped: names come from configuration.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import bottle

from firmware.mgmt.render import cell, duration  # noqa: F401 (used by the template too)
from firmware.mgmt.client import DaemonNotRunning, MgmtClient, MgmtError, MgmtTimeout

TEMPLATES = Path(__file__).parent / "templates"
REFRESH_S = 2                    #: page auto-refresh, seconds
#: table columns shown (those present, in this order); other fields are in /api/status
PORT_COLUMNS = ["name", "kind", "slot", "state", "extension", "number", "hook", "call", "digits",
                "caller_id"]
CALL_COLUMNS = ["id", "from", "to", "state", "duration_s", "legs"]


# Cell texts are shared with `hotline ctl` (the management API's own text renderer).


def _columns(rows: list, preferred: list[str]) -> list[str]:
    rows = [r for r in rows if isinstance(r, dict)]
    cols = [c for c in preferred if any(c in r for r in rows)]
    if not cols:                     # an unfamiliar shape: show what there is
        for r in rows:
            for k in r:
                if k not in cols:
                    cols.append(k)
    return cols


def _error_status(e: MgmtError) -> tuple[int, str]:
    if isinstance(e, DaemonNotRunning):
        return 503, "The Hotline daemon is not running."
    if isinstance(e, MgmtTimeout):
        return 503, "The Hotline daemon did not answer."
    if e.code == "disconnected":
        return 503, "The Hotline daemon went away."
    return 500, "The Hotline daemon could not report its status."


def _ask(client_factory: Callable[[], MgmtClient], cmd: str) -> Any:
    client = client_factory()
    try:
        return client.call(cmd)
    finally:
        client.close()


def make_app(client_factory: Callable[[], MgmtClient]) -> bottle.Bottle:
    """The status web app; ``client_factory()`` gives a new management client."""
    app = bottle.Bottle()
    page = bottle.SimpleTemplate(name="status", lookup=[str(TEMPLATES)])

    def render(**kw: Any) -> str:
        base = dict(refresh=REFRESH_S, title="Hotline", error=None, error_title="",
                    box={}, ports=[], calls=[], counters={}, port_columns=[], call_columns=[],
                    duration=duration, cell=cell)
        base.update(kw)
        return page.render(**base)

    @app.get("/")
    def index() -> str:
        try:
            status = _ask(client_factory, "status")
        except MgmtError as e:
            code, title = _error_status(e)
            bottle.response.status = code
            return render(error=e.message, error_title=title)
        if not isinstance(status, dict):
            status = {}
        box = status.get("box") if isinstance(status.get("box"), dict) else {}
        ports = [p for p in status.get("ports") or [] if isinstance(p, dict)]
        calls = [c for c in status.get("calls") or [] if isinstance(c, dict)]
        counters = status.get("counters") if isinstance(status.get("counters"), dict) else {}
        return render(title=f"{box.get('name') or 'Hotline'} — status", box=box,
                      ports=ports, calls=calls, counters=counters,
                      port_columns=_columns(ports, PORT_COLUMNS),
                      call_columns=_columns(calls, CALL_COLUMNS))

    @app.get("/api/status")
    def api_status() -> str:
        bottle.response.content_type = "application/json; charset=utf-8"
        try:
            return json.dumps(_ask(client_factory, "status"), ensure_ascii=False)
        except MgmtError as e:
            bottle.response.status = _error_status(e)[0]
            return json.dumps({"error": {"code": e.code, "message": e.message}}, ensure_ascii=False)

    @app.get("/healthz")
    def healthz() -> str:
        bottle.response.content_type = "application/json; charset=utf-8"
        try:
            _ask(client_factory, "ping")
        except MgmtError as e:
            bottle.response.status = 503
            return json.dumps({"ok": False, "error": e.message}, ensure_ascii=False)
        return json.dumps({"ok": True})

    return app
