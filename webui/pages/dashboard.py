"""The supervisor's live dashboard (``/dashboard``, supervisor + admin).

Queues (waiting callers, longest wait, service level, ASA, answered / abandoned today,
agents by state), agents (state with a running time-in-state counter, current call,
queue), extensions (analog phones on FXS ports and SIP extensions with their
registration: source address, user agent, time to expiry; idle / ringing / in call),
trunks and lines (FXO lines and SIP trunks with their registration; idle / in use /
alarm), conferences and supervision sessions.  The page opens one server-sent event
stream (``/sse/dashboard``) and its parts are re-rendered after the daemon's ``acd.``,
``call.``, ``port.``, ``conference.``, ``supervise.``, ``sip.`` (registered,
unregistered, expired, reachable / unreachable, trunk) and ``alarm`` events: no reloads,
no polling.

Actions (htmx POSTs carrying the CSRF token; the answer is shown in words above the
tables): per agent **listen / whisper / barge / take over** (the box rings the
supervisor's own phone first: the extension is asked once and remembered in the login
session), **pause** with a reason, **unpause**, **log out**; per supervision session
**switch** to another mode and **stop**.
"""
from __future__ import annotations

import html
import re
from typing import Any, Optional

import bottle

from firmware.mgmt.client import MgmtError
from webui.i18n import N_, _
from webui.pages import dashboard_view as view
from webui.pages.home import daemon_error
from webui.render import add_nav, render
from webui.sse import live_stream
from webui.web import Web

SUPERVISORS = ("supervisor", "admin")
TOPICS = ["acd.", "call.", "port.", "conference.", "supervise.", "sip.", "alarm"]
PARTS = ("queues", "agents", "sessions", "extensions", "lines", "conferences")
NUMBER = re.compile(r"^[0-9*#]{1,20}$")
SUPERVISE_MODES = ("listen", "whisper", "barge", "takeover")
STATE_LABELS = {"ready": N_("ready"), "ringing": N_("ringing"), "on_call": N_("on a call"),
                "wrap_up": N_("wrap-up"), "paused": N_("paused"), "logged_out": N_("logged out")}
STATUS_LABELS = {"idle": N_("idle"), "ringing": N_("ringing"), "in_call": N_("in call"),
                 "off_hook": N_("off hook"), "in_use": N_("in use"), "alarm": N_("alarm"),
                 "offline": N_("offline")}
REG_LABELS = {"registered": N_("registered"), "unregistered": N_("not registered"),
              "unreachable": N_("unreachable"), "sip_off": N_("SIP is off"), "failing": N_("failing"),
              "registering": N_("registering"), "not_needed": N_("no registration needed"),
              "disabled": N_("disabled")}
SESSION_STATES = {"ringing": N_("your phone rings"), "waiting": N_("waiting for the agent's call"),
                  "monitoring": N_("on the call"), "done": N_("ended")}
MODE_DONE = {"listen": N_("Session {id}: you now listen to agent {agent} (nobody hears you)."),
             "whisper": N_("Session {id}: you now whisper to agent {agent} (only the agent hears you)."),
             "barge": N_("Session {id}: you now barge in on agent {agent}'s call (the agent and the caller "
                         "hear you)."),
             "takeover": N_("Session {id}: you took over agent {agent}'s call. The caller now talks with you "
                            "and the agent is released.")}
MODE_LABELS = {"listen": N_("listen"), "whisper": N_("whisper"), "barge": N_("barge"),
               "takeover": N_("take over")}
DONE = {"pause": N_("Agent {agent} is paused."), "unpause": N_("Agent {agent} is ready again."),
        "logout": N_("Agent {agent} is logged out.")}
REFUSED = {"pause": N_("Agent {agent} cannot be paused now (logged out, or already paused)."),
           "unpause": N_("Agent {agent} cannot be made ready now (not paused)."),
           "logout": N_("Agent {agent} cannot be logged out now (not logged in).")}
