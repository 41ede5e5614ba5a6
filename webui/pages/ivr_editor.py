"""IVR menus (admin, installer): /config/ivr lists, creates, deletes, imports and exports
menus; /config/ivr/<number> is the tree editor.

The editor is one server-rendered form: each node is a box with its prompts, keys and
where it leads, nested under the node that leads to it.  Editing steps (add a key, add a
child node, remove a node, change a node's type) post the form to ``.../draft`` (htmx
swaps the editor in place; without JavaScript the page reloads) and change nothing
stored; "Save menu" writes the menu through the config store (audited as the user) and
puts each validation message next to the node and field it names.

Import: the uploaded JSON (up to :data:`MAX_IMPORT_BYTES`) is staged under
``<data>/uploads`` and handed to ``ivr.import {path}`` — a real export with many menus
is larger than one management request.
"""
from __future__ import annotations

import html
import json
import os
import secrets
from typing import Any, Optional

import bottle

from firmware.config.errors import ConfigError
from firmware.mgmt.client import MgmtError
from webui.forms import field, form_dict
from webui.i18n import N_, _
from webui.pages import ivr_draft as draft
from webui.pages.prompts import staging_dir
from webui.render import add_nav, render
from webui.web import Web

ROLES = ("admin", "installer")
IVR_FORMAT = "hotline-ivr"
MAX_IMPORT_BYTES = 4 * 1024 * 1024    #: largest import file (bytes); ivr.import {path} takes up to 4 MiB
NUM = "<number>"                        #: a menu number (unknown ones: 404)


def _refusals() -> dict[str, str]:
    return {"nonode": _("There is no node {node} in this menu."),
            "nokeys": _("Node {node} does not ask for keys; change its type to add keys."),
            "nokey": _("Node {node} already uses every key."),
            "noslot": _("Node {node} has no place {slot} for a next node."),
            "start": _("Node {node} is where callers start; choose another start node first.")}


class NodeForm:
    """Field helpers the node template calls (names ``n|<id>|<field>``, errors beside them)."""

    def __init__(self, number: str, menu: dict[str, Any], errors: dict[str, dict[str, str]]) -> None:
        self.number, self.menu, self.errors = number, menu, errors

    def name(self, nid: str, col: str) -> str:
        return f"n|{nid}|{col}"

    def err(self, nid: str, col: str) -> str:
        return self.errors.get(nid, {}).get(col, "")

    def field(self, nid: str, col: str, label: str, value: Any, **kw: Any) -> str:
        n = self.name(nid, col)
        errs = {n: self.err(nid, col)} if self.err(nid, col) else {}
        return field(n, label, {n: value}, errs, **kw)

    def node_choices(self, empty: str) -> list[tuple[str, str]]:
        return [("", empty)] + [(n, n) for n in self.menu["nodes"]]

    def hx(self, op: str) -> str:
        """Attributes of a button (or select) that posts the form as editing step ``op``."""
        url = f"/config/ivr/{self.number}/draft"
        vals = html.escape(json.dumps({"op": op}), quote=True)
        return (f'formaction="{url}" formnovalidate hx-post="{url}" hx-target="#ivr-editor" '
                f'hx-select="#ivr-editor" hx-swap="outerHTML" hx-vals="{vals}"')

    def op_button(self, op: str, label: str, cls: str = "secondary small") -> str:
        return (f'<button type="submit" name="op" value="{html.escape(op)}" class="{cls}" {self.hx(op)}>'
                f'{html.escape(label)}</button>')


