"""The generic table engine of the configuration pages: list / create / edit / delete for
any table of the config store, from a declarative :class:`Table` (columns shown, form
fields with their kind, choices and help, key column).  The tables themselves are
described in :mod:`webui.pages.config_tables`; settings pages (one form over several
settings) in :mod:`webui.pages.config_settings`.

URLs (roles admin and installer)::

    GET  /config/<table>               the list (+ "Add" button)
    GET  /config/<table>/_new          the empty form       POST /config/<table>  creates
    GET  /config/<table>/<key>         the form of one row  POST /config/<table>/<key>  saves
    POST /config/<table>/<key>/delete  deletes (refused with the store's words when still used)

Writes go through ``web.acting()`` (the audit log names the user); a refused form comes
back with HTTP 400, the values kept and the store's message next to the field it names
(``ConfigError.field`` ``"table.column"``; sub-fields like ``hours.mon`` or
``members.agent`` land on their field).  Field kinds:

``text`` ``number`` ``email`` ``select`` ``textarea`` ``checkbox``
    plain inputs (validators coerce the text);
``secret``
    a password input never filled in; left empty it keeps the stored value (agent PINs,
    SIP passwords);
``multi``
    a list of values picked with checkboxes (ring group members, region agents);
``lines``
    a list typed one per line (emergency numbers);
``members``
    queue members: a sub-form of (agent, penalty) rows plus empty rows to add some;
``weekhours``
    opening hours: one input per weekday (``09:00-12:00, 13:00-18:00``);
``dest``
    a destination: a select of the real targets (extensions, ring groups, queues, IVR
    menus, voicemail, conference rooms) grouped by kind and labelled with their names, or
    with ``free=True`` a text input with those targets as suggestions (any number as
    dialled); a stored value that is not among them is still offered (never lost on save).
    ``kind_col`` names the column holding the target's kind (inbound routes): the server
    sets it from the target picked, the script shows only the targets of the kind chosen.

Fields that apply: :class:`Kinds` (``Table.kinds``) says once per table which columns
belong to which value of a switch column (an extension's ``kind``: ``port`` for FXS,
``secret`` for SIP).  Without JavaScript every field is shown and the server ignores the
ones that do not apply (or clears those listed in ``Kinds.clear``); with it
(static/config.js) they are hidden and disabled as the switch changes.  The list shows "—"
in a column that does not apply to a row.
"""
from __future__ import annotations

import html
import re
import urllib.parse
from dataclasses import dataclass, field as dc_field
from typing import Any, Callable, Mapping, Optional, Sequence, Union

import bottle

from firmware.config.errors import ConfigError
from firmware.config.store import ConfigStore
from firmware.config.validate import validate_row
from webui.forms import error_for, field as html_field
from webui.i18n import N_, _
from webui.render import add_nav, render
from webui.web import Web

CONFIG_ROLES = ("admin", "installer")
WEEKDAYS = (("mon", N_("Monday")), ("tue", N_("Tuesday")), ("wed", N_("Wednesday")),
            ("thu", N_("Thursday")), ("fri", N_("Friday")), ("sat", N_("Saturday")), ("sun", N_("Sunday")))
EMPTY_MEMBER_ROWS = 3            #: empty (agent, penalty) rows offered to add queue members
NEW = "_new"                     #: the "new row" path segment (no key starts with "_")

Choices = Union[Sequence[tuple[Any, str]], Callable[[ConfigStore], Sequence[tuple[Any, str]]]]
#: destination targets: ``[(kind, group label msgid, [(number, label), ...]), ...]``
Targets = Callable[[ConfigStore], Sequence[tuple[str, str, Sequence[tuple[str, str]]]]]
ANY = "*"                        #: a Kinds key: any other non-empty value of the switch


