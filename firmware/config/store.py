"""ConfigStore: the configuration database (SQLite via sqlite-utils, WAL).

All SQL of the config store lives in this module (and the DDL in migrations.py), so
another backend can be added beside SQLite later.  Every write:

1. takes the write lock (``BEGIN IMMEDIATE``: one writer at a time, across processes),
2. reads the current configuration, applies the change in memory,
3. validates the row and the whole result (cross-references),
4. writes the row(s) and bumps the change counter (``version()``), and commits --
   or rolls back and raises :class:`ConfigError`, changing nothing.

Readers (``snapshot()``) read everything in one transaction; in WAL mode they never
wait for a writer and never see half a change.  A store object may be shared between
threads (one lock per object); other processes open their own.

Every change is also written to the ``audit_log`` table in the same transaction: when,
who (``with store.acting("web:alice"):`` -- per thread; ``"daemon"`` otherwise), what
(add/update/delete/settings/import, table, key) and the changed fields, with secrets
(PINs, passwords) masked.  Web logins (``users``) live here too, outside the engine's
snapshot and the exported configuration, and so do the knowledge-base articles
(``kb_articles``, accessors in store_kb.py).
"""
from __future__ import annotations

import json
import os
import sqlite3
import contextlib
import datetime as dt
import threading
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping, Optional, Union

import sqlite_utils

from firmware.config import model
from firmware.config.errors import ConfigError
from firmware.config.migrations import CONFIG_MIGRATIONS, apply_migrations, schema_version
from firmware.config.passwords import check_login_password, hash_login_password, verify_login_password
from firmware.config.seed import default_config
from firmware.config.store_kb import KnowledgeBaseStore
from firmware.config.validate_kb import validate_kb_article
from firmware.config.validate_users import validate_user
from firmware.config.validate import (KEYS, SETTINGS_DEFAULTS, TABLES, references_to, validate_config,
                                      validate_row, validate_setting, validate_settings)

EXPORT_FORMAT = "hotline-config"

_JSON_COLUMNS = {"ring_groups": ("members",), "time_conditions": ("hours",), "queues": ("members",),
                 "regions": ("agents",), "supervisors": ("queues",), "mailboxes": ("members",), "ivr_menus": ("nodes", "direct_dial")}
_BOOL_COLUMNS = {"extensions": ("enabled", "dnd", "followme_confirm", "announce"), "lines": ("enabled",),
                 "time_conditions": ("holidays",), "conference_rooms": ("announce",),
                 "sip_trunks": ("register", "enabled"), "supervisors": ("trust_extension",),
                 "queues": ("join_empty", "leave_empty", "announce_position", "whisper", "survey"),
                 "mailboxes": ("enabled", "attach", "delete_after_email", "own_phone_pin")}
_MODEL = {
    "extensions": model.Extension, "trunk_groups": model.TrunkGroup, "lines": model.Line,
    "ring_groups": model.RingGroup, "inbound_routes": model.InboundRoute,
    "outbound_routes": model.OutboundRoute, "time_conditions": model.TimeCondition,
    "holidays": model.Holiday, "caller_lists": model.CallerListEntry, "conference_rooms": model.ConferenceRoom,
    "sip_trunks": model.SipTrunk,
    "queues": model.Queue, "agents": model.Agent, "pause_reasons": model.PauseReason,
    "vip_callers": model.VipCaller, "regions": model.Region, "contacts": model.Contact,
    "supervisors": model.Supervisor,
    "mailboxes": model.Mailbox, "ivr_menus": model.IvrMenu,
}
_WHAT = {
    "extensions": "extension", "trunk_groups": "trunk group", "lines": "line",
    "ring_groups": "ring group", "inbound_routes": "inbound route", "outbound_routes": "outbound route",
    "time_conditions": "time condition", "holidays": "holiday", "caller_lists": "caller list entry",
    "conference_rooms": "conference room", "sip_trunks": "SIP trunk",
    "queues": "queue", "agents": "agent", "pause_reasons": "pause reason", "vip_callers": "VIP caller",
    "regions": "region", "contacts": "contact", "supervisors": "supervisor",
    "mailboxes": "mailbox", "ivr_menus": "IVR menu",
}
_NUMBERED = ("extensions", "ring_groups", "conference_rooms", "queues", "ivr_menus")     #: share one number space
_ID_TABLES = ("inbound_routes", "outbound_routes", "caller_lists")  #: integer ids given by the store


