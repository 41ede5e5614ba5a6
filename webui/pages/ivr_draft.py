"""The IVR tree editor's draft: a menu read from the editor form, the editing steps
(add a key, add a child node, remove a node, change a node's type), the tree layout
shown on the page, and where a validation message belongs.

Pure functions over plain dicts (the ``ivr_menus`` row shape of docs/ivr.md); the
config store validates on save.  Form fields are named ``n|<node id>|<field>`` (node ids
are letters, digits, ``_ . -``), keys ``n|<id>|key|<i>`` / ``n|<id>|to|<i>``; the hidden
``node`` fields list the node ids in order and ``n|<id>|shown`` the type the node was
drawn as (a changed type starts from that type's defaults).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

from webui.i18n import N_

NODE_TYPES = ("collect", "play", "goto", "set", "time", "hangup")
TYPE_LABELS = {"collect": N_("Ask for a key (menu)"), "play": N_("Play prompts"),
               "goto": N_("Send to a number (extension, queue, group, voicemail, menu)"),
               "set": N_("Set call variables"), "time": N_("Branch on opening hours"),
               "hangup": N_("Hang up")}
NODE_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
KEY_ORDER = "1234567890*#"
DEFAULT_INVALID = ["ivr_invalid_option"]
DEFAULT_TIMEOUT = ["ivr_no_input"]
MENU_FIELDS = ("name", "start", "fallback", "loop_limit", "operator", "direct_dial")
NODE_FIELDS = ("type", "prompts", "next", "digits", "timeout_ms", "interdigit_ms", "attempts", "invalid_prompt",
               "timeout_prompt", "terminator", "var", "fail", "operator", "direct_dial", "condition", "day",
               "night", "target", "vars", "keys")

Getter = Callable[[str], str]
Lister = Callable[[str], list[str]]


class DraftError(ValueError):
    """An editing step that cannot be done (said in plain words, already translated)."""


def default_node(kind: str) -> dict[str, Any]:
    """A fresh node of type ``kind`` with the model's defaults (docs/ivr.md)."""
    if kind == "collect":
        return {"type": "collect", "prompts": [], "digits": 1, "timeout_ms": 5000, "interdigit_ms": 3000,
                "attempts": 3, "invalid_prompt": list(DEFAULT_INVALID), "timeout_prompt": list(DEFAULT_TIMEOUT),
                "terminator": "#", "keys": {}, "var": "", "next": "", "fail": "", "operator": True,
                "direct_dial": True}
    if kind == "play":
        return {"type": "play", "prompts": [], "next": ""}
    if kind == "goto":
        return {"type": "goto", "target": ""}
    if kind == "set":
        return {"type": "set", "vars": {}, "next": ""}
    if kind == "time":
        return {"type": "time", "condition": "", "day": "", "night": ""}
    return {"type": "hangup", "prompts": []}


def new_menu(number: str, name: str) -> dict[str, Any]:
    """A starter menu: ask for a key, key 1 hangs up (the installer edits it from there)."""
    main = default_node("collect")
    main["prompts"] = ["welcome"]
    main["keys"] = {"1": "option1"}
    return {"number": number, "name": name, "start": "main",
            "nodes": {"main": main, "option1": default_node("hangup")}}


# --------------------------------------------------------------------------- form -> draft
def split_list(text: str) -> list[str]:
    """``"welcome, say:digits:801"`` → ``["welcome", "say:digits:801"]``."""
    return [x for x in re.split(r"[\s,]+", text or "") if x]


def _int_or_text(v: str) -> Union[int, str]:
    v = (v or "").strip()
    return int(v) if re.fullmatch(r"\d{1,9}", v) else v


def parse_vars(text: str) -> dict[str, str]:
    """Lines of ``name=value`` (blank lines ignored; a line without ``=`` is a name with "")."""
    out: dict[str, str] = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            k, _, v = line.partition("=")
            out[k.strip()] = v.strip()
    return out


