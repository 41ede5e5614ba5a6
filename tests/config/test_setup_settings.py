"""Settings of the setup wizard (firmware/config/validate_setup.py): time zone, NTP servers,
network, progress — defaults, normalising, and refusals naming the field."""
from __future__ import annotations

import pytest

from firmware.config.errors import ConfigError
from firmware.config.validate import SETTINGS_DEFAULTS, validate_setting


def test_defaults_are_valid_and_merged():
    for key in ("timezone", "ntp_servers", "network", "setup_done", "setup_step"):
        assert validate_setting(key, SETTINGS_DEFAULTS[key]) == SETTINGS_DEFAULTS[key]
    assert SETTINGS_DEFAULTS["setup_done"] is False


def test_ntp_servers_text_is_split_and_deduplicated():
    assert validate_setting("ntp_servers", "ntp.aliyun.com, 203.107.6.88 ntp.aliyun.com") == [
        "ntp.aliyun.com", "203.107.6.88"]


@pytest.mark.parametrize("key, value, field, words", [
    ("timezone", "Asia/Shangai", "settings.timezone", "not a time zone"),
    ("ntp_servers", "300.1.1.1", "settings.ntp_servers", "not a host name or IP address"),
    ("ntp_servers", "-bad.example.org", "settings.ntp_servers", "not a host name"),
    ("network", {"mode": "static", "address": "192.168.1.0", "prefix": 24, "dns": ["1.1.1.1"]},
     "settings.network.address", "network or broadcast address"),
    ("network", {"mode": "static", "address": "192.168.1.9", "gateway": "192.168.1.9", "dns": ["1.1.1.1"]},
     "settings.network.gateway", "the box's own address"),
    ("network", {"mode": "pppoe"}, "settings.network.mode", "not dhcp or static"),
    ("setup_step", "../x", "settings.setup_step", "not a wizard step"),
])
def test_refusals_name_the_field(key, value, field, words):
    with pytest.raises(ConfigError) as e:
        validate_setting(key, value)
    assert e.value.field == field and words in e.value.message


def test_static_network_is_normalised():
    assert validate_setting("network", {"mode": "static", "address": "10.0.0.5", "prefix": "16",
                                        "gateway": "10.0.0.1", "dns": "10.0.0.1, 8.8.8.8"}) == {
        "mode": "static", "address": "10.0.0.5", "prefix": 16, "gateway": "10.0.0.1",
        "dns": ["10.0.0.1", "8.8.8.8"]}
