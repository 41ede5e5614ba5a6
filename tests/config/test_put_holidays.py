"""store.put_holidays: the holiday list replaced in one change (adds, renames, deletes),
refused as a whole when a row is bad, a date is given twice or a removed one is still used."""
from __future__ import annotations

import pytest

from firmware.config import ConfigError


def _dates(store) -> dict:
    return {h["date"]: h["name"] for h in store.holidays()}


def test_put_holidays_adds_renames_and_deletes_in_one_change(store):
    store.add_holiday(date="01-01", name="New year")
    store.add_holiday(date="05-01", name="Labour")
    v = store.version()
    diff = store.put_holidays([{"date": "01-01", "name": "New Year's Day"}, {"date": "10-01", "name": "National"}])
    assert diff == {"added": ["10-01"], "updated": ["01-01"], "deleted": ["05-01"]}
    assert _dates(store) == {"01-01": "New Year's Day", "10-01": "National"}
    assert store.version() == v + 1                       # one change for the daemon to reload
    assert store.audit_log(target="holidays")["rows"][0]["action"] == "put"


def test_put_holidays_is_all_or_nothing(store, monkeypatch):
    store.add_holiday(date="05-01", name="Labour")
    with pytest.raises(ConfigError) as e:
        store.put_holidays([{"date": "10-01"}, {"date": "10-01", "name": "again"}])
    assert "listed twice" in e.value.message
    with pytest.raises(ConfigError) as e:
        store.put_holidays([{"date": "10-01"}, {"date": "2025-02-30"}])
    assert e.value.field == "holidays.date" and "not a date" in e.value.message
    # a removed holiday still used somewhere: refused in words, nothing changed
    import firmware.config.store as store_mod
    real = store_mod.references_to
    monkeypatch.setattr(store_mod, "references_to", lambda state, table, key: (
        ["time condition shop closes on it"] if table == "holidays" else real(state, table, key)))
    with pytest.raises(ConfigError) as e:
        store.put_holidays([{"date": "10-01", "name": "National"}])
    assert "cannot delete holiday 05-01: time condition shop closes on it" in e.value.message
    assert _dates(store) == {"05-01": "Labour"}
