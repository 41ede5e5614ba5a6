"""SIP configuration (schema step 5): extension passwords, SIP trunks, DID routes, sip_* settings."""
import sqlite3

import pytest
import sqlite_utils

from firmware.config import ConfigError, ConfigStore, sip_codecs
from firmware.config.migrations import CONFIG_MIGRATIONS, apply_migrations
from firmware.config.model import InboundRoute, sip_bind, sip_rtp_ports
from firmware.config.passwords import ALPHABET, GENERATED_LENGTH, check_password, generate_password


def refused(fn, *a, **kw) -> str:
    with pytest.raises(ConfigError) as e:
        fn(*a, **kw)
    return str(e.value)


def _columns(path, table):
    with sqlite3.connect(path) as c:
        return [r[1] for r in c.execute(f"PRAGMA table_info([{table}])")]


# --------------------------------------------------------------------------- migration
def test_step4_database_is_upgraded_in_place_keeping_everything(db_path):
    db = sqlite_utils.Database(db_path)
    apply_migrations(db, CONFIG_MIGRATIONS[:4], "configuration")
    db.execute("INSERT INTO settings VALUES ('box_name', '\"Shop\"')")
    db.execute("INSERT INTO extensions (number, name, kind, port, dnd, cfu) VALUES "
               "('701', 'Desk', 'fxs', 'fxs1', 1, '702'), ('702', 'Soft', 'sip', NULL, 0, '')")
    db.execute("INSERT INTO trunk_groups (name) VALUES ('telco')")
    db.execute("INSERT INTO lines (name, port, trunk_group) VALUES ('main', 'fxo1', 'telco')")
    db.execute("INSERT INTO inbound_routes (id, name, dest_kind, dest) VALUES (4, 'all', 'extension', '701')")
    db.conn.commit()
    db.close()
    assert "secret" not in _columns(db_path, "extensions")

    with ConfigStore(db_path) as s:
        assert s.schema_version() == len(CONFIG_MIGRATIONS)
        cfg = s.snapshot()
    assert cfg.settings["box_name"] == "Shop"
    assert [e.number for e in cfg.extensions] == ["701", "702"]          # not re-seeded
    desk, soft = cfg.extension("701"), cfg.extension("702")
    assert (desk.dnd, desk.cfu, desk.secret) == (True, "702", "")
    assert len(soft.secret) >= GENERATED_LENGTH and set(soft.secret) <= set(ALPHABET)
    assert cfg.inbound_routes[0].id == 4 and cfg.inbound_routes[0].did == ""
    assert cfg.sip_trunks == () and cfg.line("main").trunk_group == "telco"
    assert cfg.settings["sip_bind"] == "0.0.0.0:5060" and cfg.settings["sip_lockout_failures"] == 5
    assert "did" in _columns(db_path, "inbound_routes")
    assert "password" in _columns(db_path, "sip_trunks")


# --------------------------------------------------------------------------- passwords
def test_generated_passwords_are_strong_and_differ(store):
    pws = {generate_password() for _ in range(50)}
    assert len(pws) == 50
    for pw in pws:
        assert len(pw) >= 16 and not set(pw) & set("0Oo1lI")
    store.add_extension(number="810", kind="sip")
    store.add_extension(number="811", kind="sip", secret="")
    a, b = store.extension("810")["secret"], store.extension("811")["secret"]
    assert a != b and len(a) >= 16 and check_password("x", a, "810") == a


def test_weak_passwords_are_refused_naming_the_field(store):
    for pw, why in (("short7!", "at least 8"), ("812", "at least 8"), ("12345678", "attackers try"),
                    ("Password", "attackers try"), ("81281281", "extension number 812 repeated"),
                    ("aaaaaaaaaa", "one character"), ("has space 1", "spaces")):
        msg = refused(store.add_extension, number="812", kind="sip", secret=pw)
        assert msg.startswith("extensions.secret: ") and why in msg, (pw, msg)
    assert store.extension("812") is None
    assert "must not be the extension number" in refused(check_password, "extensions.secret", "80128012", "80128012")
    store.add_extension(number="812", kind="sip", secret="tr0ub4dor&3")
    assert store.extension("812")["secret"] == "tr0ub4dor&3"


