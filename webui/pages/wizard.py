"""The setup wizard (admin, installer): first boot, and again whenever wanted.

* ``GET /setup`` resumes at the step last saved (settings.setup_step);
  ``GET /setup/<step>`` shows one step with the step list (``ul.steps``), Back / Next;
  ``POST /setup/<step>`` saves it into the config store (so a half-done wizard keeps
  what was entered) and goes on to the next step — or shows the form again with the
  messages next to the fields (HTTP 400).
* ``GET /setup/ports/check`` (htmx): the line-check table again (``ports.check``).
* ``GET /setup/sheet``: the printable provisioning sheet (SIP passwords are shown only here).
* ``POST /setup/testcall`` (htmx): ring an extension (``test_call``).
* ``POST /setup/finish``: refused while an admin login keeps the factory password or
  must change it; else settings.setup_done = true and on to the box status.

The steps themselves are in :mod:`webui.pages.wizard_steps`.
"""
from __future__ import annotations

from typing import Any

import bottle

from firmware.config.errors import ConfigError
from firmware.mgmt.client import MgmtError
from webui.forms import form_dict
from webui.i18n import N_, _
from webui.pages.wizard_steps import BY_KEY, STEPS, Step, StepError, port_check, weak_admins
from webui.render import add_nav, render
from webui.web import Web

SETUP = ("admin", "installer")
CSS = ["wizard.css"]


def _errors(e: Exception, fields: dict) -> dict[str, str]:
    """A refusal as ``{form field: message}``; unknown fields go to ``"_"`` (top of the form)."""
    if isinstance(e, StepError):
        return {e.field: e.message}
    assert isinstance(e, ConfigError)
    name = e.field.rsplit(".", 1)[-1]
    return {name if name in fields else "_": e.message}


def install(app: bottle.Bottle, web: Web) -> None:
    add_nav("/setup", N_("Setup wizard"), SETUP, N_("Setup"))

    def reached() -> int:
        key = web.box_settings().get("setup_step", "")
        return next((i for i, s in enumerate(STEPS) if s.key == key), 0)

    def step_page(step: Step, values: Any = None, errors: Any = None, flash: Any = None) -> str:
        data = step.load(web)
        if values is not None:
            data["values"] = {**data.get("values", {}), **values}
        i = STEPS.index(step)
        return render("wizard", title=_("Setup wizard"), extra_css=CSS, step=step, index=i, steps=STEPS,
                      reached=max(reached(), i), prev=STEPS[i - 1] if i else None,
                      next_step=STEPS[i + 1] if i + 1 < len(STEPS) else None,
                      errors=errors or {}, flash=flash, **data)

    @app.get("/setup", roles=SETUP)
    def setup_start() -> Any:
        return bottle.redirect(f"/setup/{STEPS[reached()].key}")

    @app.get("/setup/ports/check", roles=SETUP)
    def ports_fragment() -> str:
        rows, err = port_check(web)
        return bottle.template("wizard_ports_table", _=_, checks=rows, check_error=err)

    @app.get("/setup/sheet", roles=SETUP)
    def sheet() -> str:
        st = web.box_settings()
        server = st.get("sip_advertise") or (st.get("network") or {}).get("address") or bottle.request.urlparts.hostname
        return render("wizard_sheet", title=_("Provisioning sheet"), extra_css=CSS, server=server,
                      extensions=web.store.extensions(), box=st.get("box_name", "Hotline"))

    @app.post("/setup/testcall", roles=SETUP)
    def test_call() -> str:
        ext = bottle.request.forms.getunicode("extension", "").strip()
        try:
            r = web.ask("test_call", extension=ext)
        except MgmtError as e:
            return bottle.template("wizard_testcall", _=_, ok=False, ext=ext, reason=e.message)
        return bottle.template("wizard_testcall", _=_, ok=bool(r.get("ringing")), ext=ext,
                               reason=r.get("reason", ""))

    @app.post("/setup/finish", roles=SETUP)
    def finish() -> Any:
        weak = weak_admins(web)
        if weak:
            bottle.response.status = 400
            return step_page(BY_KEY["summary"], errors={"_": _(
                "Admin login {name} still has the default password: set a new one in step 2 first.")
                .format(name=weak[0])})
        with web.acting() as store:
            store.update_settings({"setup_done": True, "setup_step": ""})
        return bottle.redirect("/status")

    @app.get("/setup/<key>", roles=SETUP)
    def show(key: str) -> Any:
        step = BY_KEY.get(key)
        if step is None:
            bottle.abort(404)
        return step_page(step)

    @app.post("/setup/<key>", roles=SETUP)
    def save(key: str) -> Any:
        step = BY_KEY.get(key)
        if step is None:
            bottle.abort(404)
        f = form_dict()
        try:
            step.save(web, f, bottle.request.files)
        except (StepError, ConfigError) as e:
            bottle.response.status = 400
            shown = {k: v for k, v in f.items() if "password" not in k and k != "confirm"}
            return step_page(step, values=shown, errors=_errors(e, {**step.load(web).get("values", {}), **f}))
        i = STEPS.index(step)
        nxt = STEPS[min(i + 1, len(STEPS) - 1)]
        if STEPS.index(nxt) > reached():
            with web.acting() as store:
                store.update_settings({"setup_step": nxt.key})
        return bottle.redirect(f"/setup/{nxt.key}")
