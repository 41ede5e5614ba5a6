"""Configuration forms show only the fields that apply (declared per table with Kinds),
the server ignores or clears the others, destinations are picked from the real targets
(an unknown stored value is kept), and a SIP password can be generated again."""
from __future__ import annotations

import html
import re

from tests.webui.test_config_pages import error_next_to, form_of, submit


def box_of(page: str, name: str) -> str:
    """The opening tag of the wrapper around field ``name`` ('' when it has none)."""
    i = page.find(f'id="f-{name}"')
    assert i >= 0, f"no field {name}"
    start = page.rfind("<div", 0, page.rfind('<div class="field', 0, i))
    tag = page[start:page.find(">", start) + 1]
    return tag if 'class="when' in tag else ""


def options(page: str, name: str) -> list[tuple[str, str, str]]:
    """(group, value, label) of the select ``name``."""
    m = re.search(rf'<select id="f-{name}"[^>]*>(.*?)</select>', page, re.S)
    assert m, f"no select {name}"
    out, group = [], ""
    for tag, attrs, text in re.findall(r"<(/?optgroup|option)([^>]*)>([^<]*)", m.group(1)):
        if tag == "/optgroup":
            group = ""
        elif tag == "optgroup":
            group = html.unescape(re.search(r'label="([^"]*)"', attrs).group(1))
        else:
            out.append((group, html.unescape(re.search(r'value="([^"]*)"', attrs).group(1)), html.unescape(text)))
    return out


def test_sip_extension_form_hides_the_port_and_fxs_form_the_password(admin, store):
    store.add_extension(number="850", name="Desk SIP", kind="sip")
    page = admin.get("/config/extensions/850").text
    port, secret = box_of(page, "port"), box_of(page, "secret")
    assert 'class="when na"' in port and 'data-switch="kind"' in port and 'data-on="fxs"' in port
    assert 'class="when"' in secret and 'data-on="sip"' in secret
    assert 'name="secret.generate"' in page
    assert "config.js" in page                      # the script that hides and disables them
    page = admin.get("/config/extensions/801").text
    assert 'class="when"' in box_of(page, "port") and 'class="when na"' in box_of(page, "secret")
    assert box_of(page, "name") == ""                # fields of every kind are not wrapped


def test_stray_port_of_a_sip_extension_is_not_stored(admin, store):
    r = submit(admin, "/config/extensions", "/config/extensions/_new",
               {"number": "852", "kind": "sip", "port": "fxs8"})
    assert r.status == 200 and "SIP password is" in r.text
    assert store.extension("852")["port"] is None and store.extension("852")["secret"]
    # an analog phone turned into a SIP one: its port is cleared (sent as it was), a password made
    r = submit(admin, "/config/extensions/802", "/config/extensions/802", {"kind": "sip"})
    assert r.status == 200
    e = store.extension("802")
    assert e["kind"] == "sip" and e["port"] is None and e["secret"]
    assert f"SIP password is {e['secret']}" in r.text
    # and back: a stray password is ignored, the port applies again
    r = submit(admin, "/config/extensions/802", "/config/extensions/802",
               {"kind": "fxs", "port": "fxs2", "secret": "Stray-pass-123"})
    assert r.status == 303, r.text
    e = store.extension("802")
    assert (e["kind"], e["port"], e["secret"]) == ("fxs", "fxs2", "")


def test_generate_a_new_sip_password_shows_it_once(admin, store):
    store.add_extension(number="853", kind="sip", secret="Old-pass-12345")
    r = submit(admin, "/config/extensions/853", "/config/extensions/853", {"secret.generate": "1"})
    assert r.status == 200
    new = store.extension("853")["secret"]
    assert new != "Old-pass-12345" and f"SIP password is {new}" in r.text
    r = submit(admin, "/config/extensions/853", "/config/extensions/853", {"name": "Kept"})
    assert r.status == 303 and store.extension("853")["secret"] == new


def test_list_shows_the_sip_user_in_the_port_column(admin, store):
    store.add_extension(number="854", kind="sip")
    page = admin.get("/config/extensions").text
    cells = dict(re.findall(r'<tr data-key="(\d+)">.*?<td class="port">([^<]*)</td>', page, re.S))
    assert cells["854"] == "SIP user 854" and cells["801"] == "fxs1"


