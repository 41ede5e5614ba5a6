"""Country profiles: call-progress tones and line facts, read from one table.

The table is ``dsp/data/tone_profiles.json`` (firmware/config reads the same file).
Each country (``cn``, ``us``, ``uk``, ``de``...) has:

* ``tones``: name -> tone spec (``dial``, ``busy``, ``ringback``, ``congestion``,
  ``callwaiting``, ``stutter``, ``info`` (SIT / number unobtainable), ``record``);
* ``ring_cadence_ms`` (FXS bell on/off list, ms), ``ring_frequency_hz`` (Hz),
  ``callerid`` (``standard``: ``bell202`` | ``v23`` | ``dtmf``; ``start``:
  ``after_first_ring`` | ``before_ring_polarity`` | ``before_ring``),
  ``companding`` (``alaw`` | ``ulaw``), ``hook_flash_ms`` ([min, max] ms) and
  ``tone_level_dbm0`` (level of each tone component, dBm0, default -13).

Tone spec format (Asterisk ``indications.conf`` style), e.g. ``"480+620/500,0/500"``:
comma-separated segments played in order; a segment is ``FREQ/MS`` where FREQ is
``0`` (silence), ``f`` (one tone), ``f1+f2`` (dual tone) or ``f1*f2`` (f1 amplitude
modulated by f2 at 90 % depth), frequencies in Hz (0 < f < 4000), MS in
milliseconds.  A segment without ``/MS`` is continuous (only as the last one).  A
``!`` prefix plays the segment only once; the cadence repeats from the first
segment without ``!``; if all segments have ``!`` the tone ends.

Installer-supplied profiles go through the same validation
(:func:`profile_from_dict`, :func:`load_profiles`) and fail with a
:class:`ProfileError` (a ``ValueError``) that names the country, key and problem.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Mapping, Optional

TABLE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "tone_profiles.json")
"""The one table of country profiles shipped with the firmware."""

DEFAULT_TONE_LEVEL_DBM0 = -13.0
NYQUIST_HZ = 4000.0
MAX_SEGMENT_MS = 600_000
CALLERID_STANDARDS = ("bell202", "v23", "dtmf")
CALLERID_STARTS = ("after_first_ring", "before_ring_polarity", "before_ring")
COMPANDING_LAWS = ("alaw", "ulaw")


class ProfileError(ValueError):
    """A country profile or tone spec is invalid (message says where and why)."""


class ToneSpecError(ProfileError):
    """A tone spec string does not parse."""


@dataclass(frozen=True)
class ToneSegment:
    """One segment of a tone cadence.

    ``freqs``: () for silence, (f,) single, (f1, f2) dual (sum) or modulated (Hz).
    ``ms``: duration in ms, ``None`` = continuous.  ``once``: the ``!`` prefix.
    """
    freqs: tuple[float, ...]
    ms: Optional[int]
    modulated: bool = False
    once: bool = False

    @property
    def is_silence(self) -> bool:
        return not self.freqs

    def __str__(self) -> str:
        f = "0" if not self.freqs else ("*" if self.modulated else "+").join(_fmt_hz(x) for x in self.freqs)
        return ("!" if self.once else "") + f + ("" if self.ms is None else f"/{self.ms}")


def _fmt_hz(f: float) -> str:
    return str(int(f)) if float(f).is_integer() else repr(float(f))


@dataclass(frozen=True)
class ToneSpec:
    """A parsed tone spec (see the module docstring for the text format)."""
    text: str
    segments: tuple[ToneSegment, ...]

    @property
    def loop_start(self) -> Optional[int]:
        """Index of the segment the cadence repeats from; ``None`` if the tone ends."""
        for i, s in enumerate(self.segments):
            if not s.once:
                return i
        return None

    @property
    def frequencies(self) -> tuple[float, ...]:
        """The distinct frequencies (Hz) of the tone, in order of appearance."""
        out: list[float] = []
        for s in self.segments:
            for f in s.freqs:
                if f not in out:
                    out.append(f)
        return tuple(out)

    @property
    def continuous(self) -> bool:
        """True when the repeating part is one steady tone (e.g. dial tone)."""
        loop = self.loop_part()
        return len(loop) == 1 and not loop[0].is_silence

    def loop_part(self) -> tuple[ToneSegment, ...]:
        """The segments that repeat (all of them when the tone ends)."""
        ls = self.loop_start
        return self.segments if ls is None else self.segments[ls:]

    def cadence(self) -> tuple[tuple[bool, Optional[int]], ...]:
        """The repeating part as (tone_on, ms) runs, adjacent tone segments merged.

        ``ms`` is ``None`` for a continuous segment.  Used by the detector.
        """
        runs: list[list] = []
        for s in self.loop_part():
            on = not s.is_silence
            if runs and runs[-1][0] == on and runs[-1][1] is not None and s.ms is not None:
                runs[-1][1] += s.ms
            else:
                runs.append([on, s.ms])
        if len(runs) > 1 and runs[0][0] == runs[-1][0] and self.loop_start is not None \
                and runs[0][1] is not None and runs[-1][1] is not None:
            runs[0][1] += runs[-1][1]   # the cycle wraps around: merge the seam
            runs.pop()
        return tuple((bool(on), ms) for on, ms in runs)

    def __str__(self) -> str:
        return self.text


_NUM = r"\d+(?:\.\d+)?"
_SEG_RE = re.compile(rf"^(!)?\s*({_NUM})(?:\s*([+*])\s*({_NUM}))?\s*(?:/\s*(\d+))?$")


def parse_tone_spec(text: str) -> ToneSpec:
    """Parse an Asterisk-style tone spec like ``"450/350,0/350"``; raise :class:`ToneSpecError`."""
    if not isinstance(text, str) or not text.strip():
        raise ToneSpecError(f"tone spec must be a non-empty string, got {text!r}")
    segs: list[ToneSegment] = []
    parts = [p.strip() for p in text.split(",")]
    for i, part in enumerate(parts):
        m = _SEG_RE.match(part)
        if not m:
            raise ToneSpecError(f"tone spec {text!r}: segment {i + 1} {part!r} is not "
                                f"FREQ[/MS] with FREQ = 0 | f | f1+f2 | f1*f2 (Hz), MS in ms")
        once, f1, op, f2, ms = m.groups()
        freqs = tuple(float(f) for f in (f1, f2) if f is not None)
        if freqs == (0.0,):
            freqs = ()
        elif any(not (0.0 < f < NYQUIST_HZ) for f in freqs):
            raise ToneSpecError(f"tone spec {text!r}: segment {i + 1} {part!r}: frequencies "
                                f"must be between 0 and {NYQUIST_HZ:g} Hz (0 alone means silence)")
        dur = None if ms is None else int(ms)
        if dur is not None and not (0 < dur <= MAX_SEGMENT_MS):
            raise ToneSpecError(f"tone spec {text!r}: segment {i + 1} {part!r}: duration must be "
                                f"1..{MAX_SEGMENT_MS} ms")
        if dur is None and i != len(parts) - 1:
            raise ToneSpecError(f"tone spec {text!r}: segment {i + 1} {part!r} has no /MS (continuous) "
                                f"but is not the last segment")
        segs.append(ToneSegment(freqs, dur, op == "*", once is not None))
    if all(s.is_silence for s in segs):
        raise ToneSpecError(f"tone spec {text!r} contains no tone at all")
    return ToneSpec(text, tuple(segs))


@dataclass(frozen=True)
class CountryProfile:
    """Everything country-specific the box needs (one row of the profile table)."""
    code: str
    name: str
    tones: Mapping[str, ToneSpec]
    ring_cadence_ms: tuple[int, ...]
    ring_frequency_hz: float
    callerid_standard: str
    callerid_start: str
    companding: str
    hook_flash_ms: tuple[int, int]
    tone_level_dbm0: float = DEFAULT_TONE_LEVEL_DBM0
    unconfirmed: tuple[str, ...] = ()

    def tone(self, name: str) -> ToneSpec:
        """The tone spec called ``name``; ValueError naming the available ones."""
        try:
            return self.tones[name]
        except KeyError:
            raise ProfileError(f"country {self.code!r} has no tone {name!r}; it has: "
                               f"{', '.join(self.tones)}") from None


def _need(d: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in d:
        raise ProfileError(f"{where}: missing key {key!r}")
    return d[key]


def profile_from_dict(code: str, data: Mapping[str, Any],
                      defaults: Optional[Mapping[str, Any]] = None) -> CountryProfile:
    """Build and validate a :class:`CountryProfile` from its JSON form (a table row)."""
    where = f"country profile {code!r}"
    if not isinstance(data, Mapping):
        raise ProfileError(f"{where}: must be an object, got {type(data).__name__}")
    merged = dict(defaults or {})
    merged.update(data)
    raw_tones = _need(merged, "tones", where)
    if not isinstance(raw_tones, Mapping) or not raw_tones:
        raise ProfileError(f"{where}: 'tones' must be a non-empty object of name -> spec")
    tones = {}
    for tname, spec in raw_tones.items():
        try:
            tones[tname] = parse_tone_spec(spec)
        except ToneSpecError as exc:
            raise ToneSpecError(f"{where}, tone {tname!r}: {exc}") from None
    cad = _need(merged, "ring_cadence_ms", where)
    if (not isinstance(cad, (list, tuple)) or not cad or len(cad) % 2
            or not all(isinstance(x, int) and 0 < x <= MAX_SEGMENT_MS for x in cad)):
        raise ProfileError(f"{where}: 'ring_cadence_ms' must be an even-length list of positive "
                           f"ms durations (on, off, ...), got {cad!r}")
    rf = _need(merged, "ring_frequency_hz", where)
    if not isinstance(rf, (int, float)) or not (10 <= rf <= 70):
        raise ProfileError(f"{where}: 'ring_frequency_hz' must be 10..70 Hz, got {rf!r}")
    cid = _need(merged, "callerid", where)
    if not isinstance(cid, Mapping):
        raise ProfileError(f"{where}: 'callerid' must be an object with 'standard' and 'start'")
    std, start = _need(cid, "standard", where + ", callerid"), _need(cid, "start", where + ", callerid")
    if std not in CALLERID_STANDARDS:
        raise ProfileError(f"{where}: callerid standard {std!r} is not one of {', '.join(CALLERID_STANDARDS)}")
    if start not in CALLERID_STARTS:
        raise ProfileError(f"{where}: callerid start {start!r} is not one of {', '.join(CALLERID_STARTS)}")
    law = _need(merged, "companding", where)
    if law not in COMPANDING_LAWS:
        raise ProfileError(f"{where}: companding {law!r} is not one of {', '.join(COMPANDING_LAWS)}")
    hf = _need(merged, "hook_flash_ms", where)
    if (not isinstance(hf, (list, tuple)) or len(hf) != 2 or not all(isinstance(x, int) for x in hf)
            or not (0 < hf[0] < hf[1] <= 5000)):
        raise ProfileError(f"{where}: 'hook_flash_ms' must be [min, max] ms with 0 < min < max <= 5000, "
                           f"got {hf!r}")
    level = merged.get("tone_level_dbm0", DEFAULT_TONE_LEVEL_DBM0)
    if not isinstance(level, (int, float)) or not (-60.0 <= level <= 3.0):
        raise ProfileError(f"{where}: 'tone_level_dbm0' must be -60..3 dBm0, got {level!r}")
    return CountryProfile(
        code=code, name=str(merged.get("name", code)), tones=MappingProxyType(tones),
        ring_cadence_ms=tuple(cad), ring_frequency_hz=float(rf), callerid_standard=std,
        callerid_start=start, companding=law, hook_flash_ms=(hf[0], hf[1]),
        tone_level_dbm0=float(level), unconfirmed=tuple(merged.get("unconfirmed", ())))


def load_profiles(path: Optional[str] = None) -> dict[str, CountryProfile]:
    """Load and validate every profile of a table file (the shipped one by default)."""
    path = path or TABLE_PATH
    try:
        with open(path, encoding="utf-8") as f:
            table = json.load(f)
    except json.JSONDecodeError as exc:
        raise ProfileError(f"profile table {path}: not valid JSON ({exc})") from None
    if not isinstance(table, Mapping) or not isinstance(table.get("countries"), Mapping):
        raise ProfileError(f"profile table {path}: needs a 'countries' object")
    defaults = table.get("defaults", {})
    return {code: profile_from_dict(code, row, defaults) for code, row in table["countries"].items()}


@lru_cache(maxsize=1)
def _shipped() -> dict[str, CountryProfile]:
    return load_profiles(TABLE_PATH)


def countries() -> list[str]:
    """Codes of the shipped country profiles, table order (``cn`` first)."""
    return list(_shipped())


def get_profile(country: str) -> CountryProfile:
    """The shipped profile of ``country`` (case-insensitive code); ValueError for an unknown one."""
    if isinstance(country, CountryProfile):
        return country
    table = _shipped()
    key = str(country).strip().lower()
    if key not in table:
        raise ProfileError(f"unknown country {country!r}; known countries: {', '.join(table)}")
    return table[key]
