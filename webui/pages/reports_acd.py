"""Reports: queue and agent figures per interval (``acd.report``) and staffing advice
(``acd.staffing``), each with charts drawn as SVG on the server (:mod:`webui.svgchart`)
and a CSV download.

* ``/reports/queues`` — per interval (15 min / hour / day) over a date range: offered,
  answered, abandoned (bars), service level per queue (lines), the table; ``.csv``;
* ``/reports/agents`` — per interval and agent: login, talk, wrap-up, pause, answered,
  AHT; answered calls per interval (bars) and time per agent (bars); ``.csv``;
* ``/reports/staffing`` — agents needed per weekday and interval (Erlang C) from the last
  weeks: the chosen weekday's agents needed (bars) and calls (line), the table; ``.csv``.

Dates are the box's local dates; "to" is included (the day after it is sent to the daemon,
whose ``to`` is exclusive).  Supervisors and admins.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any, Optional

import bottle

from webui import svgchart
from webui.i18n import N_, _
from webui.pages.reports_common import ROLES, Refused, ask, box_zone, csv_download, hms, qs, query
from webui.render import add_nav, render
from webui.web import Web

INTERVALS = (("15min", N_("15 minutes"), 15), ("hour", N_("hour"), 60), ("day", N_("day"), 1440))
STEP_MIN = {k: m for k, _label, m in INTERVALS}
MAX_INTERVALS = 2000                       #: more than this many bars: choose a longer interval
WEEKDAYS = (("Mon", N_("Monday")), ("Tue", N_("Tuesday")), ("Wed", N_("Wednesday")), ("Thu", N_("Thursday")),
            ("Fri", N_("Friday")), ("Sat", N_("Saturday")), ("Sun", N_("Sunday")))
MAX_AGENT_SERIES = 6


def period(values: dict[str, str], zone: Optional[dt.tzinfo] = None) -> tuple[dict[str, str], dict[str, str], list[dt.datetime]]:
    """Check the date range and interval of the form: (management arguments, {field: error},
    interval starts). Empty dates mean today."""
    errors: dict[str, str] = {}
    today = dt.date.today()
    days = {}
    for name in ("from", "to"):
        raw = values.get(name) or ""
        if not raw:
            days[name] = today
            values[name] = today.isoformat()
            continue
        try:
            days[name] = dt.date.fromisoformat(raw)
        except ValueError:
            errors[name] = _("{value} is not a date; write it as 2026-03-14").format(value=raw)
    interval = values.get("interval") or "hour"
    if interval not in STEP_MIN:
        errors["interval"] = _("Choose 15 minutes, hour or day.")
        interval = "hour"
    values["interval"] = interval
    if errors:
        return {}, errors, []
    if days["to"] < days["from"]:
        return {}, {"to": _("The end date is before the start date.")}, []
    start = dt.datetime.combine(days["from"], dt.time(), tzinfo=zone).astimezone(zone)
    end = dt.datetime.combine(days["to"] + dt.timedelta(days=1), dt.time(), tzinfo=zone).astimezone(zone)
    step = dt.timedelta(minutes=STEP_MIN[interval])
    n = int((end - start) / step)
    if n > MAX_INTERVALS:
        return {}, {"interval": _("That is {n} intervals: choose a longer interval or fewer days.").format(n=n)}, []
    cuts = [start + i * step for i in range(n)]
    args = {"from": days["from"].isoformat(), "to": (days["to"] + dt.timedelta(days=1)).isoformat(),
            "interval": interval}
    return args, {}, cuts


def label_of(t: dt.datetime, interval: str, one_day: bool) -> str:
    if interval == "day":
        return t.strftime("%m-%d")
    return t.strftime("%H:%M") if one_day else t.strftime("%m-%d %H:%M")


def _when(v: Any, zone: Optional[dt.tzinfo] = None) -> Optional[dt.datetime]:
    try:
        t = dt.datetime.fromisoformat(str(v))
    except ValueError:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=zone).astimezone(zone)


def per_interval(rows: list[dict], cuts: list[dt.datetime]) -> list[list[dict]]:
    """The report rows of each interval (by their interval_start)."""
    index = {c: i for i, c in enumerate(cuts)}
    out: list[list[dict]] = [[] for _ in cuts]
    for r in rows:
        t = _when(r.get("interval_start"))
        if t is not None and t in index:
            out[index[t]].append(r)
    return out


def total(rows: list[dict], key: str) -> float:
    return sum(float(r.get(key) or 0) for r in rows)


def queue_charts(rows: list[dict], cuts: list[dt.datetime], interval: str, labels: list[str]) -> list[str]:
    buckets = per_interval(rows, cuts)
    bars = svgchart.bar_chart(labels, [(_("Offered"), [total(b, "offered") for b in buckets]),
                                       (_("Answered"), [total(b, "answered") for b in buckets]),
                                       (_("Abandoned"), [total(b, "abandoned") for b in buckets])],
                              title=_("Calls per interval"), y_label=_("calls"))
    queues = sorted({str(r.get("queue")) for r in rows})
    series = []
    for q in queues:
        vals: list[Optional[float]] = []
        for b in buckets:
            r = next((x for x in b if str(x.get("queue")) == q), None)
            v = r.get("service_level_pct") if r else None
            vals.append(float(v) if v is not None else None)
        series.append((_("Queue {queue}").format(queue=q), vals))
    lines = svgchart.line_chart(labels, series, title=_("Service level per interval"), y_label="%", unit="%",
                                y_max=100)
    return [bars, lines]


def agent_charts(rows: list[dict], cuts: list[dt.datetime], labels: list[str]) -> list[str]:
    buckets = per_interval(rows, cuts)
    agents = sorted({str(r.get("agent")) for r in rows})
    if len(agents) <= MAX_AGENT_SERIES:
        series = [(_("Agent {agent}").format(agent=a),
                   [total([r for r in b if str(r.get("agent")) == a], "answered") for b in buckets]) for a in agents]
    else:
        series = [(_("All agents"), [total(b, "answered") for b in buckets])]
    answered = svgchart.bar_chart(labels, series or [(_("Answered"), [0.0] * len(labels))],
                                  title=_("Calls answered per interval"), y_label=_("calls"))
    per_agent = [[r for r in rows if str(r.get("agent")) == a] for a in agents]
    hours = svgchart.bar_chart(agents, [(_("Logged in"), [total(x, "login_s") / 3600 for x in per_agent]),
                                        (_("Talking"), [total(x, "talk_s") / 3600 for x in per_agent]),
                                        (_("Paused"), [total(x, "pause_s") / 3600 for x in per_agent])],
                               title=_("Time per agent"), y_label=_("hours"), unit="h")
    return [answered, hours]


def report_csv(text: str, name: str, values: dict[str, str]) -> str:
    return csv_download(text, f"{name}-{values.get('from', '')}-{values.get('to', '')}-{values.get('interval', '')}.csv")


def install(app: bottle.Bottle, web: Web) -> None:
    add_nav("/reports/queues", N_("Queue report"), ROLES, N_("Reports"))
    add_nav("/reports/agents", N_("Agent report"), ROLES, N_("Reports"))
    add_nav("/reports/staffing", N_("Staffing advice"), ROLES, N_("Reports"))

    def queue_choices() -> list[tuple[str, str]]:
        try:
            qs_ = [(q["number"], f"{q['number']} {q['name']}".strip()) for q in web.store.queues()]
        except Exception:
            qs_ = []
        return [("", _("all queues"))] + qs_

    def interval_choices(allowed: tuple[str, ...] = ("15min", "hour", "day")) -> list[tuple[str, str]]:
        return [(k, _(label)) for k, label, _m in INTERVALS if k in allowed]

    def acd_report(agents: bool, want_csv: bool) -> Any:
        names = ("from", "to", "interval", "queue", "agent")
        values = query(names)
        args, errors, cuts = period(values, box_zone(web))
        rows: list[dict] = []
        error = ""
        if not errors:
            extra = {"agents": True, "agent": values["agent"]} if agents else {"queue": values["queue"]}
            extra = {k: v for k, v in extra.items() if v not in ("", None)}
            try:
                got = ask(web, "acd.report", ("interval", "queue", "agent"), csv=want_csv, **args, **extra)
            except Refused as e:
                errors, error = e.errors, ("" if e.errors else e.message)
                bottle.response.status = e.status
            else:
                if want_csv:
                    return report_csv(got.get("csv", ""), "agents" if agents else "queues", values)
                rows = got if isinstance(got, list) else []
        else:
            bottle.response.status = 400
        if want_csv:
            bottle.response.content_type = "text/plain; charset=utf-8"
            return error or "; ".join(errors.values())
        one_day = values["from"] == values["to"]
        labels = [label_of(c, values["interval"], one_day) for c in cuts]
        charts = []
        if cuts and not error:
            charts = agent_charts(rows, cuts, labels) if agents else queue_charts(rows, cuts, values["interval"], labels)
        href = ("/reports/agents" if agents else "/reports/queues")
        return render("reports_agents" if agents else "reports_queues",
                      title=_("Agent report") if agents else _("Queue report"),
                      values=values, errors=errors, error=error, rows=rows, charts=charts, hms=hms,
                      intervals=interval_choices(), queues=queue_choices(), when=_label_of_row(values),
                      csv_href=href + ".csv?" + qs(values))

    def _label_of_row(values: dict[str, str]):
        def label(v: Any) -> str:
            t = _when(v)
            if t is None:
                return str(v)
            return t.strftime("%Y-%m-%d") if values["interval"] == "day" else t.strftime("%Y-%m-%d %H:%M")
        return label

    @app.get("/reports/queues", roles=ROLES)
    def queues_page() -> Any:
        return acd_report(False, False)

    @app.get("/reports/queues.csv", roles=ROLES)
    def queues_csv() -> Any:
        return acd_report(False, True)

    @app.get("/reports/agents", roles=ROLES)
    def agents_page() -> Any:
        return acd_report(True, False)

    @app.get("/reports/agents.csv", roles=ROLES)
    def agents_csv() -> Any:
        return acd_report(True, True)

    def staffing(want_csv: bool) -> Any:
        values = query(("queue", "weeks", "interval", "target_sl", "t_s", "day"))
        errors: dict[str, str] = {}
        args: dict[str, Any] = {}
        if values["queue"]:
            args["queue"] = values["queue"]
        values["interval"] = values["interval"] if values["interval"] in ("15min", "hour") else "hour"
        args["interval"] = values["interval"]
        weeks = values["weeks"] or "4"
        if not weeks.isdigit() or not 1 <= int(weeks) <= 52:
            errors["weeks"] = _("Write a number of weeks from 1 to 52.")
        else:
            args["weeks"] = int(weeks)
        values["weeks"] = weeks
        for name, low, high in (("target_sl", 1, 100), ("t_s", 1, 3600)):
            if values[name]:
                try:
                    v = float(values[name])
                    if not low <= v <= high:
                        raise ValueError
                    args[name] = v
                except ValueError:
                    errors[name] = _("Write a number from {low} to {high}.").format(low=low, high=high)
        advice: dict[str, Any] = {"rows": []}
        error = ""
        if errors:
            bottle.response.status = 400
        else:
            try:
                advice = ask(web, "acd.staffing", ("queue", "weeks", "interval"), **args)
            except Refused as e:
                errors, error = e.errors, ("" if e.errors else e.message)
                bottle.response.status = e.status
        rows = advice.get("rows") or []
        if want_csv:
            if errors or error:
                bottle.response.content_type = "text/plain; charset=utf-8"
                return error or "; ".join(errors.values())
            buf = io.StringIO()
            cols = ["weekday", "start", "calls_avg", "aht_s", "traffic_erlangs", "agents", "service_level_pct",
                    "asa_s", "occupancy", "observed_sl_pct"]
            w = csv.writer(buf, lineterminator="\n")
            w.writerow(cols)
            for r in rows:
                w.writerow(["" if r.get(c) is None else r.get(c) for c in cols])
            return csv_download(buf.getvalue(), f"staffing-{values['queue'] or 'all'}-{values['interval']}.csv")
        days_with = [d for d, _l in WEEKDAYS if any(r.get("weekday") == d for r in rows)]
        day = values["day"] if values["day"] in dict(WEEKDAYS) else (days_with[0] if days_with else "Mon")
        values["day"] = day
        step = STEP_MIN[values["interval"]]
        slots = [f"{m // 60:02d}:{m % 60:02d}" for m in range(0, 1440, step)]
        of_day = {r.get("start"): r for r in rows if r.get("weekday") == day}
        chart = svgchart.bar_chart(
            slots, [(_("Agents needed"), [of_day[s].get("agents") if s in of_day else None for s in slots])],
            title=_("Agents needed on {day}").format(day=_(dict(WEEKDAYS)[day])), y_label=_("agents"))
        calls = svgchart.line_chart(
            slots, [(_("Calls per interval (average)"), [of_day[s].get("calls_avg") if s in of_day else None
                                                         for s in slots])],
            title=_("Calls on {day}").format(day=_(dict(WEEKDAYS)[day])), y_label=_("calls"))
        return render("reports_staffing", title=_("Staffing advice"), values=values, errors=errors, error=error,
                      advice=advice, rows=rows, charts=[chart, calls], queues=queue_choices(), hms=hms,
                      intervals=interval_choices(("15min", "hour")), weekdays=WEEKDAYS, days_with=days_with,
                      qs=qs, csv_href="/reports/staffing.csv?" + qs(values, day=""))

    @app.get("/reports/staffing", roles=ROLES)
    def staffing_page() -> Any:
        return staffing(False)

    @app.get("/reports/staffing.csv", roles=ROLES)
    def staffing_csv() -> Any:
        return staffing(True)
