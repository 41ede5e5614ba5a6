"""The system log (admin, supervisor): /system/log shows the daemon's recent log records
(``log.tail``: newest first) filtered by level and text; the table part refreshes itself
every 10 s (htmx) while the page is open."""
from __future__ import annotations

from typing import Any

import bottle

from firmware.mgmt.client import MgmtError
from webui.i18n import N_, _
from webui.render import add_nav, render
from webui.web import Web

ROLES = ("admin", "supervisor")
LEVELS = ("debug", "info", "warning", "error", "critical")
LIMITS = (50, 100, 500, 2000)
LEVEL_LABELS = {"debug": N_("debug"), "info": N_("info"), "warning": N_("warning"), "error": N_("error"),
                "critical": N_("critical")}


def install(app: bottle.Bottle, web: Web) -> None:
    add_nav("/system/log", N_("System log"), ROLES, N_("System"))

    def filters() -> dict[str, Any]:
        q = bottle.request.query
        level = q.get("level", "") if q.get("level", "") in LEVELS else ""
        try:
            limit = int(q.get("limit", "100"))
        except ValueError:
            limit = 100
        limit = limit if limit in LIMITS else 100
        return {"level": level, "limit": limit, "contains": (q.getunicode("contains") or "").strip()[:200]}

    def records(f: dict[str, Any]) -> tuple[list, str]:
        try:
            return web.ask("log.tail", **{k: v for k, v in f.items() if v}), ""
        except MgmtError as e:
            return [], e.message

    @app.get("/system/log", roles=ROLES)
    def log_page() -> str:
        f = filters()
        rows, down = records(f)
        part = bottle.request.headers.get("HX-Request") == "true"
        return render("syslog_rows" if part else "syslog", title=_("System log"), rows=rows, down=down,
                      f=f, levels=LEVELS, limits=LIMITS,
                      query=bottle.request.query_string)
