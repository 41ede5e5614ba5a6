"""Web logins in the config store (argon2 hashes, roles, last admin kept) and the audit log."""
import json

import pytest

from firmware.config import ConfigError
from firmware.config.store import ConfigStore


@pytest.fixture
def store(tmp_path):
    s = ConfigStore(tmp_path / "config.db")
    yield s
    s.close()


def test_fresh_box_has_admin_admin_that_must_change(store):
    (admin,) = store.users()
    assert admin["username"] == "admin" and admin["role"] == "admin" and admin["must_change"]
    assert "password_hash" not in admin
    assert store.check_login("admin", "admin")["username"] == "admin"
    assert store.check_login("admin", "wrong") is None
    assert store.check_login("nobody", "admin") is None


def test_password_is_hashed_with_argon2_and_policy_checked(store):
    with pytest.raises(ConfigError) as e:
        store.set_user_password("admin", "admin")
    assert e.value.field == "users.password"
    with pytest.raises(ConfigError, match="at least 8"):
        store.set_user_password("admin", "Ab1!")
    store.set_user_password("admin", "Good-pass-42")
    raw = next(store.db.query("SELECT password_hash FROM users WHERE username='admin'"))["password_hash"]
    assert raw.startswith("$argon2id$") and "Good-pass-42" not in raw
    assert store.check_login("admin", "Good-pass-42") and not store.check_login("admin", "admin")
    assert not store.user("admin")["must_change"]


def test_roles_and_agent_link_are_validated(store):
    with pytest.raises(ConfigError) as e:
        store.add_user("bob", role="boss", password="Bob-pass-77")
    assert e.value.field == "users.role"
    with pytest.raises(ConfigError, match="agent number"):
        store.add_user("ann", role="agent", password="Ann-pass-77")
    with pytest.raises(ConfigError, match="no agent 1001"):
        store.add_user("ann", role="agent", agent="1001", password="Ann-pass-77")
    store.add_agent(number="1001", name="Ann", pin="4321")
    store.add_user("ann", role="agent", agent="1001", password="Ann-pass-77")
    assert store.user("ann")["agent"] == "1001"
    with pytest.raises(ConfigError, match="already exists"):
        store.add_user("ann", role="agent", agent="1001", password="Ann-pass-77")


def test_last_enabled_admin_cannot_go(store):
    with pytest.raises(ConfigError, match="last enabled admin"):
        store.delete_user("admin")
    with pytest.raises(ConfigError, match="last enabled admin"):
        store.update_user("admin", role="supervisor")
    store.add_user("root2", role="admin", password="Second-admin-1")
    store.update_user("admin", enabled=False)
    assert store.check_login("admin", "admin") is None          # disabled logins are refused


def test_audit_log_names_actor_change_and_masks_secrets(store):
    with store.acting("web:alice"):
        store.add_agent(number="1002", name="Bo", pin="9876")
        store.update_agent("1002", name="Bob")
        store.set_setting("box_name", "Front desk")
        store.delete_agent("1002")
    store.add_agent(number="1003", name="Cy", pin="1111")
    rows = store.audit_log()["rows"]
    assert [(r["actor"], r["action"], r["target"], r["key"]) for r in rows] == [
        ("daemon", "add", "agents", "1003"),
        ("web:alice", "delete", "agents", "1002"),
        ("web:alice", "settings", "settings", "box_name"),
        ("web:alice", "update", "agents", "1002"),
        ("web:alice", "add", "agents", "1002"),
    ]
    assert json.loads(rows[3]["detail"]) == {"name": "Bob"}
    assert json.loads(rows[4]["detail"])["pin"] == "***"
    assert store.audit_log(actor="web:alice", limit=2)["total"] == 4


def test_refused_change_leaves_no_audit_line(store):
    n = store.audit_log()["total"]
    with pytest.raises(ConfigError):
        store.add_agent(number="x", name="bad")
    assert store.audit_log()["total"] == n


def test_users_are_not_in_the_exported_configuration(store):
    store.add_user("sup", role="supervisor", password="Sup-pass-123")
    doc = store.export_json()
    assert "users" not in doc and "audit_log" not in doc
    store.import_json(doc)
    assert store.user("sup") is not None                   # a restore keeps the logins


def test_hotline_user_password_from_the_console(tmp_path, capsys):
    from firmware.cli import main
    data = tmp_path / "box"
    assert main(["user", "--data", str(data), "password", "admin", "--password", "short"]) == 1
    assert "at least 8" in capsys.readouterr().err
    assert main(["user", "--data", str(data), "password", "admin", "--password", "Console-pw-9"]) == 0
    assert main(["user", "--data", str(data), "list"]) == 0
    out = capsys.readouterr().out
    assert "admin" in out and "must change" not in out.split("admin", 1)[1].splitlines()[0]
    s = ConfigStore.at(data)
    try:
        assert s.check_login("admin", "Console-pw-9")
        assert s.audit_log()["rows"][0]["actor"] == "console"
    finally:
        s.close()
