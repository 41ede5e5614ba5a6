"""In Debian's chromium: log in, see the box status update without a reload, log out."""
from __future__ import annotations

from tests.webui.harness import browser_login as login, shot


def test_login_status_page_and_logout(webbox, page):
    page.goto(webbox.url + "status")
    assert page.url.startswith(webbox.url + "login")           # not logged in: the login page
    login(page, webbox.url, password="wrong-password")
    assert page.locator("[role=alert]").inner_text() == "Wrong user name or password."
    login(page, webbox.url)
    page.wait_for_url(webbox.url + "status")
    assert page.locator("#ports td.name", has_text="fxs1").count() == 1
    assert page.locator("#calls").count() == 0
    # a phone goes off-hook: the table shows it without a reload (htmx polls the fragment)
    webbox.ctl("sim.phone.offhook", port="fxs1")
    webbox.advance(200)
    page.locator("#ports tr", has_text="fxs1").locator("text=off").wait_for()
    shot(page, "status")
    page.click("text=Log out")
    page.wait_for_url(webbox.url + "login?bye=1")
    page.goto(webbox.url + "status")
    assert "/login" in page.url


def test_chinese_login_page(webbox, page):
    page.goto(webbox.url + "login?lang=zh")
    assert page.locator("button[type=submit]").inner_text() == "登录"
    login(page, webbox.url, lang="zh")
    page.wait_for_url(webbox.url + "status")
    assert page.locator("h1").inner_text() == "设备状态"
    shot(page, "status-zh")