def _sort_key(table: str) -> Callable[[Mapping[str, Any]], Any]:
    if table in _NUMBERED or table == "mailboxes":
        return lambda r: (len(r["number"]), r["number"])
    if table in ("inbound_routes", "outbound_routes"):
        return lambda r: (r["priority"], r["id"] or 0)
    if table == "caller_lists":
        return lambda r: r["id"] or 0
    if table == "holidays":
        return lambda r: r["date"]
    if table in ("agents", "vip_callers", "contacts", "pause_reasons", "regions", "supervisors"):
        k = {"pause_reasons": "code", "regions": "prefix"}.get(table, "number")
        return lambda r: (len(r[k]), r[k])
    return lambda r: model._natural_key(r["name"])


class ConfigStore(KnowledgeBaseStore):
    """The configuration database at ``path`` (created, migrated and seeded on open).

    ``country`` is used only when a fresh database is seeded (routes, language).
    """

    def __init__(self, path: Union[str, os.PathLike], *, country: str = "cn") -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._who = threading.local()
        seed = default_config(country)
        validate_config(_clean_document(seed))   # a bad country fails before the file is touched
        conn = sqlite3.connect(str(self.path), timeout=10.0, check_same_thread=False)
        self.db = sqlite_utils.Database(conn)
        try:
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous=FULL")
            before = apply_migrations(self.db, CONFIG_MIGRATIONS, "configuration")
            if before == 0:
                self._transaction(lambda state: self._replace_all(state, seed))
        except BaseException:
            conn.close()
            raise

    @classmethod
    def at(cls, data_dir: Any = None, **kw: Any) -> "ConfigStore":
        """The store of a data dir (a firmware.paths.DataDir, a path, or None = default)."""
        from firmware.paths import DataDir
        d = data_dir if isinstance(data_dir, DataDir) else DataDir.at(data_dir)
        return cls(d.create().config_db, **kw)

    # -- lifecycle --------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self.db.close()

    def __enter__(self) -> "ConfigStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def schema_version(self) -> int:
        with self._lock:
            return schema_version(self.db)

    def version(self) -> int:
        """The change counter: grows by one with every committed change (any process)."""
        with self._lock:
            return int(next(self.db.query("SELECT value FROM config_meta WHERE key = 'version'"))["value"])

    # -- reading ----------------------------------------------------------------------
    def _load(self) -> dict[str, Any]:
        """Everything, as clean row dicts (call inside a transaction for consistency)."""
        stored = {r["key"]: json.loads(r["value"]) for r in self.db.query("SELECT key, value FROM settings")}
        state: dict[str, Any] = {"settings": {**SETTINGS_DEFAULTS, **stored}}
        for table in TABLES:
            rows = []
            for r in self.db.query(f"SELECT * FROM [{table}]"):
                for c in _JSON_COLUMNS.get(table, ()):
                    r[c] = json.loads(r[c])
                for c in _BOOL_COLUMNS.get(table, ()):
                    r[c] = bool(r[c])
                rows.append(r)
            rows.sort(key=_sort_key(table))
            state[table] = rows
        state["version"] = int(next(self.db.query("SELECT value FROM config_meta WHERE key = 'version'"))["value"])
        return state

    def _read(self) -> dict[str, Any]:
        with self._lock:
            self.db.execute("BEGIN")
            try:
                return self._load()
            finally:
                self.db.execute("COMMIT")

    def settings(self) -> dict[str, Any]:
        """All settings (defaults filled in)."""
        return self._read()["settings"]

    def get_setting(self, key: str) -> Any:
        if key not in SETTINGS_DEFAULTS:
            raise ConfigError(f"settings.{key}", "unknown setting")
        return self.settings()[key]

    def _list(self, table: str) -> list[dict]:
        return self._read()[table]

    def _get(self, table: str, key: Any) -> Optional[dict]:
        for r in self._list(table):
            if r[KEYS[table]] == key:
                return r
        return None

    def snapshot(self) -> model.Config:
        """Everything as frozen dataclasses, read in one transaction."""
        state = self._read()
        s = dict(state["settings"])
        s["emergency_numbers"] = tuple(s["emergency_numbers"])
        tables = {}
        for table in TABLES:
            cls = _MODEL[table]
            items = []
            for r in state[table]:
                if table in ("ring_groups", "mailboxes"):
                    r = {**r, "members": tuple(r["members"])}
                elif table == "queues":
                    r = {**r, "members": tuple(model.QueueMember(**m) for m in r["members"])}
                elif table == "regions":
                    r = {**r, "agents": tuple(r["agents"])}
                elif table == "supervisors":
                    r = {**r, "queues": tuple(r["queues"])}
                elif table == "ivr_menus":
                    r = {**r, "direct_dial": tuple(r["direct_dial"])}
                elif table == "time_conditions":
                    r = {**r, "hours": MappingProxyType({d: tuple(v) for d, v in r["hours"].items()})}
                items.append(cls(**r))
            tables[table] = tuple(items)
        return model.Config(version=state["version"], settings=MappingProxyType(s), **tables)

    def export_json(self) -> dict[str, Any]:
        """The whole configuration as a JSON-ready document (import_json reads it back)."""
        state = self._read()
        doc: dict[str, Any] = {"format": EXPORT_FORMAT, "schema": len(CONFIG_MIGRATIONS),
                               "version": state["version"], "settings": state["settings"]}
        for table in TABLES:
            doc[table] = state[table]
        doc["kb_articles"] = [{k: a[k] for k in ("id", "title", "body", "tags", "updated", "author")}
                              for a in reversed(self.kb_articles(limit=1_000_000))]
        return doc

    # -- writing ----------------------------------------------------------------------
    @contextlib.contextmanager
    def acting(self, actor: str) -> Iterator["ConfigStore"]:
        """Changes made by this thread inside the block are audited as ``actor``
        (e.g. ``"web:alice"``, ``"phone:801"``)."""
        before = getattr(self._who, "actor", None)
        self._who.actor = actor
        try:
            yield self
        finally:
            self._who.actor = before

    @property
    def actor(self) -> str:
        """Who the audit log names for changes from this thread now."""
        return getattr(self._who, "actor", None) or "daemon"

    def _audit(self, action: str, target: str, key: Any = "", detail: Any = "") -> None:
        if isinstance(detail, Mapping):
            detail = json.dumps(_masked(detail), ensure_ascii=False, sort_keys=True, default=str)
        self.db.execute("INSERT INTO audit_log (time, actor, action, target, key, detail) VALUES (?, ?, ?, ?, ?, ?)",
                        [_now_iso(), self.actor, action, target, "" if key is None else str(key), str(detail)])

    def _transaction(self, change: Callable[[dict[str, Any]], Any],
                     audit: Optional[Callable[[Any], tuple]] = None, bump: bool = True) -> Any:
        """Run ``change(state)`` in one write transaction; ``audit(result)`` gives the
        (action, target, key, detail) written to the audit log with it."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                result = change(self._load() if bump else {})
                if bump:
                    self.db.execute("UPDATE config_meta SET value = value + 1 WHERE key = 'version'")
                if audit is not None:
                    self._audit(*audit(result))
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
            return result

    @staticmethod
    def _encode(table: str, row: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(row)
        for c in _JSON_COLUMNS.get(table, ()):
            out[c] = json.dumps(out[c])
        for c in _BOOL_COLUMNS.get(table, ()):
            out[c] = int(out[c])
        return out

    def _replace_all(self, state: dict[str, Any], doc: Any) -> None:
        new = _clean_document(doc)
        validate_config(new)
        for table in TABLES:
            self.db.execute(f"DELETE FROM [{table}]")
        self.db.execute("DELETE FROM settings")
        for k, v in new["settings"].items():
            self.db.execute("INSERT INTO settings (key, value) VALUES (?, ?)", [k, json.dumps(v)])
        for table in TABLES:
            for row in new[table]:
                row = {k: v for k, v in row.items() if not (k == "id" and v is None)}
                self.db[table].insert(self._encode(table, row))
        if new.get("kb_articles") is not None:         # a document without the section keeps them
            self.db.execute("DELETE FROM kb_articles")
            for a in new["kb_articles"]:
                self.db["kb_articles"].insert({**a, "tags": json.dumps(a["tags"], ensure_ascii=False)})

    def import_json(self, doc: Mapping[str, Any]) -> None:
        """Replace the whole configuration with ``doc`` (an export_json document).

        Validated first: any problem raises ConfigError and nothing changes.  Missing
        settings take their defaults; a missing table section means an empty table.
        """
        self._transaction(lambda state: self._replace_all(state, doc),
                          audit=lambda _: ("import", "config", "", "the whole configuration was replaced"))

    def set_setting(self, key: str, value: Any) -> None:
        self.update_settings({key: value})

    def update_settings(self, values: Mapping[str, Any]) -> None:
        """Change several settings at once (e.g. flash_min_ms and flash_max_ms together)."""
        clean = {k: validate_setting(k, v) for k, v in values.items()}

        def change(state: dict[str, Any]) -> None:
            state["settings"] = validate_settings({**state["settings"], **clean})
            validate_config(state)
            for k, v in clean.items():
                self.db.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                                "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [k, json.dumps(v)])
        self._transaction(change, audit=lambda _: ("settings", "settings", ",".join(sorted(clean)), clean))

    def _check_number_free(self, state: dict[str, Any], table: str, number: str) -> None:
        for other in _NUMBERED:
            for r in state[other]:
                if r["number"] == number:
                    raise ConfigError(f"{table}.number", f"{number} is already {_WHAT[other]} {number} ({r['name']})")

    def _add(self, table: str, fields: Mapping[str, Any]) -> Any:
        row = validate_row(table, fields)
        key = KEYS[table]

        def change(state: dict[str, Any]) -> Any:
            if table in _NUMBERED:
                self._check_number_free(state, table, row["number"])
            elif row[key] is not None and any(r[key] == row[key] for r in state[table]):
                raise ConfigError(f"{table}.{key}", f"{_WHAT[table]} {row[key]!r} already exists")
            state[table].append(row)
            validate_config(state)
            ins = {k: v for k, v in row.items() if not (k == "id" and v is None)}
            tbl = self.db[table]
            tbl.insert(self._encode(table, ins))
            return row[key] if row[key] is not None else tbl.last_pk
        return self._transaction(change, audit=lambda k: ("add", table, k, row))

    def _update(self, table: str, keyval: Any, fields: Mapping[str, Any]) -> None:
        key = KEYS[table]
        if key in fields and fields[key] != keyval:
            raise ConfigError(f"{table}.{key}", f"cannot be changed ({_WHAT[table]} {keyval}): "
                                                "delete it and add a new one")

        def change(state: dict[str, Any]) -> None:
            rows = state[table]
            for i, r in enumerate(rows):
                if r[key] == keyval:
                    break
            else:
                raise ConfigError(f"{table}.{key}", f"no {_WHAT[table]} {keyval!r}")
            merged = {**r, **fields}
            if table == "extensions" and merged.get("kind") == "fxs" and "secret" not in fields:
                merged["secret"] = ""          # turning a SIP extension into an FXS one drops its password
            row = validate_row(table, merged)
            rows[i] = row
            validate_config(state)
            upd = self._encode(table, row)
            upd.pop(key)
            self.db[table].update(keyval, upd)
            return {k: v for k, v in row.items() if r.get(k) != v}
        self._transaction(change, audit=lambda diff: ("update", table, keyval, diff))

    def _delete(self, table: str, keyval: Any) -> None:
        key = KEYS[table]

        def change(state: dict[str, Any]) -> None:
            rows = state[table]
            if not any(r[key] == keyval for r in rows):
                raise ConfigError(f"{table}.{key}", f"no {_WHAT[table]} {keyval!r}")
            refs = references_to(state, table, keyval)
            if refs:
                raise ConfigError(f"{table}.{key}", f"cannot delete {_WHAT[table]} {keyval}: " + "; ".join(refs))
            state[table] = [r for r in rows if r[key] != keyval]
            validate_config(state)
            self.db.execute(f"DELETE FROM [{table}] WHERE [{key}] = ?", [keyval])
        self._transaction(change, audit=lambda _: ("delete", table, keyval, ""))

    # -- per-table API (generated below) -------------------------------------------------
    def extensions(self) -> list[dict]: return self._list("extensions")
    def extension(self, number: str) -> Optional[dict]: return self._get("extensions", number)
    def add_extension(self, **fields: Any) -> str: return self._add("extensions", fields)
    def update_extension(self, number: str, /, **fields: Any) -> None: self._update("extensions", number, fields)
    def delete_extension(self, number: str) -> None: self._delete("extensions", number)

    def trunk_groups(self) -> list[dict]: return self._list("trunk_groups")
    def trunk_group(self, name: str) -> Optional[dict]: return self._get("trunk_groups", name)
    def add_trunk_group(self, **fields: Any) -> str: return self._add("trunk_groups", fields)
    def update_trunk_group(self, name: str, /, **fields: Any) -> None: self._update("trunk_groups", name, fields)
    def delete_trunk_group(self, name: str) -> None: self._delete("trunk_groups", name)

    def lines(self) -> list[dict]: return self._list("lines")
    def line(self, name: str) -> Optional[dict]: return self._get("lines", name)
    def add_line(self, **fields: Any) -> str: return self._add("lines", fields)
    def update_line(self, name: str, /, **fields: Any) -> None: self._update("lines", name, fields)
    def delete_line(self, name: str) -> None: self._delete("lines", name)

    def ring_groups(self) -> list[dict]: return self._list("ring_groups")
    def ring_group(self, number: str) -> Optional[dict]: return self._get("ring_groups", number)
    def add_ring_group(self, **fields: Any) -> str: return self._add("ring_groups", fields)
    def update_ring_group(self, number: str, /, **fields: Any) -> None: self._update("ring_groups", number, fields)
    def delete_ring_group(self, number: str) -> None: self._delete("ring_groups", number)

    def inbound_routes(self) -> list[dict]: return self._list("inbound_routes")
    def inbound_route(self, id: int) -> Optional[dict]: return self._get("inbound_routes", id)
    def add_inbound_route(self, **fields: Any) -> int: return self._add("inbound_routes", fields)
    def update_inbound_route(self, id: int, /, **fields: Any) -> None: self._update("inbound_routes", id, fields)
    def delete_inbound_route(self, id: int) -> None: self._delete("inbound_routes", id)

    def time_conditions(self) -> list[dict]: return self._list("time_conditions")
    def time_condition(self, name: str) -> Optional[dict]: return self._get("time_conditions", name)
    def add_time_condition(self, **fields: Any) -> str: return self._add("time_conditions", fields)
    def update_time_condition(self, name: str, /, **fields: Any) -> None: self._update("time_conditions", name, fields)
    def delete_time_condition(self, name: str) -> None: self._delete("time_conditions", name)

    def holidays(self) -> list[dict]: return self._list("holidays")
    def add_holiday(self, **fields: Any) -> str: return self._add("holidays", fields)
    def update_holiday(self, date: str, /, **fields: Any) -> None: self._update("holidays", date, fields)
    def delete_holiday(self, date: str) -> None: self._delete("holidays", date)

    def put_holidays(self, rows: list[Mapping[str, Any]]) -> dict[str, list[str]]:
        """Make the holiday list exactly ``rows`` (``{date, name}``) in one change: new dates
        are added, changed names updated, dates not listed deleted.  Nothing changes when a
        row is refused or a date to delete is still used (the message names what uses it).
        Returns ``{"added": [...], "updated": [...], "deleted": [...]}`` (dates)."""
        clean = [validate_row("holidays", r) for r in rows]

        def change(state: dict[str, Any]) -> dict[str, list[str]]:
            dates = [h["date"] for h in clean]
            twice = sorted({d for d in dates if dates.count(d) > 1})
            if twice:
                raise ConfigError("holidays.date", f"holiday {twice[0]} is listed twice")
            old = {h["date"]: h for h in state["holidays"]}
            diff = {"added": [d for d in dates if d not in old],
                    "updated": [h["date"] for h in clean if h["date"] in old and old[h["date"]]["name"] != h["name"]],
                    "deleted": [d for d in old if d not in dates]}
            for d in diff["deleted"]:
                refs = references_to(state, "holidays", d)
                if refs:
                    raise ConfigError("holidays.date", f"cannot delete holiday {d}: " + "; ".join(refs))
            state["holidays"] = clean
            validate_config(state)
            for d in diff["deleted"]:
                self.db.execute("DELETE FROM holidays WHERE date = ?", [d])
            for h in clean:
                if h["date"] in diff["added"]:
                    self.db["holidays"].insert(self._encode("holidays", h))
                elif h["date"] in diff["updated"]:
                    self.db["holidays"].update(h["date"], {"name": h["name"]})
            return diff
        return self._transaction(change, audit=lambda diff: ("put", "holidays", "", diff))

    def caller_lists(self) -> list[dict]: return self._list("caller_lists")
    def add_caller_list_entry(self, **fields: Any) -> int: return self._add("caller_lists", fields)
    def update_caller_list_entry(self, id: int, /, **fields: Any) -> None: self._update("caller_lists", id, fields)
    def delete_caller_list_entry(self, id: int) -> None: self._delete("caller_lists", id)

    def conference_rooms(self) -> list[dict]: return self._list("conference_rooms")
    def conference_room(self, number: str) -> Optional[dict]: return self._get("conference_rooms", number)
    def add_conference_room(self, **fields: Any) -> str: return self._add("conference_rooms", fields)
    def update_conference_room(self, number: str, /, **fields: Any) -> None: self._update("conference_rooms", number, fields)
    def delete_conference_room(self, number: str) -> None: self._delete("conference_rooms", number)

    def sip_trunks(self) -> list[dict]: return self._list("sip_trunks")
    def sip_trunk(self, name: str) -> Optional[dict]: return self._get("sip_trunks", name)
    def add_sip_trunk(self, **fields: Any) -> str: return self._add("sip_trunks", fields)
    def update_sip_trunk(self, name: str, /, **fields: Any) -> None: self._update("sip_trunks", name, fields)
    def delete_sip_trunk(self, name: str) -> None: self._delete("sip_trunks", name)

    def queues(self) -> list[dict]: return self._list("queues")
    def queue(self, number: str) -> Optional[dict]: return self._get("queues", number)
    def add_queue(self, **fields: Any) -> str: return self._add("queues", fields)
    def update_queue(self, number: str, /, **fields: Any) -> None: self._update("queues", number, fields)
    def delete_queue(self, number: str) -> None: self._delete("queues", number)

    def agents(self) -> list[dict]: return self._list("agents")
    def agent(self, number: str) -> Optional[dict]: return self._get("agents", number)
    def add_agent(self, **fields: Any) -> str: return self._add("agents", fields)
    def update_agent(self, number: str, /, **fields: Any) -> None: self._update("agents", number, fields)
    def delete_agent(self, number: str) -> None: self._delete("agents", number)

    def pause_reasons(self) -> list[dict]: return self._list("pause_reasons")
    def add_pause_reason(self, **fields: Any) -> str: return self._add("pause_reasons", fields)
    def update_pause_reason(self, code: str, /, **fields: Any) -> None: self._update("pause_reasons", code, fields)
    def delete_pause_reason(self, code: str) -> None: self._delete("pause_reasons", code)

    def vip_callers(self) -> list[dict]: return self._list("vip_callers")
    def add_vip_caller(self, **fields: Any) -> str: return self._add("vip_callers", fields)
    def update_vip_caller(self, number: str, /, **fields: Any) -> None: self._update("vip_callers", number, fields)
    def delete_vip_caller(self, number: str) -> None: self._delete("vip_callers", number)

    def regions(self) -> list[dict]: return self._list("regions")
    def add_region(self, **fields: Any) -> str: return self._add("regions", fields)
    def update_region(self, prefix: str, /, **fields: Any) -> None: self._update("regions", prefix, fields)
    def delete_region(self, prefix: str) -> None: self._delete("regions", prefix)

    def contacts(self) -> list[dict]: return self._list("contacts")
    def add_contact(self, **fields: Any) -> str: return self._add("contacts", fields)
    def update_contact(self, number: str, /, **fields: Any) -> None: self._update("contacts", number, fields)
    def delete_contact(self, number: str) -> None: self._delete("contacts", number)

    def supervisors(self) -> list[dict]: return self._list("supervisors")
    def supervisor(self, number: str) -> Optional[dict]: return self._get("supervisors", number)
    def add_supervisor(self, **fields: Any) -> str: return self._add("supervisors", fields)
    def update_supervisor(self, number: str, /, **fields: Any) -> None: self._update("supervisors", number, fields)
    def delete_supervisor(self, number: str) -> None: self._delete("supervisors", number)

    def mailboxes(self) -> list[dict]: return self._list("mailboxes")
    def mailbox(self, number: str) -> Optional[dict]: return self._get("mailboxes", number)
    def add_mailbox(self, **fields: Any) -> str: return self._add("mailboxes", fields)
    def update_mailbox(self, number: str, /, **fields: Any) -> None: self._update("mailboxes", number, fields)
    def delete_mailbox(self, number: str) -> None: self._delete("mailboxes", number)

    def outbound_routes(self) -> list[dict]: return self._list("outbound_routes")
    def outbound_route(self, id: int) -> Optional[dict]: return self._get("outbound_routes", id)
    def add_outbound_route(self, **fields: Any) -> int: return self._add("outbound_routes", fields)
    def update_outbound_route(self, id: int, /, **fields: Any) -> None: self._update("outbound_routes", id, fields)
    def delete_outbound_route(self, id: int) -> None: self._delete("outbound_routes", id)

    def ivr_menus(self) -> list[dict]: return self._list("ivr_menus")
    def ivr_menu(self, number: str) -> Optional[dict]: return self._get("ivr_menus", number)
    def add_ivr_menu(self, **fields: Any) -> str: return self._add("ivr_menus", fields)
    def update_ivr_menu(self, number: str, /, **fields: Any) -> None: self._update("ivr_menus", number, fields)
    def delete_ivr_menu(self, number: str) -> None: self._delete("ivr_menus", number)

    def put_ivr_menus(self, rows: list[Mapping[str, Any]]) -> list[str]:
        """Add or replace several IVR menus in one change (menus may name each other);
        all are validated together, and nothing changes if one is refused."""
        clean = []
        for i, r in enumerate(rows):
            try:
                clean.append(validate_row("ivr_menus", r))
            except ConfigError as e:
                raise ConfigError(e.field, f"{e.message} (menu {i + 1} of {len(rows)})") from None

        def change(state: dict[str, Any]) -> list[str]:
            numbers = [m["number"] for m in clean]
            if len(set(numbers)) != len(numbers):
                raise ConfigError("ivr_menus.number", "the same menu number is given twice")
            state["ivr_menus"] = [m for m in state["ivr_menus"] if m["number"] not in numbers]
            for m in clean:
                self._check_number_free(state, "ivr_menus", m["number"])
                state["ivr_menus"].append(m)
            validate_config(state)
            for m in clean:
                self.db.execute("DELETE FROM ivr_menus WHERE number = ?", [m["number"]])
                self.db["ivr_menus"].insert(self._encode("ivr_menus", m))
            return numbers
        return self._transaction(change, audit=lambda ns: ("put", "ivr_menus", ",".join(ns), ""))

    # -- web logins (not part of the engine's configuration) -----------------------------
    def users(self) -> list[dict]:
        """Web logins without their password hashes, sorted by user name."""
        with self._lock:
            rows = list(self.db.query("SELECT * FROM users ORDER BY username"))
        return [_public_user(r) for r in rows]

    def user(self, username: str) -> Optional[dict]:
        with self._lock:
            rows = list(self.db.query("SELECT * FROM users WHERE username = ?", [username]))
        return _public_user(rows[0]) if rows else None

    def check_login(self, username: str, password: str) -> Optional[dict]:
        """The user (without hash) when ``username`` exists, is enabled and ``password``
        matches; else None.  Takes about the same time whether or not the user exists."""
        with self._lock:
            rows = list(self.db.query("SELECT * FROM users WHERE username = ?", [username]))
        if not rows:
            verify_login_password(_DUMMY_HASH(), password)
            return None
        r = rows[0]
        if not verify_login_password(r["password_hash"], password) or not r["enabled"]:
            return None
        return _public_user(r)

    def add_user(self, username: str, *, role: str, password: str, name: str = "", agent: str = "",
                 lang: str = "", enabled: bool = True, must_change: bool = False) -> str:
        """A new web login; ``password`` must pass the policy (passwords.check_login_password)."""
        row = validate_user({"username": username, "role": role, "name": name, "agent": agent,
                             "lang": lang, "enabled": enabled, "must_change": must_change})
        check_login_password("users.password", password, row["username"])
        row["password_hash"] = hash_login_password(password)

        def change(state: dict[str, Any]) -> str:
            if list(self.db.query("SELECT 1 FROM users WHERE username = ?", [row["username"]])):
                raise ConfigError("users.username", f"user {row['username']!r} already exists")
            self._check_agent(row)
            self.db["users"].insert({**row, "changed": _now_iso()})
            return row["username"]
        return self._transaction(change, bump=False, audit=lambda u: ("add", "users", u, _without_hash(row)))

    def update_user(self, username: str, /, **fields: Any) -> None:
        """Change a login's name, role, agent, language, enabled or must_change (not the password:
        :meth:`set_user_password`).  The last enabled admin cannot be demoted or disabled."""
        if "password" in fields or "password_hash" in fields:
            raise ConfigError("users.password", "use set_user_password to change a password")

        def change(state: dict[str, Any]) -> dict:
            rows = list(self.db.query("SELECT * FROM users WHERE username = ?", [username]))
            if not rows:
                raise ConfigError("users.username", f"no user {username!r}")
            old = _public_user(rows[0])
            row = validate_user({**old, **fields})
            if row["username"] != username:
                raise ConfigError("users.username", "cannot be changed: add a new user and delete this one")
            self._check_agent(row)
            if old["role"] == "admin" and old["enabled"] and not (row["role"] == "admin" and row["enabled"]):
                self._keep_an_admin(username)
            self.db["users"].update(username, {**row, "changed": _now_iso()})
            return {k: v for k, v in row.items() if old.get(k) != v}
        self._transaction(change, bump=False, audit=lambda diff: ("update", "users", username, diff))

    def set_user_password(self, username: str, password: str, *, must_change: bool = False) -> None:
        """Set a login's password (policy-checked); ``must_change`` asks for a new one at next login."""
        check_login_password("users.password", password, username)
        h = hash_login_password(password)

        def change(state: dict[str, Any]) -> None:
            if not list(self.db.query("SELECT 1 FROM users WHERE username = ?", [username])):
                raise ConfigError("users.username", f"no user {username!r}")
            self.db["users"].update(username, {"password_hash": h, "must_change": int(must_change),
                                               "changed": _now_iso()})
        self._transaction(change, bump=False, audit=lambda _: ("password", "users", username, ""))

    def delete_user(self, username: str) -> None:
        def change(state: dict[str, Any]) -> None:
            rows = list(self.db.query("SELECT * FROM users WHERE username = ?", [username]))
            if not rows:
                raise ConfigError("users.username", f"no user {username!r}")
            if rows[0]["role"] == "admin" and rows[0]["enabled"]:
                self._keep_an_admin(username)
            self.db.execute("DELETE FROM users WHERE username = ?", [username])
        self._transaction(change, bump=False, audit=lambda _: ("delete", "users", username, ""))

    def _keep_an_admin(self, username: str) -> None:
        others = list(self.db.query("SELECT 1 FROM users WHERE role = 'admin' AND enabled = 1 AND username != ?",
                                    [username]))
        if not others:
            raise ConfigError("users.role", f"{username} is the last enabled admin; make another admin first")

    def _check_agent(self, row: Mapping[str, Any]) -> None:
        if row.get("agent") and not list(self.db.query("SELECT 1 FROM agents WHERE number = ?", [row["agent"]])):
            raise ConfigError("users.agent", f"no agent {row['agent']} (create the agent first)")
        if row.get("role") == "agent" and not row.get("agent"):
            raise ConfigError("users.agent", "an agent login needs the agent number it logs in as")

    def note_audit(self, action: str, target: str, key: str = "", detail: Any = "") -> None:
        """Write one audit-log line for something done outside the store (a backup
        downloaded, a login locked out) as the current actor."""
        self._transaction(lambda state: None, bump=False, audit=lambda _: (action, target, key, detail))

    def audit_log(self, limit: int = 100, offset: int = 0, actor: Optional[str] = None,
                  target: Optional[str] = None) -> dict[str, Any]:
        """``{"total": n, "rows": [...]}`` newest first (time is ISO-8601 UTC)."""
        where, args = [], []
        if actor:
            where.append("actor = ?")
            args.append(actor)
        if target:
            where.append("target = ?")
            args.append(target)
        w = (" WHERE " + " AND ".join(where)) if where else ""
        with self._lock:
            total = next(self.db.query(f"SELECT COUNT(*) AS n FROM audit_log{w}", args))["n"]
            rows = list(self.db.query(f"SELECT * FROM audit_log{w} ORDER BY id DESC LIMIT ? OFFSET ?",
                                      [*args, int(limit), int(offset)]))
        return {"total": total, "rows": rows}


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


