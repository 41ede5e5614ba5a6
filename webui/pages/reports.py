"""Reports: call records (CDR) search with CSV export, and a call's notes.

* ``/reports/cdr`` — filters (date range, number, extension, disposition, direction),
  a page of 50 records newest first (``cdr.search``), paging, the number of notes of
  each call with a link to them;
* ``/reports/cdr.csv`` — the same filters as a CSV download (``cdr.export`` with a header
  line, oldest first, times in the box's time zone, UTF-8);
* ``/reports/cdr/notes?call=<linkedid>`` — the notes of one conversation (``note.list``).

Supervisors and admins (:data:`webui.pages.reports_common.ROLES`). The queue, agent and
staffing reports are in :mod:`webui.pages.reports_acd`, recordings and voicemail in
:mod:`webui.pages.reports_media`.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import bottle

from webui.i18n import N_, _
from webui.pages.reports_common import (ROLES, Refused, ask, box_zone, csv_download, hms, local_time,
                                        page_number, qs, query)
from webui.render import add_nav, render
from webui.web import Web

PAGE = 50                             #: records per page
FILTERS = ("since", "until", "number", "extension", "disposition", "direction")
DISPOSITIONS = ("ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION")
DIRECTIONS = (("internal", N_("internal")), ("inbound", N_("inbound")), ("outbound", N_("outbound")))
FOLLOWUP_STATUSES = (N_("open"), N_("closed"))
DISPOSITION_LABELS = {"ANSWERED": N_("answered"), "NO ANSWER": N_("no answer"), "BUSY": N_("busy"),
                      "FAILED": N_("failed"), "CONGESTION": N_("congestion")}


def cdr_args(values: dict[str, str]) -> dict[str, str]:
    """The management arguments of the filled-in filters."""
    return {k: values[k] for k in FILTERS if values.get(k)}


def install(app: bottle.Bottle, web: Web) -> None:
    add_nav("/reports/cdr", N_("Call records"), ROLES, N_("Reports"))

    @app.get("/reports/cdr", roles=ROLES)
    def cdr_page() -> str:
        values = query(FILTERS + ("page",))
        page = page_number(values.pop("page"))
        errors: dict[str, str] = {}
        error = ""
        result: dict[str, Any] = {"total": 0, "rows": []}
        try:
            result = ask(web, "cdr.search", FILTERS, limit=PAGE, offset=(page - 1) * PAGE, **cdr_args(values))
        except Refused as e:
            bottle.response.status = e.status
            errors, error = e.errors, ("" if e.errors else e.message)
        tz = box_zone(web)
        rows = result.get("rows") or []
        total = int(result.get("total") or 0)
        return render("reports_cdr", title=_("Call records"), values=values, errors=errors, error=error,
                      rows=rows, total=total, page=page, pages=max(1, (total + PAGE - 1) // PAGE),
                      when=lambda v: local_time(v, tz), hms=hms, qs=qs,
                      dispositions=[("", _("any"))] + [(d, _(DISPOSITION_LABELS[d])) for d in DISPOSITIONS],
                      disposition_label=lambda d: _(DISPOSITION_LABELS.get(d, d)) if d in DISPOSITION_LABELS else d,
                      directions=[("", _("any"))] + [(d, _(label)) for d, label in DIRECTIONS],
                      export_href="/reports/cdr.csv" + ("?" + qs(values) if qs(values) else ""))

    @app.get("/reports/cdr.csv", roles=ROLES)
    def cdr_csv() -> str:
        values = query(FILTERS)
        try:
            got = ask(web, "cdr.export", FILTERS, header=True, **cdr_args(values))
        except Refused as e:
            bottle.response.status = e.status
            bottle.response.content_type = "text/plain; charset=utf-8"
            return e.message
        stamp = dt.datetime.now(box_zone(web)).strftime("%Y%m%d-%H%M")
        return csv_download(got.get("csv", ""), f"cdr-{stamp}.csv")

    @app.get("/reports/cdr/notes", roles=ROLES)
    def cdr_notes() -> str:
        call = (bottle.request.query.getunicode("call") or "").strip()
        notes: list = []
        error = ""
        try:
            notes = ask(web, "note.list", call=call) if call else []
        except Refused as e:
            bottle.response.status = e.status
            error = e.message
        tz = box_zone(web)
        return render("reports_notes", title=_("Notes of call {call}").format(call=call), call=call,
                      notes=notes, error=error, when=lambda v: local_time(v, tz))
