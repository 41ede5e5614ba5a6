"""The caller-region table's import format (按归属地).

CSV with a header line ``prefix,area,queue,agents``; ``agents`` separated by ``|``;
lines starting with ``#`` are comments.  Example (docs/acd-regions-cn.csv)::

    prefix,area,queue,agents
    010,Beijing,,1001|1002
    1380010,Beijing mobile,,1001
"""
from __future__ import annotations

import csv
import io

from firmware.config.errors import ConfigError
from firmware.config.validate_acd import region

COLUMNS = ("prefix", "area", "queue", "agents")


def parse_regions(text: str) -> list[dict]:
    """Rows of a region CSV, validated (ConfigError names the line)."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        return []
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    if reader.fieldnames is None or reader.fieldnames[0].strip() != "prefix":
        raise ConfigError("regions", f"the first line must be the header {','.join(COLUMNS)}")
    unknown = [f for f in reader.fieldnames if f.strip() not in COLUMNS]
    if unknown:
        raise ConfigError("regions", f"unknown column(s) {', '.join(unknown)} (known: {', '.join(COLUMNS)})")
    out = []
    for i, row in enumerate(reader, 2):
        clean = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        clean["agents"] = [a for a in clean.get("agents", "").split("|") if a]
        try:
            out.append(region(clean))
        except ConfigError as e:
            raise ConfigError(e.field, f"{e.message} (line {i})") from None
    return out
