"""The start page and the box status.

* ``/`` sends each role to its own start page (admin/installer → status, supervisor →
  dashboard, agent → agent panel).
* ``/status``: box, ports and calls from the daemon's ``status`` command; the tables
  refresh every 2 s (htmx fetches ``/status/fragment``).  When the daemon does not
  answer the page says so in words (HTTP 503) and keeps trying.
* ``/api/status`` (JSON), ``/healthz`` (``{"ok": true}`` when the daemon answers).
"""
from __future__ import annotations

import json
from typing import Any

import bottle

from firmware.mgmt.client import DaemonNotRunning, MgmtError, MgmtTimeout
from firmware.mgmt.render import cell, duration
from webui.i18n import N_, _
from webui.pages.account import home_for
from webui.render import add_nav, render
from webui.web import Web

REFRESH_S = 2                    #: status tables refresh, seconds
#: table columns shown (those present, in this order); other fields are in /api/status
PORT_COLUMNS = ["name", "kind", "slot", "state", "extension", "number", "hook", "call", "digits",
                "caller_id"]
CALL_COLUMNS = ["id", "from", "to", "state", "duration_s", "legs"]
STAFF = ("admin", "installer", "supervisor")


def _columns(rows: list, preferred: list[str]) -> list[str]:
    rows = [r for r in rows if isinstance(r, dict)]
    cols = [c for c in preferred if any(c in r for r in rows)]
    if not cols:                     # an unfamiliar shape: show what there is
        for r in rows:
            for k in r:
                if k not in cols:
                    cols.append(k)
    return cols


def daemon_error(e: MgmtError) -> tuple[int, str]:
    """HTTP status and plain words for a management API failure."""
    if isinstance(e, DaemonNotRunning):
        return 503, _("The Hotline daemon is not running.")
    if isinstance(e, MgmtTimeout):
        return 503, _("The Hotline daemon did not answer.")
    if e.code == "disconnected":
        return 503, _("The Hotline daemon went away.")
    return 500, _("The Hotline daemon could not answer: {message}").format(message=e.message)


def install(app: bottle.Bottle, web: Web) -> None:
    add_nav("/status", N_("Box status"), STAFF, N_("Live"))

    @app.get("/")
    def index() -> Any:
        s = web.session()
        return bottle.redirect(home_for(s.role, web.box_settings().get("setup_done", True)) if s else "/login")

    def status_view() -> dict[str, Any]:
        try:
            status = web.ask("status")
        except MgmtError as e:
            code, title = daemon_error(e)
            bottle.response.status = code
            return dict(error=e.message, error_title=title, box={}, ports=[], calls=[], counters={},
                        port_columns=[], call_columns=[])
        status = status if isinstance(status, dict) else {}
        box = status.get("box") if isinstance(status.get("box"), dict) else {}
        ports = [p for p in status.get("ports") or [] if isinstance(p, dict)]
        calls = [c for c in status.get("calls") or [] if isinstance(c, dict)]
        counters = status.get("counters") if isinstance(status.get("counters"), dict) else {}
        return dict(error=None, error_title="", box=box, ports=ports, calls=calls, counters=counters,
                    port_columns=_columns(ports, PORT_COLUMNS), call_columns=_columns(calls, CALL_COLUMNS))

    @app.get("/status", roles=STAFF)
    def status_page() -> str:
        v = status_view()
        return render("status", title=_("Box status"), refresh=REFRESH_S, duration=duration, cell=cell, **v)

    @app.get("/status/fragment", roles=STAFF)
    def status_fragment() -> str:
        v = status_view()
        return bottle.template("status_tables", _=_, refresh=REFRESH_S, duration=duration, cell=cell, **v)

    @app.get("/api/status", roles=STAFF)
    def api_status() -> str:
        bottle.response.content_type = "application/json; charset=utf-8"
        try:
            return json.dumps(web.ask("status"), ensure_ascii=False)
        except MgmtError as e:
            bottle.response.status = daemon_error(e)[0]
            return json.dumps({"error": {"code": e.code, "message": e.message}}, ensure_ascii=False)

    @app.get("/healthz")
    def healthz() -> str:
        bottle.response.content_type = "application/json; charset=utf-8"
        try:
            web.ask("ping")
        except MgmtError as e:
            bottle.response.status = 503
            return json.dumps({"ok": False, "error": e.message}, ensure_ascii=False)
        return json.dumps({"ok": True})
