"""Every refused write names the field, says why, and changes nothing."""
import pytest

from firmware.config import ConfigError


def refused(store, call, *args, **kw):
    before = (store.version(), store.export_json())
    with pytest.raises(ConfigError) as e:
        call(*args, **kw)
    assert (store.version(), store.export_json()) == before, "a refused write changed the database"
    return str(e.value)


def test_extension_number_must_be_digits(store):
    msg = refused(store, store.add_extension, number="8a1", port="fxs1")
    assert msg == "extensions.number: '8a1' is not a number (2–8 digits)"
    assert "2–8 digits" in refused(store, store.add_extension, number="123456789", kind="sip")
    assert refused(store, store.add_extension, name="x").startswith("extensions.number: is required")


def test_unknown_trunk_group(store):
    msg = refused(store, store.update_line, "line1", trunk_group="pstnx")
    assert msg == "lines.trunk_group: no trunk group 'pstnx'"
    msg = refused(store, store.add_outbound_route, prefix="8", pattern="X.", trunk_group="nope")
    assert msg == "outbound_routes.trunk_group: no trunk group 'nope'"


def test_ring_group_member_must_exist(store):
    msg = refused(store, store.update_ring_group, "600", members=["801", "809"])
    assert msg == "ring_groups.members: extension 809 does not exist"
    assert "listed twice" in refused(store, store.update_ring_group, "600", members=["801", "801"])
    assert "at least one" in refused(store, store.add_ring_group, number="601", members=[])


def test_bad_dial_pattern(store):
    msg = refused(store, store.add_outbound_route, prefix="9", pattern="X.[", trunk_group="pstn")
    assert msg.startswith("outbound_routes.pattern: 'X.[' is not a valid dial pattern")
    assert "never closed" in refused(store, store.add_outbound_route, pattern="X[12", trunk_group="pstn")
    assert "unexpected character 'A'" in refused(store, store.add_outbound_route, pattern="XA", trunk_group="pstn")


def test_duplicate_numbers_across_extensions_and_ring_groups(store):
    msg = refused(store, store.add_extension, number="600", kind="sip")
    assert msg == "extensions.number: 600 is already ring group 600 (Reception)"
    msg = refused(store, store.add_ring_group, number="802", members=["801"])
    assert msg == "ring_groups.number: 802 is already extension 802 (Extension 802)"
    assert "already extension 801" in refused(store, store.add_extension, number="801", kind="sip")


def test_emergency_numbers_cannot_be_extensions(store):
    assert "emergency number" in refused(store, store.add_extension, number="110", kind="sip")
    store.set_setting("emergency_numbers", ["12395"])
    assert "12395 is an emergency number" in refused(store, store.add_extension, number="12395", kind="sip")


def test_port_rules(store):
    msg = refused(store, store.add_extension, number="805", port="fxs1")
    assert msg == "extensions.port: port 'fxs1' is already used by extension 801 (Extension 801)"
    assert refused(store, store.add_extension, number="805", port="fxs9") == \
        "extensions.port: board hotline-8 has no FXS port 'fxs9'"
    assert "needs a port" in refused(store, store.add_extension, number="805", kind="fxs")
    assert "not an FXS port name" in refused(store, store.add_extension, number="805", port="fxo1")
    assert "takes no port" in refused(store, store.add_extension, number="805", kind="sip", port="fxs1")
    assert refused(store, store.add_line, name="line5", port="fxo1", trunk_group="pstn") == \
        "lines.port: port 'fxo1' is already used by line line1"


def test_settings_rules(store):
    msg = refused(store, store.set_setting, "country", "xx")
    assert msg.startswith("settings.country: 'xx' is not one of cn")
    assert refused(store, store.set_setting, "interdigit_timeout_ms", 50) == \
        "settings.interdigit_timeout_ms: 50 ms is out of range (500–30000 ms)"
    assert "not a whole number" in refused(store, store.set_setting, "ring_timeout_ms", "soon")
    assert "shorter than flash_max_ms" in refused(store, store.set_setting, "flash_min_ms", 900)
    assert "unknown setting" in refused(store, store.set_setting, "colour", "red")
    assert refused(store, store.set_setting, "operator", "999") == "settings.operator: no extension or ring group 999"
    assert "no board description" in refused(store, store.set_setting, "board", "hotline-99")
    assert "language" in refused(store, store.set_setting, "language", "fr")
    store.update_settings({"flash_min_ms": 900, "flash_max_ms": 1500})     # together: fine
    assert store.settings()["flash_min_ms"] == 900
    store.set_setting("ring_timeout_ms", "45000")                           # form text is coerced
    assert store.get_setting("ring_timeout_ms") == 45000


def test_line_field_rules(store):
    assert "'loud' is not one of any, busy, polarity, loop" in refused(store, store.update_line, "line1", disconnect="loud")
    assert "lines.answer:" in refused(store, store.update_line, "line1", answer="magic")
    assert "lines.cid:" in refused(store, store.update_line, "line1", cid="fsk")
    assert "lines.dialtone_timeout_ms: 100 ms is out of range" in refused(store, store.update_line, "line1",
                                                                           dialtone_timeout_ms=100)
    assert "lines.foo: unknown field" in refused(store, store.update_line, "line1", foo=1)
    assert "lines.name: no line 'line9'" == refused(store, store.update_line, "line9", number="1")
    store.update_line("line1", disconnect="polarity", answer="polarity", cid="v23", number="01088886666")
    ln = store.snapshot().line("line1")
    assert (ln.disconnect, ln.answer, ln.cid, ln.number) == ("polarity", "polarity", "v23", "01088886666")


def test_delete_in_use_says_which(store):
    msg = refused(store, store.delete_extension, "802")
    assert msg == "extensions.number: cannot delete extension 802: ring group 600 (Reception) lists it as a member"
    msg = refused(store, store.delete_ring_group, "600")
    assert "inbound route 1 (All calls to reception) sends calls to it" in msg
    msg = refused(store, store.delete_trunk_group, "pstn")
    assert "line line1 belongs to it" in msg and "outbound route" in msg
    store.add_inbound_route(name="line2 only", line="line2", dest_kind="extension", dest="803")
    assert "is for this line" in refused(store, store.delete_line, "line2")
    assert "no extension '899'" in refused(store, store.delete_extension, "899")
    # once nothing uses it, it goes
    store.update_ring_group("600", members=["801", "803", "804"])
    store.delete_extension("802")
    assert store.extension("802") is None


def test_inbound_route_rules(store):
    assert refused(store, store.add_inbound_route, dest_kind="extension", dest="899") == \
        "inbound_routes.dest: no extension 899"
    assert "no ring group 801" in refused(store, store.add_inbound_route, dest_kind="ring_group", dest="801")
    assert "no line 'line7'" in refused(store, store.add_inbound_route, line="line7", dest="600")
    assert "cid_prefix" in refused(store, store.add_inbound_route, cid_prefix="abc", dest="600")


def test_primary_key_cannot_change(store):
    assert "cannot be changed" in refused(store, store.update_extension, "801", number="811")
