"""Field coercion shared by the config validators: each takes the field name
(``table.column``) and a value, returns the clean value or raises ConfigError naming the
field in words an installer understands."""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from firmware.config.errors import ConfigError

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
MAX_TEXT = 64


def _choice(field: str, value: Any, choices: Iterable[str]) -> str:
    choices = tuple(choices)
    if value not in choices:
        raise ConfigError(field, f"{value!r} is not one of {', '.join(choices)}")
    return value


def _int(field: str, value: Any, lo: int, hi: int, unit: str = "") -> int:
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(field, f"{value!r} is not a whole number")
    if not lo <= value <= hi:
        raise ConfigError(field, f"{value}{unit} is out of range ({lo}–{hi}{unit})")
    return value


def _bool(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("0", "1", "true", "false", "yes", "no", "on", "off"):
        return value.strip().lower() in ("1", "true", "yes", "on")
    raise ConfigError(field, f"{value!r} is not yes/no (true/false or 1/0)")


def _text(field: str, value: Any, max_len: int = MAX_TEXT) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError(field, f"{value!r} is not text")
    if len(value) > max_len:
        raise ConfigError(field, f"is {len(value)} characters long (at most {max_len})")
    if any(ord(c) < 32 for c in value):
        raise ConfigError(field, "must not contain control characters (newlines, tabs)")
    return value


def _digits(field: str, value: Any, lo: int, hi: int, what: str = "a number") -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not re.fullmatch(r"\d*", value) or not lo <= len(value) <= hi:
        span = f"{lo}–{hi} digits" if lo else f"up to {hi} digits"
        raise ConfigError(field, f"{value!r} is not {what} ({span})")
    return value


def _name(field: str, value: Any) -> str:
    if not isinstance(value, str) or not _NAME_RE.match(value):
        raise ConfigError(field, f"{value!r} is not a valid name (1–32 letters, digits, '_', '-', '.';"
                                 " starting with a letter or digit)")
    return value


def _unknown_fields(table: str, row: Mapping[str, Any], allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    for k in row:
        if k not in allowed:
            raise ConfigError(f"{table}.{k}", f"unknown field (known: {', '.join(sorted(allowed))})")
