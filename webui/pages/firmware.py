"""The firmware page (admin): what runs now — firmware version, configuration schema and
version (the change counter), uptime — and the data dir's disk use and free space
(``disk.usage``), and the place where firmware updates will be uploaded.  Updates arrive
with the firmware image issue (signed bundles, A/B slots): until then the upload is
refused and says so (HTTP 501); nothing is pretended."""
from __future__ import annotations

from typing import Any, Optional

import bottle

from firmware.mgmt.client import MgmtError
from webui.i18n import N_, _
from webui.render import add_nav, render
from webui.web import Web

ROLES = ("admin",)
LOW_FREE_FRACTION = 0.10           #: free space below this share of the disk is shown as a warning


def size_text(n: Optional[int]) -> str:
    """Bytes in words: ``812 KB``, ``3.4 MB``, ``12.0 GB`` (1 KB = 1024 bytes)."""
    if n is None:
        return "—"
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}" if unit != "KB" else f"{n // scale} KB"
    return _("{n} bytes").format(n=n)


def uptime_text(seconds: Any) -> str:
    """Seconds as ``3 d 04:05:06`` / ``04:05:06``."""
    try:
        s = int(float(seconds))
    except (TypeError, ValueError):
        return "—"
    d, rest = divmod(s, 86400)
    h, rest = divmod(rest, 3600)
    m, sec = divmod(rest, 60)
    hms = f"{h:02d}:{m:02d}:{sec:02d}"
    return _("{days} d {hms}").format(days=d, hms=hms) if d else hms


def install(app: bottle.Bottle, web: Web) -> None:
    add_nav("/system/firmware", N_("Firmware"), ROLES, N_("System"))

    def facts() -> dict[str, Any]:
        out: dict[str, Any] = {"version": "unknown", "uptime": "—", "started": "", "clock": "", "error": ""}
        try:
            box = web.ask("status")["box"]
            out.update(version=str(box.get("version") or "unknown"), uptime=uptime_text(box.get("uptime_s")),
                       clock=box.get("clock", ""))
        except (MgmtError, OSError, KeyError, TypeError) as e:
            out["error"] = _("The daemon did not answer: {reason}").format(reason=getattr(e, "message", e))
        try:
            out["disk"] = web.ask("disk.usage")
        except (MgmtError, OSError) as e:
            out["disk"] = None
            out["disk_error"] = _("Disk use is not known: {reason}").format(reason=getattr(e, "message", e))
        return out

    def page(status: int = 200, **kw: Any) -> str:
        bottle.response.status = status
        f = facts()
        disk = f.get("disk")
        low = bool(disk and disk["disk_total_bytes"]
                   and disk["disk_free_bytes"] < LOW_FREE_FRACTION * disk["disk_total_bytes"])
        return render("firmware", title=_("Firmware"), schema=web.store.schema_version(),
                      config_version=web.store.version(), size=size_text, low=low, **f, **kw)

    @app.get("/system/firmware", roles=ROLES)
    def firmware_page() -> str:
        return page()

    @app.post("/system/firmware", roles=ROLES)
    def firmware_upload() -> str:
        return page(501, flash=("error", _("Firmware updates are not available yet on this box: they arrive "
                                           "with signed update images. Nothing was changed.")))
