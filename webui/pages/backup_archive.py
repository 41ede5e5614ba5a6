"""The backup archive: a .tar.gz holding ``manifest.json`` (format ``hotline-backup``,
firmware version, configuration schema, time, what is included), ``config.json`` (the
config store's export_json document) and ``prompts/<lang>/<name>.wav`` (the installer's
own prompts).  Web logins are not in it (see docs/web-system.md).

:func:`read_archive` checks an uploaded archive completely (format, schema, every row
through the config store's validation in a scratch store, prompt files) before anything
is applied, and says in plain words what is wrong.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from firmware.config.errors import ConfigError
from firmware.config.store import ConfigStore
from firmware.config.validate import KEYS
from webui.i18n import N_, _

FORMAT = "hotline-backup"
CONFIG_FORMAT = "hotline-config"
MAX_ARCHIVE_BYTES = 100 * 1024 * 1024     #: largest upload taken (bytes)
MAX_MEMBER_BYTES = 20 * 1024 * 1024       #: largest single file inside (bytes)
PROMPT_RE = re.compile(r"^prompts/(zh|en)/([A-Za-z0-9_][A-Za-z0-9_.-]{0,63})\.wav$")
NOT_TABLES = ("format", "schema", "version", "settings")


class BackupError(ValueError):
    """An archive that cannot be restored (message translated, plain words)."""


@dataclass
class Backup:
    manifest: dict[str, Any]
    config: dict[str, Any]
    prompts: dict[tuple[str, str], bytes] = field(default_factory=dict)


def build_archive(config: Mapping[str, Any], prompts: Mapping[tuple[str, str], bytes], *, firmware: str,
                  schema: int, box_name: str = "", notes: str = "") -> bytes:
    """The .tar.gz bytes of a backup."""
    manifest = {"format": FORMAT, "firmware": firmware, "schema": schema, "box_name": box_name,
                "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "users": "excluded", "prompts": sorted(f"{lang}/{name}.wav" for lang, name in prompts),
                "notes": notes}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(dt.datetime.now().timestamp())
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        add("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        add("config.json", json.dumps(config, ensure_ascii=False, indent=1).encode())
        for (lang, name), data in sorted(prompts.items()):
            add(f"prompts/{lang}/{name}.wav", data)
    return buf.getvalue()


def _json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise BackupError(_("{file} in the archive is not JSON ({reason}).").format(file=what, reason=e)) from None


def read_archive(raw: bytes, max_schema: int) -> Backup:
    """The checked contents of an uploaded archive; :class:`BackupError` says what is wrong."""
    if not raw:
        raise BackupError(_("The file is empty."))
    try:
        tar = tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz")
    except (tarfile.TarError, OSError, EOFError):
        raise BackupError(_("The file is not a Hotline backup: it is not a .tar.gz archive.")) from None
    files: dict[str, bytes] = {}
    prompts: dict[tuple[str, str], bytes] = {}
    try:
        with tar:
            for m in tar:
                if m.isdir():
                    continue
                if not m.isfile():
                    raise BackupError(_("The archive holds {name}, which is not a plain file; it was not made by a Hotline box.")
                                      .format(name=m.name))
                if m.size > MAX_MEMBER_BYTES:
                    raise BackupError(_("{name} in the archive is too large.").format(name=m.name))
                pm = PROMPT_RE.match(m.name)
                if m.name not in ("manifest.json", "config.json") and not pm:
                    raise BackupError(_("The archive holds an unexpected file {name}; it was not made by a Hotline box.")
                                      .format(name=m.name))
                f = tar.extractfile(m)
                data = f.read() if f is not None else b""
                if pm:
                    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
                        raise BackupError(_("Prompt {name} in the archive is not a WAV file.").format(name=m.name))
                    prompts[(pm.group(1), pm.group(2))] = data
                else:
                    files[m.name] = data
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        raise BackupError(_("The archive is damaged (cut short or corrupted).")) from None
    if "manifest.json" not in files:
        raise BackupError(_("The archive has no manifest.json: it is not a Hotline backup."))
    manifest = _json(files["manifest.json"], "manifest.json")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("The manifest does not say format {format}: it is not a Hotline backup.").format(format=FORMAT))
    schema = manifest.get("schema")
    if not isinstance(schema, int) or schema < 1:
        raise BackupError(_("The manifest gives no configuration schema version."))
    if schema > max_schema:
        raise BackupError(_("The backup was made by newer firmware (configuration schema {schema}; this box knows "
                            "up to {known}). Update the firmware first.").format(schema=schema, known=max_schema))
    if "config.json" not in files:
        raise BackupError(_("The archive has no config.json."))
    config = _json(files["config.json"], "config.json")
    if not isinstance(config, dict) or config.get("format") != CONFIG_FORMAT:
        raise BackupError(_("config.json is not a Hotline configuration (format {format}).").format(format=CONFIG_FORMAT))
    check_config(config)
    return Backup(manifest, config, prompts)


def check_config(config: Mapping[str, Any]) -> None:
    """Validate the whole configuration in a scratch store (nothing of the box is touched)."""
    with tempfile.TemporaryDirectory(prefix="hl-restore-") as d:
        scratch = ConfigStore(Path(d) / "check.db")
        try:
            scratch.import_json(dict(config))
        except ConfigError as e:
            raise BackupError(_("The configuration in the backup is refused ({field}): {reason}").format(
                field=e.field, reason=e.message)) from None
        finally:
            scratch.close()


#: tables as the pages name them (the plan shows these, not the store's table names)
TABLE_LABELS = {
    "extensions": N_("Extensions"), "trunk_groups": N_("Trunk groups"), "lines": N_("Analog lines"),
    "ring_groups": N_("Ring groups"), "inbound_routes": N_("Inbound routes"),
    "outbound_routes": N_("Outbound routes"), "time_conditions": N_("Time conditions"),
    "holidays": N_("Holidays"), "caller_lists": N_("Blacklist and whitelist"),
    "conference_rooms": N_("Conference rooms"), "sip_trunks": N_("SIP trunks"), "queues": N_("Queues"),
    "agents": N_("Agents"), "pause_reasons": N_("Pause reasons"), "vip_callers": N_("VIP callers"),
    "regions": N_("Caller regions"), "contacts": N_("Contacts"), "supervisors": N_("Supervisors"),
    "mailboxes": N_("Voicemail boxes"), "ivr_menus": N_("IVR menus"),
    "kb_articles": N_("Knowledge base articles"), "settings": N_("General settings"),
}
SHOW_KEYS = 6                                   #: row keys named per kind of change, at most


def _key_of(table: str, row: Mapping[str, Any]) -> str:
    key = KEYS.get(table) or ("id" if "id" in row else next(iter(row), ""))
    return str(row.get(key, ""))


def changes(current: Mapping[str, Any], backup: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per table (and ``settings``): rows now and in the backup, and which rows (by key)
    the restore adds, removes and changes; ``changed`` when anything differs."""
    out = []
    tables = [k for k in current if k not in NOT_TABLES] + \
        [k for k in backup if k not in NOT_TABLES and k not in current and isinstance(backup[k], list)]
    for t in tables:
        now = {_key_of(t, r): _canon(r) for r in current.get(t, []) if isinstance(r, Mapping)}
        then = {_key_of(t, r): _canon(r) for r in backup.get(t, []) if isinstance(r, Mapping)}
        out.append(_row(t, len(current.get(t, [])), len(backup.get(t, [])),
                        added=[k for k in then if k not in now], removed=[k for k in now if k not in then],
                        altered=[k for k in then if k in now and now[k] != then[k]],
                        order_only=_canon(current.get(t, [])) != _canon(backup.get(t, []))))
    s_now, s_then = current.get("settings", {}), backup.get("settings", {})
    differ = sorted(k for k in s_then if s_now.get(k) != s_then.get(k))
    out.append(_row("settings", len(s_now), len(s_then), added=[], removed=[], altered=differ,
                    order_only=False))
    return out


def _row(table: str, now: int, then: int, *, added: list[str], removed: list[str], altered: list[str],
         order_only: bool) -> dict[str, Any]:
    def some(keys: list[str]) -> str:
        shown = ", ".join(sorted(keys, key=lambda k: (len(k), k))[:SHOW_KEYS])
        return shown + (" …" if len(keys) > SHOW_KEYS else "")
    what = []
    if added:
        what.append(_("adds {n}: {keys}").format(n=len(added), keys=some(added)))
    if removed:
        what.append(_("removes {n}: {keys}").format(n=len(removed), keys=some(removed)))
    if altered:
        what.append(_("changes {n}: {keys}").format(n=len(altered), keys=some(altered)))
    changed = bool(what) or order_only
    if changed and not what:
        what.append(_("same rows in another order"))
    return {"table": table, "label": _(TABLE_LABELS.get(table, table)), "now": now, "backup": then,
            "changed": changed, "what": what}


def _canon(rows: Any) -> str:
    return json.dumps(rows, sort_keys=True, default=str)
