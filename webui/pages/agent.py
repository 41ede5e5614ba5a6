"""The agent panel (/agent): an agent's own desk in the browser.

Who: a login with an agent number (the user's ``agent`` column) — role agent, or a
supervisor/admin whose login is linked to an agent.  Everything acts on that agent only.

* log in (``acd.agent.login`` with the agent number, the extension the agent sits at and
  the PIN) / log out; ready / not ready with a reason (the store's pause reasons);
  wrap-up with a running counter, "end wrap-up" and "+30 s" (``acd.agent.wrapup``, ms 0 /
  30000);
* the screen pop of the offered or active call (``agent.call``): caller, name, queue,
  wait, IVR choices (call variables), previous calls and notes — live over SSE
  (``/sse/agent``, re-rendered after ``acd.*``, ``call.*``, ``note.*``, ``notice.*``,
  ``followup.*``, ``recording.*`` events) and on page load; after the call ends the last
  pop stays ("last call") so notes can still be written during wrap-up;
* notes on the call (``note.add``; a note may be a follow-up 工单 with category and due
  time), the agent's open follow-ups (``followup.list``, "close" → ``followup.update``);
* transfer to a queue/extension (``call.transfer``), click-to-dial (``originate`` from the
  agent's extension), recording on demand (``recording.start/stop``);
* supervisor notices (``notice.list``) at the top;
* a knowledge-base search box (webui/pages/kb.py renders the results inline).

Forms work with and without htmx: an htmx request gets the part it targets back, a
plain POST the whole page (HTTP 400 when refused).
"""
from __future__ import annotations

import threading
import time
from typing import Any, Optional

import bottle

from firmware.mgmt.client import MgmtError
from webui.forms import form_dict
from webui.i18n import N_, _
from webui.pages.reports_common import box_zone, hms, local_time
from webui.render import add_nav, error_page, render
from webui.sse import live_stream
from webui.web import Web

AGENT_ROLES = ("agent", "supervisor", "admin")
LIVE_TOPICS = ["acd.", "call.", "note.", "notice.", "followup.", "recording."]
EXTEND_MS = 30000                #: "+30 s" on the wrap-up (ms)
STATE_LABELS = {"logged_out": N_("logged out"), "ready": N_("ready"), "ringing": N_("ringing"),
                "on_call": N_("on a call"), "wrap_up": N_("wrap-up"), "paused": N_("not ready")}
STATE_BADGE = {"ready": "ok", "ringing": "warn", "on_call": "warn", "wrap_up": "warn", "paused": "bad"}
DISPOSITIONS = {"ANSWERED": N_("answered"), "NO ANSWER": N_("no answer"), "BUSY": N_("busy"),
                "FAILED": N_("failed")}


def is_htmx() -> bool:
    return bottle.request.headers.get("HX-Request") == "true"


def daemon_message(e: MgmtError) -> str:
    """A management error in plain words for the agent."""
    if e.code in ("not_running", "timeout", "disconnected"):
        return _("The Hotline daemon is not answering; try again in a moment.")
    return e.message


class AgentDesk:
    """What the panel remembers between requests: each agent's last call (shown after it
    ends) and when the shown state began (so the running counter does not jump)."""

    def __init__(self, web: Web) -> None:
        self.web = web
        self._lock = threading.Lock()
        self.last_call: dict[str, dict[str, Any]] = {}
        self._since: dict[str, tuple[str, float]] = {}

    def since_epoch(self, agent: str, state: str, since_s: Optional[float]) -> Optional[float]:
        """Wall time (epoch s) the state began, stable across renders of the same state."""
        if since_s is None:
            return None
        now = time.time() - float(since_s)
        with self._lock:
            old = self._since.get(agent)
            if old is not None and old[0] == state and abs(old[1] - now) < 5:
                return old[1]
            self._since[agent] = (state, now)
            return now

    def status(self, agent: str) -> tuple[dict[str, Any], str]:
        """(live status of ``agent`` from acd.agents, error text or "")."""
        try:
            rows = self.web.ask("acd.agents")
        except MgmtError as e:
            return {"agent": agent, "state": "unknown"}, daemon_message(e)
        for r in rows or []:
            if isinstance(r, dict) and str(r.get("agent")) == agent:
                return r, ""
        return {"agent": agent, "state": "logged_out"}, ""

    def call(self, agent: str, state: str) -> tuple[Optional[dict[str, Any]], bool]:
        """(the call to show, whether it is live): the offered/active call, else the last one."""
        info = None
        if state not in ("logged_out", "unknown"):
            try:
                info = (self.web.ask("agent.call", agent=agent) or {}).get("call")
            except MgmtError:
                info = None
        with self._lock:
            if info:
                self.last_call[agent] = info
                return info, True
            last = self.last_call.get(agent)
        if last is None:
            return None, False
        try:                                       # notes written since it ended
            last = {**last, "notes": self.web.ask("note.list", call=last.get("linkedid") or last["id"])}
        except MgmtError:
            pass
        return last, False

    def view(self, agent: str) -> dict[str, Any]:
        """Everything the panel's parts show for ``agent``."""
        status, error = self.status(agent)
        state = str(status.get("state") or "logged_out")
        call, live = self.call(agent, state) if not error else (None, False)
        cfg = self.web.store.agent(agent) or {}
        return dict(agent=agent, agent_name=cfg.get("name", ""), status=status, state=state, error=error,
                    since=self.since_epoch(agent, state, status.get("since_s")) if state != "logged_out" else None,
                    call=call, live=live, notices=self._list("notice.list"),
                    followups=self._list("followup.list", status="open", author=agent),
                    reasons=self.web.store.pause_reasons(),
                    extensions=[e["number"] for e in self.web.store.extensions()],
                    state_label=_(STATE_LABELS.get(state, state)), badge=STATE_BADGE.get(state, ""),
                    dispositions=DISPOSITIONS, mmss=hms,
                    when=lambda iso: local_time(iso, box_zone(self.web), with_seconds=False))

    def _list(self, cmd: str, **args: Any) -> list:
        try:
            got = self.web.ask(cmd, **args)
        except MgmtError:
            return []
        return got if isinstance(got, list) else []


