"""Settings the setup wizard writes: time zone, NTP servers, network, and the wizard's own
progress (checked here; the defaults are merged into SETTINGS_DEFAULTS in validate.py).

* ``timezone`` — an IANA zone name from the system's zoneinfo (``Asia/Shanghai``);
* ``ntp_servers`` — host names or IP addresses (a list, or text split at commas/spaces);
* ``network`` — ``{"mode": "dhcp"}`` or ``{"mode": "static", "address", "prefix",
  "gateway", "dns": [...]}`` (IPv4; recorded, applied by the image on real hardware);
* ``setup_done`` — the wizard has been finished once; ``setup_step`` — the last step
  the wizard saved (a half-done wizard resumes there).
"""
from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import Any, Mapping

from firmware.config.errors import ConfigError
from firmware.config.fields import _bool, _int

SETUP_SETTINGS: Mapping[str, Any] = {
    "timezone": "Asia/Shanghai",
    "ntp_servers": ["cn.pool.ntp.org", "ntp.aliyun.com"],
    "network": {"mode": "dhcp", "address": "", "prefix": 24, "gateway": "", "dns": []},
    "setup_done": False,
    "setup_step": "",
}

_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
MAX_NTP = 5


@lru_cache(maxsize=1)
def timezones() -> frozenset[str]:
    """The IANA zone names the system knows (empty when zoneinfo has no data)."""
    import zoneinfo
    try:
        return frozenset(zoneinfo.available_timezones())
    except Exception:  # pragma: no cover - a system without tzdata
        return frozenset()


def is_host(text: str) -> bool:
    """A host name (RFC 1123 labels) or an IPv4/IPv6 address."""
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        pass
    if len(text) > 253 or re.fullmatch(r"[\d.]+", text):    # 300.1.2.3 is no host name
        return False
    return all(_HOST_LABEL.match(label) for label in text.rstrip(".").split("."))


def _ipv4(field: str, value: Any, what: str) -> str:
    try:
        return str(ipaddress.IPv4Address(str(value).strip()))
    except ValueError:
        raise ConfigError(field, f"{value!r} is not an IPv4 address ({what}, like 192.168.1.10)") from None


def _network(value: Any) -> dict[str, Any]:
    f = "settings.network"
    if not isinstance(value, Mapping):
        raise ConfigError(f, f"{value!r} is not a network setting ({{mode: dhcp|static, ...}})")
    unknown = set(value) - {"mode", "address", "prefix", "gateway", "dns"}
    if unknown:
        raise ConfigError(f"{f}.{sorted(unknown)[0]}", "unknown field (known: mode, address, prefix, gateway, dns)")
    mode = value.get("mode", "dhcp")
    if mode not in ("dhcp", "static"):
        raise ConfigError(f"{f}.mode", f"{mode!r} is not dhcp or static")
    dns = value.get("dns") or []
    if isinstance(dns, str):
        dns = [d for d in re.split(r"[\s,]+", dns) if d]
    if not isinstance(dns, (list, tuple)):
        raise ConfigError(f"{f}.dns", f"{dns!r} is not a list of addresses")
    if mode == "dhcp":
        return {"mode": "dhcp", "address": "", "prefix": 24, "gateway": "",
                "dns": [_ipv4(f"{f}.dns", d, "a DNS server") for d in dns]}
    if not value.get("address"):
        raise ConfigError(f"{f}.address", "is required for a static address")
    address = _ipv4(f"{f}.address", value.get("address"), "the box's address")
    prefix = _int(f"{f}.prefix", value.get("prefix", 24), 8, 30)
    net = ipaddress.IPv4Network(f"{address}/{prefix}", strict=False)
    if ipaddress.IPv4Address(address) in (net.network_address, net.broadcast_address):
        raise ConfigError(f"{f}.address", f"{address} is the network or broadcast address of {net}")
    gateway = ""
    if value.get("gateway"):
        gateway = _ipv4(f"{f}.gateway", value.get("gateway"), "the router")
        if ipaddress.IPv4Address(gateway) not in net:
            raise ConfigError(f"{f}.gateway", f"{gateway} is not in the box's network {net}")
        if gateway == address:
            raise ConfigError(f"{f}.gateway", f"{gateway} is the box's own address")
    if not dns:
        raise ConfigError(f"{f}.dns", "give at least one DNS server for a static address")
    return {"mode": "static", "address": address, "prefix": prefix, "gateway": gateway,
            "dns": [_ipv4(f"{f}.dns", d, "a DNS server") for d in dns]}


def setup_setting(key: str, value: Any) -> Any:
    """Check and normalise one of :data:`SETUP_SETTINGS`."""
    f = f"settings.{key}"
    if key == "timezone":
        zones = timezones()
        if not isinstance(value, str) or (zones and value not in zones) or not value:
            raise ConfigError(f, f"{value!r} is not a time zone (an IANA name like Asia/Shanghai)")
        return value
    if key == "ntp_servers":
        if isinstance(value, str):
            value = [v for v in re.split(r"[\s,]+", value) if v]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f, f"{value!r} is not a list of NTP servers")
        out: list[str] = []
        for host in value:
            if not isinstance(host, str) or not is_host(host):
                raise ConfigError(f, f"{host!r} is not a host name or IP address")
            if host not in out:
                out.append(host)
        if len(out) > MAX_NTP:
            raise ConfigError(f, f"at most {MAX_NTP} NTP servers ({len(out)} given)")
        return out
    if key == "network":
        return _network(value)
    if key == "setup_done":
        return _bool(f, value)
    if key == "setup_step":
        if not isinstance(value, str) or not re.fullmatch(r"[a-z_]{0,20}", value):
            raise ConfigError(f, f"{value!r} is not a wizard step name")
        return value
    raise AssertionError(key)  # pragma: no cover
