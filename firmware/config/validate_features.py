"""Row validators and cross-references for the PBX-feature tables: time conditions,
holidays, caller black/white lists and conference rooms (the extension columns for DND,
forwarding, follow-me and limits are checked with the extension in validate.py)."""
from __future__ import annotations

import datetime as _dt
import json
import re
from typing import Any, Mapping

from firmware.config.errors import ConfigError
from firmware.config.fields import _bool, _choice, _digits, _int, _name, _text, _unknown_fields

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OVERRIDES = ("auto", "day", "night")
LISTS = ("block", "allow")
MATCHES = ("exact", "prefix")
LIST_ACTIONS = ("hangup", "busy", "prompt", "ignore")
MAX_PARTIES = 16

_SPAN_RE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def parse_span(field: str, text: str) -> tuple[int, int]:
    """``"09:00-12:30"`` -> (540, 750) minutes after midnight; end may be 24:00."""
    m = _SPAN_RE.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise ConfigError(field, f"{text!r} is not a time span like 09:00-18:00")
    h1, m1, h2, m2 = (int(x) for x in m.groups())
    a, b = h1 * 60 + m1, h2 * 60 + m2
    if h1 > 23 or m1 > 59 or m2 > 59 or b > 24 * 60 or h2 > 24:
        raise ConfigError(field, f"{text!r} has a time that does not exist")
    if b <= a:
        raise ConfigError(field, f"{text!r} ends before it starts (spans over midnight: split them)")
    return a, b


def _hours(field: str, value: Any) -> dict[str, list[str]]:
    if isinstance(value, str):
        try:
            value = json.loads(value or "{}")
        except ValueError:
            raise ConfigError(field, "is not a list of opening hours per weekday") from None
    if not isinstance(value, Mapping):
        raise ConfigError(field, f"{value!r} is not opening hours per weekday (mon..sun: ['09:00-18:00'])")
    out: dict[str, list[str]] = {d: [] for d in WEEKDAYS}
    for day, spans in value.items():
        if day not in WEEKDAYS:
            raise ConfigError(f"{field}.{day}", f"unknown weekday (use {', '.join(WEEKDAYS)})")
        if isinstance(spans, str):
            spans = [s for s in re.split(r"[\s,]+", spans) if s]
        if not isinstance(spans, (list, tuple)):
            raise ConfigError(f"{field}.{day}", f"{spans!r} is not a list of spans like 09:00-18:00")
        parsed = sorted((parse_span(f"{field}.{day}", s), s.strip()) for s in spans)
        for (first, _), (second, _) in zip(parsed, parsed[1:]):
            if second[0] < first[1]:
                raise ConfigError(f"{field}.{day}", "spans overlap")
        out[day] = [s for _, s in parsed]
    return out


def time_condition(r: Mapping[str, Any]) -> dict:
    t = "time_conditions"
    _unknown_fields(t, r, ("name", "description", "hours", "holidays", "override"))
    return {
        "name": _name(f"{t}.name", r.get("name")),
        "description": _text(f"{t}.description", r.get("description", ""), 200),
        "hours": _hours(f"{t}.hours", r.get("hours", {})),
        "holidays": _bool(f"{t}.holidays", r.get("holidays", True)),
        "override": _choice(f"{t}.override", r.get("override", "auto"), OVERRIDES),
    }


def holiday(r: Mapping[str, Any]) -> dict:
    """A date ``YYYY-MM-DD`` (lunar-calendar holidays are entered as that year's date) or an
    every-year date ``MM-DD``."""
    t = "holidays"
    _unknown_fields(t, r, ("date", "name"))
    d = r.get("date")
    ok = False
    if isinstance(d, str):
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d):
                _dt.date.fromisoformat(d)
                ok = True
            elif re.fullmatch(r"\d{2}-\d{2}", d):
                _dt.date.fromisoformat(f"2000-{d}")     # a leap year: 02-29 allowed
                ok = True
        except ValueError:
            ok = False
    if not ok:
        raise ConfigError(f"{t}.date", f"{d!r} is not a date (YYYY-MM-DD, or MM-DD for every year)")
    return {"date": d, "name": _text(f"{t}.name", r.get("name", ""))}


def caller_list_entry(r: Mapping[str, Any]) -> dict:
    t = "caller_lists"
    _unknown_fields(t, r, ("id", "list", "number", "match", "action", "note"))
    rid = r.get("id")
    return {
        "id": None if rid is None else _int(f"{t}.id", rid, 1, 2**31 - 1),
        "list": _choice(f"{t}.list", r.get("list", "block"), LISTS),
        "number": _digits(f"{t}.number", r.get("number", ""), 1, 20, "a caller number or prefix"),
        "match": _choice(f"{t}.match", r.get("match", "exact"), MATCHES),
        "action": _choice(f"{t}.action", r.get("action", "hangup"), LIST_ACTIONS),
        "note": _text(f"{t}.note", r.get("note", ""), 200),
    }


def conference_room(r: Mapping[str, Any]) -> dict:
    t = "conference_rooms"
    _unknown_fields(t, r, ("number", "name", "pin", "admin_pin", "max_parties", "announce"))
    if "number" not in r:
        raise ConfigError(f"{t}.number", "is required")
    number = _digits(f"{t}.number", r["number"], 2, 8)
    pin = _digits(f"{t}.pin", r.get("pin", "") or "", 0, 8, "a PIN")
    admin = _digits(f"{t}.admin_pin", r.get("admin_pin", "") or "", 0, 8, "a PIN")
    if admin and admin == pin:
        raise ConfigError(f"{t}.admin_pin", "must differ from the participants' PIN")
    return {
        "number": number,
        "name": _text(f"{t}.name", r.get("name", "") or f"Conference {number}"),
        "pin": pin, "admin_pin": admin,
        "max_parties": _int(f"{t}.max_parties", r.get("max_parties", MAX_PARTIES), 2, MAX_PARTIES),
        "announce": _bool(f"{t}.announce", r.get("announce", True)),
    }


def check_feature_references(state: Mapping[str, Any], numbers_in_use: Mapping[str, str]) -> None:
    """Cross-checks of the feature tables. ``numbers_in_use``: internal number -> what it is."""
    for room in state["conference_rooms"]:
        n = room["number"]
        if n in numbers_in_use:
            raise ConfigError("conference_rooms.number", f"{n} is already {numbers_in_use[n]}")
    seen = set()
    for e in state["caller_lists"]:
        k = (e["list"], e["number"], e["match"])
        if k in seen:
            raise ConfigError("caller_lists.number", f"{e['number']} is already on the {e['list']} list")
        seen.add(k)
    tcs = {tc["name"] for tc in state["time_conditions"]}
    for r in state["inbound_routes"]:
        if r["time_condition"] and r["time_condition"] not in tcs:
            raise ConfigError("inbound_routes.time_condition", f"no time condition {r['time_condition']!r}")
        if r["time_condition"] and not r["night_dest"]:
            raise ConfigError("inbound_routes.night_dest", "a route with a time condition needs a destination "
                                                           "for outside business hours")