def install(app: bottle.Bottle, web: Web) -> None:
    add_nav("/config/ivr", N_("IVR menus"), ROLES, N_("Setup"))

    def prompt_names() -> Optional[set[str]]:
        try:
            return {p["name"] for p in web.ask("prompt.list")}
        except (MgmtError, OSError):
            return None

    def numbers() -> list[tuple[str, str]]:
        """Internal numbers a menu may send callers to (for the datalist)."""
        s = web.store
        out = [(e["number"], _("extension {name}").format(name=e["name"])) for e in s.extensions()]
        out += [(g["number"], _("ring group {name}").format(name=g["name"])) for g in s.ring_groups()]
        out += [(q["number"], _("queue {name}").format(name=q["name"])) for q in s.queues()]
        out += [(m["number"], _("IVR menu {name}").format(name=m["name"])) for m in s.ivr_menus()]
        out += [(r["number"], _("conference room {name}").format(name=r["name"])) for r in s.conference_rooms()]
        return out

    def list_page(status: int = 200, **kw: Any) -> str:
        bottle.response.status = status
        base = dict(title=_("IVR menus"), menus=web.store.ivr_menus(), values={}, errors={},
                    import_error="")
        base.update(kw)
        return render("ivr_list", **base)

    def editor(number: str, menu: dict[str, Any], status: int = 200, errors: Optional[dict] = None,
               general: str = "", draft_note: bool = False, flash: Any = None) -> str:
        bottle.response.status = status
        errors = errors or {}
        root, loose = draft.layout(menu)
        node_errors: dict[str, dict[str, str]] = {}
        menu_errors: dict[str, str] = {}
        for (nid, col), msg in errors.items():
            if nid:
                node_errors.setdefault(nid, {})[col or "_node"] = msg
            else:
                menu_errors[col] = msg
        if general:
            menu_errors.setdefault("", general)
        values = {k: menu.get(k, "") for k in draft.MENU_FIELDS}
        values["direct_dial"] = ", ".join(menu.get("direct_dial") or [])
        values["loop_limit"] = menu.get("loop_limit", 3)
        return render("ivr_edit", title=_("IVR menu {number}").format(number=number), number=number,
                      menu=menu, root=root, loose=loose, nf=NodeForm(number, menu, node_errors),
                      values=values, errors={k: v for k, v in menu_errors.items() if k},
                      general=menu_errors.get(""), draft_note=draft_note, notice=flash,
                      type_choices=[(t, _(draft.TYPE_LABELS[t])) for t in draft.NODE_TYPES],
                      conditions=[c["name"] for c in web.store.time_conditions()],
                      prompts=sorted(prompt_names() or ()), numbers=numbers())

    def read_form(number: str) -> dict[str, Any]:
        forms = bottle.request.forms
        return draft.menu_from_form(number, lambda k: forms.getunicode(k, default="") or "",
                                    lambda k: [v.encode("latin1").decode("utf-8", "replace")
                                               if isinstance(v, str) else v for v in forms.getall(k)])

    def check_prompts(menu: dict[str, Any]) -> None:
        known = prompt_names()
        if known is None:
            return
        for nid, node in menu["nodes"].items():
            for col in ("prompts", "invalid_prompt", "timeout_prompt"):
                for p in node.get(col, ()):
                    if not p.startswith("say:") and p not in known:
                        raise ConfigError("ivr_menus.nodes",
                                          f"menu {menu['number']} node {nid!r}: prompt {p!r} does not exist "
                                          "(upload it on the Prompts page or record it from a phone)")

    # ------------------------------------------------------------------ list
    @app.get("/config/ivr", roles=ROLES)
    def ivr_list() -> str:
        return list_page()

    @app.post("/config/ivr", roles=ROLES)
    def ivr_create() -> Any:
        f = form_dict()
        number, name = f.get("number", "").strip(), f.get("name", "").strip()
        try:
            start = draft.new_menu(number, name)
            if "welcome" not in (prompt_names() or {"welcome"}):
                start["nodes"]["main"]["prompts"] = []
            with web.acting() as store:
                store.add_ivr_menu(**start)
        except ConfigError as e:
            col = e.field.split(".", 1)[-1]
            return list_page(400, values=f, errors={col if col in ("number", "name") else "number": e.message})
        return bottle.redirect(f"/config/ivr/{number}?created=1", 303)

    @app.post(f"/config/ivr/{NUM}/delete", roles=ROLES)
    def ivr_delete(number: str) -> Any:
        try:
            with web.acting() as store:
                store.delete_ivr_menu(number)
        except ConfigError as e:
            return list_page(400, flash=("error", _("Menu {number} was not deleted: {reason}").format(
                number=number, reason=e.message)))
        return list_page(flash=("", _("Menu {number} deleted.").format(number=number)))

    @app.get("/config/ivr/export.json", roles=ROLES)
    @app.get(f"/config/ivr/{NUM}/export.json", roles=ROLES)
    def ivr_export(number: Optional[str] = None) -> str:
        rows = web.store.ivr_menus()
        if number is not None:
            rows = [m for m in rows if m["number"] == number]
            if not rows:
                return bottle.abort(404)
        bottle.response.content_type = "application/json; charset=utf-8"
        fname = f"ivr-{number}.json" if number else "ivr-menus.json"
        bottle.response.set_header("Content-Disposition", f'attachment; filename="{fname}"')
        return json.dumps({"format": IVR_FORMAT, "menus": rows}, ensure_ascii=False, indent=1)

    @app.post("/config/ivr/import", roles=ROLES)
    def ivr_import() -> Any:
        up = bottle.request.files.get("file")
        if up is None or not up.filename:
            return list_page(400, import_error=_("Choose a JSON file of IVR menus to import."))
        raw = up.file.read(MAX_IMPORT_BYTES + 1)
        if len(raw) > MAX_IMPORT_BYTES:
            return list_page(400, import_error=_("The file is larger than {mb} MB; an IVR export is much smaller. "
                                                 "Import the menus in parts.").format(mb=MAX_IMPORT_BYTES // 1048576))
        try:
            json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            return list_page(400, import_error=_("The file is not JSON text ({reason}).").format(reason=e))
        # The document may be far larger than one management request (64 KiB): it is
        # staged in the box's uploads folder and ivr.import reads it from there, so the
        # daemon's checks (shape, references, prompts; all or nothing) are the only ones.
        path = staging_dir(web) / f"ivr-import-{secrets.token_hex(8)}.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(raw)
            r = web.ask("ivr.import", path=str(path))
        except MgmtError as e:
            return list_page(400, import_error=_("Nothing was imported: {reason}").format(reason=e.message))
        finally:
            path.unlink(missing_ok=True)
        with web.acting() as store:
            store.note_audit("import", "ivr_menus", ",".join(r.get("imported", [])), up.filename)
        got = list(r.get("imported", []))
        shown = ", ".join(got) if len(got) <= 12 else ", ".join(got[:10]) + " … " + got[-1]
        return list_page(flash=("", _("Imported {n} menus: {numbers}.").format(n=len(got), numbers=shown)))

    # ------------------------------------------------------------------ editor
    @app.get(f"/config/ivr/{NUM}", roles=ROLES)
    def ivr_edit(number: str) -> str:
        menu = web.store.ivr_menu(number)
        if menu is None:
            return bottle.abort(404)
        q = bottle.request.query
        flash = None
        if q.get("saved"):
            flash = ("", _("Menu {number} saved; callers hear the new menu from now on.").format(number=number))
        elif q.get("created"):
            flash = ("", _("Menu {number} created. Build its tree below, then save.").format(number=number))
        return editor(number, menu, flash=flash)

    @app.post(f"/config/ivr/{NUM}/draft", roles=ROLES)
    def ivr_draft(number: str) -> str:
        if web.store.ivr_menu(number) is None:
            return bottle.abort(404)
        menu = read_form(number)
        ops = [o for o in bottle.request.forms.getall("op") if o]
        general = ""
        try:
            if ops:
                draft.apply_op(menu, ops[-1], _refusals())
        except draft.DraftError as e:
            general = str(e)
        return editor(number, menu, draft_note=True, general=general, status=400 if general else 200)

    @app.post(f"/config/ivr/{NUM}", roles=ROLES)
    def ivr_save(number: str) -> Any:
        if web.store.ivr_menu(number) is None:
            return bottle.abort(404)
        menu = read_form(number)
        try:
            check_prompts(menu)
            with web.acting() as store:
                store.update_ivr_menu(number, **draft.clean_for_store(menu))
        except ConfigError as e:
            nid, col, msg = draft.place_error(e.field, e.message)
            if nid and nid not in menu["nodes"]:
                nid = ""
            general = _("The menu was not saved: {reason}").format(reason=e.message)
            return editor(number, menu, status=400, errors={(nid, col): msg} if (nid or col) else {},
                          general=general, draft_note=True)
        return bottle.redirect(f"/config/ivr/{number}?saved=1", 303)
