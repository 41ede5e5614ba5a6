"""Management results as readable text: aligned tables, YAML-ish nesting, the status page.

Pure functions from JSON-like values to strings (used by ``hotline ctl``; the serial
console can reuse them).
"""
from __future__ import annotations

import json
from typing import Any, Optional, Sequence


def duration(seconds: Any) -> str:
    """``3725.5`` → ``"1h02m05s"``, ``12.4`` → ``"12s"`` (whole seconds; non-numbers as is)."""
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
        return cell(seconds)
    s = int(seconds)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    if d:
        return f"{d}d{h:02d}h{m:02d}m"
    if h:
        return f"{h}h{m:02d}m{s:02d}s"
    if m:
        return f"{m}m{s:02d}s"
    return f"{s}s"


def cell(value: Any) -> str:
    """One value as table-cell text: None → ``-``, booleans yes/no, lists comma-joined,
    objects as compact JSON."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value == value else "nan"
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v) for v in value) if value else "-"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value).replace("\n", " ")


def table(rows: Sequence[dict], columns: Optional[Sequence[str]] = None,
          headers: Optional[dict] = None, formats: Optional[dict] = None) -> str:
    """Rows of dicts as an aligned text table. ``columns``: which keys, in order (default:
    keys in first-seen order); ``headers``: key → heading (default upper-cased key);
    ``formats``: key → function(value) → text (default :func:`cell`)."""
    if columns is None:
        columns = []
        for r in rows:
            for k in r:
                if k not in columns:
                    columns.append(k)
    headers = headers or {}
    formats = formats or {}
    head = [headers.get(c, c.upper()) for c in columns]
    body = [[formats.get(c, cell)(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(h)] + [len(b[i]) for b in body]) for i, h in enumerate(head)]
    lines = ["  ".join(t.ljust(w) for t, w in zip(line, widths)).rstrip() for line in [head] + body]
    return "\n".join(lines)


def _is_table(value: Any) -> bool:
    return (isinstance(value, list) and bool(value)
            and all(isinstance(v, dict) for v in value))


def render(value: Any, indent: int = 0) -> str:
    """Any JSON-like result as readable text: dicts as ``key: value`` lines (nested
    indented), lists of objects as tables, other lists one item per line."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return pad + "(empty)"
        out = []
        for k, v in value.items():
            if isinstance(v, dict) and v or _is_table(v) or \
                    isinstance(v, list) and v and any(isinstance(x, (dict, list)) for x in v):
                out.append(f"{pad}{k}:")
                out.append(render(v, indent + 2))
            else:
                out.append(f"{pad}{k}: {cell(v) if not isinstance(v, list) or v else '(none)'}")
        return "\n".join(out)
    if _is_table(value):
        return "\n".join(pad + line for line in table(value).splitlines())
    if isinstance(value, list):
        if not value:
            return pad + "(none)"
        return "\n".join(render(v, indent) if isinstance(v, (dict, list)) else pad + "- " + cell(v)
                         for v in value)
    return pad + cell(value)


#: columns of the status tables (in this order, those present); ``wide`` adds the rest
PORT_COLUMNS = ["name", "kind", "slot", "state", "extension", "number", "hook", "call", "digits",
                "caller_id"]
CALL_COLUMNS = ["id", "from", "to", "state", "duration_s", "legs"]


def _columns(rows: list[dict], preferred: list[str], wide: bool = True) -> list[str]:
    cols = [c for c in preferred if any(c in r for r in rows)]
    if wide or not cols:
        for r in rows:
            for k in r:
                if k not in cols:
                    cols.append(k)
    return cols


