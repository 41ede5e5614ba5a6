"""Versioned schema of the config database, and the small runner both stores use.

Each step has a number (1, 2, ...), a description and either SQL text or a function
``fn(db)`` taking the sqlite-utils Database.  Applied steps are recorded in the
``schema_migrations`` table (version, description, applied_at UTC).  A database that
records a step this code does not know (written by newer firmware) is refused: the
code would misread it.  Every step runs in its own transaction with its record, so
an interrupted upgrade leaves the database at the last complete step.
"""
from __future__ import annotations

import datetime as _dt
import sqlite3
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, Union

import sqlite_utils

from firmware.config.errors import ConfigError
from firmware.config.passwords import generate_password


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    step: Union[str, Callable[[sqlite_utils.Database], None]]


def schema_version(db: sqlite_utils.Database) -> int:
    """The highest applied step (0 for a fresh database)."""
    if "schema_migrations" not in db.table_names():
        return 0
    row = next(db.query("SELECT MAX(version) AS v FROM schema_migrations"))
    return int(row["v"] or 0)


def open_database(path: Any, steps: Sequence[Migration], what: str,
                  synchronous: Optional[str] = "FULL") -> tuple[sqlite_utils.Database, int]:
    """Open (or create) the SQLite file ``path`` for one of the box's stores: WAL,
    ``PRAGMA synchronous`` (FULL: each commit is on disk; None: SQLite's default), migrated
    to the last of ``steps``. Returns the database and the schema version it had before;
    the connection is closed again when migrating fails."""
    conn = sqlite3.connect(str(path), timeout=10.0, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    try:
        db.enable_wal()
        if synchronous:
            db.execute(f"PRAGMA synchronous={synchronous}")
        return db, apply_migrations(db, steps, what)
    except BaseException:
        conn.close()
        raise


def apply_migrations(db: sqlite_utils.Database, steps: Sequence[Migration], what: str) -> int:
    """Bring ``db`` up to the last of ``steps``; returns the version it had before.

    Raises ConfigError("schema_migrations", ...) if the database is newer than the code.
    """
    numbers = [m.version for m in steps]
    assert numbers == list(range(1, len(steps) + 1)), "migration steps must be numbered 1, 2, ..."
    db.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
               "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)")
    before = schema_version(db)
    if before > len(steps):
        raise ConfigError("schema_migrations",
                          f"the {what} database {db_path(db)} is at schema version {before}, but this "
                          f"firmware only knows versions up to {len(steps)}: it was written by newer "
                          "firmware; update the firmware or restore a backup")
    for m in steps[before:]:
        with db.atomic():
            if isinstance(m.step, str):
                for stmt in _statements(m.step):
                    db.execute(stmt)
            else:
                m.step(db)
            db.execute("INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                       [m.version, m.description, _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")])
    return before


def db_path(db: sqlite_utils.Database) -> str:
    row = next(db.query("PRAGMA database_list"), None)
    return (row or {}).get("file") or ":memory:"


def _statements(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";") if s.strip()]


# --------------------------------------------------------------------------- config steps
_V1 = """
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE extensions (
    number TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT 'fxs',
    port TEXT UNIQUE, enabled INTEGER NOT NULL DEFAULT 1);
CREATE TABLE trunk_groups (
    name TEXT PRIMARY KEY, strategy TEXT NOT NULL DEFAULT 'in_order', description TEXT NOT NULL DEFAULT '');
CREATE TABLE lines (
    name TEXT PRIMARY KEY, port TEXT NOT NULL UNIQUE, number TEXT NOT NULL DEFAULT '',
    trunk_group TEXT NOT NULL REFERENCES trunk_groups(name), enabled INTEGER NOT NULL DEFAULT 1);
CREATE TABLE ring_groups (
    number TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', strategy TEXT NOT NULL DEFAULT 'ringall',
    ring_ms INTEGER NOT NULL DEFAULT 20000, members TEXT NOT NULL DEFAULT '[]',
    no_answer_dest TEXT NOT NULL DEFAULT '');
CREATE TABLE inbound_routes (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '', line TEXT NOT NULL DEFAULT '',
    cid_prefix TEXT NOT NULL DEFAULT '', dest_kind TEXT NOT NULL, dest TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 100);
CREATE TABLE outbound_routes (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '', prefix TEXT NOT NULL DEFAULT '',
    pattern TEXT NOT NULL, strip INTEGER NOT NULL DEFAULT 0, prepend TEXT NOT NULL DEFAULT '',
    trunk_group TEXT NOT NULL REFERENCES trunk_groups(name), priority INTEGER NOT NULL DEFAULT 100)
"""

