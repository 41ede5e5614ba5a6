"""The web UI application: a bottle app with the login guard on every route.

``make_app(web)`` builds it.  Routes are public only when declared with
``public=True`` (the login page and the static files); every other route needs a
session, and ``roles=(...)`` limits it further.  The guard (:class:`AuthPlugin`):

* no session: HTML pages redirect to ``/login?next=...``; API, event streams, htmx and
  non-GET requests get HTTP 401;
* a state-changing method without the session's CSRF token: HTTP 403;
* a role that may not open the route: HTTP 403 with a page that says so;
* a user who must change their password goes to ``/account/password`` first.

It also sets the request's language and the security headers of every response.
Page modules live in ``webui/pages/`` and each has ``install(app, web)``.
"""
from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any, Callable

import bottle

from webui import i18n
from webui.auth import COOKIE, SAFE_METHODS, csrf_ok
from webui.i18n import _
from webui.render import error_page
from webui.web import Web

log = logging.getLogger("hotline.web")
STATIC = Path(__file__).parent / "static"
ALL_ROLES = ("admin", "installer", "supervisor", "agent")
LANG_COOKIE = "hotline_lang"
#: may be opened while the user still has to change their password
PASSWORD_CHANGE_PATHS = ("/account/password", "/logout")
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
                                "style-src 'self' 'unsafe-inline'; script-src 'self'; "
                                "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"),
}


def wants_html() -> bool:
    """A browser navigating to a page (not an API call, event stream or htmx request)."""
    r = bottle.request
    return (r.method in SAFE_METHODS and not r.path.startswith(("/api/", "/sse/"))
            and r.headers.get("HX-Request") != "true")


class AuthPlugin:
    """Login, CSRF and role checks around every route (see the module docstring)."""
    name = "hotline-auth"
    api = 2

    def __init__(self, web: Web) -> None:
        self.web = web

    def apply(self, callback: Callable[..., Any], route: bottle.Route) -> Callable[..., Any]:
        public = bool(route.config.get("public", False))
        roles = tuple(route.config.get("roles") or ALL_ROLES)
        web = self.web

        @functools.wraps(callback)
        def guarded(*a: Any, **kw: Any) -> Any:
            req, env = bottle.request, bottle.request.environ
            for k, v in SECURITY_HEADERS.items():
                bottle.response.set_header(k, v)
            s = web.sessions.get(req.get_cookie(COOKIE))
            if s is not None:
                user = web.store.user(s.username)
                if user is None or not user["enabled"]:
                    web.sessions.end(s.sid)
                    s = None
                else:
                    s.role, s.agent, s.lang, s.must_change = (user["role"], user["agent"], user["lang"],
                                                              user["must_change"])
            env["hotline.session"] = s
            settings = web.box_settings()
            env["hotline.box_name"] = settings.get("box_name", "Hotline")
            i18n.set_language(i18n.pick_language(s.lang if s else None, req.get_cookie(LANG_COOKIE),
                                                 fallback=settings.get("language", i18n.DEFAULT_LANGUAGE)))
            if public:
                return callback(*a, **kw)
            if s is None:
                if wants_html():
                    nxt = req.fullpath + (("?" + req.query_string) if req.query_string else "")
                    return bottle.redirect("/login?next=" + bottle.urlquote(nxt))
                bottle.response.status = 401
                bottle.response.set_header("WWW-Authenticate", 'Session realm="Hotline"')
                return {"error": "login required"} if req.path.startswith("/api/") else _("Please log in.")
            if req.method not in SAFE_METHODS:
                token = req.forms.get("csrf") or req.headers.get("X-CSRF-Token")
                if not csrf_ok(s, token):
                    return error_page(403, _("This form has expired or did not come from this box "
                                             "(missing security token). Reload the page and try again."))
            if s.must_change and req.path not in PASSWORD_CHANGE_PATHS:
                if wants_html():
                    return bottle.redirect("/account/password")
                bottle.response.status = 403
                return _("Change your password first.")
            if s.role not in roles:
                return error_page(403, _("Your login ({role}) may not open this page.").format(role=_(s.role)))
            return callback(*a, **kw)
        return guarded


def make_app(web: Web) -> bottle.Bottle:
    """The whole web UI for ``web`` (see :mod:`webui.pages` for the pages installed)."""
    from webui import pages
    app = bottle.Bottle()
    app.install(AuthPlugin(web))

    @app.get("/static/<name:path>", public=True)
    def static(name: str) -> Any:
        resp = bottle.static_file(name, root=str(STATIC))
        resp.set_header("Cache-Control", "max-age=3600")
        return resp

    @app.error(404)
    def not_found(err: bottle.HTTPError) -> str:
        return error_page(404, _("There is no such page."))

    @app.error(405)
    def not_allowed(err: bottle.HTTPError) -> str:
        return error_page(405, _("This address does not take that kind of request."))

    @app.error(500)
    def broken(err: bottle.HTTPError) -> str:
        log.error("web UI error on %s: %s", bottle.request.path, err.exception, exc_info=err.exception)
        return error_page(500, _("Something went wrong on the box; the error is in the system log."))

    for module in pages.MODULES:
        module.install(app, web)
    return app
