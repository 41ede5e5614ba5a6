"""The setup wizard's forms over HTTP (no browser): each step's validation with the message
next to the field (HTTP 400, values kept), saving per step, resuming, who may open it,
where admins land while the box is not set up, and the refusal to finish with a factory
password."""
from __future__ import annotations

import html as html_lib
import re

import pytest

SETUP_STEPS = ("language", "password", "time", "country", "network", "ports", "extensions", "trunks",
               "hours", "queue", "ivr", "summary")


def error_of(html: str, field: str) -> str:
    m = re.search(rf'id="f-{field}-err" role="alert">([^<]*)<', html)
    return html_lib.unescape(m.group(1)) if m else ""


def test_every_step_renders_with_the_step_list(admin):
    for i, key in enumerate(SETUP_STEPS):
        r = admin.get(f"/setup/{key}")
        assert r.status == 200, key
        assert '<ul class="steps"' in r.text
        assert re.search(rf'<li class="on"><a href="/setup/{key}">{i + 1}\. ', r.text), key


def test_language_step_saves_the_box_and_own_language_and_moves_on(admin, store):
    r = admin.post("/setup/language", {"language": "zh"})
    assert r.status == 303 and r.location.endswith("/setup/password")
    assert store.settings()["language"] == "zh"
    assert store.user("admin")["lang"] == "zh"
    assert store.settings()["setup_step"] == "password"        # a half-done wizard resumes here
    r = admin.get("/setup")
    assert r.location.endswith("/setup/password")
    assert admin.post("/setup/language", {"language": "fr"}).status == 400


def test_time_step_refuses_a_bad_time_zone_and_ntp_host(admin, store):
    r = admin.post("/setup/time", {"timezone": "Mars/Olympus", "ntp_servers": "pool.ntp.org"})
    assert r.status == 400
    assert "'Mars/Olympus' is not a time zone" in error_of(r.text, "timezone")
    r = admin.post("/setup/time", {"timezone": "Asia/Shanghai", "ntp_servers": "ntp.aliyun.com, bad_host!"})
    assert r.status == 400
    assert "'bad_host!' is not a host name or IP address" in error_of(r.text, "ntp_servers")
    assert 'value="ntp.aliyun.com, bad_host!"' in r.text                      # the form keeps what was typed
    r = admin.post("/setup/time", {"timezone": "Europe/Berlin", "ntp_servers": "192.0.2.1 ntp.example.org"})
    assert r.status == 303
    assert store.settings()["timezone"] == "Europe/Berlin"
    assert store.settings()["ntp_servers"] == ["192.0.2.1", "ntp.example.org"]


@pytest.mark.parametrize("form, field, words", [
    ({"mode": "static", "address": "300.1.2.3", "prefix": "24", "gateway": "", "dns": "1.1.1.1"},
     "address", "'300.1.2.3' is not an IPv4 address"),
    ({"mode": "static", "address": "192.168.1.10", "prefix": "24", "gateway": "10.0.0.1", "dns": "1.1.1.1"},
     "gateway", "10.0.0.1 is not in the box's network 192.168.1.0/24"),
    ({"mode": "static", "address": "192.168.1.10", "prefix": "40", "gateway": "", "dns": "1.1.1.1"},
     "prefix", "out of range"),
    ({"mode": "static", "address": "192.168.1.10", "prefix": "24", "gateway": "", "dns": ""},
     "dns", "at least one DNS server"),
    ({"mode": "static", "address": "", "prefix": "24", "gateway": "", "dns": ""},
     "address", "is required"),
])
def test_network_step_refuses_bad_addresses(admin, store, form, field, words):
    r = admin.post("/setup/network", form)
    assert r.status == 400
    assert words in error_of(r.text, field)
    assert store.settings()["network"]["mode"] == "dhcp"


def test_network_step_records_a_static_address(admin, store):
    r = admin.post("/setup/network", {"mode": "static", "address": "192.168.1.10", "prefix": "24",
                                      "gateway": "192.168.1.1", "dns": "192.168.1.1, 8.8.8.8"})
    assert r.status == 303
    assert store.settings()["network"] == {"mode": "static", "address": "192.168.1.10", "prefix": 24,
                                           "gateway": "192.168.1.1", "dns": ["192.168.1.1", "8.8.8.8"]}