_V2 = """
ALTER TABLE lines ADD COLUMN disconnect TEXT NOT NULL DEFAULT 'any';
ALTER TABLE lines ADD COLUMN answer TEXT NOT NULL DEFAULT 'timer';
ALTER TABLE lines ADD COLUMN answer_timer_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lines ADD COLUMN dialtone_timeout_ms INTEGER NOT NULL DEFAULT 3000;
ALTER TABLE lines ADD COLUMN cid TEXT NOT NULL DEFAULT 'auto';
ALTER TABLE extensions ADD COLUMN outbound_class TEXT NOT NULL DEFAULT 'national';
ALTER TABLE outbound_routes ADD COLUMN call_class TEXT NOT NULL DEFAULT 'national'
"""

_V3 = """
CREATE TABLE config_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO config_meta (key, value) VALUES ('version', 1)
"""

CONFIG_MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "extensions, trunk groups, lines, ring groups, inbound and outbound routes", _V1),
    Migration(2, "line supervision and caller-ID columns; call classes", _V2),
    Migration(3, "config_meta: change counter for reloads", _V3),
)
"""The config database schema, oldest first.  Append; never edit a released step."""

_V4 = """
ALTER TABLE extensions ADD COLUMN dnd INTEGER NOT NULL DEFAULT 0;
ALTER TABLE extensions ADD COLUMN cfu TEXT NOT NULL DEFAULT '';
ALTER TABLE extensions ADD COLUMN cfb TEXT NOT NULL DEFAULT '';
ALTER TABLE extensions ADD COLUMN cfna TEXT NOT NULL DEFAULT '';
ALTER TABLE extensions ADD COLUMN cfna_ring_ms INTEGER NOT NULL DEFAULT 20000;
ALTER TABLE extensions ADD COLUMN followme TEXT NOT NULL DEFAULT '';
ALTER TABLE extensions ADD COLUMN followme_mode TEXT NOT NULL DEFAULT 'off';
ALTER TABLE extensions ADD COLUMN followme_delay_ms INTEGER NOT NULL DEFAULT 15000;
ALTER TABLE extensions ADD COLUMN followme_confirm INTEGER NOT NULL DEFAULT 1;
ALTER TABLE extensions ADD COLUMN pickup_group TEXT NOT NULL DEFAULT 'default';
ALTER TABLE extensions ADD COLUMN pin TEXT NOT NULL DEFAULT '';
ALTER TABLE extensions ADD COLUMN max_outbound_calls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE extensions ADD COLUMN max_outbound_minutes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE extensions ADD COLUMN announce INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbound_routes ADD COLUMN time_condition TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_routes ADD COLUMN night_dest_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_routes ADD COLUMN night_dest TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_routes ADD COLUMN moh TEXT NOT NULL DEFAULT '';
CREATE TABLE time_conditions (
    name TEXT PRIMARY KEY, description TEXT NOT NULL DEFAULT '', hours TEXT NOT NULL DEFAULT '{}',
    holidays INTEGER NOT NULL DEFAULT 1, override TEXT NOT NULL DEFAULT 'auto');
CREATE TABLE holidays (date TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '');
CREATE TABLE caller_lists (
    id INTEGER PRIMARY KEY, list TEXT NOT NULL, number TEXT NOT NULL, match TEXT NOT NULL DEFAULT 'exact',
    action TEXT NOT NULL DEFAULT 'hangup', note TEXT NOT NULL DEFAULT '');
CREATE TABLE conference_rooms (
    number TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', pin TEXT NOT NULL DEFAULT '',
    admin_pin TEXT NOT NULL DEFAULT '', max_parties INTEGER NOT NULL DEFAULT 16,
    announce INTEGER NOT NULL DEFAULT 1)
"""

