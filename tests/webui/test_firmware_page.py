"""The firmware page: running version, configuration schema and version, uptime, the data
dir's disk use and free space (``disk.usage``), upload still a placeholder (HTTP 501)."""
from __future__ import annotations

import re
from html import unescape

from firmware.diskuse import register_disk
from tests.webui.sysadmin_fixtures import server, standin  # noqa: F401  (fixtures)


def cell(html: str, id_: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", re.search(rf'id="{id_}">(.*?)</td>', html, re.S).group(1))).strip()


def test_firmware_page_shows_what_runs_and_the_disk(http, standin, server):  # noqa: F811
    register_disk(server.server.dispatcher, standin)
    (standin.data.root / "recordings").mkdir(exist_ok=True)
    (standin.data.root / "recordings" / "r1.wav").write_bytes(b"\0" * (3 * 1024 * 1024))
    standin.store.add_holiday(date="2030-01-01", name="later")
    http.login()
    r = http.get("/system/firmware")
    assert r.status == 200
    assert cell(r.text, "fw-version") == "0.1.0"
    assert cell(r.text, "fw-schema") == str(standin.store.schema_version())
    assert cell(r.text, "fw-config-version") == str(standin.store.version())
    assert cell(r.text, "fw-uptime") == "01:02:05 · virtual clock"          # 3725.5 s
    assert re.match(r"^3\.\d MB$", cell(r.text, "fw-data-bytes"))
    assert re.match(r"^[\d.]+ [KMG]B of [\d.]+ [KMG]B$", cell(r.text, "fw-free"))
    parts = re.search(r'id="fw-parts">(.*?)</table>', r.text, re.S).group(1)
    assert re.search(r"<code>recordings/</code></td><td class=\"num\">3\.0 MB", parts), parts
    assert "arrives with the firmware image work" in r.text and "disabled" in r.text
    r = http.post("/system/firmware")
    assert r.status == 501 and "Nothing was changed" in r.text


def test_without_disk_usage_the_page_still_answers(http, standin):  # noqa: F811
    http.login()
    r = http.get("/system/firmware")
    assert r.status == 200 and "Disk use is not known" in unescape(r.text)
    assert cell(r.text, "fw-version") == "0.1.0"


def test_firmware_page_is_for_admins(http, standin):  # noqa: F811
    standin.store.add_user("sup", role="supervisor", password="Sup-pass-1234")
    http.login("sup", "Sup-pass-1234")
    assert http.get("/system/firmware").status == 403