@dataclass(frozen=True)
class Kinds:
    """Columns that apply only for some values of the ``switch`` column: ``columns`` maps a
    value (as the form sends it: a select's value, ``"1"``/``""`` for a checkbox) to the
    columns that apply then; the key ``"*"`` stands for any other non-empty value.  A
    column that does not apply is ignored when saving, or set empty when listed in
    ``clear`` (a stored value would be wrong for the kind: an FXS port on a SIP phone)."""
    switch: str
    columns: Mapping[str, tuple[str, ...]]
    clear: tuple[str, ...] = ()

    def governs(self, col: str) -> bool:
        return any(col in cols for cols in self.columns.values())

    def on_values(self, col: str) -> list[str]:
        """The switch values (and ``"*"``) for which ``col`` applies."""
        return [v for v, cols in self.columns.items() if col in cols]

    def listed(self) -> list[str]:
        return [v for v in self.columns if v != ANY]

    def applies(self, col: str, value: str) -> bool:
        on = self.on_values(col)
        return value in on or (ANY in on and value != "" and value not in self.columns)


@dataclass(frozen=True)
class Field:
    """One form field: ``name`` is the column (or setting); ``label``/``help`` English
    msgids (translated when shown); static ``choices`` labels are msgids too, choices from
    a callable ``fn(store)`` are shown as given (numbers and names)."""
    name: str
    label: str
    kind: str = "text"
    choices: Optional[Choices] = None
    help: str = ""
    required: bool = False
    placeholder: str = ""
    section: str = ""            #: settings pages: heading this field starts (msgid)
    targets: Optional[Targets] = None   #: kind "dest": the targets offered
    blank: str = ""              #: kind "dest" (select): label of the empty choice (msgid); "" = none
    free: bool = False           #: kind "dest": any number may be typed (targets are suggestions)
    kind_col: str = ""           #: kind "dest": the column holding the target's kind
    generate: bool = False       #: kind "secret": offer "generate a new one" when editing

    def choice_list(self, store: ConfigStore) -> list[tuple[str, str]]:
        if self.choices is None:
            return []
        if callable(self.choices):
            return [(str(v), str(t)) for v, t in self.choices(store)]
        return [(str(v), _(t)) for v, t in self.choices]


@dataclass(frozen=True)
class Table:
    """A table of the config store as pages: ``name`` (store table and URL), ``title``
    (menu and heading), ``singular`` (store accessors ``add_<singular>``...), ``key``
    (primary key column; ``int_key`` for store-given ids), ``columns`` shown in the list
    ``(column, label)``, ``fields`` of the form, ``intro`` under the heading, ``related``
    tables linked from the page, ``nav`` whether the menu lists it."""
    name: str
    title: str
    singular: str
    key: str
    columns: tuple[tuple[str, str], ...]
    fields: tuple[Field, ...]
    add_label: str
    intro: str = ""
    related: tuple[str, ...] = ()
    int_key: bool = False
    nav: bool = True
    sample: Mapping[str, Any] = dc_field(default_factory=dict)   #: a minimal valid row (for defaults)
    kinds: tuple[Kinds, ...] = ()                                  #: which columns apply when
    cells: Mapping[str, Callable[[Mapping[str, Any]], str]] = dc_field(default_factory=dict)  #: list cells

    def rule(self, col: str) -> Optional[Kinds]:
        """The :class:`Kinds` that governs ``col`` (None: it always applies)."""
        return rule_of(self.kinds, col)

    def defaults(self) -> dict[str, Any]:
        """The validator's defaults for the new-row form (not those made from the sample's values,
        like the name "Extension 99")."""
        try:
            row = validate_row(self.name, dict(self.sample))
        except ConfigError:
            return {}
        given = [v for v in self.sample.values() if isinstance(v, str) and v]
        return {f.name: row[f.name] for f in self.fields
                if f.kind not in ("secret", "multi", "members", "weekhours") and f.name in row
                and f.name not in self.sample and not any(g in str(row[f.name]) for g in given)}

    def rows(self, store: ConfigStore) -> list[dict]:
        return getattr(store, self.name)()

    def find(self, store: ConfigStore, key: Any) -> Optional[dict]:
        return next((r for r in self.rows(store) if r[self.key] == key), None)

    def parse_key(self, text: str) -> Any:
        if self.int_key:
            if not text.isdigit():
                raise bottle.HTTPError(404)
            return int(text)
        return text


