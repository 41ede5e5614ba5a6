"""Notices (电子公告板) for supervisors (``/notices``, supervisor + admin): post a short
message every agent's panel shows, optionally expiring after some minutes, and delete
notices.  Through the daemon's ``notice.post`` / ``notice.list`` / ``notice.delete``; the
author is the web login.  Agents see them on the agent panel (its own page).
"""
from __future__ import annotations

from typing import Any

import bottle

from firmware.mgmt.client import MgmtError
from webui.forms import form_dict
from webui.i18n import N_, _
from webui.pages.dashboard import SUPERVISORS
from webui.pages.home import daemon_error
from webui.render import add_nav, render
from webui.web import Web

MAX_TEXT = 2000                 #: characters in a notice (the daemon's limit too)
EXPIRY_CHOICES = (("", N_("until deleted")), ("60", N_("1 hour")), ("240", N_("4 hours")),
                  ("480", N_("8 hours")), ("1440", N_("1 day")), ("10080", N_("1 week")))


def install(app: bottle.Bottle, web: Web) -> None:
    add_nav("/notices", N_("Notices"), SUPERVISORS, N_("Live"))

    def page(status: int = 200, **kw: Any) -> str:
        notices, error = [], ""
        try:
            got = web.ask("notice.list")
            notices = [n for n in got if isinstance(n, dict)] if isinstance(got, list) else []
        except MgmtError as e:
            status, error = daemon_error(e)
        bottle.response.status = status
        base: dict[str, Any] = dict(title=_("Notices"), notices=notices, extra_css=["dashboard.css"], daemon_error=error, values={},
                                    expiry=[(v, _(label)) for v, label in EXPIRY_CHOICES])
        base.update(kw)
        return render("notices", **base)

    @app.get("/notices", roles=SUPERVISORS)
    def notices() -> str:
        return page()

    @app.post("/notices", roles=SUPERVISORS)
    def post_notice() -> str:
        f = form_dict()
        text = f.get("text", "").strip()
        values = {"text": f.get("text", ""), "expires_min": f.get("expires_min", "")}
        if not text:
            return page(400, values=values, errors={"text": _("Write the message agents will see.")})
        if len(text) > MAX_TEXT:
            return page(400, values=values, errors={"text": _("{n} characters is too long (at most {max}).")
                                                    .format(n=len(text), max=MAX_TEXT)})
        exp = f.get("expires_min", "")
        if exp not in [v for v, _label in EXPIRY_CHOICES]:
            return page(400, values=values, errors={"expires_min": _("Choose how long the notice stays.")})
        s = web.session()
        args: dict[str, Any] = {"text": text, "author": s.username if s else "web"}
        if exp:
            args["expires_min"] = int(exp)
        try:
            web.ask("notice.post", **args)
        except MgmtError as e:
            code, words = daemon_error(e)
            return page(code if e.code not in ("bad_args", "failed") else 400, values=values,
                        flash=("error", words))
        return page(flash=("ok", _("Notice posted: agents see it now.")))

    @app.post("/notices/<nid>/delete", roles=SUPERVISORS)
    def delete_notice(nid: str) -> str:
        if not nid.isdigit() or len(nid) > 12:
            return page(404, flash=("error", _("There is no notice {id} (already deleted or expired?).")
                                    .format(id=nid[:12])))
        try:
            web.ask("notice.delete", id=int(nid))
        except MgmtError as e:
            if e.code in ("failed", "bad_args"):
                return page(404, flash=("error", _("There is no notice {id} (already deleted or expired?).")
                                        .format(id=nid)))
            code, words = daemon_error(e)
            return page(code, flash=("error", words))
        return page(flash=("ok", _("Notice {id} deleted.").format(id=nid)))
