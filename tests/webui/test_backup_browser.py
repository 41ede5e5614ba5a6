"""Backup and restore in Debian's chromium against a real daemon: download a backup from
the page, change the configuration, upload the archive, read the plan (what will change),
confirm, and the running daemon has the configuration back; a cut-short archive is
refused in words and changes nothing."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.webui.harness import browser_login, shot, wait_until


def applied(webbox) -> bool:
    """The daemon runs the store's newest configuration (it checks on its clock)."""
    webbox.advance(200)
    s = webbox.store()
    try:
        v = s.version()
    finally:
        s.close()
    return webbox.ctl("status")["box"]["config_version"] == v


def numbers(webbox) -> list[str]:
    return [e["number"] for e in webbox.ctl("extension.list")]


def test_download_change_restore_in_the_browser(webbox, page, tmp_path):
    webbox.client.call("extension.add", number="850", sip=True, name="Back office")
    browser_login(page, webbox.url)
    page.goto(webbox.url + "system/backup")
    with page.expect_download() as dl:
        page.click("#backup-download")
    archive = tmp_path / dl.value.suggested_filename
    dl.value.save_as(archive)
    assert archive.name.startswith("hotline-backup-") and archive.stat().st_size > 500

    webbox.ctl("extension.delete", number="850")                 # the change a restore undoes
    wait_until(lambda: applied(webbox), what="the deletion applied")
    assert "850" not in numbers(webbox)

    # a cut-short archive: refused in words, nothing staged, nothing changed
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    page.set_input_files("#f-file", str(broken))
    page.click("#restore-check")
    err = page.locator("#backup-error")
    expect(err).to_contain_text("broken.tar.gz cannot be restored: The archive is damaged (cut short or "
                                "corrupted). Nothing was changed.")
    assert page.locator("#restore-plan").count() == 0
    shot(page, "backup-restore-refused")
    assert "850" not in numbers(webbox)

    page.set_input_files("#f-file", str(archive))
    page.click("#restore-check")
    plan = page.locator("#restore-plan")
    plan.wait_for()
    row = plan.locator('tr[data-table="extensions"]')
    expect(row.locator("td.num")).to_have_text(["4", "5"])
    expect(row).to_contain_text("adds 1: 850")
    expect(plan.locator("#plan-changes tr")).to_have_count(2)          # the header and extensions only
    expect(plan.locator("#plan-same summary")).to_contain_text("parts stay the same")
    expect(plan).to_contain_text(archive.name)
    shot(page, "backup-restore-plan")
    assert "850" not in numbers(webbox), "nothing is applied before confirming"

    page.click("#restore-apply")
    expect(page.locator(".flash")).to_contain_text(f"The configuration from {archive.name} is restored")
    wait_until(lambda: applied(webbox) and "850" in numbers(webbox), what="extension 850 back in the daemon")
    ext = next(e for e in webbox.ctl("extension.list") if e["number"] == "850")
    assert ext["name"] == "Back office" and ext["kind"] == "sip"
    shot(page, "backup-restored")
