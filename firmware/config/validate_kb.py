"""Knowledge-base articles (``kb_articles``): what a valid title, body and tag list is.

Tags are short words (any script, Chinese included) without spaces, commas or quotes;
given as a list or as one text separated by commas / spaces (``"退款, billing"``).
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from firmware.config.errors import ConfigError
from firmware.config.fields import _text, _unknown_fields

MAX_TITLE = 200          #: characters
MAX_BODY = 20000         #: characters
MAX_TAGS = 12
MAX_TAG = 32             #: characters per tag
_FIELDS = ("id", "title", "body", "tags", "updated", "author")
_TAG_SPLIT = re.compile(r"[,，;；\s]+")
_TAG_BAD = re.compile(r"[\"'<>#%\\]")


def parse_tags(value: Any) -> list[str]:
    """``["a", "b"]`` from a list or a comma/space-separated text (order kept, duplicates dropped)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        items = _TAG_SPLIT.split(value)
    elif isinstance(value, (list, tuple)):
        items = []
        for v in value:
            if not isinstance(v, str):
                raise ConfigError("kb_articles.tags", f"{v!r} is not a tag (a short word)")
            items.extend(_TAG_SPLIT.split(v))
    else:
        raise ConfigError("kb_articles.tags", f"{value!r} is not a list of tags")
    out: list[str] = []
    for t in items:
        t = t.strip()
        if not t:
            continue
        if len(t) > MAX_TAG:
            raise ConfigError("kb_articles.tags", f"tag {t!r} is {len(t)} characters long (at most {MAX_TAG})")
        if _TAG_BAD.search(t) or any(ord(c) < 32 for c in t):
            raise ConfigError("kb_articles.tags", f"tag {t!r} may not contain quotes, <, >, #, % or \\")
        if t.lower() not in (o.lower() for o in out):
            out.append(t)
    if len(out) > MAX_TAGS:
        raise ConfigError("kb_articles.tags", f"{len(out)} tags is too many (at most {MAX_TAGS})")
    return out


def validate_kb_article(row: Mapping[str, Any]) -> dict[str, Any]:
    """The clean article (title, body, tags as a list) or ConfigError naming the field."""
    _unknown_fields("kb_articles", row, _FIELDS)
    title = _text("kb_articles.title", row.get("title"), MAX_TITLE).strip()
    if not title:
        raise ConfigError("kb_articles.title", "is required (a short line saying what the article answers)")
    body = row.get("body")
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise ConfigError("kb_articles.body", f"{body!r} is not text")
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise ConfigError("kb_articles.body", "is required (the answer agents will read)")
    if len(body) > MAX_BODY:
        raise ConfigError("kb_articles.body", f"is {len(body)} characters long (at most {MAX_BODY})")
    if any(ord(c) < 32 and c not in "\n\t" for c in body):
        raise ConfigError("kb_articles.body", "must not contain control characters")
    author = _text("kb_articles.author", row.get("author") or "")
    return {"title": title, "body": body, "tags": parse_tags(row.get("tags")), "author": author}
