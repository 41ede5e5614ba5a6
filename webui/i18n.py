"""Translations of the web UI: gettext catalogs (``.po``), read with Babel at start-up.

Strings in Python and templates are marked ``_("English text")``; the Chinese texts are
in ``webui/locale/zh/*.po`` (one catalog per area of the UI, so areas are translated
and reviewed separately; all are merged).  ``pybabel extract -F webui/babel.cfg`` finds
the strings; ``tests/webui/test_i18n.py`` fails when one has no Chinese translation.

The language of a request is the user's own (their profile), else the one chosen on the
login page, else the box's ``language`` setting.  ``_()`` translates into the language
of the request being served on this thread; ``translate(lang, text)`` into any.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterable

LOCALE = Path(__file__).parent / "locale"
LANGUAGES = {"zh": "中文", "en": "English"}       #: language code → its own name
DEFAULT_LANGUAGE = "zh"

_catalogs: dict[str, dict[str, str]] = {}
_load_lock = threading.Lock()
_current = threading.local()


def _load(lang: str) -> dict[str, str]:
    with _load_lock:
        if lang in _catalogs:
            return _catalogs[lang]
        table: dict[str, str] = {}
        folder = LOCALE / lang
        if folder.is_dir():
            from babel.messages.pofile import read_po
            for po in sorted(folder.glob("*.po")):
                with open(po, "rb") as f:
                    catalog = read_po(f, locale=lang)
                for m in catalog:
                    if m.id and m.string and not m.fuzzy and isinstance(m.id, str):
                        table[m.id] = m.string
        _catalogs[lang] = table
        return table


def reload_catalogs() -> None:
    """Forget loaded catalogs (a test or a developer edited a .po file)."""
    with _load_lock:
        _catalogs.clear()


def translate(lang: str, text: str) -> str:
    """``text`` in ``lang`` (the English text itself when there is no translation)."""
    if lang == "en" or not text:
        return text
    return _load(lang).get(text, text)


def catalog(lang: str) -> dict[str, str]:
    """English text → translation for ``lang`` (all catalogs merged)."""
    return dict(_load(lang))


def set_language(lang: str) -> None:
    """The language ``_()`` uses on this thread (set per request by the app)."""
    _current.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    return getattr(_current, "lang", DEFAULT_LANGUAGE)


def _(text: str) -> str:
    """``text`` in the language of the request on this thread."""
    return translate(current_language(), text)


def N_(text: str) -> str:
    """Mark ``text`` for translation without translating it now (tables of labels)."""
    return text


def pick_language(*choices: str | None, fallback: str = DEFAULT_LANGUAGE) -> str:
    """The first of ``choices`` that is a language of the UI, else ``fallback``."""
    for c in choices:
        if c in LANGUAGES:
            return c  # type: ignore[return-value]
    return fallback if fallback in LANGUAGES else DEFAULT_LANGUAGE


def languages() -> Iterable[tuple[str, str]]:
    return LANGUAGES.items()


# --------------------------------------------------------------------------- extraction
import re as _re                                  # noqa: E402

_MARKED = _re.compile(r"""\b(?:_|N_)\(\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\)""")


def extract_template(fileobj, keywords, comment_tags, options):  # noqa: ANN001 - Babel's plug-in signature
    """Babel extractor for bottle templates (``_('text')`` inside ``{{ }}`` and ``%`` lines);
    named in webui/babel.cfg, so ``pybabel extract -F webui/babel.cfg webui`` finds them."""
    for lineno, line in enumerate(fileobj.read().decode("utf-8").splitlines(), 1):
        for m in _MARKED.finditer(line):
            text = m.group(1) if m.group(1) is not None else m.group(2)
            yield lineno, "_", text.encode().decode("unicode_escape") if "\\" in text else text, []


def marked_strings() -> dict[str, str]:
    """Every string marked for translation in the web UI → where (``file:line``), found
    the way webui/babel.cfg tells Babel to look."""
    from babel.messages.extract import extract_from_dir
    cfg = Path(__file__).parent / "babel.cfg"
    from babel.messages.frontend import parse_mapping_cfg
    with open(cfg) as f:
        method_map, options_map = parse_mapping_cfg(f)
    out: dict[str, str] = {}
    for filename, lineno, message, _comments, _ctx in extract_from_dir(
            str(Path(__file__).parent), method_map, options_map, keywords={"_": None, "N_": None}):
        if isinstance(message, str) and message:
            out.setdefault(message, f"{filename}:{lineno}")
    return out


def missing(lang: str = "zh") -> dict[str, str]:
    """Marked strings without a translation in ``lang`` → where they are."""
    have = _load(lang)
    return {m: where for m, where in marked_strings().items() if m not in have}


def save_translations(area: str, translations: dict[str, str], lang: str = "zh") -> Path:
    """Merge ``{english: translation}`` into ``webui/locale/LANG/AREA.po`` (kept sorted, with
    the source locations of each string); returns the file.  Developers' tool:
    ``python -m webui.i18n add AREA FILE.json``."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po
    path = LOCALE / lang / f"{area}.po"
    old: dict[str, str] = {}
    if path.exists():
        with open(path, "rb") as f:
            old = {m.id: m.string for m in read_po(f, locale=lang) if m.id and m.string}
    old.update(translations)
    where = marked_strings()
    cat = Catalog(locale=lang, project="Hotline web UI", domain=area)
    for msgid in sorted(old):
        loc = where.get(msgid)
        locs = [(loc.rsplit(":", 1)[0], int(loc.rsplit(":", 1)[1]))] if loc else []
        cat.add(msgid, old[msgid], locations=locs)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        write_po(f, cat, width=100, sort_output=True)
    reload_catalogs()
    return path


if __name__ == "__main__":
    import json
    import sys
    if len(sys.argv) == 4 and sys.argv[1] == "add":      # python -m webui.i18n add AREA FILE.json
        print(save_translations(sys.argv[2], json.loads(Path(sys.argv[3]).read_text("utf-8"))))
    else:                                                  # python -m webui.i18n: what still needs Chinese
        for msg, where in sorted(missing().items(), key=lambda kv: kv[1]):
            print(f"{where}\t{msg}")
