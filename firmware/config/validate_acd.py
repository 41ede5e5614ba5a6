"""Row rules and cross-checks of the call-centre tables (queues, agents, pause reasons,
VIP callers, regions, contacts).  Errors name the field (``queues.ring_ms``)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any, Mapping

from firmware.config.errors import ConfigError
from firmware.config.fields import _bool, _choice, _digits, _int, _text, _unknown_fields
from firmware.config.model import CALL_CLASSES
from firmware.config.model_acd import parse_penalty_steps

#: Distribution strategies (firmware.acd.strategies implements them).
STRATEGIES = ("ringall", "longest_idle", "round_robin", "linear", "fewest_calls", "least_talk",
              "random", "weighted_random", "sticky", "vip_owner", "region")
#: call classes a callback number may be limited to (emergency numbers are never called back)
CALLBACK_CLASSES = CALL_CLASSES[1:]
PIN_ITERATIONS = 2000
_PIN_PREFIX = "pbkdf2$"


def hash_pin(pin: str, salt: str = "") -> str:
    """A salted PBKDF2-SHA256 hash of an agent PIN, stored instead of the PIN."""
    salt = salt or secrets.token_hex(8)
    h = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt.encode(), PIN_ITERATIONS).hex()
    return f"{_PIN_PREFIX}{salt}${h}"


def check_pin(stored: str, pin: str) -> bool:
    """Does ``pin`` match the stored hash (an empty stored PIN accepts only "")?"""
    if not stored:
        return pin == ""
    if not stored.startswith(_PIN_PREFIX):
        return False
    salt = stored[len(_PIN_PREFIX):].split("$", 1)[0]
    return hmac.compare_digest(hash_pin(pin, salt), stored)


def _number(field: str, r: Mapping[str, Any], key: str = "number") -> str:
    if key not in r:
        raise ConfigError(field, "is required")
    return _digits(field, r[key], 2, 8)


def queue(r: Mapping[str, Any]) -> dict:
    t = "queues"
    _unknown_fields(t, r, ("number", "name", "strategy", "ring_ms", "retry_ms", "wrapup_ms", "max_len",
                           "max_wait_ms", "exit_dest", "join_empty", "leave_empty", "exit_key",
                           "exit_key_dest", "moh", "announce_ms", "announce_position", "callback_after_ms",
                           "callback_retries", "callback_retry_ms", "callback_class", "whisper", "survey", "service_level_s", "penalty_steps",
                           "sticky_days", "members"))
    number = _number(f"{t}.number", r)
    steps = _text(f"{t}.penalty_steps", r.get("penalty_steps", "") or "", 200)
    try:
        for after, pen in parse_penalty_steps(steps):
            if after < 0 or not 0 <= pen <= 9:
                raise ValueError
    except ValueError:
        raise ConfigError(f"{t}.penalty_steps", f"{steps!r} is not a list of WAIT_MS:PENALTY "
                                                "(e.g. 30000:1,60000:2; penalties 0-9)") from None
    members = r.get("members", []) or []
    if not isinstance(members, list):
        raise ConfigError(f"{t}.members", f"{members!r} is not a list of {{agent, penalty}}")
    clean: list[dict] = []
    for m in members:
        if isinstance(m, (str, int)):
            m = {"agent": str(m)}
        if not isinstance(m, Mapping):
            raise ConfigError(f"{t}.members", f"{m!r} is not {{agent, penalty}}")
        a = _digits(f"{t}.members.agent", m.get("agent", ""), 1, 8, "an agent number")
        if any(c["agent"] == a for c in clean):
            raise ConfigError(f"{t}.members", f"agent {a} is listed twice in queue {number}")
        clean.append({"agent": a, "penalty": _int(f"{t}.members.penalty", m.get("penalty", 0), 0, 9)})
    key = r.get("exit_key", "") or ""
    if key and key not in "0123456789*#" or len(key) > 1:
        raise ConfigError(f"{t}.exit_key", f"{key!r} is not one key (0-9, * or #)")
    return {
        "number": number,
        "name": _text(f"{t}.name", r.get("name", "") or f"Queue {number}"),
        "strategy": _choice(f"{t}.strategy", r.get("strategy", "longest_idle"), STRATEGIES),
        "ring_ms": _int(f"{t}.ring_ms", r.get("ring_ms", 15000), 2000, 300000, " ms"),
        "retry_ms": _int(f"{t}.retry_ms", r.get("retry_ms", 5000), 0, 300000, " ms"),
        "wrapup_ms": _int(f"{t}.wrapup_ms", r.get("wrapup_ms", 10000), 0, 3600000, " ms"),
        "max_len": _int(f"{t}.max_len", r.get("max_len", 0), 0, 1000),
        "max_wait_ms": _int(f"{t}.max_wait_ms", r.get("max_wait_ms", 0), 0, 24 * 3600000, " ms"),
        "exit_dest": _digits(f"{t}.exit_dest", r.get("exit_dest", "") or "", 0, 20, "a number"),
        "join_empty": _bool(f"{t}.join_empty", r.get("join_empty", True)),
        "leave_empty": _bool(f"{t}.leave_empty", r.get("leave_empty", False)),
        "exit_key": key,
        "exit_key_dest": _digits(f"{t}.exit_key_dest", r.get("exit_key_dest", "") or "", 0, 20, "a number"),
        "moh": _text(f"{t}.moh", r.get("moh", "") or "", 32),
        "announce_ms": _int(f"{t}.announce_ms", r.get("announce_ms", 60000), 0, 3600000, " ms"),
        "announce_position": _bool(f"{t}.announce_position", r.get("announce_position", True)),
        "callback_after_ms": _int(f"{t}.callback_after_ms", r.get("callback_after_ms", 0), 0, 3600000, " ms"),
        "callback_retries": _int(f"{t}.callback_retries", r.get("callback_retries", 3), 0, 10),
        "callback_retry_ms": _int(f"{t}.callback_retry_ms", r.get("callback_retry_ms", 60000), 1000, 3600000,
                                  " ms"),
        "callback_class": _choice(f"{t}.callback_class", r.get("callback_class", "national"), CALLBACK_CLASSES),
        "whisper": _bool(f"{t}.whisper", r.get("whisper", True)),
        "survey": _bool(f"{t}.survey", r.get("survey", False)),
        "service_level_s": _int(f"{t}.service_level_s", r.get("service_level_s", 15), 1, 3600, " s"),
        "penalty_steps": steps,
        "sticky_days": _int(f"{t}.sticky_days", r.get("sticky_days", 7), 0, 365, " days"),
        "members": clean,
    }


def agent(r: Mapping[str, Any]) -> dict:
    t = "agents"
    _unknown_fields(t, r, ("number", "name", "pin", "rna_limit", "paid_hours"))
    number = _digits(f"{t}.number", r.get("number", ""), 1, 8, "an agent number")
    return {
        "number": number,
        "name": _text(f"{t}.name", r.get("name", "") or f"Agent {number}"),
        "pin": _pin(f"{t}.pin", r.get("pin", "")),
        "rna_limit": _int(f"{t}.rna_limit", r.get("rna_limit", 3), 0, 100),
        "paid_hours": _hours(f"{t}.paid_hours", r.get("paid_hours", 8)),
    }


def _pin(field: str, pin: Any) -> str:
    """A PIN of up to 8 digits, stored as a salted hash (a hash given back is kept)."""
    pin = pin or ""
    if isinstance(pin, int) and not isinstance(pin, bool):
        pin = str(pin)
    if isinstance(pin, str) and pin.startswith(_PIN_PREFIX):
        return pin
    if not isinstance(pin, str) or not (pin.isdigit() or pin == "") or len(pin) > 8:
        raise ConfigError(field, "must be up to 8 digits")     # the value is not echoed
    return hash_pin(pin) if pin else ""


def _hours(field: str, value: Any) -> float:
    """Paid hours per day: 0..24 in steps of minutes (8, 7.5)."""
    try:
        h = float(value)
    except (TypeError, ValueError):
        raise ConfigError(field, f"{value!r} is not a number of hours (e.g. 8 or 7.5)") from None
    if isinstance(value, bool) or not 0 <= h <= 24:
        raise ConfigError(field, f"{value!r} is not between 0 and 24 hours")
    return round(h, 3)


def supervisor(r: Mapping[str, Any]) -> dict:
    """A supervisor: number, name, PIN (hashed), desk extension, trust_extension, queues."""
    t = "supervisors"
    _unknown_fields(t, r, ("number", "name", "pin", "extension", "trust_extension", "queues"))
    number = _digits(f"{t}.number", r.get("number", ""), 1, 8, "a supervisor number")
    queues = r.get("queues", []) or []
    if isinstance(queues, str):
        queues = [q for q in queues.replace(",", " ").replace("|", " ").split() if q]
    if not isinstance(queues, list):
        raise ConfigError(f"{t}.queues", f"{queues!r} is not a list of queue numbers (empty = all queues)")
    clean_q: list[str] = []
    for q in queues:
        q = _digits(f"{t}.queues", q, 2, 8, "a queue number")
        if q not in clean_q:
            clean_q.append(q)
    out = {
        "number": number,
        "name": _text(f"{t}.name", r.get("name", "") or f"Supervisor {number}"),
        "pin": _pin(f"{t}.pin", r.get("pin", "")),
        "extension": _digits(f"{t}.extension", r.get("extension", "") or "", 0, 8, "an extension number"),
        "trust_extension": _bool(f"{t}.trust_extension", r.get("trust_extension", False)),
        "queues": clean_q,
    }
    if out["trust_extension"] and not out["extension"]:
        raise ConfigError(f"{t}.trust_extension", f"supervisor {number}: name the extension to trust")
    if not out["pin"] and not out["trust_extension"]:
        raise ConfigError(f"{t}.pin", f"supervisor {number} needs a PIN (or a trusted extension)")
    return out


def pause_reason(r: Mapping[str, Any]) -> dict:
    t = "pause_reasons"
    _unknown_fields(t, r, ("code", "name"))
    code = _digits(f"{t}.code", r.get("code", ""), 1, 2, "a reason code")
    return {"code": code, "name": _text(f"{t}.name", r.get("name", "") or f"Reason {code}")}


def vip_caller(r: Mapping[str, Any]) -> dict:
    t = "vip_callers"
    _unknown_fields(t, r, ("number", "priority", "agent", "note"))
    return {
        "number": _digits(f"{t}.number", r.get("number", ""), 1, 20, "a caller number"),
        "priority": _int(f"{t}.priority", r.get("priority", 10), 0, 100),
        "agent": _digits(f"{t}.agent", r.get("agent", "") or "", 0, 8, "an agent number"),
        "note": _text(f"{t}.note", r.get("note", "") or "", 200),
    }


def region(r: Mapping[str, Any]) -> dict:
    t = "regions"
    _unknown_fields(t, r, ("prefix", "area", "queue", "agents"))
    agents = r.get("agents", []) or []
    if isinstance(agents, str):
        agents = [a for a in agents.replace("|", " ").split() if a]
    if not isinstance(agents, list):
        raise ConfigError(f"{t}.agents", f"{agents!r} is not a list of agent numbers")
    return {
        "prefix": _digits(f"{t}.prefix", r.get("prefix", ""), 1, 20, "a number prefix"),
        "area": _text(f"{t}.area", r.get("area", "") or ""),
        "queue": _digits(f"{t}.queue", r.get("queue", "") or "", 0, 8, "a queue number"),
        "agents": [_digits(f"{t}.agents", a, 1, 8, "an agent number") for a in agents],
    }


def contact(r: Mapping[str, Any]) -> dict:
    t = "contacts"
    _unknown_fields(t, r, ("number", "name", "note"))
    return {
        "number": _digits(f"{t}.number", r.get("number", ""), 1, 20, "a phone number"),
        "name": _text(f"{t}.name", r.get("name", "") or ""),
        "note": _text(f"{t}.note", r.get("note", "") or "", 200),
    }


def check_acd_references(state: Mapping[str, Any], numbers_in_use: Mapping[str, str]) -> None:
    """Queues' numbers are free, members / owners / region agents exist, queues named exist."""
    agents = {a["number"] for a in state.get("agents", ())}
    queues = {q["number"] for q in state.get("queues", ())}
    for q in state.get("queues", ()):
        n = q["number"]
        if n in numbers_in_use:
            raise ConfigError("queues.number", f"{n} is already {numbers_in_use[n]}")
        for m in q["members"]:
            if m["agent"] not in agents:
                raise ConfigError("queues.members", f"queue {n}: no agent {m['agent']}")
        for col in ("exit_dest", "exit_key_dest"):
            if q[col] == n:
                raise ConfigError(f"queues.{col}", f"queue {n} cannot send its callers to itself")
        if q["exit_key"] and not q["exit_key_dest"]:
            raise ConfigError("queues.exit_key_dest", f"queue {n} has exit key {q['exit_key']} "
                                                      "but no destination for it")
    exts = {e["number"] for e in state.get("extensions", ())}
    for s in state.get("supervisors", ()):
        if s["extension"] and s["extension"] not in exts:
            raise ConfigError("supervisors.extension", f"supervisor {s['number']}: no extension {s['extension']}")
        for qn in s["queues"]:
            if qn not in queues:
                raise ConfigError("supervisors.queues", f"supervisor {s['number']}: no queue {qn}")
    trusted = [s["extension"] for s in state.get("supervisors", ()) if s["trust_extension"]]
    for e in trusted:
        if trusted.count(e) > 1:
            raise ConfigError("supervisors.trust_extension", f"extension {e} is trusted for two supervisors; "
                                                             "trust it for one only")
    for v in state.get("vip_callers", ()):
        if v["agent"] and v["agent"] not in agents:
            raise ConfigError("vip_callers.agent", f"no agent {v['agent']} (owner of {v['number']})")
    for rg in state.get("regions", ()):
        if rg["queue"] and rg["queue"] not in queues:
            raise ConfigError("regions.queue", f"no queue {rg['queue']} (region {rg['prefix']})")
        for a in rg["agents"]:
            if a not in agents:
                raise ConfigError("regions.agents", f"no agent {a} (region {rg['prefix']})")


