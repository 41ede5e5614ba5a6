"""Management commands of IVR menus and prompts (``hotline ctl ivr ...``, the web UI).

* ``ivr.list`` → menus (number, name, start, node count, fallback);
  ``ivr.show {number}`` → one menu with its nodes;
* ``ivr.import {doc} | {path}`` → add or replace the menus of a document (firmware/ivr/transfer.py),
  all in one change; refused — naming menu and node — when a target, time condition or
  prompt does not exist.  ``path`` names a JSON file on the box (up to
  :data:`MAX_IMPORT_FILE_BYTES`): how documents larger than one management request
  (64 KiB) arrive — the web UI stages its upload under ``<data>/uploads``, as prompts do; ``ivr.export {number?}`` → the document;
  ``ivr.delete {number}`` (refused while an inbound route or another menu uses it);
* ``ivr.calls`` → callers in a menu now (menu, node, state, variables);
* ``prompt.upload {name, data: base64 WAV | path, language?}`` (any PCM WAV: resampled to
  8 kHz 16-bit mono); ``prompt.list {language?}``; ``prompt.delete {name, language?}``
  (refused while a menu plays it).
"""
from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any, Optional

from firmware.ivr import menu as ivr_menu
from firmware.ivr.transfer import export_doc, menus_of
from firmware.mgmt.commands import CommandError, Dispatcher
from firmware.prompts import upload


MAX_IMPORT_FILE_BYTES = 4 * 1024 * 1024    #: largest IVR document taken from a file (bytes)


def read_import_file(path: str) -> Any:
    """The JSON document in file ``path``; ValueError in plain words when it is missing,
    too large or not JSON."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"path: no file {path}")
    size = p.stat().st_size
    if size > MAX_IMPORT_FILE_BYTES:
        raise ValueError(f"path: the file is {size / 1048576:.1f} MB; an IVR import may be at most "
                         f"{MAX_IMPORT_FILE_BYTES // 1048576} MB (import the menus in parts)")
    try:
        return json.loads(p.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"path: {p.name} is not JSON text ({e})") from None


class IvrCommands:
    def __init__(self, box: Any) -> None:
        self.box = box

    # -- helpers
    def _language(self, language: Optional[str]) -> str:
        return language or self.box.config.settings.get("language", "zh")

    def _prompt_exists(self, name: str) -> bool:
        lib = self.box.ctl._prompt_library()
        try:
            return lib is not None and lib.exists(name)
        except ValueError:
            return False

    # -- menus
    def ivr_list(self) -> list[dict]:
        return [{"number": m["number"], "name": m["name"], "start": m["start"], "nodes": len(m["nodes"]),
                 "fallback": m["fallback"], "direct_dial": m["direct_dial"]} for m in self.box.store.ivr_menus()]

    def ivr_show(self, number: Any) -> dict:
        m = self.box.store.ivr_menu(str(number))
        if m is None:
            raise CommandError(f"no IVR menu {number}")
        return m

    def ivr_import(self, doc: Any = None, path: Optional[str] = None) -> dict:
        if (doc is None) == (path is None):
            raise ValueError("ivr.import needs either 'doc' (the document) or 'path' (a JSON file on the box)")
        if path is not None:
            doc = read_import_file(path)
        rows = [ivr_menu.validate_menu_row(m) for m in menus_of(doc)]
        for m in rows:
            ivr_menu.check_prompts(m, self._prompt_exists)
        out: list = []
        self.box.update_config(lambda store: out.append(store.put_ivr_menus(rows)))
        return {"imported": out[0]}

    def ivr_export(self, number: Any = None) -> dict:
        rows = self.box.store.ivr_menus()
        if number is not None:
            rows = [r for r in rows if r["number"] == str(number)]
            if not rows:
                raise CommandError(f"no IVR menu {number}")
        return export_doc(rows)

    def ivr_delete(self, number: Any) -> dict:
        self.box.update_config(lambda store: store.delete_ivr_menu(str(number)))
        return {"number": str(number), "deleted": True}

    def ivr_calls(self) -> list[dict]:
        return self.box.ctl.ivr.status()

    # -- prompts
    def prompt_upload(self, name: str, data: Optional[str] = None, path: Optional[str] = None,
                      language: Optional[str] = None) -> dict:
        if (data is None) == (path is None):
            raise ValueError("prompt.upload needs either 'data' (the WAV file, base64) or 'path' (a file on the box)")
        if data is not None:
            try:
                raw = base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError("data: not base64 text (send the WAV file base64-encoded)") from None
        else:
            p = Path(path)
            if not p.is_file():
                raise ValueError(f"path: no file {path}")
            raw = p.read_bytes()
        try:
            return upload.save_prompt(self.box.data.sounds, self._language(language), name, raw)
        except upload.PromptError as e:
            raise CommandError(f"prompt {name!r} not saved: {e}") from None

    def prompt_list(self, language: Optional[str] = None) -> list[dict]:
        lang = self._language(language)
        used = {p for m in self.box.store.ivr_menus() for _n, p in ivr_menu.prompts_used(m)}
        rows = upload.list_prompts(self.box.data.sounds, lang)
        for r in rows:
            r["used_by_menus"] = r["name"] in used
        return rows

    def prompt_delete(self, name: str, language: Optional[str] = None) -> dict:
        users = [f"menu {m['number']} node {nid!r}" for m in self.box.store.ivr_menus()
                 for nid, p in ivr_menu.prompts_used(m) if p == name]
        if users:
            raise CommandError(f"prompt {name!r} is played by {', '.join(users)}: change the menu first")
        try:
            upload.delete_prompt(self.box.data.sounds, self._language(language), name)
        except upload.PromptError as e:
            raise CommandError(str(e)) from None
        return {"name": name, "deleted": True}


def register_ivr_commands(dispatcher: Dispatcher, box: Any) -> None:
    c = IvrCommands(box)
    for name, fn, help_ in (
            ("ivr.list", c.ivr_list, "IVR menus (number, name, start node, nodes, fallback)"),
            ("ivr.show", c.ivr_show, "one IVR menu with its nodes {number}"),
            ("ivr.import", c.ivr_import, "add or replace IVR menus from a document {doc} or a JSON file {path} "
                                         "(docs/ivr.md)"),
            ("ivr.export", c.ivr_export, "IVR menus as a JSON document {number?}"),
            ("ivr.delete", c.ivr_delete, "delete an IVR menu {number}"),
            ("ivr.calls", c.ivr_calls, "callers in IVR menus now (menu, node, variables)"),
            ("prompt.upload", c.prompt_upload,
             "store a prompt {name, data: base64 WAV | path, language?}; any PCM WAV, resampled to 8 kHz mono"),
            ("prompt.list", c.prompt_list, "system and uploaded prompts {language?}"),
            ("prompt.delete", c.prompt_delete, "delete an uploaded prompt {name, language?}")):
        dispatcher.command(name, help=help_)(fn)
