"""Configuration pages over HTTP, beyond one table's round trip: roles, secrets never shown,
settings pages (general, feature codes, recording policies form) and the region CSV import."""
from __future__ import annotations

import html
import re

import pytest

from firmware.config.store import ConfigStore
from tests.webui.test_config_pages import error_next_to, form_of, post_pairs, submit


@pytest.fixture
def store(datadir, webapp):
    s = ConfigStore(datadir / "config.db")
    yield s
    s.close()


def test_roles_installer_may_supervisor_and_agent_may_not(webapp, http, store):
    store.add_agent(number="2001", name="Ann", pin="1234")
    store.add_contact(number="13700000000", name="Wang")
    store.add_user("inst", role="installer", password="Install-pass-1")
    store.add_user("sup", role="supervisor", password="Super-pass-12")
    store.add_user("ann", role="agent", agent="2001", password="Agent-pass-12")
    for user, pw, allowed in (("inst", "Install-pass-1", True), ("sup", "Super-pass-12", False),
                              ("ann", "Agent-pass-12", False)):
        http.jar.clear()
        http.login(user, pw)
        for path in ("/config/extensions", "/config/extensions/801", "/config/settings", "/config/recording"):
            r = http.get(path)
            assert (r.status == 200) == allowed, (user, path, r.status)
        r = http.post("/config/contacts/13700000000/delete", {})
        assert (r.status == 303) == allowed, (user, r.status)
    assert store.contacts() == []                        # the installer deleted it
    assert store.audit_log(actor="web:inst")["rows"][0]["action"] == "delete"


def test_agent_pin_is_never_shown_and_kept_when_left_empty(http, store):
    store.add_agent(number="2001", name="Ann", pin="1357")
    pin_hash = store.agent("2001")["pin"]
    http.login()
    page = http.get("/config/agents/2001").text
    assert pin_hash not in page and "1357" not in page
    assert 'type="password" value="" id="f-pin"' in page
    assert "••••" in http.get("/config/agents").text
    assert submit(http, "/config/agents/2001", "/config/agents/2001", {"name": "Ann Lee"}).status == 303
    assert store.agent("2001")["pin"] == pin_hash                  # empty = unchanged
    assert submit(http, "/config/agents/2001", "/config/agents/2001", {"pin": "2468"}).status == 303
    assert store.agent("2001")["pin"] != pin_hash
    r = submit(http, "/config/agents/2001", "/config/agents/2001", {"pin": "12ab"})
    assert r.status == 400 and error_next_to(r.text, "pin") == "must be up to 8 digits"
    assert "12ab" not in r.text                                   # a PIN is not echoed back


def test_new_sip_extension_shows_its_generated_password_once(http, store):
    http.login()
    r = submit(http, "/config/extensions", "/config/extensions/_new", {"number": "851", "kind": "sip", "port": ""})
    assert r.status == 200
    secret = store.extension("851")["secret"]
    assert secret and f"SIP password is {secret}" in r.text
    assert secret not in http.get("/config/extensions/851").text
    assert secret not in http.get("/config/extensions").text


def test_new_form_shows_the_validators_defaults(http):
    http.login()
    page = http.get("/config/queues/_new").text
    pairs = dict(form_of(page))
    assert pairs["ring_ms"] == "15000" and pairs["strategy"] == "longest_idle"
    assert pairs["join_empty"] == "1" and "leave_empty" not in pairs
    assert http.get("/config/queues/999").status == 404
    assert http.get("/config/inbound_routes/abc").status == 404


def test_ring_group_members_are_picked_not_typed(http, store):
    http.login()
    page = http.get("/config/ring_groups/600").text
    ticked = [v for k, v in form_of(page) if k == "members"]
    assert ticked == ["801", "802", "803", "804"]
    r = submit(http, "/config/ring_groups/600", "/config/ring_groups/600", {"members": ["802", "804"]})
    assert r.status == 303
    assert store.ring_group("600")["members"] == ["802", "804"]


def test_queue_members_subform_adds_changes_and_removes(http, store):
    for n in ("2001", "2002"):
        store.add_agent(number=n, name=f"A{n}")
    store.add_queue(number="500", members=[{"agent": "2001", "penalty": 0}])
    http.login()
    r = submit(http, "/config/queues/500", "/config/queues/500",
               {"members.penalty.0": "3", "members.agent.1": "2002", "members.penalty.1": "1"})
    assert r.status == 303
    assert store.queue("500")["members"] == [{"agent": "2001", "penalty": 3}, {"agent": "2002", "penalty": 1}]
    r = submit(http, "/config/queues/500", "/config/queues/500", {"members.agent.0": ""})
    assert r.status == 303
    assert store.queue("500")["members"] == [{"agent": "2002", "penalty": 1}]


