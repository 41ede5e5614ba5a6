"""Recording policies: the ``settings.recording`` document and who decides for one call.

The setting (JSON, checked by :func:`validate_recording_setting`)::

    {"default": "never",                       # never | always | on_demand
     "extensions": {"801": "always"},          # by extension number
     "queues": {"700": {"mode": "always", "retention_days": 30}},
     "trunks": {"line1": "on_demand"},         # FXO line or SIP trunk name
     "routes": {"hotline": "always"},          # inbound route name (or its id)
     "announce": false,                        # "this call may be recorded" (all recorded calls)
     "format": "alaw",                         # alaw (8 bit) | pcm16
     "channels": "stereo",                     # stereo (caller left, callee right) | mono (mixed)
     "retention_days": 90,                     # kept this long unless the policy says otherwise (0 = forever)
     "quota_mb": 0,                            # all recordings together at most (0 = no quota)
     "min_free_mb": 100}                       # new recordings refused below this free space

An entry is a mode or ``{"mode", "retention_days"?, "announce"?}``.

Precedence (:func:`decide`): the most specific level that has an entry decides —
queue, then extension (either party of the call; if both have one the stronger wins:
always > on_demand > never), then trunk (line / SIP trunk), then inbound route, then
``default``.  ``never`` at the deciding level means never, even on demand.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from firmware.config.errors import ConfigError
from firmware.config.fields import _bool, _choice, _int

MODES = ("never", "on_demand", "always")
FORMATS = ("alaw", "pcm16")
CHANNELS = ("stereo", "mono")
SCOPES = ("queues", "extensions", "trunks", "routes")    #: in order of precedence

DEFAULT_RECORDING: Mapping[str, Any] = {
    "default": "never", "extensions": {}, "queues": {}, "trunks": {}, "routes": {},
    "announce": False, "format": "alaw", "channels": "stereo", "retention_days": 90,
    "quota_mb": 0, "min_free_mb": 100,
}


@dataclass(frozen=True)
class Decision:
    """What to do with one call: ``mode`` (never/on_demand/always), how long to keep the
    file (days, 0 = forever), whether the caller hears the announcement, and why."""
    mode: str
    retention_days: int
    announce: bool
    source: str                  #: e.g. "queue 700", "extension 801", "default"


def _entry(field: str, value: Any, retention: int, announce: bool) -> dict[str, Any]:
    if isinstance(value, str):
        value = {"mode": value}
    if not isinstance(value, Mapping):
        raise ConfigError(field, f"{value!r} is not a mode ({', '.join(MODES)}) or "
                                 "{mode, retention_days, announce}")
    for k in value:
        if k not in ("mode", "retention_days", "announce"):
            raise ConfigError(f"{field}.{k}", "unknown field (known: announce, mode, retention_days)")
    return {"mode": _choice(f"{field}.mode", value.get("mode", "always"), MODES),
            "retention_days": _int(f"{field}.retention_days", value.get("retention_days", retention), 0, 36500, " days"),
            "announce": _bool(f"{field}.announce", value.get("announce", announce))}


def validate_recording_setting(value: Any) -> dict[str, Any]:
    """Defaults filled in, every entry normalised to ``{mode, retention_days, announce}``;
    errors name the field (``settings.recording.extensions.801.mode``)."""
    f = "settings.recording"
    if not isinstance(value, Mapping):
        raise ConfigError(f, f"{value!r} is not a recording policy document")
    for k in value:
        if k not in DEFAULT_RECORDING:
            raise ConfigError(f"{f}.{k}", f"unknown field (known: {', '.join(DEFAULT_RECORDING)})")
    out = {**DEFAULT_RECORDING, **value}
    out["default"] = _choice(f"{f}.default", out["default"], MODES)
    out["announce"] = _bool(f"{f}.announce", out["announce"])
    out["format"] = _choice(f"{f}.format", out["format"], FORMATS)
    out["channels"] = _choice(f"{f}.channels", out["channels"], CHANNELS)
    out["retention_days"] = _int(f"{f}.retention_days", out["retention_days"], 0, 36500, " days")
    out["quota_mb"] = _int(f"{f}.quota_mb", out["quota_mb"], 0, 10_000_000, " MB")
    out["min_free_mb"] = _int(f"{f}.min_free_mb", out["min_free_mb"], 0, 1_000_000, " MB")
    for scope in SCOPES:
        entries = out[scope]
        if not isinstance(entries, Mapping):
            raise ConfigError(f"{f}.{scope}", f"{entries!r} is not a list of name: mode")
        out[scope] = {str(k): _entry(f"{f}.{scope}.{k}", v, out["retention_days"], out["announce"])
                      for k, v in entries.items()}
    return out


def _strongest(entries: Iterable[tuple[str, dict]]) -> Optional[tuple[str, dict]]:
    best = None
    for who, e in entries:
        if best is None or MODES.index(e["mode"]) > MODES.index(best[1]["mode"]):
            best = (who, e)
    return best


def decide(setting: Mapping[str, Any], *, queue: str = "", extensions: Iterable[str] = (),
           trunk: str = "", route: Iterable[str] = ()) -> Decision:
    """The policy for a call through ``queue`` between ``extensions`` over ``trunk`` that
    came in by the inbound route named/numbered ``route`` (see the module docstring)."""
    s = setting
    levels = (
        ("queue", [(queue, s["queues"][queue])] if queue and queue in s["queues"] else []),
        ("extension", [(e, s["extensions"][e]) for e in extensions if e in s["extensions"]]),
        ("trunk", [(trunk, s["trunks"][trunk])] if trunk and trunk in s["trunks"] else []),
        ("route", [(r, s["routes"][r]) for r in route if r and r in s["routes"]][:1]),
    )
    for level, entries in levels:
        hit = _strongest(entries)
        if hit is not None:
            who, e = hit
            return Decision(e["mode"], e["retention_days"], e["announce"], f"{level} {who}")
    return Decision(s["default"], s["retention_days"], s["announce"], "default")
