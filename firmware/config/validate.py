"""Validation of every configuration write: field rules and cross-references.

Row validators take a dict of fields (an added row, or an existing row merged with
the changes), fill defaults, coerce form-style text ("30000", "true") to the column
type and return the clean row -- or raise :class:`ConfigError` naming
``table.column``.  :func:`validate_config` checks a whole configuration (every row
plus references between tables); the store runs it on the state a write would
produce, so nothing invalid is ever stored.  :func:`references_to` says what still
uses a row that is about to be deleted.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable, Mapping, Optional

from dsp import profiles

from firmware.config.dialpattern import DialPatternError, parse_pattern
from firmware.config.errors import ConfigError
from firmware.config.featurecodes import DEFAULT_FEATURE_CODES, validate_feature_codes
from firmware.config import validate_acd as va
from firmware.config import validate_features as vf
from firmware.config import validate_setup as vsu
from firmware.config import validate_sip as vs
from firmware.config import validate_voicemail as vv
from firmware.config.fields import (_bool, _choice, _digits, _int, _name, _text,
                                     _unknown_fields)
from firmware.config.model import CALL_CLASSES, builtin_emergency_numbers
from firmware.recording.policy import DEFAULT_RECORDING, validate_recording_setting
from firmware.ivr import menu as ivr_menu

__all__ = ["ConfigError", "SETTINGS_DEFAULTS", "TABLES", "KEYS", "validate_setting",
           "validate_settings", "validate_row", "validate_config", "references_to"]

#: Settings and their defaults (JSON values).  Times in ms.
SETTINGS_DEFAULTS: Mapping[str, Any] = {
    "country": "cn",
    "language": "zh",
    "box_name": "Hotline",
    "board": "hotline-8",
    "first_digit_timeout_ms": 10000,
    "interdigit_timeout_ms": 4000,
    "ring_timeout_ms": 30000,
    "flash_min_ms": 80,
    "flash_max_ms": 800,
    "emergency_numbers": [],
    "operator": "801",
    "feature_codes": dict(DEFAULT_FEATURE_CODES),
    "transfer_recall_ms": 30000,
    "consult_flash": "conference",
    "pin_for_international": True,
    "max_outbound_calls": 0,
    "max_outbound_minutes": 0,
    "followme_confirm_ms": 30000,
    # SIP (checked in validate_sip.py; what each means: docs/config.md)
    "sip_bind": "0.0.0.0:5060",           # HOST:PORT of UDP and TCP, or "off"
    "sip_advertise": "",                  # address put in Via/Contact/SDP ("" = the bound one)
    "sip_realm": "hotline",               # digest realm phones authenticate in
    "sip_auth_algorithms": "MD5,SHA-256",  # digest challenges offered, in this order (RFC 8760)
    "sip_codecs": "",                     # "" = country default (PCMA,PCMU; PCMU,PCMA in the US)
    "sip_register_min_expires_s": 60,
    "sip_register_max_expires_s": 3600,
    "sip_max_contacts": 5,                # registered devices per extension (all ring)
    "sip_qualify_ms": 30000,              # OPTIONS keep-alive to registered phones (0 = off)
    "sip_lockout_failures": 5,            # failed authentications that block a source (0 = never)
    "sip_lockout_window_ms": 60000,
    "sip_lockout_ms": 600000,
    "sip_rtp_ports": "10000-20000",
    "sip_jitter_min_ms": 20,
    "sip_jitter_max_ms": 200,
    "sip_dtmf": "rfc4733",                # what the box sends to phones: rfc4733|info|inband
    # call recording policies, format, retention, disk guard (firmware/recording/policy.py)
    "recording": dict(DEFAULT_RECORDING),
    # voicemail and its email (checked in validate_voicemail.py; docs/voicemail.md)
    **vv.VOICEMAIL_SETTINGS,
    # time zone, NTP, network, wizard progress (validate_setup.py; docs/web-wizard.md)
    **vsu.SETUP_SETTINGS,
}

#: Allowed range (ms, inclusive) of each timeout setting.
SETTING_RANGES_MS: Mapping[str, tuple[int, int]] = {
    "first_digit_timeout_ms": (1000, 60000),
    "interdigit_timeout_ms": (500, 30000),
    "ring_timeout_ms": (5000, 600000),
    "flash_min_ms": (20, 1000),
    "flash_max_ms": (100, 2000),
    "transfer_recall_ms": (5000, 300000),
    "followme_confirm_ms": (5000, 120000),
}

LANGUAGES = ("zh", "en")
EXT_KINDS = ("fxs", "sip")
TG_STRATEGIES = ("in_order", "round_robin")
DISCONNECT = ("any", "busy", "polarity", "loop")
ANSWER = ("polarity", "timer")
CID = ("auto", "bell202", "v23", "dtmf", "none")
RG_STRATEGIES = ("ringall", "hunt", "round_robin")
DEST_KINDS = ("extension", "ring_group", "conference", "queue", "voicemail", "ivr")
FOLLOWME_MODES = ("off", "after", "together")
CONSULT_FLASH = ("conference", "return")
ROUTE_CLASSES = CALL_CLASSES[1:]          # local, national, international

#: Primary key column of each table.
KEYS: Mapping[str, str] = {
    "extensions": "number", "trunk_groups": "name", "lines": "name",
    "ring_groups": "number", "inbound_routes": "id", "outbound_routes": "id",
    "time_conditions": "name", "holidays": "date", "caller_lists": "id", "conference_rooms": "number",
    "sip_trunks": "name",
    "queues": "number", "agents": "number", "pause_reasons": "code", "vip_callers": "number",
    "regions": "prefix", "contacts": "number", "supervisors": "number",
    "mailboxes": "number", "ivr_menus": "number",
}



# --------------------------------------------------------------------------- board
@lru_cache(maxsize=16)
def board_ports(board: str) -> Optional[dict[str, str]]:
    """Port name -> kind ("fxs"/"fxo"/"e1") of a board description, None if it does not load."""
    from hal.board import BoardError, load_description
    try:
        desc = load_description(board)
    except BoardError:
        return None
    return {p.name: p.kind.value for p in desc.ports()}


# --------------------------------------------------------------------------- settings
def validate_setting(key: str, value: Any) -> Any:
    """Check and normalise one setting (references are checked by validate_config)."""
    f = f"settings.{key}"
    if key not in SETTINGS_DEFAULTS:
        raise ConfigError(f, f"unknown setting (known: {', '.join(SETTINGS_DEFAULTS)})")
    if key == "country":
        return _choice(f, value, profiles.countries())
    if key == "language":
        return _choice(f, value, LANGUAGES)
    if key == "box_name":
        v = _text(f, value)
        if not v.strip():
            raise ConfigError(f, "must not be empty")
        return v
    if key == "board":
        if not isinstance(value, str) or board_ports(value) is None:
            raise ConfigError(f, f"no board description {value!r} (a name from hal/boards or a .toml path)")
        return value
    if key in SETTING_RANGES_MS:
        lo, hi = SETTING_RANGES_MS[key]
        return _int(f, value, lo, hi, " ms")
    if key == "emergency_numbers":
        if isinstance(value, str):
            value = [v for v in re.split(r"[\s,]+", value) if v]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f, f"{value!r} is not a list of numbers")
        out: list[str] = []
        for n in value:
            n = _digits(f, n, 2, 15, "an emergency number")
            if n not in out:
                out.append(n)
        return out
    if key == "operator":
        return _digits(f, value, 0, 8, "an extension or ring group number")
    if key == "feature_codes":
        return validate_feature_codes(value)
    if key == "consult_flash":
        return _choice(f, value, CONSULT_FLASH)
    if key == "pin_for_international":
        return _bool(f, value)
    if key in ("max_outbound_calls", "max_outbound_minutes"):
        return _int(f, value, 0, 100000)
    if key.startswith("sip_"):
        return vs.sip_setting(key, value)
    if key == "recording":
        return validate_recording_setting(value)
    if key in vv.VOICEMAIL_SETTINGS:
        return vv.voicemail_setting(key, value)
    if key in vsu.SETUP_SETTINGS:
        return vsu.setup_setting(key, value)
    raise AssertionError(key)  # pragma: no cover


def validate_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """All settings, defaults filled in, each checked, plus the checks between them."""
    out = dict(SETTINGS_DEFAULTS)
    for k, v in values.items():
        out[k] = validate_setting(k, v)
    if out["flash_min_ms"] >= out["flash_max_ms"]:
        raise ConfigError("settings.flash_min_ms",
                          f"{out['flash_min_ms']} ms must be shorter than flash_max_ms ({out['flash_max_ms']} ms)")
    vs.check_sip_settings(out)
    return out


# --------------------------------------------------------------------------- rows
def _extension(r: Mapping[str, Any]) -> dict:
    t = "extensions"
    _unknown_fields(t, r, ("number", "name", "kind", "port", "outbound_class", "enabled", "secret",
                           *EXT_FEATURE_FIELDS))
    if "number" not in r:
        raise ConfigError(f"{t}.number", "is required")
    number = _digits(f"{t}.number", r["number"], 2, 8)
    kind = _choice(f"{t}.kind", r.get("kind", "fxs"), EXT_KINDS)
    port = r.get("port") or None
    if kind == "fxs":
        if port is None:
            raise ConfigError(f"{t}.port", f"extension {number} is an FXS extension and needs a port (e.g. 'fxs1')")
        if not isinstance(port, str) or not re.fullmatch(r"fxs\d+", port):
            raise ConfigError(f"{t}.port", f"{port!r} is not an FXS port name (like 'fxs1')")
    elif port is not None:
        raise ConfigError(f"{t}.port", f"extension {number} is a SIP extension and takes no port (got {port!r})")
    return {
        "number": number,
        "name": _text(f"{t}.name", r.get("name", "") or f"Extension {number}"),
        "kind": kind,
        "port": port,
        "outbound_class": _choice(f"{t}.outbound_class", r.get("outbound_class", "national"), CALL_CLASSES),
        "enabled": _bool(f"{t}.enabled", r.get("enabled", True)),
        **_extension_features(number, r),
        "secret": vs.extension_secret(number, kind, r),
    }


EXT_FEATURE_FIELDS = ("dnd", "cfu", "cfb", "cfna", "cfna_ring_ms", "followme", "followme_mode",
                      "followme_delay_ms", "followme_confirm", "pickup_group", "pin",
                      "max_outbound_calls", "max_outbound_minutes", "announce")


def _extension_features(number: str, r: Mapping[str, Any]) -> dict:
    t = "extensions"
    out = {
        "dnd": _bool(f"{t}.dnd", r.get("dnd", False)),
        "cfu": _digits(f"{t}.cfu", r.get("cfu", "") or "", 0, 24, "a number to forward to"),
        "cfb": _digits(f"{t}.cfb", r.get("cfb", "") or "", 0, 24, "a number to forward to"),
        "cfna": _digits(f"{t}.cfna", r.get("cfna", "") or "", 0, 24, "a number to forward to"),
        "cfna_ring_ms": _int(f"{t}.cfna_ring_ms", r.get("cfna_ring_ms", 20000), 5000, 120000, " ms"),
        "followme": _digits(f"{t}.followme", r.get("followme", "") or "", 0, 24, "a number (as dialled)"),
        "followme_mode": _choice(f"{t}.followme_mode", r.get("followme_mode", "off"), FOLLOWME_MODES),
        "followme_delay_ms": _int(f"{t}.followme_delay_ms", r.get("followme_delay_ms", 15000), 0, 120000, " ms"),
        "followme_confirm": _bool(f"{t}.followme_confirm", r.get("followme_confirm", True)),
        "pickup_group": _text(f"{t}.pickup_group", r.get("pickup_group", "default"), 32),
        "pin": _digits(f"{t}.pin", r.get("pin", "") or "", 0, 8, "a PIN"),
        "max_outbound_calls": _int(f"{t}.max_outbound_calls", r.get("max_outbound_calls", 0), 0, 100),
        "max_outbound_minutes": _int(f"{t}.max_outbound_minutes", r.get("max_outbound_minutes", 0), 0, 100000),
        "announce": _bool(f"{t}.announce", r.get("announce", False)),
    }
    if out["pin"] and len(out["pin"]) < 4:
        raise ConfigError(f"{t}.pin", "must be 4–8 digits")
    for k in ("cfu", "cfb", "cfna"):
        if out[k] == number:
            raise ConfigError(f"{t}.{k}", f"extension {number} cannot forward to itself")
    if out["followme_mode"] != "off" and not out["followme"]:
        raise ConfigError(f"{t}.followme", "follow-me needs the number to ring (e.g. the mobile, as dialled: 913800138000)")
    return out


def _trunk_group(r: Mapping[str, Any]) -> dict:
    t = "trunk_groups"
    _unknown_fields(t, r, ("name", "strategy", "description"))
    return {
        "name": _name(f"{t}.name", r.get("name")),
        "strategy": _choice(f"{t}.strategy", r.get("strategy", "in_order"), TG_STRATEGIES),
        "description": _text(f"{t}.description", r.get("description", ""), 200),
    }


def _line(r: Mapping[str, Any]) -> dict:
    t = "lines"
    _unknown_fields(t, r, ("name", "port", "number", "trunk_group", "disconnect", "answer",
                           "answer_timer_ms", "dialtone_timeout_ms", "cid", "enabled"))
    name = _name(f"{t}.name", r.get("name"))
    port = r.get("port")
    if not isinstance(port, str) or not re.fullmatch(r"fxo\d+", port):
        raise ConfigError(f"{t}.port", f"{port!r} is not an FXO port name (like 'fxo1')")
    return {
        "name": name,
        "port": port,
        "number": _digits(f"{t}.number", r.get("number", "") or "", 0, 20, "a phone number"),
        "trunk_group": _text(f"{t}.trunk_group", r.get("trunk_group", "")),
        "disconnect": _choice(f"{t}.disconnect", r.get("disconnect", "any"), DISCONNECT),
        "answer": _choice(f"{t}.answer", r.get("answer", "timer"), ANSWER),
        "answer_timer_ms": _int(f"{t}.answer_timer_ms", r.get("answer_timer_ms", 0), 0, 120000, " ms"),
        "dialtone_timeout_ms": _int(f"{t}.dialtone_timeout_ms", r.get("dialtone_timeout_ms", 3000),
                                    500, 30000, " ms"),
        "cid": _choice(f"{t}.cid", r.get("cid", "auto"), CID),
        "enabled": _bool(f"{t}.enabled", r.get("enabled", True)),
    }


def _ring_group(r: Mapping[str, Any]) -> dict:
    t = "ring_groups"
    _unknown_fields(t, r, ("number", "name", "strategy", "ring_ms", "members", "no_answer_dest"))
    if "number" not in r:
        raise ConfigError(f"{t}.number", "is required")
    number = _digits(f"{t}.number", r["number"], 2, 8)
    members = r.get("members", [])
    if isinstance(members, str):
        members = [m for m in re.split(r"[\s,]+", members) if m]
    if not isinstance(members, (list, tuple)):
        raise ConfigError(f"{t}.members", f"{members!r} is not a list of extension numbers")
    clean: list[str] = []
    for m in members:
        m = _digits(f"{t}.members", m, 2, 8, "an extension number")
        if m in clean:
            raise ConfigError(f"{t}.members", f"extension {m} is listed twice")
        clean.append(m)
    if not clean:
        raise ConfigError(f"{t}.members", f"ring group {number} needs at least one extension")
    return {
        "number": number,
        "name": _text(f"{t}.name", r.get("name", "") or f"Ring group {number}"),
        "strategy": _choice(f"{t}.strategy", r.get("strategy", "ringall"), RG_STRATEGIES),
        "ring_ms": _int(f"{t}.ring_ms", r.get("ring_ms", 20000), 2000, 600000, " ms"),
        "members": clean,
        "no_answer_dest": _digits(f"{t}.no_answer_dest", r.get("no_answer_dest", "") or "", 0, 12,
                                  "an extension, ring group or voicemail number"),
    }


def _route_id(table: str, r: Mapping[str, Any]) -> Optional[int]:
    if r.get("id") is None:
        return None
    return _int(f"{table}.id", r["id"], 1, 2**31 - 1)


def _inbound_route(r: Mapping[str, Any]) -> dict:
    t = "inbound_routes"
    _unknown_fields(t, r, ("id", "name", "line", "cid_prefix", "dest_kind", "dest", "priority",
                           "time_condition", "night_dest_kind", "night_dest", "moh", "did"))
    return {
        "id": _route_id(t, r),
        "name": _text(f"{t}.name", r.get("name", "")),
        "line": _text(f"{t}.line", r.get("line", "") or ""),
        "cid_prefix": _digits(f"{t}.cid_prefix", r.get("cid_prefix", "") or "", 0, 20, "a number prefix"),
        "dest_kind": _choice(f"{t}.dest_kind", r.get("dest_kind", "ring_group"), DEST_KINDS),
        "dest": _digits(f"{t}.dest", r.get("dest", ""), 2, 12, "an extension, ring group or queue number"),
        "priority": _int(f"{t}.priority", r.get("priority", 100), 0, 9999),
        "time_condition": _text(f"{t}.time_condition", r.get("time_condition", "") or "", 32),
        "night_dest_kind": _choice(f"{t}.night_dest_kind", r.get("night_dest_kind", "") or "ring_group",
                                   DEST_KINDS) if r.get("night_dest") else "",
        "night_dest": _digits(f"{t}.night_dest", r.get("night_dest", "") or "", 0, 12,
                              "an extension, ring group or conference number"),
        "moh": _text(f"{t}.moh", r.get("moh", "") or "", 32),
        "did": vs.check_did(f"{t}.did", r.get("did", "")),
    }


def _outbound_route(r: Mapping[str, Any]) -> dict:
    t = "outbound_routes"
    _unknown_fields(t, r, ("id", "name", "prefix", "pattern", "strip", "prepend", "trunk_group",
                           "call_class", "priority"))
    prefix = _digits(f"{t}.prefix", r.get("prefix", "") or "", 0, 4, "a dialling prefix")
    pattern = r.get("pattern")
    try:
        parse_pattern(pattern)
    except DialPatternError as e:
        raise ConfigError(f"{t}.pattern", f"{pattern!r} is not a valid dial pattern ({e})") from None
    strip = r.get("strip")
    strip = len(prefix) if strip is None or strip == "" else _int(f"{t}.strip", strip, 0, 20)
    return {
        "id": _route_id(t, r),
        "name": _text(f"{t}.name", r.get("name", "")),
        "prefix": prefix,
        "pattern": pattern,
        "strip": strip,
        "prepend": _digits(f"{t}.prepend", r.get("prepend", "") or "", 0, 20, "digits to prepend"),
        "trunk_group": _text(f"{t}.trunk_group", r.get("trunk_group", "")),
        "call_class": _choice(f"{t}.call_class", r.get("call_class", "national"), ROUTE_CLASSES),
        "priority": _int(f"{t}.priority", r.get("priority", 100), 0, 9999),
    }


ROW_VALIDATORS: Mapping[str, Callable[[Mapping[str, Any]], dict]] = {
    "extensions": _extension, "trunk_groups": _trunk_group, "lines": _line,
    "ring_groups": _ring_group, "inbound_routes": _inbound_route, "outbound_routes": _outbound_route,
    "time_conditions": vf.time_condition, "holidays": vf.holiday, "caller_lists": vf.caller_list_entry,
    "conference_rooms": vf.conference_room, "sip_trunks": vs.sip_trunk,
    "queues": va.queue, "agents": va.agent, "pause_reasons": va.pause_reason, "vip_callers": va.vip_caller,
    "regions": va.region, "contacts": va.contact, "supervisors": va.supervisor,
    "mailboxes": vv.mailbox,
    "ivr_menus": ivr_menu.validate_menu_row,
}
TABLES = tuple(ROW_VALIDATORS)


def validate_row(table: str, row: Mapping[str, Any]) -> dict:
    """Check one row of ``table``; returns it cleaned, with defaults filled."""
    if not isinstance(row, Mapping):
        raise ConfigError(table, f"each entry must be an object of fields, not {type(row).__name__}")
    return ROW_VALIDATORS[table](row)


# --------------------------------------------------------------------------- whole config
def validate_config(state: Mapping[str, Any]) -> None:
    """Check the references between tables of a whole configuration.

    ``state``: ``{"settings": {...}, "extensions": [row, ...], ...}`` with clean rows
    (from :func:`validate_row`) and clean settings (:func:`validate_settings`).
    """
    s = state["settings"]
    ports = board_ports(s["board"]) or {}
    emergency = set(builtin_emergency_numbers(s["country"])) | set(s["emergency_numbers"])

    def unique(table: str, col: str, what: str) -> dict:
        seen: dict = {}
        for row in state[table]:
            v = row[col]
            if v is None:
                continue
            if v in seen:
                raise ConfigError(f"{table}.{col}", f"{what} {v!r} is already used by {_describe(table, seen[v])}")
            seen[v] = row
        return seen

    exts = unique("extensions", "number", "number")
    unique("extensions", "port", "port")
    tgs = unique("trunk_groups", "name", "name")
    lines = unique("lines", "name", "name")
    unique("lines", "port", "port")
    rgs = unique("ring_groups", "number", "number")
    trunks = vs.check_sip_references(state, tgs, lines)

    for n in exts:
        if n in emergency:
            raise ConfigError("extensions.number", f"{n} is an emergency number and cannot be an extension")
    for n, rg in rgs.items():
        if n in exts:
            raise ConfigError("ring_groups.number", f"{n} is already extension {n} ({exts[n]['name']})")
        if n in emergency:
            raise ConfigError("ring_groups.number", f"{n} is an emergency number and cannot be a ring group")
    for e in exts.values():
        if e["port"] and ports.get(e["port"]) != "fxs":
            raise ConfigError("extensions.port", f"board {s['board']} has no FXS port {e['port']!r}")
    for ln in lines.values():
        if ports.get(ln["port"]) != "fxo":
            raise ConfigError("lines.port", f"board {s['board']} has no FXO port {ln['port']!r}")
        if ln["trunk_group"] not in tgs:
            raise ConfigError("lines.trunk_group", f"no trunk group {ln['trunk_group']!r}")
    for rg in rgs.values():
        for m in rg["members"]:
            if m not in exts:
                raise ConfigError("ring_groups.members", f"extension {m} does not exist")
        d = rg["no_answer_dest"]
        if d and d not in exts and d not in rgs and d not in vv.voicemail_numbers(state):
            raise ConfigError("ring_groups.no_answer_dest", f"no extension, ring group or voicemail number {d}")
        if d == rg["number"]:
            raise ConfigError("ring_groups.no_answer_dest", f"ring group {d} cannot forward to itself")
    rooms = {c["number"]: c for c in state["conference_rooms"]}
    for n in rooms:
        if n in emergency:
            raise ConfigError("conference_rooms.number", f"{n} is an emergency number and cannot be a conference room")
    menus = {m["number"]: m for m in state.get("ivr_menus", ())}
    for n in menus:
        if n in emergency:
            raise ConfigError("ivr_menus.number", f"{n} is an emergency number and cannot be an IVR menu")
    pools = {"extension": (exts, "extension"), "ring_group": (rgs, "ring group"),
             "conference": (rooms, "conference room"),
             "queue": ({q["number"]: q for q in state.get("queues", ())}, "queue"),
             "voicemail": (vv.voicemail_numbers(state), "voicemail number"), "ivr": (menus, "IVR menu")}
    for r in state["inbound_routes"]:
        if r["line"] and r["line"] not in lines and r["line"] not in trunks:
            raise ConfigError("inbound_routes.line", f"no line {r['line']!r} (and no SIP trunk of that name)")
        for col, kcol in (("dest", "dest_kind"), ("night_dest", "night_dest_kind")):
            if not r[col]:
                continue
            pool, what = pools[r[kcol]]
            if r[col] not in pool:
                raise ConfigError(f"inbound_routes.{col}", f"no {what} {r[col]}")
    ivr_menu.check_references(state, {*exts, *rgs, *rooms, *menus, *vv.voicemail_numbers(state),
                                      *(q["number"] for q in state.get("queues", ()))})
    in_use = {**{n: f"extension {n}" for n in exts}, **{n: f"ring group {n}" for n in rgs}}
    vf.check_feature_references(state, in_use)
    va.check_acd_references(state, {**in_use, **{n: f"conference room {n}" for n in rooms},
                                    **{n: "an emergency number" for n in emergency}})
    vv.check_voicemail_references(state, {**in_use, **{n: f"conference room {n}" for n in rooms},
                                          **{q["number"]: f"queue {q['number']}" for q in state.get("queues", ())},
                                          **{n: "an emergency number" for n in emergency}})
    for r in state["outbound_routes"]:
        if r["trunk_group"] not in tgs:
            raise ConfigError("outbound_routes.trunk_group", f"no trunk group {r['trunk_group']!r}")
    op = s["operator"]
    if op and op not in exts and op not in rgs:
        raise ConfigError("settings.operator", f"no extension or ring group {op}")
    for table in ("inbound_routes", "outbound_routes", "caller_lists"):
        ids = [r["id"] for r in state[table] if r["id"] is not None]
        if len(ids) != len(set(ids)):
            raise ConfigError(f"{table}.id", "the same id is used twice")


#: how a row is named in messages: table -> (label, key column, name column or "")
_DESCRIBE = {
    "extensions": ("extension", "number", "name"), "ring_groups": ("ring group", "number", "name"),
    "lines": ("line", "name", ""), "trunk_groups": ("trunk group", "name", ""),
    "conference_rooms": ("conference room", "number", "name"),
    "time_conditions": ("time condition", "name", ""), "holidays": ("holiday", "date", ""),
    "sip_trunks": ("SIP trunk", "name", ""), "queues": ("queue", "number", "name"),
    "ivr_menus": ("IVR menu", "number", "name"),
}


def _describe(table: str, row: Mapping[str, Any]) -> str:
    label, key, name = _DESCRIBE.get(table, (table[:-1].replace("_", " "), "id", "name"))
    text = f"{label} {row.get(key)}"
    if name:
        text += f" ({row.get(name, '')})"
    return text


def references_to(state: Mapping[str, Any], table: str, key: Any) -> list[str]:
    """What in ``state`` still uses row ``key`` of ``table`` (plain descriptions)."""
    out: list[str] = []
    if table in ("extensions", "ring_groups"):
        kind = "extension" if table == "extensions" else "ring_group"
        for rg in state["ring_groups"]:
            if kind == "extension" and key in rg["members"]:
                out.append(f"ring group {rg['number']} ({rg['name']}) lists it as a member")
            if rg["no_answer_dest"] == key and rg["number"] != key:
                out.append(f"ring group {rg['number']} ({rg['name']}) sends unanswered calls to it")
        for r in state["inbound_routes"]:
            if (r["dest_kind"] == kind and r["dest"] == key) or \
                    (r["night_dest_kind"] == kind and r["night_dest"] == key):
                out.append(f"inbound route {r['id']} ({r['name']}) sends calls to it")
        if state["settings"].get("operator") == key:
            out.append("settings.operator is set to it")
    elif table == "trunk_groups":
        for ln in state["lines"]:
            if ln["trunk_group"] == key:
                out.append(f"line {ln['name']} belongs to it")
        for tr in state.get("sip_trunks", ()):
            if tr["trunk_group"] == key:
                out.append(f"SIP trunk {tr['name']} belongs to it")
        for r in state["outbound_routes"]:
            if r["trunk_group"] == key:
                out.append(f"outbound route {r['id']} ({r['name']}) uses it")
    elif table == "conference_rooms":
        for r in state["inbound_routes"]:
            if "conference" in (r["dest_kind"], r["night_dest_kind"]) and key in (r["dest"], r["night_dest"]):
                out.append(f"inbound route {r['id']} ({r['name']}) sends calls to it")
    elif table == "time_conditions":
        for r in state["inbound_routes"]:
            if r["time_condition"] == key:
                out.append(f"inbound route {r['id']} ({r['name']}) uses it")
    elif table == "lines":
        for r in state["inbound_routes"]:
            if r["line"] == key:
                out.append(f"inbound route {r['id']} ({r['name']}) is for this line")
    elif table == "sip_trunks":
        out += vs.references_to_sip_trunk(state, key)
    elif table in ("agents", "queues"):
        out += va.references_to_acd(state, table, key)
    if table == "extensions":
        out += va.references_to_acd(state, table, key)
    elif table == "ivr_menus":
        for r in state["inbound_routes"]:
            if "ivr" in (r["dest_kind"], r["night_dest_kind"]) and key in (r["dest"], r["night_dest"]):
                out.append(f"inbound route {r['id']} ({r['name']}) sends calls to it")
    if table in ("extensions", "mailboxes"):
        out += vv.references_to_mailbox(state, table, key)
    if table in ("extensions", "ring_groups", "conference_rooms", "queues", "ivr_menus"):
        out += [x for x in ivr_menu.references_to_number(state, key)
                if not x.startswith(f"IVR menu {key} ")]
    if table == "time_conditions":
        out += ivr_menu.references_to_time_condition(state, key)
    return out