def node_from_form(nid: str, get: Getter, getall: Lister) -> dict[str, Any]:
    """One node as the form holds it (a node whose type select changed starts from the
    new type's defaults, keeping its prompts and where it goes next)."""
    p = f"n|{nid}|"
    kind = get(p + "type") or "hangup"
    if kind not in NODE_TYPES:
        kind = "hangup"
    shown = get(p + "shown")
    node = default_node(kind)
    if shown and shown != kind:                        # just re-typed: defaults, keep what fits
        prompts, nxt = split_list(get(p + "prompts")), get(p + "next")
        if "prompts" in node:
            node["prompts"] = prompts
        if "next" in node:
            node["next"] = nxt
        return node
    if "prompts" in node:
        node["prompts"] = split_list(get(p + "prompts"))
    if kind in ("play", "collect", "set"):
        node["next"] = get(p + "next")
    if kind == "collect":
        for col in ("digits", "timeout_ms", "interdigit_ms", "attempts"):
            v = get(p + col)
            if v.strip():
                node[col] = _int_or_text(v)
        node["invalid_prompt"] = split_list(get(p + "invalid_prompt"))
        node["timeout_prompt"] = split_list(get(p + "timeout_prompt"))
        node["terminator"] = get(p + "terminator")
        node["var"] = get(p + "var").strip()
        node["fail"] = get(p + "fail")
        node["operator"] = bool(get(p + "operator"))
        node["direct_dial"] = bool(get(p + "direct_dial"))
        keys: dict[str, str] = {}
        for i in getall(p + "keyrow"):
            k = get(f"{p}key|{i}").strip()
            if k or get(f"{p}to|{i}"):
                keys[k] = get(f"{p}to|{i}")
        node["keys"] = keys
    elif kind == "time":
        node.update(condition=get(p + "condition"), day=get(p + "day"), night=get(p + "night"))
    elif kind == "goto":
        node["target"] = get(p + "target").strip()
    elif kind == "set":
        node["vars"] = parse_vars(get(p + "vars"))
    return node


def menu_from_form(number: str, get: Getter, getall: Lister) -> dict[str, Any]:
    """The whole menu as the editor form holds it (unsaved)."""
    nodes = {}
    for nid in getall("node"):
        if nid and nid not in nodes:
            nodes[nid] = node_from_form(nid, get, getall)
    menu: dict[str, Any] = {"number": number, "name": get("name").strip(), "start": get("start"),
                            "nodes": nodes, "fallback": get("fallback").strip(),
                            "operator": get("operator").strip(), "direct_dial": split_list(get("direct_dial"))}
    lp = get("loop_limit").strip()
    if lp:
        menu["loop_limit"] = _int_or_text(lp)
    return menu


def clean_for_store(menu: dict[str, Any]) -> dict[str, Any]:
    """The fields update_ivr_menu takes (the number is the row's key)."""
    return {k: v for k, v in menu.items() if k != "number"}


# --------------------------------------------------------------------------- editing steps
def unique_id(nodes: dict[str, Any], base: str) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]", "_", base)[:28] or "node"
    if base not in nodes:
        return base
    i = 2
    while f"{base}_{i}" in nodes:
        i += 1
    return f"{base}_{i}"


def key_node_base(nid: str, key: str) -> str:
    return f"{nid}_{key.replace('*', 'star').replace('#', 'hash')}"


def apply_op(menu: dict[str, Any], op: str, messages: dict[str, str]) -> Optional[str]:
    """Apply one editing step ``op`` to ``menu`` in place; returns the node id to show.

    ``addkey:<node>``, ``delkey:<node>:<key>``, ``addchild:<node>:<slot>`` (slot: next, fail,
    day, night), ``addnode``, ``delnode:<node>``, ``retype:<node>`` (the form did it).
    ``messages`` holds the translated words for refusals (``start``, ``nokey``)."""
    nodes = menu["nodes"]
    parts = op.split(":")
    verb, nid = parts[0], (parts[1] if len(parts) > 1 else "")
    if verb not in ("addnode",) and nid not in nodes:
        raise DraftError(messages["nonode"].format(node=nid))
    if verb == "addkey":
        node = nodes[nid]
        if node["type"] != "collect":
            raise DraftError(messages["nokeys"].format(node=nid))
        free = [k for k in KEY_ORDER if k not in node["keys"]]
        if not free:
            raise DraftError(messages["nokey"].format(node=nid))
        child = unique_id(nodes, key_node_base(nid, free[0]))
        nodes[child] = default_node("hangup")
        node["keys"][free[0]] = child
        return child
    if verb == "delkey":
        key = ":".join(parts[2:])
        nodes[nid].get("keys", {}).pop(key, None)
        return nid
    if verb == "addchild":
        slot = parts[2] if len(parts) > 2 else "next"
        if slot not in ("next", "fail", "day", "night") or slot not in nodes[nid]:
            raise DraftError(messages["noslot"].format(node=nid, slot=slot))
        child = unique_id(nodes, f"{nid}_{slot}")
        nodes[child] = default_node("hangup")
        nodes[nid][slot] = child
        return child
    if verb == "addnode":
        child = unique_id(nodes, "node")
        nodes[child] = default_node("hangup")
        return child
    if verb == "delnode":
        if nid == (menu.get("start") or "main"):
            raise DraftError(messages["start"].format(node=nid))
        del nodes[nid]
        for n in nodes.values():
            for slot in ("next", "fail", "day", "night"):
                if n.get(slot) == nid:
                    n[slot] = ""
            if "keys" in n:
                n["keys"] = {k: v for k, v in n["keys"].items() if v != nid}
        return None
    return nid


