"""The country profiles the configuration accepts, described for people choosing one
(the setup wizard, the settings page): code, name, caller-ID standard, companding and
the main tones.  The data is dsp's profile table; this is the config store's view of it,
so the web UI need not reach below the config store."""
from __future__ import annotations

from dsp import profiles


def country_rows() -> list[dict]:
    """One row per country profile: ``code``, ``name``, ``callerid``, ``companding``
    ("A-law"/"µ-law") and ``tones`` (dial, busy, ringback as cadence text)."""
    rows = []
    for code in profiles.countries():
        p = profiles.get_profile(code)
        rows.append({"code": code, "name": p.name, "callerid": p.callerid_standard,
                     "companding": {"alaw": "A-law", "ulaw": "µ-law"}.get(p.companding, p.companding),
                     "tones": {k: v.text for k, v in p.tones.items() if k in ("dial", "busy", "ringback")}})
    return rows
