"""A large, valid IVR document (many menus naming each other) for import-size tests."""
from __future__ import annotations

import json
from typing import Any

from firmware.ivr.transfer import FORMAT


def big_ivr_doc(menus: int = 220, first: int = 7000) -> dict[str, Any]:
    """``menus`` menus numbered from ``first``: a key menu whose keys lead to the next menu,
    back to the first, to ring group 600 or read a number out; about 1 KB of JSON a menu (220: ~200 KB)."""
    out = []
    for i in range(menus):
        n, nxt = str(first + i), str(first + (i + 1) % menus)
        nodes: dict[str, Any] = {
            "main": {"type": "collect", "prompts": [f"say:digits:{n}"], "timeout_ms": 5000, "attempts": 3,
                     "keys": {str(k): f"opt{k}" for k in range(1, 10)}, "fail": "bye"},
            "bye": {"type": "hangup"}}
        for k in range(1, 10):
            if k % 3 == 0:
                nodes[f"opt{k}"] = {"type": "goto", "target": nxt}
            elif k % 3 == 1:
                nodes[f"opt{k}"] = {"type": "goto", "target": "600"}
            else:
                nodes[f"opt{k}"] = {"type": "play", "prompts": [f"say:digits:{k}{i:04d}"], "next": "main"}
        out.append({"number": n, "name": f"Department menu {i} — a long descriptive name",
                    "start": "main", "fallback": "600", "loop_limit": 3, "nodes": nodes})
    return {"format": FORMAT, "menus": out}


def size_of(doc: Any) -> int:
    return len(json.dumps(doc).encode())
