"""Backup and restore (admin): /system/backup downloads a configuration archive
(webui/pages/backup_archive.py) and restores one: the upload is checked completely
(format, schema, every row through the store's validation, prompt files), the page shows
what would change per table, and only "Restore now" applies it -- the whole
configuration in one store change (audited as the user), then the prompts through the
daemon.  A refused archive changes nothing.
"""
from __future__ import annotations

import base64
import datetime as dt
import os
import re
import secrets
from typing import Any

import bottle

from firmware.config.errors import ConfigError
from firmware.mgmt.client import MgmtError
from webui.i18n import N_, _
from webui.pages import backup_archive as archive
from webui.pages.prompts import LANGS, send_to_daemon, staging_dir
from webui.pages.reports_common import box_zone, local_time
from webui.render import add_nav, render
from webui.web import Web

ROLES = ("admin",)
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


def firmware_version(web: Web) -> str:
    try:
        return str(web.ask("status")["box"].get("version", "")) or "unknown"
    except (MgmtError, OSError, KeyError, TypeError):
        return "unknown"


def custom_prompts(web: Web) -> tuple[dict[tuple[str, str], bytes], str]:
    """The installer's prompts as WAV bytes, and a note when the daemon could not give them."""
    out: dict[tuple[str, str], bytes] = {}
    try:
        for lang in LANGS:
            for p in web.ask("prompt.list", language=lang):
                if p.get("source") == "custom":
                    r = web.ask("prompt.get", name=p["name"], language=lang)
                    out[(lang, p["name"])] = base64.b64decode(r["wav_base64"])
    except (MgmtError, OSError) as e:
        return out, f"prompts not included: {e}"
    return out, ""


def install(app: bottle.Bottle, web: Web) -> None:
    add_nav("/system/backup", N_("Backup and restore"), ROLES, N_("System"))

    def page(status: int = 200, **kw: Any) -> str:
        bottle.response.status = status
        base = dict(title=_("Backup and restore"), error="", plan=None, token="", filename="", manifest={},
                    made="")
        base.update(kw)
        return render("backup", **base)

    def staged(token: str) -> Any:
        return staging_dir(web) / f"restore-{token}.tar.gz"

    @app.get("/system/backup", roles=ROLES)
    def backup_page() -> str:
        return page()

    @app.post("/system/backup/download", roles=ROLES)
    def download() -> Any:
        prompts, note = custom_prompts(web)
        data = archive.build_archive(web.store.export_json(), prompts, firmware=firmware_version(web),
                                     schema=web.store.schema_version(),
                                     box_name=web.box_settings().get("box_name", ""), notes=note)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
        fname = f"hotline-backup-{stamp}.tar.gz"
        with web.acting() as store:
            store.note_audit("backup", "config", fname, {"prompts": len(prompts), "bytes": len(data)})
        bottle.response.content_type = "application/gzip"
        bottle.response.set_header("Content-Disposition", f'attachment; filename="{fname}"')
        bottle.response.set_header("Cache-Control", "no-store")
        return data

    @app.post("/system/backup/restore", roles=ROLES)
    def check_upload() -> str:
        up = bottle.request.files.get("file")
        if up is None or not up.filename:
            return page(400, error=_("Choose a backup file (.tar.gz) to restore."))
        raw = up.file.read(archive.MAX_ARCHIVE_BYTES + 1)
        if len(raw) > archive.MAX_ARCHIVE_BYTES:
            return page(400, error=_("The file is larger than {mb} MB; it is not a Hotline backup.").format(
                mb=archive.MAX_ARCHIVE_BYTES // (1024 * 1024)))
        try:
            b = archive.read_archive(raw, web.store.schema_version())
        except archive.BackupError as e:
            return page(400, error=_("{file} cannot be restored: {reason} Nothing was changed.").format(
                file=up.filename, reason=e), filename=up.filename)
        for old in staging_dir(web).glob("restore-*.tar.gz"):
            old.unlink(missing_ok=True)                     # one restore waits at a time
        token = secrets.token_hex(16)
        fd = os.open(staged(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        plan = archive.changes(web.store.export_json(), b.config)
        made = local_time(b.manifest.get("created"), box_zone(web)) or "?"
        return page(plan=plan, token=token, filename=up.filename, manifest=b.manifest, made=made,
                    prompts=sorted(b.prompts))

    @app.post("/system/backup/apply", roles=ROLES)
    def apply() -> str:
        f = bottle.request.forms
        token, filename = f.get("token", ""), f.getunicode("filename", default="") or ""
        path = staged(token) if TOKEN_RE.match(token) else None
        if path is None or not path.is_file():
            return page(400, error=_("That restore is no longer waiting (the box restarted or another upload "
                                     "replaced it). Upload the backup again."))
        if f.get("action") == "cancel":
            path.unlink(missing_ok=True)
            return page(flash=("", _("Restore cancelled; nothing was changed.")))
        try:
            b = archive.read_archive(path.read_bytes(), web.store.schema_version())
            with web.acting() as store:
                store.import_json(b.config)
        except (archive.BackupError, ConfigError) as e:
            path.unlink(missing_ok=True)
            return page(400, error=_("Nothing was restored: {reason}").format(
                reason=str(e) if isinstance(e, archive.BackupError) else e.message))
        failed = []
        for (lang, name), data in sorted(b.prompts.items()):
            try:
                send_to_daemon(web, name, data, lang)
            except (MgmtError, OSError) as e:
                failed.append(f"{lang}/{name}: {e}")
        path.unlink(missing_ok=True)
        with web.acting() as store:
            store.note_audit("restore", "config", filename, {"prompts": len(b.prompts) - len(failed),
                                                            "made": b.manifest.get("created", ""),
                                                            "firmware": b.manifest.get("firmware", "")})
        if failed:
            return page(400, error=_("The configuration was restored, but these prompts were not: {list}").format(
                list="; ".join(failed)))
        return page(flash=("", _("The configuration from {file} is restored ({prompts} prompts).").format(
            file=filename, prompts=len(b.prompts))))
