"""The web UI is translatable and the Chinese catalogs are complete."""
from __future__ import annotations

import re

from webui import i18n


def test_every_marked_string_has_a_chinese_translation():
    missing = i18n.missing("zh")
    assert not missing, "strings without Chinese (run `python -m webui.i18n`):\n" + "\n".join(
        f"{where}: {msg}" for msg, where in sorted(missing.items(), key=lambda kv: kv[1]))


def test_extraction_finds_template_and_python_strings():
    found = i18n.marked_strings()
    assert found["Log in"].startswith("templates/")
    assert found["Wrong user name or password."].startswith("pages/account.py")
    assert len(found) > 50


def test_translations_keep_their_placeholders():
    for msgid, text in i18n.catalog("zh").items():
        assert sorted(re.findall(r"\{\w*\}", msgid)) == sorted(re.findall(r"\{\w*\}", text)), msgid


def test_language_of_a_request():
    assert i18n.translate("zh", "Log in") == "登录" and i18n.translate("en", "Log in") == "Log in"
    assert i18n.translate("zh", "a string nobody marked") == "a string nobody marked"
    i18n.set_language("zh")
    assert i18n._("Log out") == "退出"
    i18n.set_language("xx")                       # unknown: the default (Chinese)
    assert i18n.current_language() == "zh"
    assert i18n.pick_language(None, "en", fallback="zh") == "en"
    assert i18n.pick_language("", None, fallback="zh") == "zh"
