"""The configuration a fresh box starts with, so ``make run`` works with zero set-up.

Four FXS extensions 801-804 on fxs1-fxs4, four lines line1-line4 on fxo1-fxo4 in
trunk group "pstn", ring group 600 "Reception" ringing all four phones for 30 s,
every inbound call to 600, and outbound routes behind the prefix "9" shaped by the
country's numbering plan.  The seed is an export document and goes through the same
validation as any import.
"""
from __future__ import annotations

from typing import Any

from firmware.config.validate import SETTINGS_DEFAULTS

#: Outbound routes per country: (name, pattern after the "9", call class).
OUTBOUND_PLANS: dict[str, list[tuple[str, str, str]]] = {
    "cn": [("International", "00X.", "international"),
           ("National (trunk prefix 0)", "0X.", "national"),
           ("Mobile", "1XXXXXXXXXX", "national"),
           ("Local", "[2-9]XXXXXXX", "local")],
    "us": [("International", "011X.", "international"),
           ("Long distance", "1NXXNXXXXXX", "national"),
           ("Ten-digit", "NXXNXXXXXX", "national"),
           ("Local", "NXXXXXX", "local")],
    "uk": [("International", "00X.", "international"),
           ("National", "0[1-9]X.", "national"),
           ("Local", "[2-9]XXXXX!", "local")],
    "de": [("International", "00X.", "international"),
           ("National", "0[1-9]X.", "national"),
           ("Local", "[1-9]XX!", "local")],
}

SEED_EXTENSIONS = ("801", "802", "803", "804")


def default_config(country: str = "cn") -> dict[str, Any]:
    """The seed as an export document (see ConfigStore.export_json)."""
    settings = dict(SETTINGS_DEFAULTS)
    settings["country"] = country
    settings["language"] = "zh" if country == "cn" else "en"
    plan = OUTBOUND_PLANS.get(country, OUTBOUND_PLANS["cn"])
    return {
        "settings": settings,
        "extensions": [
            {"number": n, "name": f"Extension {n}", "kind": "fxs", "port": f"fxs{i}",
             "outbound_class": "national", "enabled": True}
            for i, n in enumerate(SEED_EXTENSIONS, 1)],
        "trunk_groups": [{"name": "pstn", "strategy": "in_order",
                          "description": "Analog lines from the phone company"}],
        "lines": [{"name": f"line{i}", "port": f"fxo{i}", "number": "", "trunk_group": "pstn"}
                  for i in range(1, 5)],
        "ring_groups": [{"number": "600", "name": "Reception", "strategy": "ringall",
                         "ring_ms": 30000, "members": list(SEED_EXTENSIONS), "no_answer_dest": ""}],
        "inbound_routes": [{"id": 1, "name": "All calls to reception", "line": "", "cid_prefix": "",
                            "dest_kind": "ring_group", "dest": "600", "priority": 100}],
        "outbound_routes": [
            {"id": i, "name": name, "prefix": "9", "pattern": pattern, "strip": 1, "prepend": "",
             "trunk_group": "pstn", "call_class": cls, "priority": 10 * i}
            for i, (name, pattern, cls) in enumerate(plan, 1)],
    }