COMMANDS = {"pause": "acd.agent.pause", "unpause": "acd.agent.unpause", "logout": "acd.agent.logout"}


def state_label(state: str) -> str:
    return _(STATE_LABELS.get(state, state))


def status_label(status: str) -> str:
    return _(STATUS_LABELS.get(status, status))


def mode_label(mode: str) -> str:
    return _(MODE_LABELS.get(mode, mode))


def reg_label(state: str) -> str:
    return _(REG_LABELS.get(state, state))


def session_state_label(state: str) -> str:
    return _(SESSION_STATES.get(state, state))


def fmt_s(v: Any) -> str:
    """Seconds as m:ss (— when unknown)."""
    if not isinstance(v, (int, float)):
        return "—"
    s = int(round(v))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def expires_html(expires_s: Any) -> str:
    """"expires in m:ss" (HTML, escaped) with a counter going down in the browser
    (``data-until``: epoch seconds in the browser's clock, static/dashboard.js)."""
    until = view.since_epoch(-expires_s) if isinstance(expires_s, (int, float)) else None
    counter = (f'<span data-until="{until}">{html.escape(fmt_s(expires_s))}</span>' if until is not None
               else html.escape(fmt_s(expires_s)))
    return html.escape(_("expires in {time}")).format(time=counter)


def fmt_pct(v: Any) -> str:
    return "—" if not isinstance(v, (int, float)) else f"{v:.0f} %"


def supervisor_number(web: Web) -> str:
    """The ACD supervisor number this login supervises as (remembered in the session)."""
    s = web.session()
    return getattr(s, "supervisor", "") if s is not None else ""


def listen_extension(web: Web) -> str:
    """The extension this supervisor listens from (remembered in the login session)."""
    s = web.session()
    return getattr(s, "extension", "") if s is not None else ""


def dashboard_data(web: Web) -> dict[str, Any]:
    """Everything the dashboard shows, from one round of management commands."""
    got, err = view.ask_all(web.ask, ["acd.queues", "acd.stats", "acd.agents", "status", "conferences",
                                      "supervise.list"])
    status = got.get("status") if isinstance(got.get("status"), dict) else {}
    ports, calls = status.get("ports"), status.get("calls")
    sip = None
    if err is None:
        try:
            sip = view.optional(web.ask, "sip.status")
        except MgmtError as e:
            err = e
    return dict(
        queues=view.queue_rows(got.get("acd.queues"), got.get("acd.stats")),
        agents=view.agent_rows(got.get("acd.agents"), calls),
        extensions=view.extension_rows(ports, web.store.extensions(), sip),
        lines=view.line_rows(ports, web.store.sip_trunks(), sip),
        conferences=view.conference_rows(got.get("conferences")),
        sessions=view.session_rows(got.get("supervise.list")),
        error=(daemon_error(err)[1] + " " + err.message) if err is not None else "",
    )


def part_kw() -> dict[str, Any]:
    return dict(_=_, fmt_s=fmt_s, fmt_pct=fmt_pct, state_label=state_label, status_label=status_label,
                mode_label=mode_label, reg_label=reg_label, expires_html=expires_html, session_state_label=session_state_label,
                modes=SUPERVISE_MODES)


def render_parts(web: Web) -> dict[str, str]:
    """``{part: html}`` for the live stream (each part is one template)."""
    data = dashboard_data(web)
    kw = part_kw()
    out = {name: bottle.template(f"dash_{name}", **kw, **data) for name in PARTS}
    out["daemon"] = (f'<div class="flash error" role="alert">{html.escape(data["error"])}</div>'
                     if data["error"] else "")
    return out


def result(kind: str, message: str, status: int = 200) -> str:
    """The inline answer of an action (swapped into #action-result)."""
    bottle.response.status = status
    return f'<div class="flash {kind}" role="status">{html.escape(message)}</div>'