PARTS = ("notices", "state", "pop", "followups")


def install(app: bottle.Bottle, web: Web) -> None:
    add_nav("/agent", N_("Agent panel"), AGENT_ROLES, N_("Agent"))
    desk = AgentDesk(web)
    web.agent_desk = desk                      # type: ignore[attr-defined]

    def my_agent() -> str:
        s = web.session()
        return (s.agent or "") if s else ""

    def no_agent() -> str:
        return error_page(403, _("Your login is not linked to an agent number; an admin can link it "
                                 "under Users and roles."), title=_("Agent panel"))

    def part(name: str, v: dict[str, Any], **kw: Any) -> str:
        return render(f"agent_{name}", **{**v, **kw})

    def page(agent: str, status: int = 200, **kw: Any) -> str:
        v = desk.view(agent)
        bottle.response.status = status
        return render("agent", title=_("Agent panel"), extra_css=["agent.css"], **{**v, **kw})

    def reply(agent: str, target: str, message: str, ok: bool, **kw: Any) -> str:
        """The answer to a form: its part (htmx) or the whole page (400 when refused)."""
        flash = ("" if ok else "error", message) if message else None
        if is_htmx():
            return part(target, desk.view(agent), part_flash=flash, **kw)
        return page(agent, status=200 if ok else 400, flash=flash, **kw)

    def ask(cmd: str, **args: Any) -> tuple[bool, str, Any]:
        try:
            return True, "", web.ask(cmd, **args)
        except MgmtError as e:
            return False, daemon_message(e), None

    @app.get("/agent", roles=AGENT_ROLES)
    def agent_page() -> str:
        agent = my_agent()
        return page(agent) if agent else no_agent()

    @app.get("/sse/agent", roles=AGENT_ROLES)
    def agent_stream() -> Any:
        agent = my_agent()
        if not agent:
            bottle.response.status = 403
            return _("Your login is not linked to an agent number.")

        def parts() -> dict[str, str]:
            v = desk.view(agent)
            return {name: part(name, v) for name in PARTS}
        return live_stream(web, LIVE_TOPICS, parts)

    @app.get("/agent/part/<name>", roles=AGENT_ROLES)
    def agent_part(name: str) -> str:
        agent = my_agent()
        if not agent:
            return no_agent()
        if name not in PARTS:
            bottle.abort(404)
        return part(name, desk.view(agent))

    # -- state ------------------------------------------------------------------------
    @app.post("/agent/login", roles=AGENT_ROLES)
    def login() -> str:
        agent = my_agent()
        if not agent:
            return no_agent()
        f = form_dict()
        ext, pin = f.get("extension", "").strip(), f.get("pin", "").strip()
        if not ext:
            return reply(agent, "state", "", False, errors={"extension": _("Choose the extension you sit at.")},
                         values=f)
        ok, msg, _r = ask("acd.agent.login", agent=agent, extension=ext, pin=pin)
        if ok:
            return reply(agent, "state", _("Logged in at extension {ext}.").format(ext=ext), True)
        return reply(agent, "state", "", False, errors={"pin": msg}, values={"extension": ext})

    @app.post("/agent/logout", roles=AGENT_ROLES)
    def logout() -> str:
        agent = my_agent()
        if not agent:
            return no_agent()
        ok, msg, _r = ask("acd.agent.logout", agent=agent)
        return reply(agent, "state", _("Logged out.") if ok else msg, ok)

    @app.post("/agent/ready", roles=AGENT_ROLES)
    def ready() -> str:
        agent = my_agent()
        if not agent:
            return no_agent()
        ok, msg, _r = ask("acd.agent.unpause", agent=agent)
        return reply(agent, "state", _("Ready for calls.") if ok else msg, ok)

    @app.post("/agent/pause", roles=AGENT_ROLES)
    def pause() -> str:
        agent = my_agent()
        if not agent:
            return no_agent()
        reason = form_dict().get("reason", "").strip()
        known = {r["code"]: r["name"] for r in web.store.pause_reasons()}
        if known and reason not in known:
            return reply(agent, "state", "", False, errors={"reason": _("Choose a reason.")})
        args = {"agent": agent, "reason": reason} if reason else {"agent": agent}
        ok, msg, _r = ask("acd.agent.pause", **args)
        text = _("Not ready: {reason}.").format(reason=known.get(reason, reason)) if reason else _("Not ready.")
        return reply(agent, "state", text if ok else msg, ok)

    @app.post("/agent/wrapup", roles=AGENT_ROLES)
    def wrapup() -> str:
        agent = my_agent()
        if not agent:
            return no_agent()
        end = form_dict().get("action") == "end"
        ok, msg, _r = ask("acd.agent.wrapup", agent=agent, ms=0 if end else EXTEND_MS)
        done = _("Wrap-up ended.") if end else _("30 seconds more wrap-up.")
        return reply(agent, "state", done if ok else msg, ok)

    # -- the call ---------------------------------------------------------------------
    @app.post("/agent/note", roles=AGENT_ROLES)
    def note() -> str:
        agent = my_agent()
        if not agent:
            return no_agent()
        f = form_dict()
        text, call = f.get("text", "").strip(), f.get("call", "").strip()
        errors = {}
        if not call:
            errors["text"] = _("There is no call to write the note on.")
        elif not text:
            errors["text"] = _("Write the note first.")
        args: dict[str, Any] = {"call": call, "text": text, "author": agent}
        if f.get("followup"):
            args["followup"] = {"category": f.get("category", "").strip(), "due": f.get("due", "").strip() or None}
        if not errors:
            ok, msg, _r = ask("note.add", **args)
            if ok:
                return note_reply(agent, _("Note saved."), True, {})
            errors["due" if "due" in msg else "text"] = msg
        return note_reply(agent, "", False, errors, values=f)

    def note_reply(agent: str, message: str, ok: bool, errors: dict, values: Optional[dict] = None) -> str:
        flash = ("" if ok else "error", message) if message else None
        if is_htmx():
            return render("agent_note", part_flash=flash, errors=errors, values=values or {})
        return page(agent, status=200 if ok else 400, flash=flash, errors=errors, values=values or {})

    @app.post("/agent/followup/<fid>", roles=AGENT_ROLES)
    def close_followup(fid: str) -> str:
        agent = my_agent()
        if not agent:
            return no_agent()
        nid = int(fid) if fid.isdigit() else -1
        mine = [n for n in desk._list("followup.list", status="open", author=agent) if n.get("id") == nid]
        if not mine:
            return reply(agent, "followups", _("That follow-up is not one of your open ones."), False)
        ok, msg, _r = ask("followup.update", id=nid, status="closed")
        return reply(agent, "followups", _("Follow-up closed.") if ok else msg, ok)

    @app.post("/agent/transfer", roles=AGENT_ROLES)
    def transfer() -> str:
        agent = my_agent()
        if not agent:
            return no_agent()
        to = form_dict().get("to", "").strip()
        if not to:
            return tools_reply(agent, _("Give the queue or extension to transfer to."), False)
        ok, msg, _r = ask("call.transfer", agent=agent, to=to)
        return tools_reply(agent, _("Call transferred to {to}.").format(to=to) if ok else msg, ok)

    @app.post("/agent/dial", roles=AGENT_ROLES)
    def dial() -> str:
        agent = my_agent()
        if not agent:
            return no_agent()
        to = form_dict().get("to", "").strip()
        status, error = desk.status(agent)
        ext = str(status.get("extension") or "")
        if error:
            return tools_reply(agent, error, False)
        if not ext:
            return tools_reply(agent, _("Log in at an extension first: the box rings your phone, then the number."),
                               False)
        if not to or not all(c.isdigit() or c in "*#+" for c in to):
            return tools_reply(agent, _("{to} is not a number to dial (digits, * and # only).").format(to=to or "''"),
                               False)
        ok, msg, _r = ask("originate", **{"from": ext, "to": to})
        return tools_reply(agent, _("Your phone ({ext}) rings; pick it up to call {to}.").format(ext=ext, to=to)
                           if ok else msg, ok)

    @app.post("/agent/record", roles=AGENT_ROLES)
    def record() -> str:
        agent = my_agent()
        if not agent:
            return no_agent()
        start = form_dict().get("action") != "stop"
        v = desk.view(agent)
        if not v["call"] or not v["live"]:
            return tools_reply(agent, _("There is no call to record."), False)
        session = web.session()
        ok, msg, _r = ask("recording.start" if start else "recording.stop", call=v["call"]["id"],
                          who=f"web:{session.username}" if session else "web")
        done = _("Recording started.") if start else _("Recording stopped.")
        return tools_reply(agent, done if ok else msg, ok)

    def tools_reply(agent: str, message: str, ok: bool) -> str:
        flash = ("" if ok else "error", message)
        if is_htmx():
            return render("agent_flash", part_flash=flash)
        return page(agent, status=200 if ok else 400, flash=flash)