# --------------------------------------------------------------------------- values
def display(value: Any, col: str = "") -> str:
    """A stored value as the list shows it (plain text; escaped by the template)."""
    if isinstance(value, bool):
        return "✓" if value else "—"
    if value is None:
        return ""
    if isinstance(value, list):
        if value and isinstance(value[0], Mapping) and "agent" in value[0]:
            return ", ".join(f"{m['agent']}" + (f" ({m['penalty']})" if m.get("penalty") else "") for m in value)
        return ", ".join(str(v) for v in value)
    if isinstance(value, Mapping):
        days = [f"{d} {' '.join(v)}" for d, v in value.items() if v]
        return "; ".join(days) if days else "—"
    if col and any(w in col for w in ("pin", "password", "secret")):
        return "••••" if value else "—"
    return str(value)


def form_values(fields: Sequence[Field], row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row (or settings) as the form's values."""
    out: dict[str, Any] = {}
    for f in fields:
        v = row.get(f.name)
        if f.kind == "secret":
            out[f.name] = ""
        elif f.kind == "checkbox":
            out[f.name] = "1" if v else ""
        elif f.kind in ("multi", "members"):
            out[f.name] = list(v or [])
        elif f.kind == "lines":
            out[f.name] = "\n".join(str(x) for x in (v or []))
        elif f.kind == "weekhours":
            for d, _label in WEEKDAYS:
                out[f"{f.name}.{d}"] = ", ".join((v or {}).get(d, []))
        else:
            out[f.name] = "" if v is None else str(v)
    return out


def read_form(fields: Sequence[Field], creating: bool, skip: Sequence[str] = ()) -> tuple[dict, dict]:
    """The submitted form as ``(changes for the store, values to show again)``; a secret
    left empty is not changed; an unchecked checkbox is False."""
    forms = bottle.request.forms
    changes: dict[str, Any] = {}
    shown: dict[str, Any] = {}
    for f in fields:
        if f.name in skip:
            continue
        if f.kind == "checkbox":
            changes[f.name] = shown[f.name] = bool(forms.get(f.name))
            shown[f.name] = "1" if changes[f.name] else ""
        elif f.kind == "multi":
            changes[f.name] = shown[f.name] = [v for v in forms.getall(f.name) if v]
        elif f.kind == "lines":
            text = forms.getunicode(f.name, default="")
            changes[f.name] = [v for v in re.split(r"[\s,;]+", text) if v]
            shown[f.name] = text
        elif f.kind == "members":
            members = []
            i = 0
            while f"{f.name}.agent.{i}" in forms:
                agent = forms.getunicode(f"{f.name}.agent.{i}", default="").strip()
                pen = forms.getunicode(f"{f.name}.penalty.{i}", default="").strip()
                if agent:
                    members.append({"agent": agent, "penalty": pen or "0"})
                i += 1
            changes[f.name] = shown[f.name] = members
        elif f.kind == "weekhours":
            hours = {}
            for d, _label in WEEKDAYS:
                text = forms.getunicode(f"{f.name}.{d}", default="").strip()
                shown[f"{f.name}.{d}"] = text
                hours[d] = [s for s in re.split(r"[\s,;]+", text) if s]
            changes[f.name] = hours
        elif f.kind == "secret":
            v = forms.getunicode(f.name, default="")
            shown[f.name] = ""
            if v:
                changes[f.name] = v
            elif f.generate and forms.get(f"{f.name}.generate"):
                changes[f.name] = ""          # empty: the store makes a new one
        else:
            v = forms.getunicode(f.name, default="")
            v = v if f.kind == "textarea" else v.strip()
            changes[f.name] = shown[f.name] = v
    return changes, shown


# --------------------------------------------------------------------------- fields that apply
def rule_of(kinds: Sequence[Kinds], col: str) -> Optional[Kinds]:
    return next((k for k in kinds if k.governs(col)), None)


def switch_text(value: Any) -> str:
    """A switch column's value as the form sends it (a checkbox: "1" or "")."""
    if isinstance(value, bool):
        return "1" if value else ""
    return "" if value is None else str(value)


def not_applying(kinds: Sequence[Kinds], fields: Sequence[Field], values: Mapping[str, Any]) -> set[str]:
    """The columns of ``fields`` that do not apply with these (form or stored) ``values``."""
    out = set()
    for f in fields:
        k = rule_of(kinds, f.name)
        if k is not None and not k.applies(f.name, switch_text(values.get(k.switch))):
            out.add(f.name)
    return out


def _empty(f: Field) -> Any:
    if f.kind in ("multi", "members"):
        return []
    if f.kind == "checkbox":
        return False
    return ""


def settle(kinds: Sequence[Kinds], fields: Sequence[Field], changes: dict[str, Any],
           current: Mapping[str, Any]) -> None:
    """Drop (or clear, per ``Kinds.clear``) the changes of columns that do not apply with
    the switch values being saved (a switch not in ``changes`` keeps its ``current`` value)."""
    values = {**current, **changes}
    for name in not_applying(kinds, fields, values):
        k = rule_of(kinds, name)
        if k is not None and name in k.clear:
            changes[name] = _empty(next(f for f in fields if f.name == name))
        else:
            changes.pop(name, None)


def target_kind(f: Field, store: ConfigStore, value: str) -> Optional[str]:
    """The kind of destination ``value`` among ``f``'s targets (None: not one of them)."""
    for kind, _label, items in (f.targets(store) if f.targets else ()):
        if any(str(v) == value for v, _t in items):
            return kind
    return None


def infer_kinds(fields: Sequence[Field], changes: dict[str, Any], store: ConfigStore) -> None:
    """A destination picked from the list sets its kind column (a form sent without the
    script may name a queue with the kind still "extension")."""
    for f in fields:
        if f.kind == "dest" and f.kind_col and changes.get(f.name):
            kind = target_kind(f, store, str(changes[f.name]))
            if kind is not None and f.kind_col in changes:
                changes[f.kind_col] = kind


def target_labels(fields: Sequence[Field], store: ConfigStore) -> dict[str, dict[str, str]]:
    """column -> {number: "label"} of every destination field (for the list)."""
    out: dict[str, dict[str, str]] = {}
    for f in fields:
        if f.kind == "dest" and f.targets:
            out[f.name] = {str(v): t for _k, _g, items in f.targets(store) for v, t in items}
    return out


def when_wrap(kinds: Sequence[Kinds], f: Field, inner: str, hidden: bool) -> str:
    """A governed field inside ``<div class="when" data-switch data-on data-listed>`` that
    static/config.js shows and hides ("na": does not apply now; hidden only with the script)."""
    k = rule_of(kinds, f.name)
    if k is None:
        return inner
    esc = html.escape
    return (f'<div class="when{" na" if hidden else ""}" data-switch="{esc(k.switch)}" '
            f'data-on="{esc(" ".join(k.on_values(f.name)))}" data-listed="{esc(" ".join(k.listed()))}">'
            f'{inner}</div>')


# --------------------------------------------------------------------------- rendering
def _error_of(name: str, errors: Mapping[str, str]) -> Optional[str]:
    if name in errors:
        return errors[name]
    for k, v in errors.items():
        if k.startswith(name + "."):
            return v
    return None


def placed(fields: Sequence[Field], errors: Mapping[str, str]) -> set[str]:
    """The error keys a field of ``fields`` shows."""
    names = [f.name for f in fields]
    return {k for k in errors if any(k == n or k.startswith(n + ".") for n in names)}


def _wrap(f: Field, inner: str, err: Optional[str], fid: str) -> str:
    parts = [f'<div class="field{" invalid" if err else ""}">',
             f'<label for="{fid}">{html.escape(_(f.label))}</label>', inner]
    if err:
        parts.append(f'<div class="error" id="{fid}-err" role="alert">{html.escape(err)}</div>')
    if f.help:
        parts.append(f'<div class="help">{html.escape(_(f.help))}</div>')
    parts.append("</div>")
    return "".join(parts)


def render_field(f: Field, values: Mapping[str, Any], errors: Mapping[str, str], store: ConfigStore,
                 *, creating: bool = True, readonly: bool = False) -> str:
    """One form field as HTML (label, input, the error next to it, help)."""
    err = _error_of(f.name, errors)
    errs = {f.name: err} if err else {}
    fid = f"f-{f.name}"
    esc = html.escape
    if readonly:
        v = values.get(f.name, "")
        return (f'<div class="field"><label for="{fid}">{esc(_(f.label))}</label>'
                f'<input type="text" id="{fid}" value="{esc(str(v))}" readonly>'
                + (f'<div class="error" role="alert">{esc(err)}</div>' if err else "") + "</div>")
    if f.kind in ("text", "number", "email", "select", "textarea", "checkbox"):
        kind = "text" if f.kind == "number" else f.kind
        extra = {"inputmode": "numeric"} if f.kind == "number" else {}
        return html_field(f.name, _(f.label), values, errs, kind=kind, choices=f.choice_list(store),
                          help=_(f.help) if f.help else "", required=f.required, placeholder=f.placeholder,
                          **extra)
    if f.kind == "lines":
        return html_field(f.name, _(f.label), values, errs, kind="textarea", help=_(f.help) if f.help else "")
    if f.kind == "secret":
        hint = "" if creating else _("Leave empty to keep the one set now.")
        help_text = " ".join(x for x in (_(f.help) if f.help else "", hint) if x)
        out = html_field(f.name, _(f.label), {}, errs, kind="password", help=help_text,
                         autocomplete="new-password")
        if f.generate and not creating:
            label = _("Generate a new one (shown once after saving)")
            box = (f'<label class="check"><input type="checkbox" id="{fid}-generate" name="{esc(f.name)}.generate"'
                   f' value="1"> {esc(label)}</label>')
            out = out[:-len("</div>")] + box + "</div>"
        return out
    if f.kind == "dest":
        return _dest_field(f, str(values.get(f.name, "") or ""), err, fid, store)
    if f.kind == "multi":
        chosen = {str(v) for v in values.get(f.name) or []}
        boxes = []
        for v, text in f.choice_list(store):
            checked = " checked" if v in chosen else ""
            boxes.append(f'<label class="check"><input type="checkbox" name="{esc(f.name)}" value="{esc(v)}"'
                         f'{checked}> {esc(text)}</label>')
        for v in sorted(chosen - {v for v, _t in f.choice_list(store)}):     # a value not offered: keep it
            boxes.append(f'<label class="check"><input type="checkbox" name="{esc(f.name)}" value="{esc(v)}"'
                         f' checked> {esc(v)}</label>')
        nothing = esc(_("none to choose from yet"))
        inner = f'<div class="checks" id="{fid}">' + ("".join(boxes) or f'<span class="muted">{nothing}</span>') + "</div>"
        return _wrap(f, inner, err, fid)
    if f.kind == "members":
        agents = f.choice_list(store)
        l_agent, l_penalty, l_range = esc(_("Agent")), esc(_("Penalty")), esc(_("Penalty (0–9)"))
        rows = list(values.get(f.name) or []) + [{"agent": "", "penalty": ""}] * EMPTY_MEMBER_ROWS
        trs = []
        for i, m in enumerate(rows):
            a, p = str(m.get("agent", "")), str(m.get("penalty", ""))
            opts = [f'<option value=""{" selected" if not a else ""}>—</option>']
            known = False
            for v, text in agents:
                sel = " selected" if v == a else ""
                known = known or v == a
                opts.append(f'<option value="{esc(v)}"{sel}>{esc(text)}</option>')
            if a and not known:
                opts.append(f'<option value="{esc(a)}" selected>{esc(a)}</option>')
            trs.append(f'<tr><td><select name="{f.name}.agent.{i}" aria-label="{l_agent}">{"".join(opts)}'
                       f'</select></td><td><input type="text" inputmode="numeric" name="{f.name}.penalty.{i}" '
                       f'value="{esc(p)}" aria-label="{l_penalty}" class="short"></td></tr>')
        inner = (f'<table class="sub" id="{fid}"><tr><th>{l_agent}</th><th>{l_range}'
                 f'</th></tr>{"".join(trs)}</table>')
        return _wrap(f, inner, err, fid)
    if f.kind == "weekhours":
        trs = []
        for d, label in WEEKDAYS:
            name = f"{f.name}.{d}"
            derr = errors.get(name)
            trs.append(f'<tr><th>{esc(_(label))}</th><td><input type="text" id="f-{name}" name="{name}" '
                       f'value="{esc(str(values.get(name, "")))}" placeholder="09:00-12:00, 13:00-18:00"'
                       + (' aria-invalid="true"' if derr else "") + ">"
                       + (f'<div class="error" role="alert">{esc(derr)}</div>' if derr else "") + "</td></tr>")
        general = errors.get(f.name)
        inner = f'<table class="sub" id="{fid}">{"".join(trs)}</table>'
        return _wrap(f, inner, general, fid)
    raise ValueError(f"unknown field kind {f.kind!r}")


def _dest_field(f: Field, value: str, err: Optional[str], fid: str, store: ConfigStore) -> str:
    """A destination: a select grouped by kind (or, ``free``, a text input with a datalist);
    a value that is not among the targets is offered too, so saving never loses it."""
    esc = html.escape
    groups = list(f.targets(store)) if f.targets else []
    known = {str(v) for _k, _g, items in groups for v, _t in items}
    aria = f' aria-invalid="true" aria-describedby="{fid}-err"' if err else ""
    if f.free:
        both = _("{group}: {target}")
        opts = "".join(f'<option value="{esc(str(v))}" label="{esc(both.format(group=_(g), target=t))}"></option>'
                       for _k, g, items in groups for v, t in items)
        inner = (f'<input type="text" id="{fid}" name="{esc(f.name)}" value="{esc(value)}" inputmode="numeric"'
                 f' list="{fid}-list" autocomplete="off"{aria}><datalist id="{fid}-list">{opts}</datalist>')
        return _wrap(f, inner, err, fid)
    parts = []
    if f.blank or not value:
        blank = _(f.blank) if f.blank else "—"
        parts.append(f'<option value=""{" selected" if not value else ""}>{esc(blank)}</option>')
    for kind, label, items in groups:
        if not items:
            continue
        parts.append(f'<optgroup label="{esc(_(label))}" data-kind="{esc(kind)}">')
        parts += [f'<option value="{esc(str(v))}"{" selected" if str(v) == value else ""}>{esc(t)}</option>'
                  for v, t in items]
        parts.append("</optgroup>")
    if value and value not in known:
        unknown = _("{value} (not found)").format(value=value)
        parts.append(f'<option value="{esc(value)}" selected>{esc(unknown)}</option>')
    kind_from = f' data-kind-from="{esc(f.kind_col)}"' if f.kind_col else ""
    inner = f'<select id="{fid}" name="{esc(f.name)}"{kind_from}{aria}>{"".join(parts)}</select>'
    return _wrap(f, inner, err, fid)


# --------------------------------------------------------------------------- pages
def _flash_from_query() -> Optional[tuple[str, str]]:
    q = bottle.request.query
    for what, msg in (("added", N_("Added: {key}")), ("saved", N_("Saved: {key}")),
                      ("deleted", N_("Deleted: {key}"))):
        key = q.getunicode(what)
        if key:
            return ("", _(msg).format(key=key))
    return None


def install_table(app: bottle.Bottle, web: Web, t: Table, tables: Mapping[str, Table]) -> None:
    """The list/create/edit/delete routes of ``t`` (see the module docstring)."""
    base = f"/config/{t.name}"
    if t.nav:
        add_nav(base, t.title, CONFIG_ROLES, N_("Setup"))

    def related() -> list[tuple[str, str]]:
        return [(f"/config/{n}", _(tables[n].title)) for n in t.related if n in tables]

    def list_page(**kw: Any) -> str:
        rows = t.rows(web.store)
        labels = target_labels(t.fields, web.store)

        def cell(r: Mapping[str, Any], col: str) -> str:
            if col in t.cells:
                return t.cells[col](r)
            k = t.rule(col)
            if k is not None and not k.applies(col, switch_text(r.get(k.switch))):
                return "—"
            v = r.get(col)
            if col in labels and v not in (None, ""):
                return labels[col].get(str(v), str(v))
            return display(v, col)
        return render("config_list", title=_(t.title), table=t, rows=rows, cell=cell,
                      base=base, related=related(), quote=_quote, flash=kw.pop("flash", None) or _flash_from_query(),
                      **kw)

    def form_page(key: Any = None, values: Optional[dict] = None, errors: Optional[dict] = None,
                  flash: Any = None, extra: str = "") -> str:
        creating = key is None
        errors = errors or {}
        values = values or {}
        hidden = not_applying(t.kinds, t.fields, shown_switches(t, values, web.store))
        fields_html = [when_wrap(t.kinds, f, render_field(f, values, errors, web.store, creating=creating,
                                                          readonly=(f.name == t.key and not creating)),
                                 f.name in hidden and f.name not in errors)
                       for f in t.fields]
        unplaced = [(k, v) for k, v in errors.items() if k not in placed(t.fields, errors)]
        if unplaced and flash is None:
            flash = ("error", "; ".join(f"{k}: {v}" for k, v in unplaced))
        title = _(t.add_label) if creating else _("{what} {key}").format(what=_(t.title), key=key)
        return render("config_form", title=title, table=t, base=base, key=key, creating=creating,
                      fields_html=fields_html, flash=flash, quote=_quote, related=related(), extra=extra)

    def store_call(op: str, /, *args: Any, **kw: Any) -> Any:
        with web.acting() as store:
            return getattr(store, f"{op}_{t.singular}")(*args, **kw)

    @app.get(base, roles=CONFIG_ROLES)
    def listing() -> str:
        return list_page()

    @app.get(f"{base}/{NEW}", roles=CONFIG_ROLES)
    def new_form() -> str:
        return form_page(values=form_values(t.fields, t.defaults()))

    def generated(before: Mapping[str, Any], changes: Mapping[str, Any], key: Any) -> Optional[tuple[Field, str]]:
        """A secret the store made on this save (a new SIP extension, "generate" ticked)."""
        row = t.find(web.store, key) or {}
        for f in t.fields:
            if f.generate and not changes.get(f.name) and row.get(f.name) and row.get(f.name) != before.get(f.name):
                return f, str(row[f.name])
        return None

    @app.post(base, roles=CONFIG_ROLES)
    def create() -> Any:
        changes, shown = read_form(t.fields, creating=True)
        if t.int_key:
            changes.pop(t.key, None)
        infer_kinds(t.fields, changes, web.store)
        settle(t.kinds, t.fields, changes, {})
        try:
            key = store_call("add", **changes)
        except ConfigError as e:
            bottle.response.status = 400
            return form_page(values=shown, errors=_errors(e))
        made = generated({}, changes, key)
        if made:
            # a generated password: shown once, on the page that made it
            return list_page(flash=("", _("Added: {key}. Its {field} is {secret} "
                                          "(write it down: it is not shown again).")
                                    .format(key=key, field=_(made[0].label), secret=made[1])))
        return bottle.redirect(f"{base}?added={_quote(key)}", 303)

    @app.get(f"{base}/<key>", roles=CONFIG_ROLES)
    def edit_form(key: str) -> str:
        k = t.parse_key(key)
        row = t.find(web.store, k)
        if row is None:
            raise bottle.HTTPError(404)
        return form_page(k, form_values(t.fields, row))

    @app.post(f"{base}/<key>", roles=CONFIG_ROLES)
    def save(key: str) -> Any:
        k = t.parse_key(key)
        row = t.find(web.store, k)
        if row is None:
            raise bottle.HTTPError(404)
        changes, shown = read_form(t.fields, creating=False, skip=(t.key,))
        infer_kinds(t.fields, changes, web.store)
        settle(t.kinds, t.fields, changes, row)
        try:
            store_call("update", k, **changes)
        except ConfigError as e:
            bottle.response.status = 400
            return form_page(k, {**form_values(t.fields, row), **shown}, _errors(e))
        made = generated(row, changes, k)
        if made:
            return list_page(flash=("", _("Saved: {key}. Its new {field} is {secret} "
                                          "(write it down: it is not shown again).")
                                    .format(key=k, field=_(made[0].label), secret=made[1])))
        return bottle.redirect(f"{base}?saved={_quote(k)}", 303)

    @app.post(f"{base}/<key>/delete", roles=CONFIG_ROLES)
    def delete(key: str) -> Any:
        k = t.parse_key(key)
        row = t.find(web.store, k)
        if row is None:
            raise bottle.HTTPError(404)
        try:
            store_call("delete", k)
        except ConfigError as e:
            bottle.response.status = 400
            return form_page(k, form_values(t.fields, row), flash=("error", e.message))
        return bottle.redirect(f"{base}?deleted={_quote(k)}", 303)


def shown_switches(t: Table, values: Mapping[str, Any], store: ConfigStore) -> dict[str, Any]:
    """``values`` with each switch as the browser will show it: a select whose value is not
    one of its choices shows its first choice."""
    out = dict(values)
    for k in t.kinds:
        f = next((f for f in t.fields if f.name == k.switch), None)
        if f is not None and f.kind == "select":
            choices = [v for v, _t in f.choice_list(store)]
            if choices and str(out.get(k.switch, "")) not in choices:
                out[k.switch] = choices[0]
    return out


def _errors(e: ConfigError) -> dict[str, str]:
    """``{field: message}`` of a refusal (``queues.members.agent`` → ``members.agent``)."""
    if e.field.startswith("settings."):
        return {e.field[len("settings."):]: e.message}
    return error_for(e)


def _quote(key: Any) -> str:
    return urllib.parse.quote(str(key), safe="")


# --------------------------------------------------------------------------- settings pages
@dataclass(frozen=True)
class SettingsPage:
    """A form over several settings (``settings.<name>``), saved in one change."""
    path: str
    title: str
    fields: tuple[Field, ...]
    intro: str = ""
    nav: bool = True
    extra: tuple[str, ...] = dc_field(default=())


def install_settings(app: bottle.Bottle, web: Web, p: SettingsPage) -> None:
    if p.nav:
        add_nav(p.path, p.title, CONFIG_ROLES, N_("Setup"))

    def page(values: dict, errors: Optional[dict] = None, flash: Any = None) -> str:
        errors = errors or {}
        sections: list[tuple[str, list[str]]] = []
        for f in p.fields:
            if f.section or not sections:
                sections.append((_(f.section) if f.section else "", []))
            sections[-1][1].append(render_field(f, values, errors, web.store, creating=False))
        unplaced = [(k, v) for k, v in errors.items() if k not in placed(p.fields, errors)]
        if unplaced and flash is None:
            flash = ("error", "; ".join(f"{k}: {v}" for k, v in unplaced))
        return render("config_settings", title=_(p.title), intro=_(p.intro) if p.intro else "",
                      sections=sections, action=p.path, flash=flash)

    @app.get(p.path, roles=CONFIG_ROLES)
    def show() -> str:
        flash = ("", _("Settings saved.")) if bottle.request.query.get("saved") else None
        return page(form_values(p.fields, web.store.settings()), flash=flash)

    @app.post(p.path, roles=CONFIG_ROLES)
    def save() -> Any:
        current = web.store.settings()
        changes, shown = read_form(p.fields, creating=False)
        changed = {k: v for k, v in changes.items() if _differs(current.get(k), v)}
        try:
            if changed:
                with web.acting() as store:
                    store.update_settings(changed)
        except ConfigError as e:
            bottle.response.status = 400
            return page({**form_values(p.fields, current), **shown}, _errors(e))
        return bottle.redirect(f"{p.path}?saved=1", 303)


def _differs(old: Any, new: Any) -> bool:
    """Whether a submitted value (text) changes a stored setting."""
    if isinstance(old, bool):
        return bool(new) != old
    if isinstance(old, (list, tuple)):
        return [str(x) for x in old] != [str(x) for x in new]
    if isinstance(old, Mapping):
        return True
    return str(old) != str(new)
