"""The IVR tree editor (/config/ivr): create, edit through editing steps, save with the
validation message next to the node, delete, import/export; and in a browser against a
real daemon."""
from __future__ import annotations

import json
import re
from html import unescape

from tests.webui.sysadmin_fixtures import server, standin, upload  # noqa: F401  (fixtures)


def form_of(html: str) -> dict:
    """The editor form's fields as a browser would send them (selected options, checked boxes)."""
    form = html[html.index('<form id="ivr-editor"'):]
    form = form[:form.index("</form>")]
    out: list[tuple[str, str]] = []
    for m in re.finditer(r"<(input|select|textarea)\b([^>]*)>(.*?)(?=<(?:input|select|textarea)\b|$)", form, re.S):
        tag, attrs, rest = m.groups()
        name = re.search(r'name="([^"]*)"', attrs)
        if not name:
            continue
        name = name.group(1).replace("&#x27;", "'")
        if tag == "input":
            typ = (re.search(r'type="([^"]*)"', attrs) or [None, "text"])[1]
            if typ == "checkbox" and " checked" not in attrs:
                continue
            v = re.search(r'value="([^"]*)"', attrs)
            out.append((name, v.group(1) if v else ""))
        elif tag == "select":
            body = rest[:rest.index("</select>")]
            sel = re.search(r'<option value="([^"]*)" selected>', body) or re.search(r'<option value="([^"]*)"', body)
            out.append((name, sel.group(1) if sel else ""))
        else:
            out.append((name, rest[:rest.index("</textarea>")]))
    import html as h
    return [(k, h.unescape(v)) for k, v in out]


