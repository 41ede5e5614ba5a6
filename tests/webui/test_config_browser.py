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
    page.select_option("#f-kind", "sip")
    page.select_option("#f-port", "")
    page.click("#save")
    flash = page.locator(".flash")
    flash.wait_for()
    assert "Extension 850 added. Its SIP password is" in flash.inner_text()
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