def render_status(status: dict, wide: bool = False) -> str:
    """The ``status`` result: a headline for the box, a ports table, a calls table and
    the counters. Tables show the usual columns (:data:`PORT_COLUMNS`,
    :data:`CALL_COLUMNS`); ``wide`` shows every field. Other keys are shown generically."""
    if not isinstance(status, dict):
        return render(status)
    out = []
    box = status.get("box")
    if isinstance(box, dict):
        name = box.get("name") or "Hotline"
        bits = []
        if box.get("board"):
            bits.append(f"board {box['board']}" + (" (simulated)" if box.get("simulated") else ""))
        if box.get("country"):
            bits.append(f"country {box['country']}")
        if box.get("version"):
            bits.append(f"version {box['version']}")
        out.append(f"{name}" + (" — " + ", ".join(bits) if bits else ""))
        up = []
        if "uptime_s" in box:
            up.append(f"up {duration(box['uptime_s'])}")
        if "ticks" in box:
            up.append(f"{box['ticks']} ticks")
        if box.get("clock"):
            up.append(f"{box['clock']} clock")
        if up:
            out.append(", ".join(up))
        shown = {"name", "board", "simulated", "country", "version", "uptime_s", "ticks", "clock"}
        for k, v in box.items():
            if k not in shown:
                out.append(f"{k}: {cell(v)}")
    elif box is not None:
        out.append(render({"box": box}))
    for key, title, preferred in (("ports", "Ports", PORT_COLUMNS), ("calls", "Calls", CALL_COLUMNS)):
        if key not in status:
            continue
        rows = status[key]
        out.append("")
        if _is_table(rows):
            out.append(f"{title} ({len(rows)})")
            out.append(table(rows, _columns(rows, preferred, wide),
                             headers={"duration_s": "DURATION"},
                             formats={"duration_s": duration}))
        elif not rows:
            out.append(f"{title}: none")
        else:
            out.append(f"{title}:")
            out.append(render(rows, 2))
    for k, v in status.items():
        if k in ("box", "ports", "calls"):
            continue
        out.append("")
        title = k.capitalize()
        if isinstance(v, dict) and v:
            out.append(f"{title}:")
            out.append(render(v, 2))
        else:
            out.append(f"{title}: {cell(v) if not isinstance(v, (dict, list)) else render(v)}")
    return "\n".join(out).strip("\n")


def render_event(message: dict) -> str:
    """One event as a line: ``call.state  id=c-1 state=talk``."""
    name = message.get("event", "?")
    data = message.get("data")
    if isinstance(data, dict):
        parts = [f"{k}={cell(v) if not isinstance(v, str) or (v and ' ' not in v) else json.dumps(v, ensure_ascii=False)}"
                 for k, v in data.items()]
        return f"{name}  " + " ".join(parts) if parts else name
    return f"{name}  {cell(data)}"


# ---------------------------------------------------------------------- provisioning
EXTENSION_COLUMNS = ["number", "name", "kind", "port", "outbound_class", "enabled"]
SIP_TRUNK_COLUMNS = ["name", "host", "port", "transport", "username", "trunk_group", "register",
                     "enabled", "password_set"]


def _password_lines(result: dict) -> list[str]:
    number = result.get("number", "?")
    if result.get("password_generated"):
        return [f"password: {result.get('password')}",
                f"  write it into the phone; `hotline ctl extension password {number}` makes a new one"]
    return ["password: set as given"]


def render_provisioning(command: str, result: Any) -> Optional[str]:
    """Text for the results of the provisioning commands (``extension.*``,
    ``sip_trunk.*``), None for other commands. A generated password is printed once
    with a hint; passwords that were given are not echoed; trunk passwords never appear."""
    if command == "extension.add" and isinstance(result, dict):
        kind = result.get("kind")
        what = "SIP" if kind == "sip" else f"FXS port {result.get('port')}"
        out = [f"extension {result.get('number')} ({result.get('name')}) added: {what}"]
        if kind == "sip":
            out += _password_lines(result)
        return "\n".join(out)
    if command == "extension.password" and isinstance(result, dict):
        return "\n".join([f"extension {result.get('number')}: new SIP password"] + _password_lines(result))
    if command == "extension.list" and isinstance(result, list):
        if not result:
            return "no extensions"
        return table(result, _columns(result, EXTENSION_COLUMNS, wide=False),
                     headers={"outbound_class": "CLASS"})
    if command == "sip_trunk.list" and isinstance(result, list):
        if not result:
            return "no SIP trunks"
        return table(result, _columns(result, SIP_TRUNK_COLUMNS, wide=False),
                     headers={"trunk_group": "GROUP", "password_set": "PASSWORD"},
                     formats={"password_set": lambda v: "set" if v else "-"})
    if command in ("sip_trunk.add", "sip_trunk.update") and isinstance(result, dict):
        verb = "added" if command == "sip_trunk.add" else "changed"
        shown = {k: v for k, v in result.items() if k != "name"}
        return f"SIP trunk {result.get('name')} {verb}\n" + render(shown, 2)
    if command in ("extension.delete", "sip_trunk.delete") and isinstance(result, dict):
        what = "extension" if command == "extension.delete" else "SIP trunk"
        return f"{what} {result.get('number', result.get('name'))} deleted"
    return None
