"""Form fields with their validation message next to them, and the bridge from the config
store's ConfigError ("table.column: message") to that message.

In a template: ``{{!field("name", _("Name"), values, errors)}}``; choices are
``[(value, label), ...]``; ``kind`` is an <input> type, ``"select"``, ``"textarea"`` or
``"checkbox"``.  Values and messages are escaped here.
"""
from __future__ import annotations

import html
from typing import Any, Iterable, Mapping, Optional

import bottle

from firmware.config.errors import ConfigError


def _attrs(**kw: Any) -> str:
    out = []
    for k, v in kw.items():
        if v is None or v is False:
            continue
        k = k.rstrip("_").replace("_", "-")
        out.append(k if v is True else f'{k}="{html.escape(str(v))}"')
    return " ".join(out)


def field(name: str, label: str, values: Mapping[str, Any], errors: Mapping[str, str], *,
          kind: str = "text", choices: Optional[Iterable[tuple[Any, str]]] = None, help: str = "",
          required: bool = False, placeholder: str = "", **extra: Any) -> str:
    """One labelled form field with its error message (HTML)."""
    fid = f"f-{name}"
    value = values.get(name, "")
    err = errors.get(name)
    parts = [f'<div class="field{" invalid" if err else ""}">']
    if kind == "checkbox":
        parts.append(f'<label><input {_attrs(type="checkbox", id=fid, name=name, value="1", checked=bool(value) and value not in ("0", "false"), **extra)}> {html.escape(label)}</label>')
    else:
        parts.append(f'<label for="{fid}">{html.escape(label)}</label>')
        common = dict(id=fid, name=name, required=required, aria_invalid="true" if err else None,
                      aria_describedby=f"{fid}-err" if err else None, **extra)
        if kind == "select":
            opts = []
            for v, text in choices or ():
                sel = " selected" if str(v) == str(value) else ""
                opts.append(f'<option value="{html.escape(str(v))}"{sel}>{html.escape(str(text))}</option>')
            parts.append(f'<select {_attrs(**common)}>{"".join(opts)}</select>')
        elif kind == "textarea":
            parts.append(f'<textarea {_attrs(placeholder=placeholder or None, **common)}>{html.escape(str(value))}</textarea>')
        else:
            v = "" if kind == "password" else value
            parts.append(f'<input {_attrs(type=kind, value="" if v is None else str(v), placeholder=placeholder or None, **common)}>')
    if err:
        parts.append(f'<div class="error" id="{fid}-err" role="alert">{html.escape(err)}</div>')
    if help:
        parts.append(f'<div class="help">{html.escape(help)}</div>')
    parts.append("</div>")
    return "".join(parts)


def error_for(e: ConfigError) -> dict[str, str]:
    """``{column: message}`` for a ConfigError (``"users.password"`` → ``"password"``)."""
    col = e.field.split(".", 1)[1] if "." in e.field else e.field
    return {col: e.message}


def form_dict() -> dict[str, str]:
    """The submitted form as ``{name: value}`` (UTF-8, last value wins, csrf removed)."""
    out = {k: bottle.request.forms.getunicode(k, default="") for k in bottle.request.forms.keys()}
    out.pop("csrf", None)
    return out
