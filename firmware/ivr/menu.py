"""IVR menus as data: the row of the ``ivr_menus`` table and the checks of its node tree.

A menu (自动语音导航) has a ``number`` (a destination of kind "ivr": dial it, route an
inbound call or another menu to it), a ``start`` node, and ``nodes`` (id -> node):

* ``play``    — ``prompts`` (list), then ``next`` (node id);
* ``collect`` — ``prompts``, then wait for one key (``digits`` 1) or a digit string
  (``digits`` N, ended early by ``terminator`` ``#``); ``timeout_ms`` for the first key,
  ``interdigit_ms`` between keys; ``keys`` {key: node}; a string not in ``keys`` goes to
  ``next`` (stored in the call variable ``var`` first) when ``next`` is set; anything
  else is invalid (``invalid_prompt``), no input at all is a timeout (``timeout_prompt``);
  after ``attempts`` failures: ``fail`` (node) or the menu's ``fallback``.  Key ``0`` is
  "the operator" (``operator``) unless ``keys`` uses it; an extension number in the
  menu's ``direct_dial`` ranges rings that extension;
* ``time``    — ``condition`` (a time condition's name): ``day`` or ``night`` node;
* ``goto``    — ``target``: any number (extension, ring group, queue, voicemail,
  conference, another menu);
* ``set``     — ``vars`` {name: value} on the call (CDR userfield, screen pops), ``next``;
* ``hangup``  — optional ``prompts`` first.

Prompt items are prompt names (system prompts or the installer's uploads) or read-outs:
``say:digits:<text>``, ``say:number:<n>`` (``$var`` takes a call variable: ``say:digits:$acct``),
``say:time`` (the time now).  A caller who goes round a loop without pressing anything
``loop_limit`` times is sent to ``fallback`` (hang up when "").

This module checks a menu's shape (pure); references to other numbers and time conditions
are checked with the whole configuration (:func:`check_references`), prompt files by the
box (:func:`check_prompts`) — every error names the menu and node.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Mapping, Optional

from firmware.config.errors import ConfigError
from firmware.config.fields import _bool, _digits, _int, _text, _unknown_fields

TABLE = "ivr_menus"
NODE_TYPES = ("play", "collect", "time", "goto", "set", "hangup")
KEYS_RE = re.compile(r"^[0-9*#]{1,20}$")
NODE_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
VAR_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
PROMPT_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
RANGE_RE = re.compile(r"^(\d{2,8})(?:-(\d{2,8}))?$")
SAY_KINDS = ("digits", "number", "time")

DEFAULT_INVALID_PROMPT = "ivr_invalid_option"
DEFAULT_TIMEOUT_PROMPT = "ivr_no_input"

_NODE_FIELDS = {
    "play": ("prompts", "next"),
    "collect": ("prompts", "digits", "timeout_ms", "interdigit_ms", "attempts", "invalid_prompt",
                "timeout_prompt", "terminator", "keys", "var", "next", "fail", "operator", "direct_dial"),
    "time": ("condition", "day", "night"),
    "goto": ("target",),
    "set": ("vars", "next"),
    "hangup": ("prompts",),
}


# --------------------------------------------------------------------------- shape
def _where(number: str, node: str) -> str:
    return f"menu {number} node {node!r}"


def _prompt_items(number: str, node: str, value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"{TABLE}.nodes", f"{_where(number, node)}: prompts must be a list of prompt names")
    out = []
    for p in value:
        if not isinstance(p, str):
            raise ConfigError(f"{TABLE}.nodes", f"{_where(number, node)}: {p!r} is not a prompt name")
        if p.startswith("say:"):
            kind, _, arg = p[4:].partition(":")
            if kind not in SAY_KINDS or (kind != "time" and not arg):
                raise ConfigError(f"{TABLE}.nodes", f"{_where(number, node)}: {p!r} is not a read-out "
                                                    "(say:digits:TEXT, say:number:N, say:time; $var for a call variable)")
            if kind == "number" and not arg.startswith("$") and not arg.isdigit():
                raise ConfigError(f"{TABLE}.nodes", f"{_where(number, node)}: {p!r}: {arg!r} is not a number")
        elif not PROMPT_RE.match(p):
            raise ConfigError(f"{TABLE}.nodes", f"{_where(number, node)}: {p!r} is not a prompt name "
                                                "(letters, digits, _ . - only)")
        out.append(p)
    return out


def _node_ref(number: str, node: str, col: str, value: Any, ids: Iterable[str], required: bool) -> str:
    if value in (None, ""):
        if required:
            raise ConfigError(f"{TABLE}.nodes", f"{_where(number, node)}: '{col}' is required (a node id)")
        return ""
    if value not in ids:
        raise ConfigError(f"{TABLE}.nodes", f"{_where(number, node)}: {col} {value!r} is not a node of this menu")
    return value


def clean_node(number: str, nid: str, node: Any, ids: Iterable[str]) -> dict:
    """One node, checked against its type and the menu's node ids; defaults filled."""
    f = f"{TABLE}.nodes"
    if not isinstance(node, Mapping):
        raise ConfigError(f, f"{_where(number, nid)}: must be an object with a 'type'")
    t = node.get("type")
    if t not in NODE_TYPES:
        raise ConfigError(f, f"{_where(number, nid)}: type {t!r} is not one of {', '.join(NODE_TYPES)}")
    try:
        _unknown_fields(f"{TABLE}.nodes.{nid}", node, ("type", *_NODE_FIELDS[t]))
    except ConfigError as e:
        raise ConfigError(f, f"{_where(number, nid)}: {e.message}") from None
    ids = tuple(ids)
    out: dict[str, Any] = {"type": t}

    def num(col: str, default: int, lo: int, hi: int, unit: str = "") -> int:
        try:
            return _int(f, node.get(col, default), lo, hi, unit)
        except ConfigError as e:
            raise ConfigError(f, f"{_where(number, nid)}: {col}: {e.message}") from None

    if t in ("play", "collect", "hangup"):
        out["prompts"] = _prompt_items(number, nid, node.get("prompts"))
    if t == "play":
        out["next"] = _node_ref(number, nid, "next", node.get("next"), ids, True)
    elif t == "collect":
        out["digits"] = num("digits", 1, 1, 20)
        out["timeout_ms"] = num("timeout_ms", 5000, 1000, 60000, " ms")
        out["interdigit_ms"] = num("interdigit_ms", 3000, 500, 20000, " ms")
        out["attempts"] = num("attempts", 3, 1, 10)
        for col, default in (("invalid_prompt", DEFAULT_INVALID_PROMPT), ("timeout_prompt", DEFAULT_TIMEOUT_PROMPT)):
            items = _prompt_items(number, nid, node.get(col, default))
            out[col] = items
        term = node.get("terminator", "#")
        if term not in ("#", "*", ""):
            raise ConfigError(f, f"{_where(number, nid)}: terminator {term!r} must be '#', '*' or ''")
        out["terminator"] = term
        keys = node.get("keys", {}) or {}
        if not isinstance(keys, Mapping):
            raise ConfigError(f, f"{_where(number, nid)}: keys must be an object {{key: node}}")
        clean_keys = {}
        for k, v in keys.items():
            k = str(k)
            if not KEYS_RE.match(k):
                raise ConfigError(f, f"{_where(number, nid)}: key {k!r} is not keypad digits (0-9 * #)")
            clean_keys[k] = _node_ref(number, nid, f"key {k}", v, ids, True)
        out["keys"] = clean_keys
        var = node.get("var", "") or ""
        if var and not VAR_RE.match(var):
            raise ConfigError(f, f"{_where(number, nid)}: var {var!r} is not a variable name (letters, digits, _)")
        out["var"] = var
        out["next"] = _node_ref(number, nid, "next", node.get("next"), ids, False)
        out["fail"] = _node_ref(number, nid, "fail", node.get("fail"), ids, False)
        try:
            out["operator"] = _bool(f, node.get("operator", True))
            out["direct_dial"] = _bool(f, node.get("direct_dial", True))
        except ConfigError as e:
            raise ConfigError(f, f"{_where(number, nid)}: {e.message}") from None
        if not clean_keys and not out["next"]:
            raise ConfigError(f, f"{_where(number, nid)}: a collect node needs 'keys' or 'next'")
    elif t == "time":
        cond = node.get("condition")
        if not isinstance(cond, str) or not cond:
            raise ConfigError(f, f"{_where(number, nid)}: 'condition' is required (a time condition's name)")
        out["condition"] = cond
        out["day"] = _node_ref(number, nid, "day", node.get("day"), ids, True)
        out["night"] = _node_ref(number, nid, "night", node.get("night"), ids, True)
    elif t == "goto":
        try:
            out["target"] = _digits(f, node.get("target", ""), 2, 24, "a number to go to")
        except ConfigError as e:
            raise ConfigError(f, f"{_where(number, nid)}: target: {e.message}") from None
    elif t == "set":
        vs = node.get("vars", {})
        if not isinstance(vs, Mapping) or not vs:
            raise ConfigError(f, f"{_where(number, nid)}: vars must be an object {{name: value}}")
        clean = {}
        for k, v in vs.items():
            if not isinstance(k, str) or not VAR_RE.match(k):
                raise ConfigError(f, f"{_where(number, nid)}: {k!r} is not a variable name (letters, digits, _)")
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                v = str(v)
            try:
                clean[k] = _text(f, v, 64)
            except ConfigError as e:
                raise ConfigError(f, f"{_where(number, nid)}: variable {k}: {e.message}") from None
            if any(c in clean[k] for c in ";="):
                raise ConfigError(f, f"{_where(number, nid)}: variable {k}: value may not contain ';' or '='")
        out["vars"] = clean
        out["next"] = _node_ref(number, nid, "next", node.get("next"), ids, True)
    return out


