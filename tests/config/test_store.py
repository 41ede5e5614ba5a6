"""Snapshot, version counter, export/import, concurrency (WAL)."""
import json
import threading

import pytest

from firmware.config import ConfigError, ConfigStore
from firmware.config.model import class_allows


def test_version_moves_on_every_change_only(store):
    v0 = store.version()
    store.add_extension(number="805", kind="sip", name="Softphone")
    assert store.version() == v0 + 1
    store.update_extension("805", name="Laptop")
    store.set_setting("box_name", "Shop")
    assert store.version() == v0 + 3
    with pytest.raises(ConfigError):
        store.add_extension(number="805", kind="sip")
    assert store.version() == v0 + 3
    assert store.snapshot().version == v0 + 3


def test_crud_and_ids(store):
    rid = store.add_outbound_route(name="Service", prefix="", pattern="1XXXX", trunk_group="pstn",
                                   call_class="local", priority=5)
    assert isinstance(rid, int) and store.outbound_route(rid)["strip"] == 0
    rid2 = store.add_outbound_route(name="Long", prefix="77", pattern="X.", trunk_group="pstn")
    assert store.outbound_route(rid2)["strip"] == 2             # default: len(prefix)
    assert store.snapshot().outbound_routes[0].id == rid        # priority 5 sorts first
    store.delete_outbound_route(rid)
    assert store.outbound_route(rid) is None
    store.add_trunk_group(name="mobile", strategy="round_robin")
    store.update_line("line4", trunk_group="mobile")
    cfg = store.snapshot()
    assert [ln.name for ln in cfg.lines_in_group("pstn")] == ["line1", "line2", "line3"]
    assert cfg.lines_in_group("mobile")[0].port == "fxo4"
    store.add_ring_group(number="610", name="Sales", strategy="hunt", ring_ms=15000, members=["803", "801"],
                         no_answer_dest="600")
    rg = store.snapshot().ring_group("610")
    assert rg.members == ("803", "801") and rg.no_answer_dest == "600"
    assert store.ring_group("610")["members"] == ["803", "801"]
    store.update_extension("803", enabled=False, outbound_class="internal")
    e = store.snapshot().extension("803")
    assert e.enabled is False and not class_allows(e.outbound_class, "local")
    assert class_allows("national", "local") and not class_allows("national", "international")


def test_snapshot_is_frozen(store):
    cfg = store.snapshot()
    with pytest.raises(Exception):
        cfg.extensions[0].name = "x"
    with pytest.raises(TypeError):
        cfg.settings["country"] = "us"
    assert cfg.destination_kind("600") == "ring_group" and cfg.destination_kind("801") == "extension"
    assert cfg.is_emergency("119") and cfg.is_emergency("112") and not cfg.is_emergency("911")


def test_export_import_round_trip(store, tmp_path):
    store.add_extension(number="805", kind="sip", name="Remote")
    store.set_setting("emergency_numbers", ["12395"])
    doc = json.loads(json.dumps(store.export_json()))       # survives JSON
    with ConfigStore(tmp_path / "other.db", country="us") as other:
        assert other.snapshot().country == "us"
        other.import_json(doc)
        a, b = store.export_json(), other.export_json()
        a.pop("version"), b.pop("version")
        assert a == b
        assert other.snapshot().is_emergency("12395")


def test_import_is_all_or_nothing(store):
    doc = store.export_json()
    doc["extensions"].append({"number": "806", "kind": "fxs", "port": "fxs1"})   # port clash
    doc["settings"]["box_name"] = "Changed"
    before = store.export_json()
    with pytest.raises(ConfigError) as e:
        store.import_json(doc)
    assert str(e.value).startswith("extensions.port: port 'fxs1' is already used")
    assert store.export_json() == before
    bad = store.export_json()
    bad["lines"][1]["cid"] = "morse"
    with pytest.raises(ConfigError) as e:
        store.import_json(bad)
    assert "(entry 2 of lines)" in str(e.value) and str(e.value).startswith("lines.cid:")
    with pytest.raises(ConfigError, match="unknown section"):
        store.import_json({"widgets": []})
    with pytest.raises(ConfigError, match="newer firmware"):
        store.import_json({"schema": 999})
    assert store.export_json() == before


def test_concurrent_reader_while_writing(db_path):
    """A second connection keeps reading consistent snapshots while the first writes (WAL)."""
    writer = ConfigStore(db_path)
    reader = ConfigStore(db_path)
    errors, seen = [], []
    stop = threading.Event()

    def read_loop():
        try:
            while not stop.is_set():
                cfg = reader.snapshot()
                # every committed state has ring group 600 pointing at existing extensions
                for m in cfg.ring_group("600").members:
                    assert cfg.extension(m) is not None
                seen.append(cfg.version)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    t = threading.Thread(target=read_loop)
    t.start()
    try:
        for i in range(30):
            n = str(810 + i)
            writer.add_extension(number=n, kind="sip")
            writer.update_ring_group("600", members=["801", n])
            writer.update_ring_group("600", members=["801"])
            writer.delete_extension(n)
    finally:
        stop.set()
        t.join()
    assert not errors, errors
    assert seen and seen == sorted(seen)                      # versions never go backwards
    assert reader.version() == writer.version()
    writer.close()
    reader.close()


def test_store_shared_between_threads(store):
    def add(n):
        store.add_extension(number=n, kind="sip")
    threads = [threading.Thread(target=add, args=(str(n),)) for n in range(830, 840)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {e["number"] for e in store.extensions()} >= {str(n) for n in range(830, 840)}


def test_unknown_seed_country_is_refused_before_creating_the_file(tmp_path):
    with pytest.raises(ConfigError, match="settings.country: 'xx' is not one of"):
        ConfigStore(tmp_path / "c.db", country="xx")
    assert not (tmp_path / "c.db").exists()


def test_store_at_data_dir(tmp_path):
    from firmware.paths import DataDir
    with ConfigStore.at(tmp_path / "box") as s:
        assert s.path == DataDir.at(tmp_path / "box").config_db
        assert s.snapshot().extension("801") is not None