@pytest.mark.parametrize("first, count, field, words", [
    ("990", "20", "count", "990 + 20 extensions runs past 999"),
    ("801", "0", "count", "a number from 1 to 200"),
    ("8x1", "4", "first", "8x1 is not an extension number"),
])
def test_extensions_step_refuses_a_bad_numbering_range(admin, store, first, count, field, words):
    before = store.extensions()
    r = admin.post("/setup/extensions", {"first": first, "count": count})
    assert r.status == 400
    assert words in error_of(r.text, field)
    assert store.extensions() == before


def test_extensions_step_fills_fxs_ports_then_sip_with_passwords(admin, store):
    # the test daemon's status lists fxs1 and fxs2; 801/802 keep them, 803.. become SIP
    r = admin.post("/setup/extensions", {"first": "801", "count": "5"})
    assert r.status == 303
    exts = {e["number"]: e for e in store.extensions()}
    assert (exts["801"]["port"], exts["802"]["port"]) == ("fxs1", "fxs2")
    for n in ("803", "804", "805"):
        assert exts[n]["kind"] == "sip" and len(exts[n]["secret"]) >= 12
    sheet = admin.get("/setup/sheet").text
    assert exts["805"]["secret"] in sheet                     # passwords: on the sheet ...
    assert exts["805"]["secret"] not in admin.get("/setup/extensions").text   # ... and only there


def test_password_step(admin, store):
    r = admin.post("/setup/password", {"user": "admin", "password": "123", "confirm": "123"})
    assert r.status == 400 and error_of(r.text, "password")                  # the policy's words
    r = admin.post("/setup/password", {"user": "admin", "password": "Good-pass-991", "confirm": "Good-pass-992"})
    assert r.status == 400 and "differ" in error_of(r.text, "confirm")
    r = admin.post("/setup/password", {"user": "admin", "password": "admin", "confirm": "admin"})
    assert r.status == 400 and "factory default" in error_of(r.text, "password")
    r = admin.post("/setup/password", {"user": "admin", "password": "", "confirm": ""})
    assert r.status == 303                                     # admin already has its own password
    store.add_user("boss", role="admin", password="Boss-pass-123", must_change=True)
    r = admin.post("/setup/password", {"user": "admin", "password": "", "confirm": ""})
    assert r.status == 400 and "boss" in error_of(r.text, "password")
    r = admin.post("/setup/password", {"user": "boss", "password": "Boss-new-456", "confirm": "Boss-new-456"})
    assert r.status == 303
    assert store.check_login("boss", "Boss-new-456")["must_change"] is False


def test_trunks_step(admin, store):
    r = admin.post("/setup/trunks", {"group": "pstn", "line_line1": "1", "prefix": "8"})
    assert r.status == 400 and "Prefix 8 is also how 801 starts" in error_of(r.text, "prefix")
    r = admin.post("/setup/trunks", {"group": "pstn", "prefix": "0"})
    assert r.status == 400 and "at least one line" in error_of(r.text, "group")
    r = admin.post("/setup/trunks", {"group": "pstn", "line_line1": "1", "line_line3": "1", "prefix": "0"})
    assert r.status == 303
    assert {ln["name"]: ln["trunk_group"] for ln in store.lines()} == {
        "line1": "pstn", "line2": "incoming", "line3": "pstn", "line4": "incoming"}
    assert {(r["prefix"], r["strip"], r["trunk_group"]) for r in store.outbound_routes()} == {("0", 1, "pstn")}


def test_hours_step(admin, store):
    form = {d: "09:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")}
    r = admin.post("/setup/hours", {**form, "sat": "18:00-09:00", "sun": "", "holidays": ""})
    assert r.status == 400 and "ends before it starts" in error_of(r.text, "sat")
    r = admin.post("/setup/hours", {**form, "sat": "", "sun": "", "holidays": "2025-13-01 Nope"})
    assert r.status == 400 and "is not a date" in error_of(r.text, "holidays")
    r = admin.post("/setup/hours", {**form, "sat": "09:00-12:00", "sun": "", "holidays": "10-01 National Day"})
    assert r.status == 303
    tc = store.time_condition("business_hours")
    assert tc["hours"]["sat"] == ["09:00-12:00"] and tc["hours"]["sun"] == []
    assert {h["date"]: h["name"] for h in store.holidays()}["10-01"] == "National Day"