def test_fxs_extensions_have_no_password_and_secret_stays_out_of_repr(store):
    assert "takes no SIP password" in refused(store.add_extension, number="805", port="fxs5", secret="s3cretPass")
    store.add_extension(number="813", kind="sip", secret="Kx9-mm2pQ")
    ext = store.snapshot().extension("813")
    assert ext.secret == "Kx9-mm2pQ" and "Kx9-mm2pQ" not in repr(ext)
    assert store.snapshot().extension("801").secret == ""
    store.update_ring_group("600", members=["801", "802", "803"])
    store.delete_extension("804")
    store.update_extension("813", kind="fxs", port="fxs4")               # SIP -> FXS drops the password
    assert store.extension("813")["secret"] == ""
    store.update_extension("813", kind="sip", port=None)                 # and back: a new one is generated
    assert len(store.extension("813")["secret"]) >= 16


# --------------------------------------------------------------------------- SIP trunks
TRUNK = dict(name="provider", host="sip.example.com", username="0105550100", password="pr0v1der",
             trunk_group="pstn")


def test_sip_trunk_crud_and_model(store):
    assert store.add_sip_trunk(**TRUNK, backup_host="10.0.0.2", codecs="pcmu, alaw") == "provider"
    row = store.sip_trunk("provider")
    assert (row["port"], row["transport"], row["register"], row["expires_s"], row["cid_mode"]) == \
        (5060, "udp", True, 600, "pai")
    assert row["codecs"] == "PCMU,PCMA"
    store.update_sip_trunk("provider", transport="TCP", expires_s="1200", register="off")
    cfg = store.snapshot()
    t = cfg.sip_trunk("provider")
    assert (t.transport, t.expires_s, t.register) == ("tcp", 1200, False)
    assert t.servers() == (("sip.example.com", 5060), ("10.0.0.2", 5060))
    assert (t.auth_username, t.sip_domain) == ("0105550100", "sip.example.com")
    assert "pr0v1der" not in repr(t)
    assert cfg.sip_trunks_in_group("pstn") == (t,) and cfg.sip_trunks_in_group("other") == ()
    assert sip_codecs(cfg, t) == ["PCMU", "PCMA"]
    # a trunk group still used by a SIP trunk cannot go
    assert "SIP trunk provider belongs to it" in refused(store.delete_trunk_group, "pstn")
    store.delete_sip_trunk("provider")
    assert store.sip_trunks() == []
    assert "no SIP trunk 'provider'" in refused(store.delete_sip_trunk, "provider")


def test_sip_trunk_validation_names_the_field(store):
    def bad(**changes):
        return refused(store.add_sip_trunk, **{**TRUNK, **changes})
    assert bad(trunk_group="nosuch").startswith("sip_trunks.trunk_group: no trunk group 'nosuch'")
    assert bad(port=70000).startswith("sip_trunks.port: 70000 is out of range")
    assert bad(port="abc").startswith("sip_trunks.port: 'abc' is not a whole number")
    assert bad(transport="tls").startswith("sip_trunks.transport: 'tls' is not one of udp, tcp")
    assert bad(host="sip.example.com:5080").startswith("sip_trunks.host:")
    assert bad(host="").startswith("sip_trunks.host: is required")
    assert bad(username="").startswith("sip_trunks.username:")
    assert bad(cid_mode="rpid").startswith("sip_trunks.cid_mode:")
    assert bad(codecs="G729").startswith("sip_trunks.codecs: 'G729' is not a supported codec")
    assert bad(name="line1").startswith("sip_trunks.name: 'line1' is already the name of line")
    assert bad(bogus=1).startswith("sip_trunks.bogus: unknown field")
    store.add_sip_trunk(**TRUNK)
    assert bad().startswith("sip_trunks.name: SIP trunk 'provider' already exists")
    # IP-authenticated trunk: no registration, no user name needed; IPv6 host
    store.add_sip_trunk(name="peer", host="[2001:db8::5]", register=False)
    assert store.sip_trunk("peer")["host"] == "2001:db8::5"


