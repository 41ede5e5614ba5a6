"""In Debian's chromium against a real daemon: an extension made in the configuration page
is known to the running daemon at once (no restart); an invalid form shows its message
next to the field."""
from __future__ import annotations

from tests.webui.harness import browser_login, shot, wait_until


def test_create_sip_extension_in_the_page_reaches_the_daemon(webbox, page):
    browser_login(page, webbox.url)
    page.goto(webbox.url + "config/extensions")
    page.click("#add")
    page.fill("#f-number", "850")
    page.fill("#f-name", "Reception SIP")
    page.select_option("#f-kind", "sip")                   # the port field hides: nothing to clear
    page.click("#save")
    flash = page.locator(".flash")
    flash.wait_for()
    assert "Added: 850. Its SIP password is" in flash.inner_text()
    assert page.locator('#rows tr[data-key="850"] td.kind').inner_text() == "sip"
    shot(page, "config-extensions")

    def known() -> bool:
        webbox.advance(200)                    # the daemon notices the new store version on its clock
        return any(e.get("number") == "850" and e.get("kind") == "sip" for e in webbox.ctl("extension.list"))
    wait_until(known, what="extension 850 in extension.list")

    # an analog extension without a port: refused, the message next to the port field
    page.click("#add")
    page.fill("#f-number", "851")
    page.select_option("#f-kind", "fxs")
    page.select_option("#f-port", "")
    page.click("#save")
    err = page.locator(".field.invalid .error")
    err.wait_for()
    assert "needs a port" in err.inner_text()
    assert page.locator(".field.invalid select#f-port").count() == 1
    assert page.input_value("#f-number") == "851"          # the values are kept
    shot(page, "config-extension-error")
    assert not any(e.get("number") == "851" for e in webbox.ctl("extension.list"))


def test_extension_form_shows_only_the_fields_of_its_kind(webbox, page):
    from playwright.sync_api import expect
    browser_login(page, webbox.url)
    page.goto(webbox.url + "config/extensions/804")
    expect(page.locator("#f-port")).to_be_visible()
    expect(page.locator("#f-secret")).to_be_hidden()
    expect(page.locator("#f-followme_delay_ms")).to_be_hidden()          # follow-me is off
    page.select_option("#f-kind", "sip")
    expect(page.locator("#f-port")).to_be_hidden()
    expect(page.locator("#f-port")).to_be_disabled()
    expect(page.locator("#f-secret")).to_be_visible()
    expect(page.locator("#f-secret-generate")).to_be_visible()
    page.select_option("#f-followme_mode", "after")
    expect(page.locator("#f-followme_delay_ms")).to_be_visible()
    page.select_option("#f-followme_mode", "off")
    page.locator("#f-cfb").fill("600")                                     # a destination from the suggestions
    shot(page, "config-extension-form")
    page.click("#save")
    flash = page.locator(".flash")
    flash.wait_for()
    assert "SIP password is" in flash.inner_text()
    assert page.locator('#rows tr[data-key="804"] td.port').inner_text() == "SIP user 804"

    def sip() -> bool:
        webbox.advance(200)
        return any(e.get("number") == "804" and e.get("kind") == "sip" and not e.get("port")
                   for e in webbox.ctl("extension.list"))
    wait_until(sip, what="extension 804 as SIP in extension.list")
    assert webbox.store().extension("804")["cfb"] == "600"

    # a destination picker shows the targets of the kind chosen and takes the first of them
    page.goto(webbox.url + "config/inbound_routes/_new")
    expect(page.locator("#f-night_dest")).to_be_hidden()                 # no time condition
    page.select_option("#f-dest_kind", "ring_group")
    expect(page.locator("#f-dest")).to_have_value("600")
    expect(page.locator('#f-dest optgroup[data-kind="extension"]')).to_be_disabled()
