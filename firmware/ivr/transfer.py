"""IVR menus as a JSON document (``hotline ctl ivr export/import FILE.json``)::

    {"format": "hotline-ivr", "menus": [{"number": "7000", "name": "...", "start": "main",
      "fallback": "801", "loop_limit": 3, "direct_dial": ["801-899"], "operator": "",
      "nodes": {"main": {"type": "collect", ...}, ...}}, ...]}

A single menu object (with ``number`` and ``nodes``) or a bare list of menus is accepted too.
"""
from __future__ import annotations

from typing import Any, Mapping

from firmware.config.errors import ConfigError

FORMAT = "hotline-ivr"


def export_doc(rows: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The document for menu rows (as the config store lists them)."""
    return {"format": FORMAT, "menus": [dict(r) for r in rows]}


def menus_of(doc: Any) -> list[Mapping[str, Any]]:
    """The menu rows of an import document; ConfigError when it is not one."""
    if isinstance(doc, list):
        menus = doc
    elif isinstance(doc, Mapping) and "nodes" in doc:
        menus = [doc]
    elif isinstance(doc, Mapping):
        fmt = doc.get("format", FORMAT)
        if fmt != FORMAT:
            raise ConfigError("import.format", f"{fmt!r} is not an IVR menu document ({FORMAT!r})")
        menus = doc.get("menus")
    else:
        menus = None
    if not isinstance(menus, list) or not menus:
        raise ConfigError("import.menus", "the document holds no menus (expected {\"format\": \"hotline-ivr\", "
                                          "\"menus\": [...]})")
    for i, m in enumerate(menus):
        if not isinstance(m, Mapping):
            raise ConfigError("import.menus", f"menu {i + 1} is not an object")
    return menus