def references_to_acd(state: Mapping[str, Any], table: str, key: Any) -> list[str]:
    out: list[str] = []
    if table == "agents":
        for q in state.get("queues", ()):
            if any(m["agent"] == key for m in q["members"]):
                out.append(f"queue {q['number']} ({q['name']}) lists it as a member")
        for v in state.get("vip_callers", ()):
            if v["agent"] == key:
                out.append(f"VIP caller {v['number']} is owned by it")
        for rg in state.get("regions", ()):
            if key in rg["agents"]:
                out.append(f"region {rg['prefix']} ({rg['area']}) lists it")
    elif table == "queues":
        for r in state.get("inbound_routes", ()):
            if (r["dest_kind"] == "queue" and r["dest"] == key) or \
                    (r["night_dest_kind"] == "queue" and r["night_dest"] == key):
                out.append(f"inbound route {r['id']} ({r['name']}) sends calls to it")
        for rg in state.get("regions", ()):
            if rg["queue"] == key:
                out.append(f"region {rg['prefix']} ({rg['area']}) sends callers to it")
        for s in state.get("supervisors", ()):
            if key in s["queues"]:
                out.append(f"supervisor {s['number']} ({s['name']}) supervises it")
    elif table == "extensions":
        for s in state.get("supervisors", ()):
            if s["extension"] == key:
                out.append(f"supervisor {s['number']} ({s['name']}) has it as desk phone")
    return out
