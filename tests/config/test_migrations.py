"""Schema migrations: from empty, from an older version, and refusing a newer database."""
import sqlite3

import pytest
import sqlite_utils

from firmware.config import ConfigError, ConfigStore
from firmware.config.migrations import CONFIG_MIGRATIONS


def _columns(path, table):
    with sqlite3.connect(path) as c:
        return [r[1] for r in c.execute(f"PRAGMA table_info([{table}])")]


def test_fresh_database_gets_every_step_recorded_and_wal(db_path):
    with ConfigStore(db_path) as s:
        assert s.schema_version() == len(CONFIG_MIGRATIONS)
    with sqlite3.connect(db_path) as c:
        versions = [r[0] for r in c.execute("SELECT version FROM schema_migrations ORDER BY version")]
        assert versions == list(range(1, len(CONFIG_MIGRATIONS) + 1))
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for col in ("disconnect", "answer", "answer_timer_ms", "dialtone_timeout_ms", "cid", "enabled"):
        assert col in _columns(db_path, "lines")
    assert "outbound_class" in _columns(db_path, "extensions")
    assert "call_class" in _columns(db_path, "outbound_routes")


V1_BY_HAND = """
CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL);
INSERT INTO schema_migrations VALUES (1, 'v1 by hand', '2024-01-01T00:00:00+00:00');
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO settings VALUES ('box_name', '"Old box"'), ('operator', '"701"');
CREATE TABLE extensions (number TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT 'fxs',
    port TEXT UNIQUE, enabled INTEGER NOT NULL DEFAULT 1);
INSERT INTO extensions VALUES ('701', 'Front desk', 'fxs', 'fxs1', 1);
CREATE TABLE trunk_groups (name TEXT PRIMARY KEY, strategy TEXT NOT NULL DEFAULT 'in_order', description TEXT NOT NULL DEFAULT '');
INSERT INTO trunk_groups VALUES ('telco', 'in_order', '');
CREATE TABLE lines (name TEXT PRIMARY KEY, port TEXT NOT NULL UNIQUE, number TEXT NOT NULL DEFAULT '',
    trunk_group TEXT NOT NULL, enabled INTEGER NOT NULL DEFAULT 1);
INSERT INTO lines VALUES ('main', 'fxo1', '01088886666', 'telco', 1);
CREATE TABLE ring_groups (number TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', strategy TEXT NOT NULL DEFAULT 'ringall',
    ring_ms INTEGER NOT NULL DEFAULT 20000, members TEXT NOT NULL DEFAULT '[]', no_answer_dest TEXT NOT NULL DEFAULT '');
CREATE TABLE inbound_routes (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '', line TEXT NOT NULL DEFAULT '',
    cid_prefix TEXT NOT NULL DEFAULT '', dest_kind TEXT NOT NULL, dest TEXT NOT NULL, priority INTEGER NOT NULL DEFAULT 100);
INSERT INTO inbound_routes VALUES (7, 'all', '', '', 'extension', '701', 100);
CREATE TABLE outbound_routes (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '', prefix TEXT NOT NULL DEFAULT '',
    pattern TEXT NOT NULL, strip INTEGER NOT NULL DEFAULT 0, prepend TEXT NOT NULL DEFAULT '',
    trunk_group TEXT NOT NULL, priority INTEGER NOT NULL DEFAULT 100);
INSERT INTO outbound_routes VALUES (3, 'out', '0', 'X.', 1, '', 'telco', 100);
"""


def test_v1_database_is_migrated_keeping_its_data_and_not_reseeded(db_path):
    with sqlite3.connect(db_path) as c:
        c.executescript(V1_BY_HAND)
    with ConfigStore(db_path) as s:
        assert s.schema_version() == len(CONFIG_MIGRATIONS)
        cfg = s.snapshot()
    assert cfg.settings["box_name"] == "Old box"
    assert cfg.settings["country"] == "cn"                    # default for a key never stored
    assert [e.number for e in cfg.extensions] == ["701"]      # no seed on top of existing data
    assert cfg.extension("701").outbound_class == "national"  # column added by step 2
    line = cfg.line("main")
    assert (line.number, line.disconnect, line.answer, line.dialtone_timeout_ms, line.cid) == \
        ("01088886666", "any", "timer", 3000, "auto")
    assert cfg.inbound_routes[0].id == 7 and cfg.outbound_routes[0].call_class == "national"
    assert cfg.ring_groups == ()
    ext = cfg.extension("701")                                # columns added by step 4
    assert (ext.dnd, ext.cfu, ext.pickup_group, ext.max_outbound_calls) == (False, "", "default", 0)
    assert cfg.inbound_routes[0].time_condition == "" and cfg.conference_rooms == ()
    assert isinstance(cfg.version, int)


def test_database_newer_than_the_code_is_refused_with_a_clear_message(db_path):
    ConfigStore(db_path).close()
    db = sqlite_utils.Database(db_path)
    db.execute("INSERT INTO schema_migrations VALUES (99, 'from the future', '2030-01-01')")
    db.close()
    with pytest.raises(ConfigError) as e:
        ConfigStore(db_path)
    msg = str(e.value)
    assert "schema version 99" in msg and "newer firmware" in msg and str(db_path) in msg


def test_reopen_after_close_keeps_data_and_does_not_reseed(db_path):
    with ConfigStore(db_path) as s:
        s.delete_inbound_route(1)
        s.add_extension(number="805", name="Warehouse", kind="sip")
        v = s.version()
    with ConfigStore(db_path) as s:
        assert s.extension("805")["name"] == "Warehouse"
        assert s.inbound_routes() == []
        assert s.version() == v