def test_general_settings(http, store):
    http.login()
    r = submit(http, "/config/settings", "/config/settings", {"box_name": "Front desk", "ring_timeout_ms": "45000",
                                                              "emergency_numbers": "112\n999"},
               form_id="settings-form")
    assert r.status == 303
    s = store.settings()
    assert (s["box_name"], s["ring_timeout_ms"], s["emergency_numbers"]) == ("Front desk", 45000, ["112", "999"])
    entry = store.audit_log(actor="web:admin", target="settings")["rows"][0]
    assert set(entry["key"].split(",")) == {"box_name", "ring_timeout_ms", "emergency_numbers"}
    r = submit(http, "/config/settings", "/config/settings", {"flash_min_ms": "900", "flash_max_ms": "800",
                                                              "interdigit_timeout_ms": "4500"},
               form_id="settings-form")
    assert r.status == 400
    assert "must be shorter than flash_max_ms" in error_next_to(r.text, "flash_min_ms")
    assert 'value="4500"' in r.text                              # the values are kept
    assert store.settings()["interdigit_timeout_ms"] == 4000     # nothing saved
    r = submit(http, "/config/settings", "/config/settings", {"smtp_password": "mail-secret"}, form_id="settings-form")
    assert r.status == 303 and store.settings()["smtp_password"] == "mail-secret"
    assert "mail-secret" not in http.get("/config/settings").text
    assert submit(http, "/config/settings", "/config/settings", {}, form_id="settings-form").status == 303
    assert store.settings()["smtp_password"] == "mail-secret"     # empty = kept


def test_feature_codes(http, store):
    http.login()
    r = submit(http, "/config/feature_codes", "/config/feature_codes", {"feature_codes.dnd_on": "*75"},
               form_id="codes-form")
    assert r.status == 303 and store.settings()["feature_codes"]["dnd_on"] == "*75"
    r = submit(http, "/config/feature_codes", "/config/feature_codes", {"feature_codes.dnd_off": "*72"},
               form_id="codes-form")
    assert r.status == 400
    assert error_next_to(r.text, "feature_codes.dnd_off") == "*72 is already the code of cfu_on"
    r = submit(http, "/config/feature_codes", "/config/feature_codes", {"feature_codes.pickup": "8"},
               form_id="codes-form")
    assert r.status == 400 and "is not a feature code" in error_next_to(r.text, "feature_codes.pickup")
    assert store.settings()["feature_codes"]["pickup"] == "*8"


def test_recording_policies_form(http, store):
    store.add_queue(number="500", name="Sales")
    http.login()
    r = submit(http, "/config/recording", "/config/recording",
               {"default": "on_demand", "retention_days": "60", "rule.scope.0": "queues", "rule.name.0": "500",
                "rule.mode.0": "always", "rule.retention_days.0": "365", "rule.scope.1": "extensions",
                "rule.name.1": "801", "rule.mode.1": "never"}, form_id="recording-form")
    assert r.status == 303, re.findall(r'role="(?:alert|status)">([^<]*)', r.text)
    rec = store.settings()["recording"]
    assert rec["default"] == "on_demand" and rec["retention_days"] == 60
    assert rec["queues"]["500"] == {"mode": "always", "retention_days": 365, "announce": False}
    assert rec["extensions"]["801"]["mode"] == "never" and rec["extensions"]["801"]["retention_days"] == 60
    page = http.get("/config/recording").text
    assert 'name="rule.name.0" value="500"' in page and 'name="rule.name.1" value="801"' in page
    r = submit(http, "/config/recording", "/config/recording", {"rule.retention_days.0": "forever"},
               form_id="recording-form")
    assert r.status == 400
    assert re.search(r'role="alert">[^<]*not a whole number', r.text)
    assert store.settings()["recording"]["queues"]["500"]["retention_days"] == 365
    r = submit(http, "/config/recording", "/config/recording", {"quota_mb": "-1"}, form_id="recording-form")
    assert r.status == 400 and "out of range" in error_next_to(r.text, "quota_mb")
    r = submit(http, "/config/recording", "/config/recording", {"rule.name.0": ""}, form_id="recording-form")
    assert r.status == 303 and store.settings()["recording"]["queues"] == {}


def test_region_csv_import(webapp, server, http, store):
    got = {}

    def fake_import(args):                # the daemon's command; here it writes the store the same way
        got.update(args)
        if "bad" in args["csv"]:
            from firmware.mgmt.commands import CommandError
            raise CommandError("'bad' is not a number prefix (line 2)")
        s = ConfigStore(store.path)
        try:
            s.add_region(prefix="010", area="Beijing")
        finally:
            s.close()
        return {"imported": 1}
    server.server.dispatcher.register("acd.regions.import", fake_import)
    http.login()
    http.get("/config/regions/_import")
    r = http.post("/config/regions/_import", {"csv": "prefix,area,queue,agents\n010,Beijing,,\n", "replace": "1"})
    assert r.status == 200 and "1 regions imported." in r.text
    assert got == {"csv": "prefix,area,queue,agents\n010,Beijing,,\n", "replace": True}
    assert [x["prefix"] for x in store.regions()] == ["010"]
    assert store.audit_log(actor="web:admin", target="regions")["rows"][0]["action"] == "import"
    r = http.post("/config/regions/_import", {"csv": "prefix,area\nbad,x\n"})
    assert r.status == 400 and "not a number prefix (line 2)" in html.unescape(r.text)
    assert "bad,x" in r.text                                        # kept to fix
    r = http.post("/config/regions/_import", {"csv": "  "})
    assert r.status == 400 and "Choose a CSV file" in r.text
    # an upload of the wrong type
    boundary = "XyZ"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{http.csrf}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.exe\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\nMZ\x00\x00\r\n"
            f"--{boundary}--\r\n").encode()
    r = http.request("POST", "/config/regions/_import", body=body,
                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status == 400 and "r.exe is not a CSV file" in r.text


def test_list_escapes_what_users_typed(http, store):
    store.add_contact(number="13700000000", name="<script>x</script>")
    http.login()
    page = http.get("/config/contacts").text
    assert "<script>x" not in page and "&lt;script&gt;x" in page