def test_queue_step(admin, store):
    r = admin.post("/setup/queue", {"number": "500", "name": "Service", "strategy": "ringall",
                                    "agents": "Alice 1234"})
    assert r.status == 400 and "starts with the agent number" in error_of(r.text, "agents")
    r = admin.post("/setup/queue", {"number": "801", "name": "Service", "strategy": "ringall",
                                    "agents": "101 Alice 1234"})
    assert r.status == 400 and "801" in error_of(r.text, "number")            # taken by an extension
    r = admin.post("/setup/queue", {"number": "500", "name": "Service", "strategy": "ringall",
                                    "agents": "101 Alice Smith 1234\n102 Bob"})
    assert r.status == 303
    assert [m["agent"] for m in store.queue("500")["members"]] == ["101", "102"]
    assert store.agent("101")["name"] == "Alice Smith"


def test_finish_refuses_while_an_admin_keeps_a_factory_password(admin, store):
    store.add_user("boss", role="admin", password="Boss-pass-123", must_change=True)
    store.update_settings({"setup_done": False})
    r = admin.post("/setup/finish")
    assert r.status == 400 and "boss" in r.text
    assert store.settings()["setup_done"] is False
    store.set_user_password("boss", "Boss-new-456")
    r = admin.post("/setup/finish")
    assert r.status == 303 and r.location.endswith("/status")
    assert store.settings()["setup_done"] is True


def test_admins_and_installers_land_on_the_wizard_until_it_is_done(webapp, store):
    from tests.webui.harness import Http
    store.add_user("inst", role="installer", password="Inst-pass-123")
    store.add_user("sup", role="supervisor", password="Sup-pass-1234")
    store.update_settings({"setup_done": False})
    for user, password, home in (("admin", None, "/setup"), ("inst", "Inst-pass-123", "/setup"),
                                 ("sup", "Sup-pass-1234", "/dashboard")):
        h = Http(webapp.url)
        r = h.login(user, password) if password else h.login()
        assert r.location.endswith(home), user
    store.update_settings({"setup_done": True})
    h = Http(webapp.url)
    assert h.login().location.endswith("/status")
    assert h.get("/").location.endswith("/status")


def test_agents_and_supervisors_may_not_open_the_wizard(webapp, store):
    from tests.webui.harness import Http
    store.add_user("sup", role="supervisor", password="Sup-pass-1234")
    h = Http(webapp.url)
    h.login("sup", "Sup-pass-1234")
    assert h.get("/setup/language").status == 403
    assert h.get("/setup/sheet").status == 403


def test_hours_step_deletes_the_holidays_removed_from_the_list(admin, store):
    days = {d: "09:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": "", "sun": ""}
    store.add_holiday(date="01-01", name="New year")
    store.add_holiday(date="05-01", name="Labour day")
    page = admin.get("/setup/hours").text
    assert "01-01 New year\n05-01 Labour day" in html_lib.unescape(page)
    r = admin.post("/setup/hours", {**days, "holidays": "01-01 New Year's Day\n10-01 National Day"})
    assert r.status == 303
    assert {h["date"]: h["name"] for h in store.holidays()} == {"01-01": "New Year's Day", "10-01": "National Day"}
    r = admin.post("/setup/hours", {**days, "holidays": ""})
    assert r.status == 303 and store.holidays() == []


def test_hours_step_refuses_to_delete_a_holiday_still_used(admin, store, monkeypatch):
    import firmware.config.store as store_mod
    real = store_mod.references_to
    monkeypatch.setattr(store_mod, "references_to", lambda state, table, key: (
        ["time condition shop closes on it"] if table == "holidays" and key == "05-01" else real(state, table, key)))
    days = {d: "09:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": "", "sun": ""}
    store.add_holiday(date="05-01", name="Labour day")
    text = "10-01 National Day"
    r = admin.post("/setup/hours", {**days, "holidays": text})
    assert r.status == 400
    msg = error_of(r.text, "holidays")
    assert "cannot delete holiday 05-01" in msg and "time condition shop closes on it" in msg
    assert f">{text}</textarea>" in r.text                     # the form keeps what was typed
    assert {h["date"] for h in store.holidays()} == {"05-01"}  # nothing added either (one change)
