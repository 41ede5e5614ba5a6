"""The box's time zone.

``settings.timezone`` holds an IANA zone name (``Asia/Shanghai`` by default, chosen in the
setup wizard). Everything that shows or acts on local time — business hours and holidays,
caller-ID date/time sent to phones, the time-of-day in prompts, toll-guard hours, CDR and
report times, recording day folders — uses this zone, not the zone of the machine the
firmware happens to run on. An empty or unknown name falls back to the system's local time.
"""
from __future__ import annotations

import datetime as _dt
from functools import lru_cache
from typing import Any, Mapping, Optional


@lru_cache(maxsize=16)
def zone_named(name: str) -> Optional[_dt.tzinfo]:
    """The zone called ``name`` (``UTC`` or an IANA name); None when empty or unknown."""
    if not name:
        return None
    if name.upper() in ("UTC", "GMT", "Z"):
        return _dt.timezone.utc
    try:
        from zoneinfo import ZoneInfo
        return ZoneInfo(name)
    except Exception:                    # unknown name, or no tzdata: the system's local time
        return None


def settings_zone(settings: Optional[Mapping[str, Any]]) -> Optional[_dt.tzinfo]:
    """The zone named by ``settings["timezone"]``; None = the system's local time."""
    return zone_named(str((settings or {}).get("timezone") or ""))


def box_zone(config: Any) -> Optional[_dt.tzinfo]:
    """The zone of a :class:`~firmware.config.model.Config` (anything with ``.settings``)."""
    return settings_zone(getattr(config, "settings", None))


def local(t: _dt.datetime, zone: Optional[_dt.tzinfo]) -> _dt.datetime:
    """``t`` (aware; naive is taken as UTC) as local time in ``zone`` (None: the system's)."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=_dt.timezone.utc)
    return t.astimezone(zone)