def validate_menu_row(r: Mapping[str, Any]) -> dict:
    """Row validator of the ``ivr_menus`` table (shape only)."""
    t = TABLE
    _unknown_fields(t, r, ("number", "name", "start", "nodes", "fallback", "loop_limit", "direct_dial", "operator"))
    if "number" not in r:
        raise ConfigError(f"{t}.number", "is required")
    number = _digits(f"{t}.number", r["number"], 2, 8)
    nodes = r.get("nodes")
    if not isinstance(nodes, Mapping) or not nodes:
        raise ConfigError(f"{t}.nodes", f"menu {number}: needs at least one node (an object id -> node)")
    for nid in nodes:
        if not isinstance(nid, str) or not NODE_ID_RE.match(nid):
            raise ConfigError(f"{t}.nodes", f"menu {number}: {nid!r} is not a node id (letters, digits, _ . -)")
    start = r.get("start") or ("main" if "main" in nodes else next(iter(nodes)))
    if start not in nodes:
        raise ConfigError(f"{t}.start", f"menu {number}: start {start!r} is not a node of this menu")
    clean_nodes = {nid: clean_node(number, nid, n, nodes) for nid, n in nodes.items()}
    dd = r.get("direct_dial", []) or []
    if isinstance(dd, str):
        dd = [x for x in re.split(r"[\s,]+", dd) if x]
    if not isinstance(dd, (list, tuple)):
        raise ConfigError(f"{t}.direct_dial", f"menu {number}: a list of ranges like '801-899'")
    ranges = []
    for x in dd:
        m = RANGE_RE.match(str(x))
        if not m or (m.group(2) and (len(m.group(1)) != len(m.group(2)) or m.group(1) > m.group(2))):
            raise ConfigError(f"{t}.direct_dial", f"menu {number}: {x!r} is not a range of extension numbers "
                                                  "(like 801-899, both ends the same length)")
        ranges.append(str(x))
    return {
        "number": number,
        "name": _text(f"{t}.name", r.get("name", "") or f"Menu {number}"),
        "start": start,
        "nodes": clean_nodes,
        "fallback": _digits(f"{t}.fallback", r.get("fallback", "") or "", 0, 24, "a number"),
        "loop_limit": _int(f"{t}.loop_limit", r.get("loop_limit", 3), 1, 20),
        "direct_dial": ranges,
        "operator": _digits(f"{t}.operator", r.get("operator", "") or "", 0, 8, "an extension or group number"),
    }


