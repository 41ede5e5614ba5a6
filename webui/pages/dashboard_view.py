"""What the live dashboard and the wallboard show, built from management API answers.

Pure functions from the daemon's answers (``acd.queues``, ``acd.stats``, ``acd.agents``,
``status``, ``conferences``, ``supervise.list``) to plain rows the templates print, so
the pages stay thin and the shapes are tested without a daemon.  Times: ``*_s`` seconds;
``since`` is epoch seconds in the *browser's* clock (``time.time()`` minus the daemon's
``since_s``) for static/app.js's running m:ss counters.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Optional

from firmware.mgmt.client import MgmtError

#: agent states in the order the dashboard counts them
AGENT_STATES = ("ready", "ringing", "on_call", "wrap_up", "paused", "logged_out")
#: FXS port states that are "in a call" for the extensions board (others: idle / ringing / busy)
PHONE_IN_CALL = ("talking", "talk", "threeway", "calling", "recall")
PHONE_OFF_HOOK = ("dialtone", "dialing", "busy", "congestion", "lockout", "pin", "feature")
LINE_KINDS = ("fxo", "e1", "bri", "sip_trunk")


def ask_all(ask: Callable[..., Any], commands: list[str]) -> tuple[dict[str, Any], Optional[MgmtError]]:
    """Run each management command (no arguments); the first failure is returned beside
    the answers that did come (a missing command is just absent)."""
    out: dict[str, Any] = {}
    error: Optional[MgmtError] = None
    for cmd in commands:
        try:
            out[cmd] = ask(cmd)
        except MgmtError as e:
            if e.code in ("unknown_command", "unknown"):
                continue
            error = error or e
            if e.code in ("not_running", "timeout", "disconnected"):
                break
    return out, error


def _list(v: Any) -> list[dict]:
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


def since_epoch(since_s: Any, now: Optional[float] = None) -> Optional[int]:
    """Epoch seconds (browser clock) a state began ``since_s`` seconds ago, or None."""
    if not isinstance(since_s, (int, float)):
        return None
    return int(round((time.time() if now is None else now) - float(since_s)))


def queue_rows(queues: Any, stats: Any) -> list[dict[str, Any]]:
    """One row per configured queue: live waiting callers (``acd.queues``) with today's
    figures (``acd.stats``: a queue without calls today has zeros / None)."""
    figures = stats.get("queues", {}) if isinstance(stats, dict) else {}
    rows = []
    for q in _list(queues):
        number = str(q.get("number", ""))
        fig = figures.get(number) if isinstance(figures.get(number), dict) else {}
        waiting = _list(q.get("waiting"))
        by_state = {s: 0 for s in AGENT_STATES}
        for a in _list(q.get("agents")):
            st = str(a.get("state", "logged_out"))
            by_state[st] = by_state.get(st, 0) + 1
        rows.append({
            "number": number, "name": str(q.get("name", "")),
            "waiting": len(waiting),
            "callers": [{"caller": str(w.get("caller") or ""), "wait_s": w.get("wait_s"),
                         "since": since_epoch(w.get("wait_s")), "state": str(w.get("state", "")),
                         "priority": w.get("priority", 0)} for w in waiting],
            "longest_wait_s": float(q.get("longest_wait_s") or 0.0),
            "longest_since": since_epoch(q.get("longest_wait_s")) if waiting else None,
            "offered": int(fig.get("offered") or 0), "answered": int(fig.get("answered") or 0),
            "abandoned": int(fig.get("abandoned") or 0),
            "sl_pct": fig.get("service_level_pct"), "asa_s": fig.get("asa_s"),
            "agents": by_state,
        })
    return rows


def agent_rows(agents: Any, calls: Any) -> list[dict[str, Any]]:
    """One row per configured agent with its live state and the other party of its call."""
    by_id = {str(c.get("id")): c for c in _list(calls)}
    rows = []
    for a in _list(agents):
        state = str(a.get("state", "logged_out"))
        ext = str(a.get("extension") or "")
        callid = str(a.get("callid") or a.get("call") or "")
        call = by_id.get(callid)
        party = ""
        if call is not None:
            src, dst = str(call.get("from") or ""), str(call.get("to") or "")
            party = dst if src == ext else src
        rows.append({
            "agent": str(a.get("agent", "")), "name": str(a.get("name") or ""), "state": state,
            "reason": str(a.get("reason") or ""), "extension": ext,
            "since": since_epoch(a.get("since_s")) if state != "logged_out" else None,
            "queue": str(a.get("queue") or ""), "queues": [str(x) for x in a.get("queues") or []],
            "callid": callid, "party": party, "calls": int(a.get("calls") or 0),
            "logged_in": state != "logged_out",
        })
    return rows


def extension_rows(ports: Any, extensions: Any = None, sip: Any = None) -> list[dict[str, Any]]:
    """Phones: FXS ports with an extension (idle / ringing / in call / off hook) and the
    SIP extensions of the config (``extensions``: ``store.extensions()`` rows; ``sip``:
    the ``sip.status`` answer, None when SIP is off) — see :func:`sip_extension_rows`."""
    names = {str(e.get("number")): str(e.get("name") or "") for e in _list(extensions)}
    rows = []
    for p in _list(ports):
        if p.get("kind") != "fxs" or not p.get("extension"):
            continue
        st = str(p.get("state", ""))
        status = ("ringing" if st == "ringing" else "in_call" if st in PHONE_IN_CALL
                  else "off_hook" if st in PHONE_OFF_HOOK else "idle")
        number = str(p["extension"])
        rows.append({"extension": number, "name": names.get(number, ""), "kind": "fxs",
                     "port": str(p.get("name", "")), "status": status, "state": st,
                     "since": since_epoch(p.get("since_s")), "enabled": True, "registration": None})
    rows += sip_extension_rows(extensions, sip)
    return sorted(rows, key=lambda r: r["extension"])


def line_rows(ports: Any, trunks: Any = None, sip: Any = None) -> list[dict[str, Any]]:
    """Trunks and lines: ports (FXO, E1...: idle / ringing / in use / alarm), then the SIP
    trunks of the config (``trunks``: ``store.sip_trunks()``; see :func:`sip_trunk_rows`)."""
    rows = []
    for p in _list(ports):
        if p.get("kind") not in LINE_KINDS:
            continue
        st = str(p.get("state", ""))
        alarm = st in ("down", "alarm") or p.get("alarm") not in (None, "", False, "ok")
        status = ("alarm" if alarm else "idle" if st in ("idle", "guard", "")
                  else "ringing" if st in ("ring_cid", "ringing_in") else "in_use")
        rows.append({"name": str(p.get("name", "")), "kind": str(p.get("kind", "")),
                     "number": str(p.get("line_number") or p.get("number") or ""),
                     "status": status, "state": st, "caller_id": _caller(p.get("caller_id")),
                     "since": since_epoch(p.get("since_s")), "registration": None})
    return rows + sip_trunk_rows(trunks, sip)


def _caller(cid: Any) -> str:
    if isinstance(cid, dict):
        return " ".join(str(cid.get(k)) for k in ("number", "name") if cid.get(k))
    return "" if cid is None else str(cid)


def conference_rows(confs: Any) -> list[dict[str, Any]]:
    return [{"number": str(c.get("number", "")),
             "parties": [{"caller": str(p.get("caller") or ""), "muted": bool(p.get("muted")),
                          "organiser": bool(p.get("organiser"))} for p in _list(c.get("parties"))]}
            for c in _list(confs)]


def session_rows(sessions: Any) -> list[dict[str, Any]]:
    return [{"id": str(s.get("id", "")), "supervisor": str(s.get("supervisor") or ""),
             "agent": str(s.get("agent") or ""), "extension": str(s.get("extension") or ""),
             "mode": str(s.get("mode") or ""), "state": str(s.get("state") or ""),
             "takeover_pending": bool(s.get("takeover_pending"))}
            for s in _list(sessions)]


def optional(ask: Callable[..., Any], cmd: str) -> Any:
    """The answer of ``cmd``, or None when the box refuses it (``sip.status`` with SIP off)
    or does not know it; other failures (daemon away) are left to :func:`ask_all`."""
    try:
        return ask(cmd)
    except MgmtError as e:
        if e.code in ("failed", "unknown_command", "unknown"):
            return None
        raise


# ---------------------------------------------------------------------- SIP phones and trunks
#: SIP leg states (``sip.status`` legs) → the dashboard's call status
SIP_LEG_STATUS = {"offered": "ringing", "incoming": "in_call", "talking": "in_call", "feature": "in_call"}
#: trunk registration states (``sip.status`` trunks) the dashboard calls "failing"
TRUNK_FAILING = ("failed", "retry_wait")


def _source(text: Any) -> str:
    """``udp:10.0.0.5:5062`` → ``10.0.0.5:5062 (UDP)``."""
    t = str(text or "")
    proto, sep, rest = t.partition(":")
    return f"{rest} ({proto.upper()})" if sep and proto.isalpha() else t


def _live_legs(sip: Any) -> list[dict]:
    return [g for g in _list(sip.get("legs") if isinstance(sip, dict) else None)
            if str(g.get("state", "")) in SIP_LEG_STATUS]


def sip_registration(number: str, sip: Any) -> dict[str, Any]:
    """The registration of SIP extension ``number`` from a ``sip.status`` answer (None:
    SIP is off): ``state`` registered / unreachable / unregistered / sip_off, and its
    ``contacts`` (source address, user agent, expires_s: seconds left, reachable)."""
    if not isinstance(sip, dict):
        return {"state": "sip_off", "contacts": []}
    contacts = [{"source": _source(b.get("source")), "user_agent": str(b.get("user_agent") or ""),
                 "expires_s": b.get("expires_s"), "reachable": b.get("reachable"),
                 "contact": str(b.get("contact") or "")}
                for b in _list(sip.get("registrations")) if str(b.get("user")) == number]
    if not contacts:
        state = "unregistered"
    elif all(c["reachable"] is False for c in contacts):
        state = "unreachable"
    else:
        state = "registered"
    return {"state": state, "contacts": contacts}


def sip_extension_rows(extensions: Any, sip: Any) -> list[dict[str, Any]]:
    """One row per SIP extension of the config (``store.extensions()`` rows of kind "sip"):
    registration (:func:`sip_registration`) and call status from the SIP legs: ringing /
    in call / idle when registered, else offline."""
    legs = _live_legs(sip)
    rows = []
    for e in _list(extensions):
        if e.get("kind") != "sip":
            continue
        number = str(e.get("number", ""))
        reg = sip_registration(number, sip)
        mine = [str(g.get("state")) for g in legs if str(g.get("extension") or "") == number]
        status = ("in_call" if any(SIP_LEG_STATUS[s] == "in_call" for s in mine)
                  else "ringing" if mine
                  else "idle" if reg["state"] in ("registered", "unreachable") else "offline")
        rows.append({"extension": number, "name": str(e.get("name") or ""), "kind": "sip", "port": "",
                     "status": status, "state": ",".join(mine), "since": None,
                     "enabled": bool(e.get("enabled", True)), "registration": reg})
    return rows


def sip_trunk_rows(trunks: Any, sip: Any) -> list[dict[str, Any]]:
    """One row per SIP trunk of the config (``store.sip_trunks()``): registration
    (``registration.state``: registered / failing with ``reason`` / registering /
    not_needed / disabled / sip_off, ``expires_s``) and in use / idle from its SIP legs
    (``calls``: how many)."""
    regs = sip.get("trunks") if isinstance(sip, dict) and isinstance(sip.get("trunks"), dict) else {}
    legs = _live_legs(sip)
    rows = []
    for t in _list(trunks):
        name = str(t.get("name", ""))
        calls = sum(1 for g in legs if str(g.get("trunk") or "") == name)
        r = regs.get(name) if isinstance(regs.get(name), dict) else None
        reason, expires, provider = "", None, ""
        if not t.get("enabled", True):
            state = "disabled"
        elif not isinstance(sip, dict):
            state = "sip_off"
        elif not t.get("register", True):
            state = "not_needed"
        elif r is None:
            state = "registering"
        else:
            st = str(r.get("state", ""))
            state = ("registered" if st == "registered" else "failing" if st in TRUNK_FAILING
                     else "registering")
            reason = str(r.get("last_error") or "")
            expires = r.get("expires_in_s") if st == "registered" else None
            provider = str(r.get("provider") or "")
        host = str(t.get("host") or "")
        rows.append({"name": name, "kind": "sip_trunk", "number": str(t.get("username") or ""),
                     "host": f"{host}:{t.get('port') or 5060}" if host else "", "provider": provider,
                     "status": "in_use" if calls else "idle", "calls": calls, "state": state,
                     "caller_id": "", "since": None,
                     "registration": {"state": state, "reason": reason, "expires_s": expires}})
    return rows