def install(app: bottle.Bottle, web: Web) -> None:
    add_nav("/dashboard", N_("Dashboard"), SUPERVISORS, N_("Live"))

    def reasons() -> list[tuple[str, str]]:
        return [(str(r["code"]), f"{r['code']} {r.get('name') or ''}".strip()) for r in web.store.pause_reasons()]

    @app.get("/dashboard", roles=SUPERVISORS)
    def dashboard() -> str:
        data = dashboard_data(web)
        return render("dashboard", title=_("Dashboard"), extra_css=["dashboard.css"], extra_js=["dashboard.js"],
                      reasons=reasons(), listen_ext=listen_extension(web), sup_number=supervisor_number(web),
                      has_supervisors=bool(web.store.supervisors()), **part_kw(), **data)

    @app.get("/sse/dashboard", roles=SUPERVISORS)
    def dashboard_stream() -> Any:
        return live_stream(web, TOPICS, lambda: render_parts(web))

    def known_agent(agent: str) -> bool:
        return any(str(a["number"]) == agent for a in web.store.agents())

    @app.post("/dashboard/extension", roles=SUPERVISORS)
    def set_extension() -> str:
        ext = (bottle.request.forms.getunicode("extension") or "").strip()
        number = (bottle.request.forms.getunicode("supervisor") or "").strip()
        pin = (bottle.request.forms.getunicode("pin") or "").strip()
        s = web.session()
        if ext and web.store.extension(ext) is None:
            return result("error", _("There is no extension {ext}.").format(ext=ext[:20]), 400)
        if number and web.store.supervisor(number) is None:
            return result("error", _("There is no supervisor {number}.").format(number=number[:20]), 400)
        if s is not None:
            s.extension = ext
            s.supervisor, s.supervisor_pin = number, (pin if number else "")
        if not ext and not number:
            return result("ok", _("No listening extension: listen, whisper and barge will ask for one."))
        if number:
            return result("ok", _("You supervise as supervisor {number}; your phone is {ext}.").format(
                number=number, ext=ext or _("your desk phone")))
        return result("ok", _("You listen from extension {ext}: its phone rings when you listen, "
                              "whisper or barge.").format(ext=ext))

    @app.post("/dashboard/agent/<agent>/<action>", roles=SUPERVISORS)
    def agent_action(agent: str, action: str) -> str:
        if not NUMBER.match(agent) or not known_agent(agent):
            return result("error", _("There is no agent {agent}.").format(agent=agent[:20]), 400)
        if action in SUPERVISE_MODES:
            return supervise(agent, action)
        if action not in COMMANDS:
            return result("error", _("Unknown action {action}.").format(action=action[:20]), 400)
        args: dict[str, Any] = {"agent": agent}
        if action == "pause":
            reason = (bottle.request.forms.getunicode("reason") or "").strip()
            codes = [c for c, _label in reasons()]
            if codes and reason not in codes:
                return result("error", _("Choose a pause reason ({codes}).").format(codes=", ".join(codes)), 400)
            if reason:
                args["reason"] = reason
        try:
            web.ask(COMMANDS[action], **args)
        except MgmtError as e:
            if e.code in ("failed", "bad_args"):
                return result("error", _(REFUSED[action]).format(agent=agent), 409)
            code, words = daemon_error(e)
            return result("error", words, code)
        return result("ok", _(DONE[action]).format(agent=agent))

    def supervise(agent: str, mode: str) -> str:
        ext = listen_extension(web)
        s = web.session()
        number = getattr(s, "supervisor", "") if s is not None else ""
        if not ext and not number:
            return result("error", _("First say which extension you listen from (above the tables)."), 400)
        args: dict[str, Any] = {"supervisor": ext, "target": agent, "mode": mode}
        if number:
            args.update(supervisor=number, pin=getattr(s, "supervisor_pin", ""), extension=ext)
        try:
            r = web.ask("supervise.start", **args)
        except MgmtError as e:
            if e.code in ("failed", "bad_args"):
                return result("error", _("The box refused to {mode} agent {agent}: {why}").format(
                    mode=mode_label(mode), agent=agent, why=e.message), 409)
            code, words = daemon_error(e)
            return result("error", words, code)
        sid = r.get("id", "") if isinstance(r, dict) else ""
        if mode == "takeover":
            phone = _("Extension {ext}").format(ext=ext) if ext else _("Your desk phone")
            return result("ok", _("{phone} is ringing (session {id}). When you answer, agent {agent}'s caller is "
                                  "moved to you and the agent is released (if the agent is not in a call yet, "
                                  "this happens on the agent's next call).").format(
                                      phone=phone, id=sid, agent=agent))
        if not ext:
            return result("ok", _("Your desk phone is ringing: answer it to {mode} agent {agent} (session {id}).")
                          .format(mode=mode_label(mode), agent=agent, id=sid))
        return result("ok", _("Extension {ext} is ringing: answer it to {mode} agent {agent} (session {id}).")
                      .format(ext=ext, mode=mode_label(mode), agent=agent, id=sid))

    @app.post("/dashboard/supervise/<sid>/stop", roles=SUPERVISORS)
    def supervise_stop(sid: str) -> str:
        try:
            web.ask("supervise.stop", id=sid[:40])
        except MgmtError as e:
            if e.code in ("failed", "bad_args"):
                return result("error", _("There is no supervision session {id}.").format(id=sid[:40]), 404)
            code, words = daemon_error(e)
            return result("error", words, code)
        return result("ok", _("Supervision session {id} ended.").format(id=sid[:40]))

    def session(sid: str) -> Optional[dict[str, Any]]:
        return next((s for s in view.session_rows(web.ask("supervise.list")) if s["id"] == sid), None)

    @app.post("/dashboard/supervise/<sid>/mode/<mode>", roles=SUPERVISORS)
    def supervise_mode(sid: str, mode: str) -> str:
        sid = sid[:40]
        if mode not in SUPERVISE_MODES:
            return result("error", _("Unknown mode {mode}: choose listen, whisper, barge or take over.")
                          .format(mode=mode[:20]), 400)
        try:
            s = session(sid)
            if s is None:
                return result("error", _("There is no supervision session {id}.").format(id=sid), 404)
            current = "takeover" if s["takeover_pending"] else s["mode"]
            if current == mode:
                return result("error", _("Session {id} is already in {mode} mode.").format(
                    id=sid, mode=mode_label(mode)), 409)
            web.ask("supervise.mode", id=sid, mode=mode)
            after = session(sid)
        except MgmtError as e:
            if e.code == "bad_args" and "no supervision session" in e.message:
                return result("error", _("There is no supervision session {id}.").format(id=sid), 404)
            if e.code in ("failed", "bad_args"):
                return result("error", _("The box refused to switch session {id} to {mode}: {why}").format(
                    id=sid, mode=mode_label(mode), why=e.message), 409)
            code, words = daemon_error(e)
            return result("error", words, code)
        agent = s["agent"] or s["extension"]
        if mode == "takeover":
            if after is None:
                return result("ok", _(MODE_DONE[mode]).format(id=sid, agent=agent))
            if after["takeover_pending"]:
                return result("ok", _("Session {id}: agent {agent}'s call is taken over as soon as the agent is in "
                                      "a call and your phone is in the session; then the caller is moved to you "
                                      "and the agent is released.").format(id=sid, agent=agent))
            return result("error", _("The box could not take over agent {agent}'s call now (session {id} is {state})."
                                     ).format(agent=agent, id=sid, state=session_state_label(after["state"])), 409)
        if after is None or after["mode"] != mode:
            return result("error", _("The box did not switch session {id} to {mode}.").format(
                id=sid, mode=mode_label(mode)), 409)
        return result("ok", _(MODE_DONE[mode]).format(id=sid, agent=agent))