# --------------------------------------------------------------------------- references
def is_outside(state: Mapping[str, Any], number: str) -> bool:
    """``number`` starts with an outbound route's prefix (a call out, e.g. 9 + number)."""
    return any(r["prefix"] and number.startswith(r["prefix"]) and len(number) > len(r["prefix"])
               for r in state.get("outbound_routes", ()))


def check_references(state: Mapping[str, Any], known: set[str]) -> None:
    """Targets, fallbacks, operators and time conditions of every menu exist; ``known``:
    every internal number (extensions, ring groups, rooms, queues, voicemail numbers, menus)."""
    tcs = {tc["name"] for tc in state.get("time_conditions", ())}
    for m in state.get(TABLE, ()):
        n = m["number"]

        def need(what: str, num: str, where: str) -> None:
            if num and num not in known and not is_outside(state, num):
                raise ConfigError(f"{TABLE}.nodes" if where else f"{TABLE}.{what}",
                                  f"menu {n}{where}: {what} {num} does not exist "
                                  "(no extension, ring group, queue, voicemail, room or menu has that number)")
        need("fallback", m["fallback"], "")
        need("operator", m["operator"], "")
        for nid, node in m["nodes"].items():
            if node["type"] == "goto":
                need("target", node["target"], f" node {nid!r}")
            elif node["type"] == "time" and node["condition"] not in tcs:
                raise ConfigError(f"{TABLE}.nodes", f"menu {n} node {nid!r}: time condition "
                                                    f"{node['condition']!r} does not exist")