_SECRET_WORDS = ("pin", "password", "secret", "hash")


def _masked(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: ("***" if any(w in k.lower() for w in _SECRET_WORDS) and v else v) for k, v in fields.items()}


def _public_user(r: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in r.items() if k != "password_hash"}
    out["enabled"] = bool(out.get("enabled"))
    out["must_change"] = bool(out.get("must_change"))
    return out


def _without_hash(r: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in r.items() if k != "password_hash"}


_dummy: list[str] = []


def _DUMMY_HASH() -> str:
    if not _dummy:
        _dummy.append(hash_login_password("not-a-user-password"))
    return _dummy[0]


def _clean_document(doc: Any) -> dict[str, Any]:
    """Validate an import document row by row; returns the clean state (routes get ids)."""
    if not isinstance(doc, Mapping):
        raise ConfigError("import", "the document must be a JSON object")
    fmt = doc.get("format", EXPORT_FORMAT)
    if fmt != EXPORT_FORMAT:
        raise ConfigError("import.format", f"{fmt!r} is not a Hotline configuration ({EXPORT_FORMAT!r})")
    schema = doc.get("schema", len(CONFIG_MIGRATIONS))
    if not isinstance(schema, int) or schema > len(CONFIG_MIGRATIONS):
        raise ConfigError("import.schema", f"{schema!r}: the document was written by newer firmware "
                                           f"(this firmware knows schema versions up to {len(CONFIG_MIGRATIONS)})")
    known = {"format", "schema", "version", "settings", "kb_articles", *TABLES}
    for k in doc:
        if k not in known:
            raise ConfigError(f"import.{k}", f"unknown section (known: {', '.join(sorted(known))})")
    settings = doc.get("settings", {})
    if not isinstance(settings, Mapping):
        raise ConfigError("settings", "must be an object of key: value")
    state: dict[str, Any] = {"settings": validate_settings(settings)}
    for table in TABLES:
        rows = doc.get(table, [])
        if not isinstance(rows, list):
            raise ConfigError(table, "must be a list of entries")
        clean = []
        for i, r in enumerate(rows):
            try:
                clean.append(validate_row(table, r))
            except ConfigError as e:
                raise ConfigError(e.field, f"{e.message} (entry {i + 1} of {table})") from None
        if table in _ID_TABLES:
            next_id = max([r["id"] for r in clean if r["id"] is not None], default=0) + 1
            for r in clean:
                if r["id"] is None:
                    r["id"] = next_id
                    next_id += 1
        state[table] = clean
    articles = doc.get("kb_articles")
    if articles is not None:
        if not isinstance(articles, list):
            raise ConfigError("kb_articles", "must be a list of articles")
        clean_kb = []
        for i, a in enumerate(articles):
            if not isinstance(a, Mapping):
                raise ConfigError("kb_articles", f"entry {i + 1} is not an object")
            try:
                row = validate_kb_article({k: v for k, v in a.items() if k != "id"})
            except ConfigError as e:
                raise ConfigError(e.field, f"{e.message} (article {i + 1} of kb_articles)") from None
            row["updated"] = str(a.get("updated") or "")
            clean_kb.append(row)
        state["kb_articles"] = clean_kb
    return state
