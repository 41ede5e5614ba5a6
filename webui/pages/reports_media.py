"""Reports: recordings and voicemail search with playback in the browser.

* ``/reports/recordings`` — recordings (``recording.search``) by date range, number, agent,
  queue; ``/reports/voicemail`` — voicemail messages (``voicemail.search``) by mailbox,
  folder, caller and date range (days in the box's time zone).  Both are paged, newest
  first, :data:`PAGE` rows a page, "Newer"/"Older" links keep the filters; the daemon
  counts the matches.  Each row has a Play button: htmx puts an ``<audio>``
  player in the row (``.../<id>/player``), whose source is ``.../<id>/audio``.
* ``.../<id>/audio`` streams the WAV file (``audio/wav``, HTTP Range supported: the
  browser can seek).  Every playback is in the access log with the web user's name
  (``recording.play`` / ``voicemail.play`` with ``who = web:<user>``): a request for
  the start of the file is a playback; the browser's follow-up range requests of the
  same player reuse the file without logging again.
* Both pages list the latest access-log entries (``recording.access`` /
  ``voicemail.access``).

Supervisors and admins.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Optional

import bottle

from webui.i18n import N_, _
from webui.pages.reports_common import ROLES, Refused, ask, box_zone, hms, local_time, page_number, qs, query
from webui.render import add_nav, error_page, render
from webui.web import Web

PAGE = 50                         #: rows a page
ACCESS_ROWS = 20                  #: access-log entries shown under the list
FOLDERS = (("", N_("any")), ("new", N_("new")), ("old", N_("heard")))
ACTIONS = (N_("listen"), N_("export"), N_("delete"))          #: access-log actions shown translated


class PlayCache:
    """Files a session was given for playback: (session, kind, id) → path, so the
    browser's range requests after the first do not log another playback."""

    def __init__(self, size: int = 256) -> None:
        self._d: OrderedDict[tuple[str, str, int], str] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def get(self, key: tuple[str, str, int]) -> Optional[str]:
        with self._lock:
            return self._d.get(key)

    def put(self, key: tuple[str, str, int], path: str) -> None:
        with self._lock:
            self._d[key] = path
            self._d.move_to_end(key)
            while len(self._d) > self.size:
                self._d.popitem(last=False)


def starts_at_zero() -> bool:
    """The request asks for the start of the file (no Range, or ``bytes=0-...``)."""
    rng = (bottle.request.headers.get("Range") or "").replace(" ", "")
    return not rng or rng.startswith("bytes=0-")


def next_day(raw: str) -> str:
    return (dt.date.fromisoformat(raw) + dt.timedelta(days=1)).isoformat()


def check_dates(values: dict[str, str]) -> dict[str, str]:
    errors = {}
    for name in ("since", "until"):
        if values.get(name):
            try:
                dt.date.fromisoformat(values[name])
            except ValueError:
                errors[name] = _("{value} is not a date; write it as 2026-03-14").format(value=values[name])
    return errors


def day_start(raw: str, tz: Optional[dt.tzinfo]) -> str:
    """Midnight of the date ``raw`` in zone ``tz`` (None: the system's) as an ISO time with offset."""
    d = dt.date.fromisoformat(raw)
    t = dt.datetime(d.year, d.month, d.day, tzinfo=tz)
    return (t if tz is not None else t.astimezone()).isoformat()