def prompts_used(menu: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(node id, prompt name) of every prompt file a menu plays (read-outs aside)."""
    out = []
    for nid, node in menu["nodes"].items():
        for col in ("prompts", "invalid_prompt", "timeout_prompt"):
            for p in node.get(col, ()):
                if not p.startswith("say:"):
                    out.append((nid, p))
    return out


def check_prompts(menu: Mapping[str, Any], exists: Callable[[str], bool]) -> None:
    """Every prompt a menu plays has a file (``exists(name)``: the box's prompt library)."""
    for nid, p in prompts_used(menu):
        if not exists(p):
            raise ConfigError(f"{TABLE}.nodes", f"menu {menu['number']} node {nid!r}: prompt {p!r} does not exist")


def references_to_number(state: Mapping[str, Any], number: str) -> list[str]:
    """Menus that send callers to ``number`` (so it may not be deleted)."""
    out = []
    for m in state.get(TABLE, ()):
        if number in (m["fallback"], m["operator"]):
            out.append(f"IVR menu {m['number']} ({m['name']}) uses it as fallback/operator")
        for nid, node in m["nodes"].items():
            if node["type"] == "goto" and node["target"] == number:
                out.append(f"IVR menu {m['number']} node {nid!r} sends callers to it")
    return out


def references_to_time_condition(state: Mapping[str, Any], name: str) -> list[str]:
    return [f"IVR menu {m['number']} node {nid!r} branches on it"
            for m in state.get(TABLE, ()) for nid, node in m["nodes"].items()
            if node["type"] == "time" and node["condition"] == name]


def find_menu(menus: Iterable[Any], number: str) -> Optional[Any]:
    return next((m for m in menus if m.number == number), None)