# --------------------------------------------------------------------------- tree layout
@dataclass
class Branch:
    """A child slot of a node: ``label`` (msgid + format args) and the node drawn there
    (``item``) or a reference to a node drawn elsewhere (``ref``)."""
    label: str
    args: dict[str, Any]
    item: Optional["Item"] = None
    ref: str = ""


@dataclass
class Item:
    nid: str
    branches: list[Branch] = field(default_factory=list)


def children(node: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    """(label msgid, format args, node id) of each place a node leads to, in page order."""
    out: list[tuple[str, dict[str, Any], str]] = []
    t = node.get("type")
    if t == "collect":
        for k, v in node.get("keys", {}).items():
            out.append((N_("Key {key}"), {"key": k}, v))
        if node.get("next"):
            out.append((N_("Other input"), {}, node["next"]))
        if node.get("fail"):
            out.append((N_("After too many tries"), {}, node["fail"]))
    elif t in ("play", "set"):
        if node.get("next"):
            out.append((N_("Then"), {}, node["next"]))
    elif t == "time":
        if node.get("day"):
            out.append((N_("Open (day)"), {}, node["day"]))
        if node.get("night"):
            out.append((N_("Closed (night)"), {}, node["night"]))
    return out


def layout(menu: dict[str, Any]) -> tuple[Optional[Item], list[Item]]:
    """The tree from the start node (each node drawn once, at its first place; later
    places refer to it) and the trees of nodes not reached from the start."""
    nodes = menu["nodes"]
    seen: set[str] = set()

    def grow(nid: str) -> Item:
        seen.add(nid)
        item = Item(nid)
        for label, args, target in children(nodes[nid]):
            if target in nodes and target not in seen:
                item.branches.append(Branch(label, args, item=grow(target)))
            else:
                item.branches.append(Branch(label, args, ref=target))
        return item

    start = menu.get("start") or ("main" if "main" in nodes else next(iter(nodes), ""))
    root = grow(start) if start in nodes else None
    loose = [grow(nid) for nid in nodes if nid not in seen]
    return root, loose


# --------------------------------------------------------------------------- error placement
_NODE_MSG = re.compile(r"^menu \d+ node '([^']+)': (.*)$", re.S)
_FIELD_WORDS = {"prompt": "prompts", "prompts": "prompts", "key": "keys", "keys": "keys", "next": "next",
                "fail": "fail", "target": "target", "var": "var", "variable": "vars", "vars": "vars",
                "terminator": "terminator", "digits": "digits", "timeout_ms": "timeout_ms",
                "interdigit_ms": "interdigit_ms", "attempts": "attempts", "condition": "condition",
                "time": "condition", "day": "day", "night": "night", "type": "type", "a": "keys"}


def place_error(field_name: str, message: str) -> tuple[str, str, str]:
    """Where a ConfigError belongs: ``(node id or "", field, message)``; a menu field
    (name, start, fallback, ...) has node id ""; ``("", "", msg)`` is the whole menu."""
    col = field_name.split(".", 1)[1] if "." in field_name else field_name
    m = _NODE_MSG.match(message)
    if m:
        nid, rest = m.group(1), m.group(2)
        word = re.split(r"[\s:']", rest, 1)[0]
        if rest.startswith("'"):                       # "'next' is required", "'x' is not a prompt name"
            word = rest[1:].split("'", 1)[0]
        fld = _FIELD_WORDS.get(word, "")
        if "not a prompt name" in rest or "is not a read-out" in rest:
            fld = "prompts"
        if "is not a variable name" in rest and fld != "var":
            fld = "vars"
        return nid, fld, rest
    if col in MENU_FIELDS:
        rest = re.sub(r"^menu \d+: ", "", message)
        return "", col, rest
    return "", "", message
