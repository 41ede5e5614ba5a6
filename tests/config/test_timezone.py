"""The box's time zone (settings.timezone) and the helpers every local-time user shares."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from firmware.config.timezone import box_zone, local, settings_zone, zone_named


def test_zone_names():
    assert zone_named("UTC") is dt.timezone.utc and zone_named("gmt") is dt.timezone.utc
    assert zone_named("Asia/Shanghai") == ZoneInfo("Asia/Shanghai")
    assert zone_named("") is None and zone_named("Mars/Olympus") is None   # the system's local time


def test_settings_and_config_zone():
    assert settings_zone({"timezone": "America/New_York"}) == ZoneInfo("America/New_York")
    assert settings_zone({}) is None and settings_zone(None) is None

    class Cfg:
        settings = {"timezone": "Asia/Shanghai"}
    assert box_zone(Cfg()) == ZoneInfo("Asia/Shanghai")


def test_local_converts_aware_and_takes_naive_as_utc():
    t = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)
    assert local(t, ZoneInfo("Asia/Shanghai")).hour == 10
    assert local(t.replace(tzinfo=None), ZoneInfo("Asia/Shanghai")).hour == 10
    assert local(t, None).tzinfo is not None                                  # system zone, still aware
