"""The audit log (admin): who changed what in the configuration, logins locked, backups."""
from __future__ import annotations

import bottle

from webui.i18n import N_, _
from webui.render import add_nav, render
from webui.web import Web

PAGE = 100


def install(app: bottle.Bottle, web: Web) -> None:
    add_nav("/admin/audit", N_("Audit log"), ("admin",), N_("System"))

    @app.get("/admin/audit", roles=("admin",))
    def audit_page() -> str:
        q = bottle.request.query
        page = max(0, int(q.get("page", "0") or 0)) if (q.get("page", "0") or "0").isdigit() else 0
        actor = q.getunicode("actor") or None
        target = q.getunicode("target") or None
        log = web.store.audit_log(limit=PAGE, offset=page * PAGE, actor=actor, target=target)
        return render("audit", title=_("Audit log"), rows=log["rows"], total=log["total"], page=page,
                      pages=(log["total"] + PAGE - 1) // PAGE, actor=actor or "", target=target or "")
