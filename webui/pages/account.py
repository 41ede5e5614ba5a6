"""Logging in and out, and one's own password and language.

* ``GET/POST /login`` (public): user name, password, language.  The form carries a
  token tied to a cookie set with the form (login CSRF).  Wrong passwords count toward
  the lockout (webui/auth.py LoginGuard); a lockout is written to the audit log.
* ``POST /logout``; ``GET/POST /account/password`` (also where a must-change user lands);
  ``POST /account/lang``.
"""
from __future__ import annotations

import hmac
import math
import secrets
from typing import Any

import bottle

from firmware.config.errors import ConfigError
from webui import i18n
from webui.app import LANG_COOKIE
from webui.auth import COOKIE, MAX_AGE_S
from webui.forms import error_for, form_dict
from webui.i18n import _
from webui.render import render
from webui.web import Web

PRE_COOKIE = "hotline_pre"


def _safe_next(url: str) -> str:
    """Only paths on this box (never ``//evil`` or ``http://...``)."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/"
    return url


def home_for(role: str, setup_done: bool = True) -> str:
    """Where a role lands after logging in (admins and installers: the setup wizard until
    it has been finished once)."""
    if not setup_done and role in ("admin", "installer"):
        return "/setup"
    return {"agent": "/agent", "supervisor": "/dashboard"}.get(role, "/status")


def install(app: bottle.Bottle, web: Web) -> None:
    def cookie_args(max_age: int | None = None) -> dict[str, Any]:
        return dict(path="/", httponly=True, samesite="strict", secure=web.secure, max_age=max_age)

    def login_form(error: str = "", note: str = "", username: str = "", status: int = 200) -> str:
        token = secrets.token_urlsafe(24)
        bottle.response.set_cookie(PRE_COOKIE, token, **cookie_args(3600))
        bottle.response.status = status
        return render("login", pre_token=token, error=error, note=note, username=username,
                      next_url=_safe_next(bottle.request.query.getunicode("next", "")))

    @app.get("/login", public=True)
    def login_page() -> str:
        lang = bottle.request.query.get("lang")
        if lang in i18n.LANGUAGES:
            i18n.set_language(lang)
            bottle.response.set_cookie(LANG_COOKIE, lang, path="/", samesite="strict", max_age=365 * 86400)
        s = web.session()
        if s is not None:
            return bottle.redirect(home_for(s.role, web.box_settings().get("setup_done", True)))
        return login_form(note=_("You have been logged out.") if bottle.request.query.get("bye") else "")

    @app.post("/login", public=True)
    def login() -> Any:
        f = form_dict()
        pre = bottle.request.get_cookie(PRE_COOKIE) or ""
        if not pre or not hmac.compare_digest(pre.encode(), bottle.request.forms.get("csrf", "").encode()):
            bottle.response.status = 403
            return login_form(_("The login form expired. Please try again."), status=403)
        lang = f.get("lang", "")
        if lang in i18n.LANGUAGES:
            i18n.set_language(lang)
            bottle.response.set_cookie(LANG_COOKIE, lang, path="/", samesite="strict", max_age=365 * 86400)
        username = f.get("username", "").strip().lower()
        address = bottle.request.remote_addr or "?"
        left = web.guard.locked_for(username, address)
        if left > 0:
            return login_form(_("Too many wrong passwords: logins are locked for {min} more minutes.")
                              .format(min=math.ceil(left / 60)), username=username, status=429)
        user = web.store.check_login(username, f.get("password", ""))
        if user is None:
            if web.guard.failed(username, address):
                with web.store.acting(f"web:{address}"):
                    web.store.note_audit("lockout", "login", username, f"from {address}")
                return login_form(_("Too many wrong passwords: logins are locked for {min} more minutes.")
                                  .format(min=math.ceil(web.guard.lock_s / 60)), username=username, status=429)
            return login_form(_("Wrong user name or password."), username=username, status=401)
        web.guard.succeeded(username, address)
        s = web.sessions.create(user)
        bottle.response.set_cookie(COOKIE, s.sid, **cookie_args(MAX_AGE_S))
        bottle.response.delete_cookie(PRE_COOKIE, path="/")
        nxt = _safe_next(f.get("next", ""))
        return bottle.redirect(nxt if nxt != "/" else home_for(s.role, web.box_settings().get("setup_done", True)))

    @app.post("/logout")
    def logout() -> Any:
        s = web.session()
        if s is not None:
            web.sessions.end(s.sid)
        bottle.response.delete_cookie(COOKIE, path="/")
        return bottle.redirect("/login?bye=1")

    @app.get("/account/password")
    def password_page() -> str:
        s = web.session()
        return render("password", title=_("Change password"), must=s.must_change if s else False)

    @app.post("/account/password")
    def password_change() -> Any:
        s = web.session()
        assert s is not None
        f = form_dict()
        errors: dict[str, str] = {}
        if web.store.check_login(s.username, f.get("current", "")) is None:
            errors["current"] = _("This is not your current password.")
        elif f.get("password", "") != f.get("confirm", ""):
            errors["confirm"] = _("The two new passwords differ.")
        elif f.get("password") == f.get("current"):
            errors["password"] = _("The new password must differ from the current one.")
        else:
            try:
                with web.acting() as store:
                    store.set_user_password(s.username, f.get("password", ""))
            except ConfigError as e:
                errors.update(error_for(e))
        if errors:
            bottle.response.status = 400
            return render("password", title=_("Change password"), must=s.must_change, errors=errors)
        web.sessions.end_user(s.username, keep=s.sid)       # other browsers must log in again
        s.must_change = False
        return render("password", title=_("Change password"), must=False,
                      flash=("", _("Your password has been changed.")))

    @app.post("/account/lang")
    def set_lang() -> Any:
        s = web.session()
        lang = bottle.request.forms.get("lang", "")
        if s is not None and lang in ("", *i18n.LANGUAGES):
            with web.acting() as store:
                store.update_user(s.username, lang=lang)
        return bottle.redirect(_safe_next(bottle.request.forms.getunicode("next", "/")))