CONFIG_MIGRATIONS = CONFIG_MIGRATIONS + (
    Migration(4, "PBX features: DND, forwarding, follow-me, pickup groups, PINs and outbound limits per "
                 "extension; time conditions, holidays, caller black/white lists, conference rooms", _V4),
)

_V5 = """
ALTER TABLE extensions ADD COLUMN secret TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_routes ADD COLUMN did TEXT NOT NULL DEFAULT '';
CREATE TABLE sip_trunks (
    name TEXT PRIMARY KEY, host TEXT NOT NULL, port INTEGER NOT NULL DEFAULT 5060,
    transport TEXT NOT NULL DEFAULT 'udp', username TEXT NOT NULL DEFAULT '',
    auth_user TEXT NOT NULL DEFAULT '', password TEXT NOT NULL DEFAULT '', realm TEXT NOT NULL DEFAULT '',
    domain TEXT NOT NULL DEFAULT '', register INTEGER NOT NULL DEFAULT 1, expires_s INTEGER NOT NULL DEFAULT 600,
    backup_host TEXT NOT NULL DEFAULT '', backup_port INTEGER NOT NULL DEFAULT 0,
    trunk_group TEXT NOT NULL DEFAULT '', cid_mode TEXT NOT NULL DEFAULT 'pai',
    cid_number TEXT NOT NULL DEFAULT '', codecs TEXT NOT NULL DEFAULT '',
    max_channels INTEGER NOT NULL DEFAULT 0, enabled INTEGER NOT NULL DEFAULT 1)
"""


def _v5(db: sqlite_utils.Database) -> None:
    """SIP columns and the SIP trunk table; SIP extensions stored before this step had no
    password column, so each gets a strong generated one (`hotline ctl extension password N`
    gives it a new one the installer sees)."""
    for stmt in _statements(_V5):
        db.execute(stmt)
    numbers = [r[0] for r in db.execute("SELECT number FROM extensions WHERE kind = 'sip' AND secret = ''")]
    for n in numbers:
        db.execute("UPDATE extensions SET secret = ? WHERE number = ?", [generate_password(), n])


CONFIG_MIGRATIONS = CONFIG_MIGRATIONS + (
    Migration(5, "SIP: extension passwords, SIP trunks, called-number (DID) inbound routes", _v5),
)

_V6 = """
CREATE TABLE queues (
    number TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', strategy TEXT NOT NULL DEFAULT 'longest_idle',
    ring_ms INTEGER NOT NULL DEFAULT 15000, retry_ms INTEGER NOT NULL DEFAULT 5000,
    wrapup_ms INTEGER NOT NULL DEFAULT 10000, max_len INTEGER NOT NULL DEFAULT 0,
    max_wait_ms INTEGER NOT NULL DEFAULT 0, exit_dest TEXT NOT NULL DEFAULT '',
    join_empty INTEGER NOT NULL DEFAULT 1, leave_empty INTEGER NOT NULL DEFAULT 0,
    exit_key TEXT NOT NULL DEFAULT '', exit_key_dest TEXT NOT NULL DEFAULT '', moh TEXT NOT NULL DEFAULT '',
    announce_ms INTEGER NOT NULL DEFAULT 60000, announce_position INTEGER NOT NULL DEFAULT 1,
    callback_after_ms INTEGER NOT NULL DEFAULT 0, callback_retries INTEGER NOT NULL DEFAULT 3,
    whisper INTEGER NOT NULL DEFAULT 1, survey INTEGER NOT NULL DEFAULT 0,
    service_level_s INTEGER NOT NULL DEFAULT 15, penalty_steps TEXT NOT NULL DEFAULT '',
    sticky_days INTEGER NOT NULL DEFAULT 7, members TEXT NOT NULL DEFAULT '[]');
CREATE TABLE agents (
    number TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', pin TEXT NOT NULL DEFAULT '',
    rna_limit INTEGER NOT NULL DEFAULT 3);
CREATE TABLE pause_reasons (code TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '');
CREATE TABLE vip_callers (
    number TEXT PRIMARY KEY, priority INTEGER NOT NULL DEFAULT 10, agent TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '');
CREATE TABLE regions (
    prefix TEXT PRIMARY KEY, area TEXT NOT NULL DEFAULT '', queue TEXT NOT NULL DEFAULT '',
    agents TEXT NOT NULL DEFAULT '[]');
CREATE TABLE contacts (number TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '')
"""