def paging(total: int, page: int) -> dict[str, Any]:
    """What the template shows: rows ``first``–``last`` of ``total``, ``page`` of ``pages``."""
    pages = max(1, (total + PAGE - 1) // PAGE)
    first = (page - 1) * PAGE + 1 if total else 0
    return {"total": total, "page": page, "pages": pages, "first": first,
            "last": min(total, page * PAGE)}


def install(app: bottle.Bottle, web: Web) -> None:
    add_nav("/reports/recordings", N_("Recordings"), ROLES, N_("Reports"))
    add_nav("/reports/voicemail", N_("Voicemail"), ROLES, N_("Reports"))
    cache = PlayCache()
    commands = {"recordings": ("recording.play", "path"), "voicemail": ("voicemail.play", "path")}

    def access_log(cmd: str) -> tuple[list, str]:
        try:
            return ask(web, cmd, limit=ACCESS_ROWS), ""
        except Refused as e:
            return [], e.message

    @app.get("/reports/recordings", roles=ROLES)
    def recordings_page() -> str:
        values = query(("since", "until", "number", "agent", "queue", "page"))
        page = page_number(values.pop("page"))
        errors = check_dates(values)
        rows: list = []
        total, error = 0, ""
        if errors:
            bottle.response.status = 400
        else:
            args: dict[str, Any] = {k: v for k, v in values.items() if v}
            if values["until"]:
                args["until"] = next_day(values["until"])
            try:
                got = ask(web, "recording.search", ("since", "until", "number", "agent", "queue"),
                          limit=PAGE, offset=(page - 1) * PAGE, **args)
                rows, total = got["recordings"], int(got["total"])
            except Refused as e:
                bottle.response.status = e.status
                errors, error = e.errors, ("" if e.errors else e.message)
        log, log_error = access_log("recording.access")
        tz = box_zone(web)
        return render("reports_recordings", title=_("Recordings"), values=values, errors=errors, error=error,
                      rows=rows, log=log, log_error=log_error, when=lambda v: local_time(v, tz), hms=hms,
                      pg=paging(total, page), qs=qs, path="/reports/recordings")

    @app.get("/reports/voicemail", roles=ROLES)
    def voicemail_page() -> str:
        values = query(("mailbox", "folder", "number", "since", "until", "page"))
        page = page_number(values.pop("page"))
        errors = check_dates(values)
        rows: list = []
        total, error = 0, ""
        if values["folder"] not in ("", "new", "old"):
            errors["folder"] = _("Choose new or heard.")
        tz = box_zone(web)
        if errors:
            bottle.response.status = 400
        else:
            args = {k: values[k] for k in ("mailbox", "folder") if values[k]}
            if values["number"]:
                args["caller"] = values["number"]
            if values["since"]:
                args["since"] = day_start(values["since"], tz)
            if values["until"]:
                args["until"] = day_start(next_day(values["until"]), tz)
            try:
                got = ask(web, "voicemail.search", ("mailbox", "folder", "since", "until"),
                          limit=PAGE, offset=(page - 1) * PAGE, **args)
                rows, total = got["messages"], int(got["total"])
            except Refused as e:
                bottle.response.status = e.status
                errors, error = e.errors, ("" if e.errors else e.message)
        log, log_error = access_log("voicemail.access")
        return render("reports_voicemail", title=_("Voicemail"), values=values, errors=errors, error=error,
                      rows=rows, log=log, log_error=log_error, when=lambda v: local_time(v, tz), hms=hms,
                      folders=[(k, _(label)) for k, label in FOLDERS], pg=paging(total, page), qs=qs,
                      path="/reports/voicemail")

    def player(kind: str, item: str) -> str:
        if not item.isdigit():
            return error_page(404, _("There is no such page."))
        return bottle.template("reports_player", _=_, kind=kind, item=int(item))

    def audio(kind: str, item: str) -> Any:
        if not item.isdigit():
            return error_page(404, _("There is no such page."))
        s = web.session()
        key = (s.sid if s else "", kind, int(item))
        path = None if starts_at_zero() else cache.get(key)
        if path is None:
            cmd, field = commands[kind]
            try:
                got = ask(web, cmd, id=int(item), who=f"web:{s.username if s else '?'}")
            except Refused as e:
                return error_page(404 if e.status == 500 else e.status, e.message)
            path = str(got.get(field) or "")
            cache.put(key, path)
        p = Path(path)
        if not p.is_file():
            return error_page(404, _("The audio file of this message is gone."))
        resp = bottle.static_file(p.name, root=str(p.parent), mimetype="audio/wav")
        resp.set_header("Cache-Control", "no-store")
        return resp

    for kind in ("recordings", "voicemail"):
        app.route(f"/reports/{kind}/<item>/player", "GET", lambda item, kind=kind: player(kind, item), roles=ROLES)
        app.route(f"/reports/{kind}/<item>/audio", "GET", lambda item, kind=kind: audio(kind, item), roles=ROLES)