def test_validation_message_stays_next_to_a_governed_field(admin):
    r = submit(admin, "/config/extensions", "/config/extensions/_new", {"number": "855", "kind": "fxs", "port": ""})
    assert r.status == 400 and "needs a port" in error_next_to(r.text, "port")
    assert 'class="when"' in box_of(r.text, "port")            # shown: it applies and holds the message


def test_inbound_route_destination_is_picked_from_the_targets(admin, store):
    store.add_queue(number="500", name="Service")
    store.add_conference_room(number="760", name="Board")
    page = admin.get("/config/inbound_routes/_new").text
    opts = options(page, "dest")
    assert ("Extensions", "801") in {(g, v) for g, v, _ in opts}
    assert ("Ring groups", "600") in {(g, v) for g, v, _ in opts}
    assert ("Queues", "500", "500 Service") in opts and ("Conference rooms", "760", "760 Board") in opts
    assert 'data-kind-from="dest_kind"' in page
    # without the script the kind may not match the target: the target's kind wins
    r = submit(admin, "/config/inbound_routes", "/config/inbound_routes/_new",
               {"name": "To service", "dest_kind": "extension", "dest": "500"})
    assert r.status == 303, r.text
    route = next(x for x in store.inbound_routes() if x["name"] == "To service")
    assert (route["dest_kind"], route["dest"]) == ("queue", "500")
    listing = admin.get("/config/inbound_routes").text
    assert "500 Service" in listing                    # the list names the target


def test_unknown_destination_is_offered_and_kept(admin, store, monkeypatch):
    from webui.pages import config_tables
    rid = store.add_inbound_route(name="Old", dest_kind="extension", dest="803")
    real = config_tables._target_rows
    monkeypatch.setattr(config_tables, "_target_rows",
                        lambda s, kind: [x for x in real(s, kind) if x[0] != "803"])
    page = admin.get(f"/config/inbound_routes/{rid}").text
    assert ("", "803", "803 (not found)") in options(page, "dest")
    assert dict(form_of(page))["dest"] == "803"
    r = submit(admin, f"/config/inbound_routes/{rid}", f"/config/inbound_routes/{rid}", {"name": "Old route"})
    assert r.status == 303
    assert store.inbound_route(rid)["dest"] == "803" and store.inbound_route(rid)["name"] == "Old route"


def test_night_destination_applies_only_with_a_time_condition(admin, store):
    r = submit(admin, "/config/inbound_routes", "/config/inbound_routes/_new",
               {"name": "Plain", "dest_kind": "extension", "dest": "801", "time_condition": "",
                "night_dest_kind": "extension", "night_dest": "802"})
    assert r.status == 303
    route = next(x for x in store.inbound_routes() if x["name"] == "Plain")
    assert route["night_dest"] == "" and route["night_dest_kind"] == ""
    page = admin.get(f"/config/inbound_routes/{route['id']}").text
    assert 'class="when na"' in box_of(page, "night_dest")
    listing = admin.get("/config/inbound_routes").text
    assert re.search(rf'<tr data-key="{route["id"]}">.*?<td class="night_dest">—</td>', listing, re.S)


def test_ring_group_and_operator_pickers_offer_hang_up_and_voicemail(admin, store):
    store.add_mailbox(number="801", kind="extension")
    opts = options(admin.get("/config/ring_groups/600").text, "no_answer_dest")
    assert opts[0][1:] == ("", "— hang up")
    assert ("Voicemail", "6801") in {(g, v) for g, v, _ in opts}
    r = submit(admin, "/config/ring_groups/600", "/config/ring_groups/600", {"no_answer_dest": "6801"})
    assert r.status == 303 and store.ring_group("600")["no_answer_dest"] == "6801"
    opts = options(admin.get("/config/settings").text, "operator")
    assert {g for g, _v, _t in opts} == {"", "Extensions", "Ring groups"}


def test_free_destinations_suggest_targets_and_take_any_number(admin, store):
    page = admin.get("/config/extensions/801").text
    assert re.search(r'<input type="text" id="f-cfu"[^>]*list="f-cfu-list"', page)
    assert 'value="600" label="Ring groups: 600' in page
    r = submit(admin, "/config/extensions/801", "/config/extensions/801", {"cfu": "013800138000"})
    assert r.status == 303 and store.extension("801")["cfu"] == "013800138000"


def test_group_mailbox_members_only_for_group_boxes(admin, store):
    r = submit(admin, "/config/mailboxes", "/config/mailboxes/_new",
               {"number": "801", "kind": "extension", "members": ["802"]})
    assert r.status == 303, r.text
    assert store.mailbox("801")["members"] == []