CONFIG_MIGRATIONS = CONFIG_MIGRATIONS + (
    Migration(6, "call centre: queues with members, agents, pause reasons, VIP callers, caller regions, "
                 "contacts", _V6),
)

_V7 = """
CREATE TABLE mailboxes (
    number TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT 'extension',
    members TEXT NOT NULL DEFAULT '[]', enabled INTEGER NOT NULL DEFAULT 1, pin TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '', attach INTEGER NOT NULL DEFAULT 1,
    delete_after_email INTEGER NOT NULL DEFAULT 0, max_message_s INTEGER NOT NULL DEFAULT 180,
    max_messages INTEGER NOT NULL DEFAULT 100, own_phone_pin INTEGER NOT NULL DEFAULT 1)
"""

CONFIG_MIGRATIONS = CONFIG_MIGRATIONS + (
    Migration(7, "voicemail: mailboxes of extensions and shared group mailboxes", _V7),
)

_V8 = """
CREATE TABLE ivr_menus (
    number TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', start TEXT NOT NULL DEFAULT 'main',
    nodes TEXT NOT NULL DEFAULT '{}', fallback TEXT NOT NULL DEFAULT '', loop_limit INTEGER NOT NULL DEFAULT 3,
    direct_dial TEXT NOT NULL DEFAULT '[]', operator TEXT NOT NULL DEFAULT '')
"""

CONFIG_MIGRATIONS = CONFIG_MIGRATIONS + (
    Migration(8, "IVR menus (a tree of nodes per menu number, as JSON)", _V8),
)


def _v9(db: sqlite_utils.Database) -> None:
    """Web logins (the first one: admin/admin, which must be changed at first login) and the
    audit log of configuration changes."""
    from firmware.config.passwords import hash_login_password
    db.execute("""CREATE TABLE users (
        username TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', role TEXT NOT NULL,
        password_hash TEXT NOT NULL, agent TEXT NOT NULL DEFAULT '', lang TEXT NOT NULL DEFAULT '',
        enabled INTEGER NOT NULL DEFAULT 1, must_change INTEGER NOT NULL DEFAULT 0,
        changed TEXT NOT NULL DEFAULT '')""")
    db.execute("""CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, target TEXT NOT NULL, key TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '')""")
    db.execute("CREATE INDEX audit_log_time ON audit_log (time)")
    db.execute("INSERT INTO users (username, name, role, password_hash, must_change) VALUES (?, ?, ?, ?, 1)",
               ["admin", "Administrator", "admin", hash_login_password("admin")])


CONFIG_MIGRATIONS = CONFIG_MIGRATIONS + (
    Migration(9, "web UI logins with roles (admin/admin until the first login changes it) and the "
                 "audit log of configuration changes", _v9),
)

_V_ACD_SUPERVISORS = """
CREATE TABLE supervisors (
    number TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', pin TEXT NOT NULL DEFAULT '',
    extension TEXT NOT NULL DEFAULT '', trust_extension INTEGER NOT NULL DEFAULT 0,
    queues TEXT NOT NULL DEFAULT '[]');
ALTER TABLE agents ADD COLUMN paid_hours REAL NOT NULL DEFAULT 8;
ALTER TABLE queues ADD COLUMN callback_retry_ms INTEGER NOT NULL DEFAULT 60000;
ALTER TABLE queues ADD COLUMN callback_class TEXT NOT NULL DEFAULT 'national'
"""

CONFIG_MIGRATIONS = CONFIG_MIGRATIONS + (
    Migration(10, "call-centre supervisors (number, PIN, trusted extension, queues); agents' paid hours "
                  "per day; queue callback retry delay and the call class a caller's callback number may have",
              _V_ACD_SUPERVISORS),
)

_V_KB = """
CREATE TABLE kb_articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, body TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]', updated TEXT NOT NULL DEFAULT '', author TEXT NOT NULL DEFAULT '');
CREATE INDEX kb_articles_updated ON kb_articles (updated)
"""

CONFIG_MIGRATIONS = CONFIG_MIGRATIONS + (
    Migration(11, "knowledge base: articles (title, body, tags) agents search from the agent panel", _V_KB),
)