def post_form(http, path, pairs, **extra):
    import urllib.parse
    pairs = [p for p in pairs if p[0] not in extra] + list(extra.items()) + [("csrf", http.csrf)]
    body = urllib.parse.urlencode(pairs).encode()
    return http.request("POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_create_edit_and_save_a_menu_through_the_tree_editor(http, standin):  # noqa: F811
    http.login()
    r = http.post("/config/ivr", {"number": "7000", "name": "Main"})
    assert r.status == 303 and r.location.endswith("/config/ivr/7000?created=1")
    page = http.get("/config/ivr/7000").text
    assert 'id="node-main"' in page and 'id="node-option1"' in page
    # add key 2 to the start node: a new child node appears under it, nothing stored yet
    r = post_form(http, "/config/ivr/7000/draft", form_of(page), op="addkey:main")
    assert r.status == 200 and 'id="node-main_2"' in r.text and "not saved yet" in r.text
    assert set(standin.store.ivr_menu("7000")["nodes"]) == {"main", "option1"}
    # make it send callers to ring group 600, then save
    pairs = form_of(r.text)
    r = post_form(http, "/config/ivr/7000/draft", pairs, **{"n|main_2|type": "goto", "op": "retype:main_2"})
    assert 'name="n|main_2|target"' in r.text
    r = post_form(http, "/config/ivr/7000", form_of(r.text), **{"n|main_2|target": "600", "op": "save"})
    assert r.status == 303, r.text[:3000]
    menu = standin.store.ivr_menu("7000")
    assert menu["nodes"]["main"]["keys"] == {"1": "option1", "2": "main_2"}
    assert menu["nodes"]["main_2"] == {"type": "goto", "target": "600"}
    audit = standin.store.audit_log(target="ivr_menus")["rows"]
    assert audit[0]["actor"] == "web:admin" and audit[0]["action"] == "update"


def test_a_refused_save_shows_the_message_beside_the_node_and_keeps_the_values(http, standin):  # noqa: F811
    http.login()
    http.post("/config/ivr", {"number": "7000", "name": "Main"})
    page = http.get("/config/ivr/7000").text
    r = post_form(http, "/config/ivr/7000/draft", form_of(page), **{"n|option1|type": "goto", "op": "retype:option1"})
    r = post_form(http, "/config/ivr/7000", form_of(r.text), **{"n|option1|target": "7999", "op": "save"})
    assert r.status == 400
    node = r.text[r.text.index('id="node-option1"'):]
    node = node[:node.index('</div>\n', node.index('name="n|option1|target"'))]
    assert "target 7999 does not exist" in node and 'value="7999"' in node
    assert standin.store.ivr_menu("7000")["nodes"]["option1"] == {"type": "hangup", "prompts": []}
    # an unknown prompt is named on its node too
    pairs = form_of(page)
    r = post_form(http, "/config/ivr/7000", pairs, **{"n|main|prompts": "welcome, no_such_prompt", "op": "save"})
    assert r.status == 400 and "prompt 'no_such_prompt' does not exist" in unescape(r.text)


def test_remove_node_and_key_and_the_start_node_is_kept(http, standin):  # noqa: F811
    http.login()
    http.post("/config/ivr", {"number": "7000", "name": "Main"})
    pairs = form_of(http.get("/config/ivr/7000").text)
    r = post_form(http, "/config/ivr/7000/draft", pairs, op="delnode:main")
    assert r.status == 400 and "where callers start" in r.text
    r = post_form(http, "/config/ivr/7000/draft", pairs, op="delnode:option1")
    assert 'id="node-option1"' not in r.text and 'data-key="1"' not in r.text
    r = post_form(http, "/config/ivr/7000", form_of(r.text), op="save")
    assert r.status == 400 and "needs 'keys' or 'next'" in unescape(r.text)


def test_create_refuses_a_taken_number_and_delete_says_why_not(http, standin):  # noqa: F811
    http.login()
    r = http.post("/config/ivr", {"number": "801", "name": "x"})
    assert r.status == 400 and "already extension 801" in r.text and 'value="801"' in r.text
    http.post("/config/ivr", {"number": "7000", "name": "Main"})
    standin.store.add_inbound_route(name="main", dest_kind="ivr", dest="7000")
    r = http.post("/config/ivr/7000/delete")
    assert r.status == 400 and "was not deleted" in r.text and standin.store.ivr_menu("7000")
    standin.store.delete_inbound_route(standin.store.inbound_routes()[-1]["id"])
    r = http.post("/config/ivr/7000/delete")
    assert r.status == 200 and standin.store.ivr_menu("7000") is None


def test_export_and_import_json(http, standin):  # noqa: F811
    http.login()
    http.post("/config/ivr", {"number": "7000", "name": "Main"})
    r = http.get("/config/ivr/7000/export.json")
    doc = r.json()
    assert doc["format"] == "hotline-ivr" and doc["menus"][0]["number"] == "7000"
    doc["menus"][0]["number"] = "7001"
    doc["menus"][0]["name"] = "Copy"
    r = upload(http, "/config/ivr/import", {}, {"file": ("m.json", json.dumps(doc).encode(), "application/json")})
    assert r.status == 200 and "7001" in r.text and standin.store.ivr_menu("7001")["name"] == "Copy"
    r = upload(http, "/config/ivr/import", {}, {"file": ("m.json", b"{not json", "application/json")})
    assert r.status == 400 and "not JSON" in r.text
    doc["menus"][0]["nodes"]["main"]["prompts"] = ["nope_prompt"]
    r = upload(http, "/config/ivr/import", {}, {"file": ("m.json", json.dumps(doc).encode(), "application/json")})
    assert r.status == 400 and "Nothing was imported" in r.text and "nope_prompt" in r.text


def test_agents_and_supervisors_may_not_open_the_editor(http, standin):  # noqa: F811
    standin.store.add_user("sup", role="supervisor", password="Sup-pass-1234")
    http.login("sup", "Sup-pass-1234")
    assert http.get("/config/ivr").status == 403


def test_build_a_menu_in_the_browser_tree_editor(webbox, page):
    from playwright.sync_api import expect
    from tests.webui.harness import browser_login, shot
    browser_login(page, webbox.url)
    page.goto(webbox.url + "config/ivr")
    page.fill("#f-number", "7000")
    page.fill("#f-name", "Main")
    page.click("text=Create and edit")
    page.locator('[id="node-main"]').wait_for()
    page.locator('[id="node-main"] button', has_text="Add a key").click()       # htmx: the editor is swapped
    child = page.locator('[id="node-main_2"]')
    child.wait_for()
    child.locator("select[name='n|main_2|type']").select_option("goto")           # htmx again: goto fields
    target = page.locator("input[name='n|main_2|target']")
    target.wait_for()
    target.fill("600")
    page.fill("input[name='n|main|prompts']", "welcome, ivr_press_0_operator")
    shot(page, "ivr-editor")
    page.click("#ivr-save")
    expect(page.locator(".flash")).to_contain_text("saved")
    menu = webbox.ctl("ivr.show", number="7000")
    assert menu["nodes"]["main"]["keys"] == {"1": "option1", "2": "main_2"}
    assert menu["nodes"]["main"]["prompts"] == ["welcome", "ivr_press_0_operator"]
    assert menu["nodes"]["main_2"] == {"type": "goto", "target": "600"}
    assert [m["number"] for m in webbox.ctl("ivr.list")] == ["7000"]
    page.goto(webbox.url + "config/ivr")
    shot(page, "ivr-menus")
    for path, name in (("system/backup", "backup"), ("system/log", "system-log"), ("system/firmware", "firmware")):
        page.goto(webbox.url + path)
        page.locator("h1").wait_for()
        shot(page, name)
    expect(page.locator("#fw-version")).not_to_have_text("unknown")
    expect(page.locator("#fw-data-bytes")).to_contain_text("B")             # disk.usage of the real daemon


def test_a_200_kb_import_reaches_the_running_daemon(webbox, page, tmp_path):
    from playwright.sync_api import expect
    from tests.ivr.bigdoc import big_ivr_doc
    from tests.webui.harness import browser_login, wait_until
    f = tmp_path / "many-menus.json"
    f.write_text(json.dumps(big_ivr_doc()))
    browser_login(page, webbox.url)
    page.goto(webbox.url + "config/ivr")
    page.set_input_files("#f-file", str(f))
    page.click("#ivr-import")
    expect(page.locator(".flash")).to_contain_text("Imported 220 menus: 7000, 7001")
    assert len(webbox.ctl("ivr.list")) == 220

    def running() -> bool:                  # the daemon applied the store's newest version
        webbox.advance(200)
        s = webbox.store()
        try:
            return webbox.ctl("status")["box"]["config_version"] == s.version()
        finally:
            s.close()
    wait_until(running, what="the import applied by the daemon")
    assert webbox.ctl("ivr.show", number="7219")["nodes"]["opt3"]["target"] == "7000"


def test_time_branch_and_set_variables_nodes(http, standin):  # noqa: F811
    standin.store.add_time_condition(name="office", hours={"mon": ["09:00-18:00"]})
    http.login()
    http.post("/config/ivr", {"number": "7000", "name": "Main"})
    pairs = form_of(http.get("/config/ivr/7000").text)
    r = post_form(http, "/config/ivr/7000/draft", pairs, **{"n|option1|type": "time", "op": "retype:option1"})
    assert 'name="n|option1|condition"' in r.text and '<option value="office">' in r.text
    r = post_form(http, "/config/ivr/7000/draft", form_of(r.text), op="addchild:option1:day")
    r = post_form(http, "/config/ivr/7000/draft", form_of(r.text), op="addchild:option1:night")
    assert 'id="node-option1_day"' in r.text and 'id="node-option1_night"' in r.text
    assert "Open (day) →" in r.text and "Closed (night) →" in r.text
    r = post_form(http, "/config/ivr/7000/draft", form_of(r.text), **{"n|option1_day|type": "set", "op": "retype:option1_day"})
    pairs = form_of(r.text)
    r = post_form(http, "/config/ivr/7000", pairs, **{"n|option1|condition": "office", "n|option1_day|vars": "dept=sales\nvip=1",
                                                       "n|option1_day|next": "main", "op": "save"})
    assert r.status == 303, unescape(r.text)[:2000]
    nodes = standin.store.ivr_menu("7000")["nodes"]
    assert nodes["option1"] == {"type": "time", "condition": "office", "day": "option1_day", "night": "option1_night"}
    assert nodes["option1_day"] == {"type": "set", "vars": {"dept": "sales", "vip": "1"}, "next": "main"}
    page = http.get("/config/ivr/7000").text
    assert "node main (shown above)" in page, "a loop back to the start is drawn as a reference"
    r = post_form(http, "/config/ivr/7000", form_of(page), **{"n|option1_day|vars": "bad name=x", "op": "save"})
    node = unescape(r.text[r.text.index('id="node-option1_day"'):])
    assert r.status == 400 and "'bad name' is not a variable name" in node[:node.index('name="n|option1_day|next"')]


def test_a_200_kb_import_is_taken_and_a_5_mb_one_refused_in_words(http, standin):  # noqa: F811
    from tests.ivr.bigdoc import big_ivr_doc
    http.login()
    data = json.dumps(big_ivr_doc()).encode()
    assert len(data) > 190_000
    r = upload(http, "/config/ivr/import", {}, {"file": ("all.json", data, "application/json")})
    assert r.status == 200 and "Imported 220 menus: 7000, 7001, 7002, 7003, 7004, 7005, 7006, 7007, 7008, 7009 … 7219." in r.text, unescape(r.text)[:2000]
    assert len(standin.store.ivr_menus()) == 220 and standin.store.ivr_menu("7219")["name"].startswith("Department")
    assert not list((standin.data.root / "uploads").glob("ivr-import-*")), "the staged file is removed"
    huge = b'{"format": "hotline-ivr", "menus": [' + b" " * (5 * 1024 * 1024) + b"]}"
    r = upload(http, "/config/ivr/import", {}, {"file": ("huge.json", huge, "application/json")})
    assert r.status == 400 and "larger than 4 MB" in unescape(r.text) and "Import the menus in parts" in r.text
    doc = big_ivr_doc(120, first=7300)
    doc["menus"][99]["nodes"]["opt1"]["target"] = "7999"
    r = upload(http, "/config/ivr/import", {}, {"file": ("bad.json", json.dumps(doc).encode(), "application/json")})
    assert r.status == 400 and "menu 7399 node &#039;opt1&#039;: target 7999 does not exist" in r.text
    assert standin.store.ivr_menu("7300") is None and len(standin.store.ivr_menus()) == 220
