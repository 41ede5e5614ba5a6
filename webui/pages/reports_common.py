"""What the report pages share: who may open them, asking the daemon with the failure in
words, the query string as form values, times shown in the box's time zone, and CSV
downloads."""
from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from typing import Any, Iterable, Mapping, Optional

import bottle

from firmware.config.timezone import settings_zone
from firmware.mgmt.client import MgmtError
from webui.pages.home import daemon_error
from webui.web import Web

ROLES = ("admin", "supervisor")          #: report pages: supervisors and admins
_FIELD = re.compile(r"^([a-z_]+): (.+)$", re.S)


class Refused(Exception):
    """The daemon refused or could not answer: ``status`` (HTTP), ``message`` (words),
    ``errors`` ({field: message} when the refusal names a field of the form)."""

    def __init__(self, status: int, message: str, errors: Optional[dict[str, str]] = None) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors or {}


def ask(web: Web, cmd: str, fields: Iterable[str] = (), **args: Any) -> Any:
    """``web.ask(cmd, **args)``; a refusal naming one of ``fields`` ("since: ...") becomes
    that field's message (HTTP 400), other failures plain words (HTTP 500/503)."""
    try:
        return web.ask(cmd, **args)
    except MgmtError as e:
        if e.code == "bad_args":
            m = _FIELD.match(e.message)
            if m and m.group(1) in fields:
                raise Refused(400, e.message, {m.group(1): m.group(2)}) from None
            raise Refused(400, e.message) from None
        status, words = daemon_error(e)
        raise Refused(status, words if status == 503 else e.message) from None


def query(names: Iterable[str]) -> dict[str, str]:
    """The request's query values for ``names`` (stripped; "" when absent)."""
    q = bottle.request.query
    return {n: (q.getunicode(n) or "").strip() for n in names}


def qs(values: Mapping[str, Any], **over: Any) -> str:
    """A query string of the non-empty ``values`` with ``over`` replacing some."""
    merged = {**values, **over}
    return urllib.parse.urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def page_number(raw: str) -> int:
    """Page number from the query (1 when absent or not a whole number ≥ 1)."""
    return int(raw) if raw.isdigit() and int(raw) >= 1 else 1


def box_zone(web: Web) -> Optional[dt.tzinfo]:
    """The box's time zone (settings.timezone), None = the system's local time."""
    return settings_zone(web.box_settings())


def local_time(iso: Any, tz: Optional[dt.tzinfo], with_seconds: bool = True) -> str:
    """An ISO time (UTC or with offset) as ``YYYY-MM-DD HH:MM:SS`` (``HH:MM`` without
    seconds) in ``tz`` (None: the system's zone); "" for none."""
    if not iso:
        return ""
    try:
        t = dt.datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def csv_download(text: str, filename: str) -> str:
    """Send ``text`` as a UTF-8 CSV file download (with a byte-order mark, so spreadsheet
    programs read Chinese names right)."""
    bottle.response.content_type = "text/csv; charset=utf-8"
    bottle.response.set_header("Content-Disposition", f'attachment; filename="{filename}"')
    bottle.response.set_header("Cache-Control", "no-store")
    return "\ufeff" + text


def hms(seconds: Any) -> str:
    """Seconds as ``m:ss`` or ``h:mm:ss`` ("" for none)."""
    if seconds in (None, ""):
        return ""
    s = int(round(float(seconds)))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"
