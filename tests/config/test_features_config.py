"""Validation of the PBX-feature configuration: feature codes, extension feature fields,
time conditions, holidays, caller lists, conference rooms, inbound time routing."""
from __future__ import annotations

import pytest

from firmware.config import ConfigError


def refused(fn, field, words):
    with pytest.raises(ConfigError) as e:
        fn()
    assert e.value.field == field and words in e.value.message, (e.value.field, e.value.message)


def test_feature_codes_defaults_and_clashes(store):
    codes = store.get_setting("feature_codes")
    assert codes["dnd_on"] == "*78" and codes["directed_pickup"] == "**"
    store.set_setting("feature_codes", {"dnd_on": "*59"})
    assert store.get_setting("feature_codes")["dnd_on"] == "*59"
    refused(lambda: store.set_setting("feature_codes", {"dnd_on": "*73"}), "settings.feature_codes.dnd_on",
            "already the code of")
    refused(lambda: store.set_setting("feature_codes", {"pickup": "*7"}), "settings.feature_codes.pickup",
            "starts with *7 (pickup)")
    refused(lambda: store.set_setting("feature_codes", {"warp": "*1"}), "settings.feature_codes.warp",
            "unknown feature")
    refused(lambda: store.set_setting("feature_codes", {"dnd_on": "78"}), "settings.feature_codes.dnd_on",
            "is not a feature code")


def test_extension_feature_fields(store):
    store.update_extension("801", dnd=True, cfu="803", cfna_ring_ms=15000, pin="2468", announce="yes")
    e = store.snapshot().extension("801")
    assert (e.dnd, e.cfu, e.cfna_ring_ms, e.pin, e.announce) == (True, "803", 15000, "2468", True)
    refused(lambda: store.update_extension("801", cfb="801"), "extensions.cfb", "cannot forward to itself")
    refused(lambda: store.update_extension("801", pin="12"), "extensions.pin", "4–8 digits")
    refused(lambda: store.update_extension("801", followme_mode="after"), "extensions.followme", "needs the number")


def test_time_conditions_holidays_and_routes(store):
    store.add_time_condition(name="office", hours={"mon": ["09:00-12:00", "13:30-18:00"], "sat": "09:00-12:00"})
    tc = store.snapshot().time_condition("office")
    assert tc.hours["mon"] == ("09:00-12:00", "13:30-18:00") and tc.hours["sat"] == ("09:00-12:00",)
    refused(lambda: store.add_time_condition(name="bad", hours={"mon": ["18:00-09:00"]}),
            "time_conditions.hours.mon", "ends before it starts")
    refused(lambda: store.add_time_condition(name="bad", hours={"mon": ["09:00-13:00", "12:00-14:00"]}),
            "time_conditions.hours.mon", "overlap")
    refused(lambda: store.add_time_condition(name="bad", hours={"funday": []}), "time_conditions.hours.funday",
            "unknown weekday")
    store.add_holiday(date="2027-02-06", name="春节")
    store.add_holiday(date="10-01", name="国庆节")
    refused(lambda: store.add_holiday(date="2027-02-30"), "holidays.date", "is not a date")
    rid = store.inbound_routes()[0]["id"]
    refused(lambda: store.update_inbound_route(rid, time_condition="office"), "inbound_routes.night_dest",
            "needs a destination")
    store.update_inbound_route(rid, time_condition="office", night_dest_kind="extension", night_dest="802")
    refused(lambda: store.delete_time_condition("office"), "time_conditions.name", "inbound route")


def test_caller_lists_and_conference_rooms(store):
    eid = store.add_caller_list_entry(list="block", number="1700", match="prefix", action="busy")
    assert isinstance(eid, int)
    refused(lambda: store.add_caller_list_entry(list="block", number="1700", match="prefix"),
            "caller_lists.number", "already on the block list")
    refused(lambda: store.add_caller_list_entry(list="block", number="17x"), "caller_lists.number", "is not")
    store.add_conference_room(number="700", pin="1234", admin_pin="9999")
    refused(lambda: store.add_conference_room(number="801"), "conference_rooms.number", "already extension 801")
    refused(lambda: store.add_extension(number="700", port=None, kind="sip"), "extensions.number",
            "already conference room 700")
    refused(lambda: store.add_conference_room(number="701", max_parties=17), "conference_rooms.max_parties",
            "out of range")
    refused(lambda: store.add_conference_room(number="702", pin="1111", admin_pin="1111"),
            "conference_rooms.admin_pin", "must differ")
    doc = store.export_json()
    store.import_json(doc)                                  # round trip keeps everything
    assert store.export_json()["conference_rooms"] == doc["conference_rooms"]
    assert store.export_json()["caller_lists"] == doc["caller_lists"]
