"""Users and roles (admin only): list, add, edit, reset password, delete, unlock.

Roles: admin (everything), installer (setup wizard and configuration), supervisor
(dashboard, reports, agents), agent (the agent panel; linked to an agent number).
Changes are audited as the logged-in admin; a disabled or deleted user's sessions end
at their next request.
"""
from __future__ import annotations

from typing import Any

import bottle

from firmware.config.errors import ConfigError
from firmware.config.validate_users import ROLES
from webui.forms import error_for, form_dict
from webui.i18n import N_, _
from webui.render import add_nav, render
from webui.web import Web

ADMIN = ("admin",)
ROLE_LABELS = {"admin": N_("admin"), "installer": N_("installer"), "supervisor": N_("supervisor"),
               "agent": N_("agent")}


def install(app: bottle.Bottle, web: Web) -> None:
    add_nav("/admin/users", N_("Users and roles"), ADMIN, N_("System"))

    def role_choices() -> list[tuple[str, str]]:
        return [(r, _(ROLE_LABELS[r])) for r in ROLES]

    def agent_choices() -> list[tuple[str, str]]:
        return [("", "—")] + [(a["number"], f"{a['number']} {a['name']}") for a in web.store.agents()]

    def page(**kw: Any) -> str:
        base = dict(title=_("Users and roles"), users=web.store.users(), roles=role_choices(),
                    agents=agent_choices(), editing=None, values={"role": "agent", "enabled": "1"})
        base.update(kw)
        return render("users", **base)

    @app.get("/admin/users", roles=ADMIN)
    def users_page() -> str:
        edit = bottle.request.query.getunicode("edit")
        user = web.store.user(edit) if edit else None
        if user is not None:
            return page(editing=user["username"], values={**user, "enabled": "1" if user["enabled"] else ""})
        return page()

    @app.post("/admin/users", roles=ADMIN)
    def add_user() -> Any:
        f = form_dict()
        try:
            if f.get("password", "") != f.get("confirm", ""):
                raise ConfigError("users.confirm", _("The two passwords differ."))
            with web.acting() as store:
                store.add_user(f.get("username", "").strip().lower(), role=f.get("role", ""),
                               password=f.get("password", ""), name=f.get("name", ""),
                               agent=f.get("agent", ""), must_change=bool(f.get("must_change")))
        except ConfigError as e:
            bottle.response.status = 400
            return page(values=f, errors=error_for(e))
        return page(flash=("", _("User {name} added.").format(name=f.get("username", "").strip().lower())))

    @app.post("/admin/users/<username>", roles=ADMIN)
    def edit_user(username: str) -> Any:
        f = form_dict()
        action = f.get("action", "save")
        try:
            with web.acting() as store:
                if action == "delete":
                    store.delete_user(username)
                    web.sessions.end_user(username)
                    return page(flash=("", _("User {name} deleted.").format(name=username)))
                if action == "password":
                    store.set_user_password(username, f.get("password", ""), must_change=bool(f.get("must_change")))
                    web.sessions.end_user(username)
                    return page(flash=("", _("New password set for {name}.").format(name=username)))
                if action == "unlock":
                    web.guard.unlock(username)
                    store.note_audit("unlock", "login", username)
                    return page(flash=("", _("Logins of {name} are unlocked.").format(name=username)))
                store.update_user(username, name=f.get("name", ""), role=f.get("role", ""), agent=f.get("agent", ""),
                                  enabled=bool(f.get("enabled")), lang=f.get("lang", ""))
        except ConfigError as e:
            bottle.response.status = 400
            user = web.store.user(username) or {}
            return page(editing=username, values={**user, **f}, errors=error_for(e))
        return page(flash=("", _("User {name} saved.").format(name=username)))
