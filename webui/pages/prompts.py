"""Prompts (admin, installer): /config/prompts lists the box's prompts (system and the
installer's own), plays each in the browser, uploads a WAV, deletes an upload, and
records one from a phone: the page rings an analog extension, which then dials the
``record_prompt`` feature code (*77) with the prompt number — the installer answers,
speaks after the beep and presses # (any phone can also dial *77 itself).

Audio comes from the daemon (``prompt.get``: the WAV as base64) and goes to it
(``prompt.upload`` with ``path``: the upload is staged under ``<data>/uploads`` because a
management request line is limited to 64 KiB); the page never reads the sound folders.
"""
from __future__ import annotations

import base64
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any, Optional

import bottle

from firmware.mgmt.client import MgmtError
from webui.i18n import N_, _
from webui.render import add_nav, render
from webui.web import Web

ROLES = ("admin", "installer")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024     #: largest WAV accepted (bytes): 600 s of 16 kHz stereo fits
NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
RECORD_NAME_RE = re.compile(r"^[0-9]{1,16}$")   #: a prompt recorded from a phone is named by digits
LANGS = ("zh", "en")


def staging_dir(web: Web) -> Path:
    """Where uploads wait for the daemon to take them (the box's data dir)."""
    root = web.data_root if web.data_root is not None else Path(tempfile.gettempdir())
    d = root / "uploads"
    d.mkdir(parents=True, exist_ok=True)
    return d


def check_wav(raw: bytes) -> Optional[str]:
    """A plain-words reason when ``raw`` cannot be a WAV file (None: it may be one)."""
    if not raw:
        return _("The file is empty.")
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        return _("The file is not a WAV file. Save the recording as WAV (PCM) and upload that.")
    return None


def send_to_daemon(web: Web, name: str, raw: bytes, language: Optional[str] = None) -> dict:
    """Hand a WAV to ``prompt.upload`` through a staged file; the file is removed after."""
    path = staging_dir(web) / f"prompt-{secrets.token_hex(8)}.wav"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        args: dict[str, Any] = {"name": name, "path": str(path)}
        if language:
            args["language"] = language
        return web.ask("prompt.upload", **args)
    finally:
        path.unlink(missing_ok=True)


def install(app: bottle.Bottle, web: Web) -> None:
    add_nav("/config/prompts", N_("Prompts"), ROLES, N_("Setup"))

    def language() -> str:
        lang = bottle.request.query.get("language") or bottle.request.forms.get("language") or ""
        return lang if lang in LANGS else web.box_settings().get("language", "zh")

    def page(status: int = 200, **kw: Any) -> str:
        bottle.response.status = status
        lang = language()
        try:
            rows, down = web.ask("prompt.list", language=lang), ""
        except MgmtError as e:
            rows, down = [], e.message
        base = dict(title=_("Prompts"), rows=rows, down=down, language=lang, languages=LANGS,
                    values={}, errors={}, record_code=record_code(), phones=phones(),
                    rec_values={}, rec_errors={})
        base.update(kw)
        return render("prompts", **base)

    def record_code() -> str:
        return (web.box_settings().get("feature_codes") or {}).get("record_prompt") or "*77"

    def phones() -> list[tuple[str, str]]:
        """Extensions on analog ports (the box can ring those and dial for them)."""
        return [(str(e["number"]), f"{e['number']} {e.get('name') or ''}".strip())
                for e in web.store.extensions() if e.get("port")]

    @app.get("/config/prompts", roles=ROLES)
    def prompts_page() -> str:
        return page()

    @app.post("/config/prompts/record", roles=ROLES)
    def prompt_record() -> str:
        number = (bottle.request.forms.getunicode("number") or "").strip()
        ext = (bottle.request.forms.getunicode("extension") or "").strip()
        values = {"number": number, "extension": ext}
        if not RECORD_NAME_RE.match(number):
            return page(400, rec_values=values, rec_errors={"number": _(
                "\"{number}\" is not a prompt number: 1–16 digits (e.g. 1001).").format(number=number[:20])})
        if ext not in {n for n, _label in phones()}:
            return page(400, rec_values=values, rec_errors={"extension": _(
                "Choose an extension on an analog phone port.")})
        try:
            web.ask("originate", **{"from": ext, "to": record_code() + number})
        except MgmtError as e:
            return page(409, rec_values=values, rec_errors={"extension": _(
                "Extension {ext} cannot be rung now: {reason}").format(ext=ext, reason=e.message)})
        return page(rec_values=values, flash=("", _(
            "Extension {ext} is ringing: answer it, listen, speak after the beep and press #. "
            "Then press 1 to save prompt {number}.").format(ext=ext, number=number)))

    @app.get("/config/prompts/<name>.wav", roles=ROLES)
    def prompt_wav(name: str) -> Any:
        if not NAME_RE.match(name):
            return bottle.abort(404)
        try:
            r = web.ask("prompt.get", name=name, language=language())
        except MgmtError:
            return bottle.abort(404)
        data = base64.b64decode(r["wav_base64"])
        bottle.response.content_type = "audio/wav"
        bottle.response.set_header("Content-Length", str(len(data)))
        bottle.response.set_header("Cache-Control", "no-store")
        return data

    @app.post("/config/prompts", roles=ROLES)
    def prompt_upload() -> str:
        name = (bottle.request.forms.getunicode("name") or "").strip()
        values = {"name": name}
        if not NAME_RE.match(name) or ".." in name:
            return page(400, values=values, errors={"name": _(
                "\"{name}\" is not a prompt name: 1–64 letters, digits, _ . - (e.g. welcome_sales).").format(name=name)})
        up = bottle.request.files.get("file")
        if up is None or not up.filename:
            return page(400, values=values, errors={"file": _("Choose a WAV file to upload.")})
        raw = up.file.read(MAX_UPLOAD_BYTES + 1)
        if len(raw) > MAX_UPLOAD_BYTES:
            return page(400, values=values, errors={"file": _(
                "The file is larger than {mb} MB; a prompt may be at most 10 minutes long.").format(
                mb=MAX_UPLOAD_BYTES // (1024 * 1024))})
        why = check_wav(raw)
        if why:
            return page(400, values=values, errors={"file": why})
        try:
            r = send_to_daemon(web, name, raw, language())
        except MgmtError as e:
            return page(400, values=values, errors={"file": e.message})
        with web.acting() as store:
            store.note_audit("upload", "prompts", name, {"language": r.get("language", ""),
                                                        "seconds": r.get("seconds", 0)})
        msg = _("Prompt {name} saved ({seconds} s).").format(name=name, seconds=r.get("seconds", 0))
        if r.get("replaces_system_prompt"):
            msg += " " + _("It plays instead of the built-in prompt of that name.")
        return page(flash=("", msg))

    @app.post("/config/prompts/<name>/delete", roles=ROLES)
    def prompt_delete(name: str) -> str:
        try:
            web.ask("prompt.delete", name=name, language=language())
        except MgmtError as e:
            return page(400, flash=("error", _("Prompt {name} was not deleted: {reason}").format(
                name=name, reason=e.message)))
        with web.acting() as store:
            store.note_audit("delete", "prompts", name, "")
        return page(flash=("", _("Prompt {name} deleted.").format(name=name)))