# --------------------------------------------------------------------------- DID routes
def test_did_route_matching():
    any_did = InboundRoute(id=1, name="all", dest="600")
    sales = InboundRoute(id=2, name="sales", line="provider", did="+861058880001", dest="801",
                         dest_kind="extension")
    assert any_did.matches("line1", "13800138000")                      # existing callers unchanged
    assert any_did.matches("provider", "1", did="+861058880001")
    assert sales.matches("provider", "1", did="+861058880001")
    assert not sales.matches("provider", "1", did="+861058880002")
    assert not sales.matches("provider", "1")                            # no did delivered
    assert not sales.matches("other", "1", did="+861058880001")


def test_did_routes_in_the_store_win_over_any_number_routes(store):
    store.add_sip_trunk(**TRUNK)
    rid = store.add_inbound_route(name="sales line", line="provider", did="58880001",
                                  dest_kind="extension", dest="802", priority=500)
    assert "inbound_routes.did: 'ab12'" in refused(store.add_inbound_route, did="ab12", dest="600")
    cfg = store.snapshot()
    assert cfg.inbound_route_for("provider", "139", did="58880001").id == rid
    assert cfg.inbound_route_for("provider", "139", did="58880009").dest == "600"  # the seed route
    assert cfg.inbound_route_for("line1", "139").dest == "600"
    assert "inbound route" in refused(store.delete_sip_trunk, "provider")
    assert "no line 'sipx'" in refused(store.add_inbound_route, line="sipx", dest="600")


# --------------------------------------------------------------------------- settings
def test_sip_settings_defaults_and_validation(store):
    cfg = store.snapshot()
    assert sip_bind(cfg) == ("0.0.0.0", 5060) and sip_rtp_ports(cfg) == (10000, 20000)
    assert sip_codecs(cfg) == ["PCMA", "PCMU"]                           # cn: A-law first
    store.set_setting("country", "us")
    assert sip_codecs(store.snapshot()) == ["PCMU", "PCMA"]
    store.update_settings({"sip_bind": "[::1]:5070", "sip_codecs": "pcma", "sip_advertise": "203.0.113.7"})
    cfg = store.snapshot()
    assert sip_bind(cfg) == ("::1", 5070) and sip_codecs(cfg) == ["PCMA"]
    store.set_setting("sip_bind", "OFF")
    assert sip_bind(store.snapshot()) is None

    def bad(key, value):
        return refused(store.set_setting, key, value)
    assert bad("sip_bind", "0.0.0.0").startswith("settings.sip_bind: '0.0.0.0' has no port")
    assert bad("sip_bind", "0.0.0.0:99999").startswith("settings.sip_bind: 99999 is out of range")
    assert bad("sip_rtp_ports", "20000-10000").startswith("settings.sip_rtp_ports:")
    store.set_setting("sip_advertise", "2001:DB8::7")
    assert store.get_setting("sip_advertise") == "2001:db8::7"
    assert bad("sip_advertise", "203.0.113.7:5062").startswith("settings.sip_advertise: '203.0.113.7:5062': give")
    assert bad("sip_dtmf", "sms").startswith("settings.sip_dtmf: 'sms' is not one of rfc4733, info, inband")
    assert bad("sip_qualify_ms", 200).startswith("settings.sip_qualify_ms: 200 ms is too often")
    assert bad("sip_realm", "").startswith("settings.sip_realm: must not be empty")
    assert refused(store.update_settings, {"sip_register_min_expires_s": 600,
                                           "sip_register_max_expires_s": 300}).startswith(
        "settings.sip_register_min_expires_s:")
    assert refused(store.update_settings, {"sip_bind": "0.0.0.0:10002"}).startswith(
        "settings.sip_rtp_ports: 10000-20000 contains the SIP port 10002")
    assert bad("sip_jitter_min_ms", 300).startswith("settings.sip_jitter_min_ms: 300 ms must be less")


def test_export_import_round_trip_keeps_sip(store, tmp_path):
    store.add_sip_trunk(**TRUNK)
    store.add_extension(number="820", kind="sip", secret="Zz8-kitchen")
    doc = store.export_json()
    with ConfigStore(tmp_path / "other.db") as other:
        other.import_json(doc)
        cfg = other.snapshot()
    assert cfg.extension("820").secret == "Zz8-kitchen"
    assert cfg.sip_trunk("provider").password == "pr0v1der"
