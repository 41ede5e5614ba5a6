"""Backup and restore (/system/backup): the archive's contents; a broken, foreign or
newer-schema upload is refused in words and changes nothing; a good one shows what would
change and is applied only on confirmation (audited)."""
from __future__ import annotations

import io
import json
import re
import tarfile
from html import unescape

from tests.webui.sysadmin_fixtures import server, standin, upload, wav  # noqa: F401  (fixtures)


def download(http) -> bytes:
    r = http.post("/system/backup/download")
    assert r.status == 200 and r.headers["Content-Type"] == "application/gzip"
    assert "attachment" in r.headers["Content-Disposition"]
    return r.body


def members(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as t:
        return {m.name: t.extractfile(m).read() for m in t if m.isfile()}


def targz(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def restore(http, data: bytes, name: str = "b.tar.gz"):
    return upload(http, "/system/backup/restore", {}, {"file": (name, data, "application/gzip")})


def test_backup_holds_manifest_config_and_own_prompts_not_logins(http, standin):  # noqa: F811
    http.login()
    upload(http, "/config/prompts", {"name": "hello"}, {"file": ("h.wav", wav(0.3), "audio/wav")})
    files = members(download(http))
    man = json.loads(files["manifest.json"])
    assert man["format"] == "hotline-backup" and man["firmware"] == "0.1.0"
    assert man["schema"] == standin.store.schema_version() and man["users"] == "excluded"
    cfg = json.loads(files["config.json"])
    assert cfg["format"] == "hotline-config" and [e["number"] for e in cfg["extensions"]][:1] == ["801"]
    assert "users" not in cfg and b"argon2" not in files["config.json"]
    assert files["prompts/en/hello.wav"][:4] == b"RIFF" and "prompts/en/welcome.wav" not in files
    assert standin.store.audit_log(target="config")["rows"][0]["action"] == "backup"


def test_broken_foreign_and_newer_archives_are_refused_and_nothing_changes(http, standin):  # noqa: F811
    http.login()
    good = members(download(http))
    before = standin.store.version()
    man = json.loads(good["manifest.json"])
    cases = [
        (b"hello, not an archive", "not a .tar.gz archive"),
        (download(http)[:200], "damaged|not a .tar.gz"),
        (targz({"readme.txt": b"x"}), "unexpected file readme.txt"),
        (targz({"config.json": good["config.json"]}), "no manifest.json"),
        (targz({"manifest.json": json.dumps({**man, "format": "other-pbx"}).encode(),
                "config.json": good["config.json"]}), "not a Hotline backup"),
        (targz({"manifest.json": json.dumps({**man, "schema": 999}).encode(),
                "config.json": good["config.json"]}), "newer firmware"),
        (targz({**good, "config.json": json.dumps({**json.loads(good["config.json"]), "extensions": [
            {"number": "8x1", "name": "bad"}]}).encode()}), r"refused \(extensions\.number\)"),
        (targz({**good, "prompts/en/evil.wav": b"not a wav"}), "not a WAV file"),
        (targz({**good, "../../etc/passwd": b"x"}), "unexpected file"),
    ]
    for data, why in cases:
        r = restore(http, data)
        msg = unescape(re.search(r'id="backup-error">([^<]*)<', r.text).group(1))
        assert r.status == 400 and re.search(why, msg), (why, msg)
        assert 'id="restore-plan"' not in r.text
    assert standin.store.version() == before
    assert not list((standin.data.root / "uploads").glob("restore-*"))


def test_a_good_backup_shows_the_changes_then_applies_on_confirmation(http, standin):  # noqa: F811
    http.login()
    upload(http, "/config/prompts", {"name": "hello"}, {"file": ("h.wav", wav(0.3), "audio/wav")})
    data = download(http)
    standin.store.update_extension("801", name="Renamed")
    standin.store.add_holiday(date="2030-01-01", name="later")
    (standin.data.sounds / "prompts" / "en" / "hello.wav").unlink()
    r = restore(http, data, "box.tar.gz")
    assert r.status == 200 and 'id="restore-plan"' in r.text
    row = re.search(r'<tr data-table="holidays">(.*?)</tr>', r.text, re.S).group(1)
    assert re.findall(r'class="num">(\d+)<', row) == ["1", "0"] and "removes 1: 2030-01-01" in row
    assert ">Holidays<" in row
    row = re.search(r'<tr data-table="extensions">(.*?)</tr>', r.text, re.S).group(1)
    assert re.findall(r'class="num">(\d+)<', row) == ["4", "4"] and "changes 1: 801" in row
    same = re.search(r'<details id="plan-same">(.*?)</details>', r.text, re.S).group(1)
    assert 'data-table="queues"' in same and 'data-table="extensions"' not in same
    assert "Prompts in the backup: 1." in r.text and "en/hello" in r.text
    assert standin.store.extension("801")["name"] == "Renamed", "nothing applied before confirming"
    token = re.search(r'name="token" value="([0-9a-f]+)"', r.text).group(1)
    r = http.post("/system/backup/apply", {"token": token, "filename": "box.tar.gz", "action": "apply"})
    assert r.status == 200 and "is restored (1 prompts)" in unescape(r.text)
    assert standin.store.extension("801")["name"] != "Renamed" and standin.store.holidays() == []
    assert (standin.data.sounds / "prompts" / "en" / "hello.wav").is_file()
    actions = [(a["actor"], a["action"]) for a in standin.store.audit_log(limit=5)["rows"]]
    assert ("web:admin", "restore") in actions and ("web:admin", "import") in actions
    r = http.post("/system/backup/apply", {"token": token, "filename": "box.tar.gz", "action": "apply"})
    assert r.status == 400 and "no longer waiting" in r.text


def test_backup_is_for_admins_only(http, standin):  # noqa: F811
    standin.store.add_user("inst", role="installer", password="Inst-pass-1234")
    http.login("inst", "Inst-pass-1234")
    assert http.get("/system/backup").status == 403
    assert http.post("/system/backup/download").status == 403
