"""The seeded configuration of a fresh box."""
from firmware.config import ConfigStore
from firmware.config.dialpattern import parse_pattern


def test_seed_content_cn(store):
    cfg = store.snapshot()
    s = cfg.settings
    assert (s["country"], s["language"], s["box_name"], s["board"]) == ("cn", "zh", "Hotline", "hotline-8")
    assert (s["first_digit_timeout_ms"], s["interdigit_timeout_ms"], s["ring_timeout_ms"]) == (10000, 4000, 30000)
    assert (s["flash_min_ms"], s["flash_max_ms"], s["operator"]) == (80, 800, "801")
    assert s["emergency_numbers"] == ()
    assert [(e.number, e.port, e.name, e.kind) for e in cfg.extensions] == [
        (f"80{i}", f"fxs{i}", f"Extension 80{i}", "fxs") for i in range(1, 5)]
    assert cfg.extension_by_port("fxs3").number == "803"
    assert [tg.name for tg in cfg.trunk_groups] == ["pstn"] and cfg.trunk_group("pstn").strategy == "in_order"
    assert [(ln.name, ln.port, ln.trunk_group) for ln in cfg.lines] == [
        (f"line{i}", f"fxo{i}", "pstn") for i in range(1, 5)]
    assert cfg.line_by_port("fxo2").name == "line2"
    rg = cfg.ring_group("600")
    assert (rg.name, rg.strategy, rg.ring_ms, rg.members) == ("Reception", "ringall", 30000, ("801", "802", "803", "804"))
    assert cfg.inbound_route_for("line3", "13800138000").dest == "600"
    routes = {r.pattern: r for r in cfg.outbound_routes}
    assert {p: r.call_class for p, r in routes.items()} == {
        "00X.": "international", "0X.": "national", "1XXXXXXXXXX": "national", "[2-9]XXXXXXX": "local"}
    for r in cfg.outbound_routes:
        assert (r.prefix, r.strip, r.trunk_group) == ("9", 1, "pstn")
    assert cfg.emergency_numbers() == ("110", "119", "120", "122", "112")


def test_seed_outbound_routes_route_real_numbers(store):
    cfg = store.snapshot()

    def route_for(dialled):
        for r in cfg.outbound_routes:
            if dialled.startswith(r.prefix) and parse_pattern(r.pattern).matches(dialled[len(r.prefix):]):
                return r
        return None

    assert route_for("90086105551234").call_class == "international"
    assert route_for("901088886666").call_class == "national"
    assert route_for("913800138000").call_class == "national"
    local = route_for("988886666")
    assert local.call_class == "local" and local.translate("988886666") == "88886666"
    assert route_for("912345") is None


def test_seed_per_country(tmp_path):
    with ConfigStore(tmp_path / "us.db", country="us") as s:
        cfg = s.snapshot()
    assert cfg.country == "us" and cfg.settings["language"] == "en"
    assert "1NXXNXXXXXX" in {r.pattern for r in cfg.outbound_routes}
    assert cfg.emergency_numbers() == ("911", "112")
