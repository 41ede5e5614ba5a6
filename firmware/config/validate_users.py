"""Web UI logins: user names, roles and per-user language (the password policy is in
passwords.py).  Roles, from most to least: admin (everything), installer (the setup
wizard and configuration), supervisor (dashboard, reports, agents), agent (the agent panel).
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from firmware.config.errors import ConfigError
from firmware.config.fields import _bool, _text, _unknown_fields

ROLES = ("admin", "installer", "supervisor", "agent")
USER_LANGS = ("", "zh", "en")          #: "" = the box's language setting
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")
_FIELDS = ("username", "name", "role", "agent", "lang", "enabled", "must_change", "changed")


def validate_user(row: Mapping[str, Any]) -> dict[str, Any]:
    """The clean ``users`` row (without password) or ConfigError naming the field."""
    _unknown_fields("users", row, _FIELDS)
    u = row.get("username")
    if not isinstance(u, str) or not _USERNAME.match(u):
        raise ConfigError("users.username", f"{u!r} is not a valid user name (1–32 lower-case letters, "
                                            "digits, '_', '-', '.'; starting with a letter or digit)")
    role = row.get("role")
    if role not in ROLES:
        raise ConfigError("users.role", f"{role!r} is not one of {', '.join(ROLES)}")
    agent = row.get("agent") or ""
    if not isinstance(agent, str) or not re.fullmatch(r"\d{0,8}", agent):
        raise ConfigError("users.agent", f"{agent!r} is not an agent number")
    lang = row.get("lang") or ""
    if lang not in USER_LANGS:
        raise ConfigError("users.lang", f"{lang!r} is not one of zh, en (or empty for the box's language)")
    return {"username": u, "name": _text("users.name", row.get("name") or ""), "role": role,
            "agent": agent, "lang": lang, "enabled": _bool("users.enabled", row.get("enabled", True)),
            "must_change": _bool("users.must_change", row.get("must_change", False))}
