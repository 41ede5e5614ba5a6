"""How ``hotline ctl`` prints the panel/report/wizard commands' results (the web UI gets
the JSON): CSV as is, call records and notices as tables, log records and line checks as
lines of text. :func:`render_panel` returns None for other commands."""
from __future__ import annotations

from typing import Any, Optional

from firmware.mgmt.render import table


def render_panel(command: str, result: Any) -> Optional[str]:
    if command == "cdr.export" and isinstance(result, dict) and "csv" in result:
        return result["csv"].rstrip("\n")
    if command == "cdr.search" and isinstance(result, dict) and "rows" in result:
        rows = result["rows"]
        head = f"{result.get('total', len(rows))} call(s) match; showing {len(rows)}"
        return head if not rows else head + "\n" + table(
            rows, ["start", "src", "dst", "direction", "disposition", "billsec", "notes", "uniqueid"])
    if command == "log.tail" and isinstance(result, list):
        return "\n".join(f"{r['time']} {r['level'].upper():8} {r['logger']}: {r['message']}"
                         for r in result) or "no log records"
    if command == "ports.check" and isinstance(result, list):
        return "\n".join(("ok    " if r.get("ok") else "CHECK ") + r.get("text", r.get("port", ""))
                         for r in result)
    if command == "notice.list" and isinstance(result, list):
        return table(result, ["id", "posted", "author", "expires", "text"]) if result else "no notices"
    if command in ("note.list", "followup.list") and isinstance(result, list):
        cols = ["id", "time", "author", "call_id", "number", "text"] if command == "note.list" else \
            ["id", "due", "status", "category", "author", "number", "text"]
        return table(result, cols) if result else "none"
    return None
