"""acd.stats / acd.report / acd.staffing through a box's dispatcher, and the
`hotline ctl acd ...` command line."""
from __future__ import annotations

import argparse
import datetime as dt

import pytest

from firmware.mgmt import ctl as ctlmod
from firmware.mgmt.acdctl import acd_call
from tests.acd.test_stats import DAY, scripted_day


def test_commands_on_a_box(hx):
    scripted_day(hx.box.data.acd_db)
    d = hx.box.dispatcher
    s = d.run("acd.stats", {})
    assert set(s) >= {"queues", "agents", "agents_by_state"}
    local = DAY.astimezone()                       # the report takes local dates: cover the UTC day
    start = (local - dt.timedelta(days=1)).date().isoformat()
    end = (local + dt.timedelta(days=2)).date().isoformat()
    (day_rows) = d.run("acd.report", {"interval": "day", "from": start, "to": end})
    assert sum(r["offered"] for r in day_rows) == 10
    assert sum(r["answered"] for r in day_rows) == 5
    out = d.run("acd.report", {"interval": "hour", "from": start, "to": end, "csv": True})
    assert out["rows"] == 3 and out["csv"].startswith("interval_start,queue,offered,")
    agents = d.run("acd.report", {"interval": "day", "from": start, "to": end, "agents": True, "paid_hours": 8})
    assert {r["agent"] for r in agents} == {"1001", "1002", "1003"}
    adv = d.run("acd.staffing", {"queue": "700", "weeks": 1})
    assert adv["queue"] == "700" and "rows" in adv
    with pytest.raises(ValueError, match="needs 'from' and 'to'"):
        d.run("acd.report", {"interval": "hour"})
    with pytest.raises(ValueError, match="not a date"):
        d.run("acd.report", {"from": "monday", "to": "tuesday"})


def test_acd_stats_event_while_listening(hx):
    scripted_day(hx.box.data.acd_db)
    got = []
    hx.box.add_publisher(lambda ev, data: got.append((ev, data)) if ev == "acd.stats" else None)
    hx.run(10_500)
    assert got and "queues" in got[0][1]


def test_ctl_acd_command_line(capsys):
    assert acd_call(["report"], {"interval": "hour", "from": "2026-03-14", "to": "2026-03-15", "csv": True}) == \
        ("acd.report", {"interval": "hour", "from": "2026-03-14", "to": "2026-03-15", "csv": True})
    assert acd_call(["stats"], {"queue": "700"}) == ("acd.stats", {"queue": "700"})
    with pytest.raises(ValueError, match="needs --from"):
        acd_call(["report"], {"interval": "hour"})
    with pytest.raises(ValueError, match="--weeks does not apply"):
        acd_call(["stats"], {"weeks": 2})
    with pytest.raises(ValueError, match="say what to show"):
        acd_call([], {})
    assert ctlmod.format_result("acd.report", {"csv": "a,b\n1,2\n", "rows": 1}) == "a,b\n1,2"
    # the parser knows the flags; a usage error exits 2 without a daemon
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    ctlmod.register(sub)
    args = parser.parse_args(["ctl", "acd", "report", "--interval", "hour"])
    assert ctlmod.run(args) == 2
    assert "needs --from DATE and --to DATE" in capsys.readouterr().err
    args = parser.parse_args(["ctl", "status", "--csv"])
    assert ctlmod.run(args) == 2


def test_agent_report_takes_lp_from_each_agents_paid_hours(hx):
    """L/P without a paid_hours argument: agents.paid_hours per agent (1001: 7.5 h, 1002:
    6 h, 1003: 0 = not reported). Hand-computed from the scripted day: 1001 logged in
    08:55-11:00 = 7500 s of 27000 s paid = 27.8 %; 1002 09:05-10:40 = 5700 s of 21600 s = 26.4 %."""
    store = hx.box.store
    store.add_agent(number="1001", pin="1234", paid_hours=7.5)
    store.add_agent(number="1002", pin="1234", paid_hours="6")
    store.add_agent(number="1003", pin="1234", paid_hours=0)
    hx.box.reload()
    scripted_day(hx.box.data.acd_db)
    rows = hx.box.dispatcher.run("acd.report", {"interval": "day", "agents": True,
                                                "from": "2026-03-14T00:00+00:00", "to": "2026-03-15T00:00+00:00"})
    lp = {r["agent"]: r["lp_pct"] for r in rows}
    assert lp == {"1001": 27.8, "1002": 26.4, "1003": None}
    rows8 = hx.box.dispatcher.run("acd.report", {"interval": "day", "agents": True, "paid_hours": 8,
                                                 "from": "2026-03-14T00:00+00:00", "to": "2026-03-15T00:00+00:00"})
    assert {r["agent"]: r["lp_pct"] for r in rows8}["1001"] == 26.0     # an explicit argument wins
    with pytest.raises(Exception, match="agents.paid_hours"):
        store.update_agent("1001", paid_hours=25)
