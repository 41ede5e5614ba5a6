"""Call-centre figures from the ACD logs (``queue_log``, ``agent_events`` in acd.db).

The logs are the single source (auditable, like Asterisk's queue_log): the same
functions give the live snapshot (``acd.stats``: today so far) and every interval of the
historical reports (:mod:`firmware.acd.reports`).

Per queue, for the calls that *entered* the queue in the period (ENTERQUEUE time):

* ``offered`` ENTERQUEUE; ``full`` FULL (turned away by ``max_len``: not in offered); ``answered`` CONNECT; ``abandoned`` ABANDON after at least
  5 s (``short_abandoned``: ABANDON within 5 s, counted apart); ``exited`` EXIT* (timeout,
  empty queue, exit key); ``callback_requests`` / ``callbacks_connected`` / ``callbacks_failed``;
* ``asa_s`` average CONNECT wait; ``avg_abandon_s`` average wait of the (long) abandons;
* ``aht_s`` (talk + wrap-up) / completed calls, talk from COMPLETEAGENT / COMPLETECALLER /
  TRANSFER, wrap-up from WRAPUPEND of the same calls;
* ``service_level_pct`` = CONNECTs with wait <= T / (CONNECT + long ABANDON + EXIT*) x 100,
  T per queue (default 15 s);
* ``abandon_rate_pct`` = long abandons / (offered - short abandons) x 100;
* ``survey_avg`` mean SURVEY score (1 very satisfied .. 3 dissatisfied), ``surveys``.

Live only: ``waiting`` (entered, no outcome yet), ``longest_wait_s``; agents by state
(latest agent_events row of each agent).  All durations in the logs are ms; figures
are reported in seconds (rounded to 0.1 s) and percentages (0.1 %).
"""
from __future__ import annotations

import datetime as _dt
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Union

SHORT_ABANDON_MS = 5000
DEFAULT_SL_THRESHOLD_S = 15
EXIT_EVENTS = ("EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY")
COMPLETE_EVENTS = ("COMPLETEAGENT", "COMPLETECALLER")
#: events after which a call no longer waits in the queue
OUTCOME_EVENTS = ("CONNECT", "ABANDON", "CALLBACKREQUEST", "FULL") + EXIT_EVENTS
#: events that start a call's passage through a queue (FULL: turned away, never entered)
ARRIVAL_EVENTS = ("ENTERQUEUE", "FULL")
AGENT_STATES = ("logged_out", "ready", "ringing", "on_call", "wrap_up", "paused")


def _int(v: Any) -> int:
    try:
        return int(float(v))
    except (TypeError, ValueError):
        return 0


def _avg(total: float, n: int) -> Optional[float]:
    return round(total / n, 1) if n else None


def _pct(part: float, whole: float) -> Optional[float]:
    return round(100.0 * part / whole, 1) if whole else None


class AcdLogReader:
    """Read-only access to acd.db (missing file or tables read as empty)."""

    def __init__(self, path: Union[str, Path]) -> None:
        self.path = Path(path)

    def _query(self, sql: str, args: Iterable[Any] = ()) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10.0)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(sql, list(args))]
        except sqlite3.OperationalError as e:
            if "no such table" in str(e):
                return []
            raise
        finally:
            conn.close()

    def calls_entered(self, start_ms: int, end_ms: int, queue: Optional[str] = None) -> list[dict[str, Any]]:
        """Every queue_log row of the calls that entered a queue in [start_ms, end_ms)
        (their later rows too), ordered by time."""
        qf = " AND queue = ?" if queue else ""
        args: list[Any] = [start_ms, end_ms] + ([queue] if queue else [])
        return self._query(
            "SELECT * FROM queue_log WHERE callid IN (SELECT callid FROM queue_log WHERE event IN ('ENTERQUEUE', 'FULL')"
            f" AND ts_ms >= ? AND ts_ms < ?{qf}) AND callid != '' ORDER BY ts_ms, id", args)

    def agent_events(self, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
        """agent_events in [start_ms, end_ms) plus, per agent, the last row before start_ms
        (its state when the period began); ordered by time."""
        before = self._query(
            "SELECT e.* FROM agent_events e JOIN (SELECT agent, MAX(id) AS id FROM agent_events"
            " WHERE ts_ms < ? GROUP BY agent) last ON e.id = last.id", [start_ms])
        during = self._query("SELECT * FROM agent_events WHERE ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, id",
                             [start_ms, end_ms])
        return sorted(before, key=lambda r: (r["ts_ms"], r["id"])) + during

    def agent_queue_rows(self, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
        """queue_log rows naming an agent in [start_ms, end_ms)."""
        return self._query("SELECT * FROM queue_log WHERE agent != '' AND ts_ms >= ? AND ts_ms < ?"
                           " ORDER BY ts_ms, id", [start_ms, end_ms])

    def latest_agent_states(self, before_ms: Optional[int] = None) -> list[dict[str, Any]]:
        """Each agent's last agent_events row (before ``before_ms`` if given)."""
        where, args = ("WHERE ts_ms < ? ", [before_ms]) if before_ms is not None else ("", [])
        return self._query("SELECT e.* FROM agent_events e JOIN (SELECT agent, MAX(id) AS id FROM agent_events "
                           f"{where}GROUP BY agent) last ON e.id = last.id ORDER BY e.agent", args)


@dataclass
class _Call:
    """One call's passage through one queue."""
    callid: str
    queue: str
    enter_ms: int
    events: list[dict[str, Any]] = field(default_factory=list)


def group_calls(rows: Iterable[dict[str, Any]]) -> list[_Call]:
    """queue_log rows → one :class:`_Call` per (callid, queue) that has an ENTERQUEUE
    (or a FULL: turned away) (rows of a call in a queue before its ENTERQUEUE are ignored)."""
    calls: dict[tuple[str, str], _Call] = {}
    by_id: dict[str, list[_Call]] = defaultdict(list)
    order: list[_Call] = []
    for r in rows:
        key = (r["callid"], r["queue"])
        c = calls.get(key)
        if r["event"] in ARRIVAL_EVENTS:
            c = calls[key] = _Call(r["callid"], r["queue"], int(r["ts_ms"]))
            by_id[r["callid"]].append(c)
            order.append(c)
        if c is not None:
            c.events.append(r)
        elif r["queue"] == "" and by_id.get(r["callid"]):   # a row of the call naming no queue
            by_id[r["callid"]][-1].events.append(r)
    return order


def queue_figures(calls: Iterable[_Call], sl_threshold_s: float = DEFAULT_SL_THRESHOLD_S) -> dict[str, Any]:
    """The figures of the module docstring for ``calls`` (of one queue, one period)."""
    t_ms = sl_threshold_s * 1000
    n = dict.fromkeys(("offered", "answered", "answered_within_t", "abandoned", "short_abandoned",
                       "exited", "callback_requests", "callbacks_connected", "callbacks_failed",
                       "completed", "surveys", "transferred", "full"), 0)
    wait_total = abandon_wait = talk = wrap = survey_total = 0
    for c in calls:
        if c.events and c.events[0]["event"] == "FULL":
            n["full"] += 1                       # turned away: never entered, not offered
            continue
        n["offered"] += 1
        for r in c.events:
            ev = r["event"]
            if ev == "CONNECT":
                w = _int(r["data1"])
                n["answered"] += 1
                wait_total += w
                if w <= t_ms:
                    n["answered_within_t"] += 1
            elif ev == "ABANDON":
                w = _int(r["data3"])
                if w < SHORT_ABANDON_MS:
                    n["short_abandoned"] += 1
                else:
                    n["abandoned"] += 1
                    abandon_wait += w
            elif ev in EXIT_EVENTS:
                n["exited"] += 1
            elif ev in COMPLETE_EVENTS:
                n["completed"] += 1
                talk += _int(r["data2"])
            elif ev == "TRANSFER":
                n["completed"] += 1
                n["transferred"] += 1
                talk += _int(r["data3"])
            elif ev == "WRAPUPEND":
                wrap += _int(r["data1"])
            elif ev == "CALLBACKREQUEST":
                n["callback_requests"] += 1
            elif ev == "CALLBACKCONNECT":
                n["callbacks_connected"] += 1
            elif ev == "CALLBACKFAILED":
                n["callbacks_failed"] += 1
            elif ev == "SURVEY":
                s = _int(r["data1"])
                if 1 <= s <= 3:
                    n["surveys"] += 1
                    survey_total += s
    sl_base = n["answered"] + n["abandoned"] + n["exited"]
    out: dict[str, Any] = dict(n)
    out.update({
        "asa_s": _avg(wait_total / 1000, n["answered"]),
        "avg_abandon_s": _avg(abandon_wait / 1000, n["abandoned"]),
        "talk_s": round(talk / 1000, 1), "wrapup_s": round(wrap / 1000, 1),
        "aht_s": _avg((talk + wrap) / 1000, n["completed"]),
        "sl_threshold_s": sl_threshold_s,
        "service_level_pct": _pct(n["answered_within_t"], sl_base),
        "abandon_rate_pct": _pct(n["abandoned"], n["offered"] - n["short_abandoned"]),
        "survey_avg": round(survey_total / n["surveys"], 2) if n["surveys"] else None,
    })
    return out


def sl_threshold_s(config: Any, queue: str) -> float:
    """The queue's service-level threshold T in seconds (its configuration when the ACD
    has one, else 15 s)."""
    q = None
    getter = getattr(config, "queue", None) if config is not None else None
    if callable(getter):
        try:
            q = getter(queue)
        except Exception:
            q = None
    for attr in ("sl_threshold_s", "service_level_s", "sl_seconds", "sl_time_s"):
        v = getattr(q, attr, None)
        if isinstance(v, (int, float)) and v > 0:
            return float(v)
    for attr in ("sl_threshold_ms", "service_level_ms"):
        v = getattr(q, attr, None)
        if isinstance(v, (int, float)) and v > 0:
            return v / 1000.0
    return float(DEFAULT_SL_THRESHOLD_S)


def sl_target(config: Any, queue: str, default: float = 0.8) -> float:
    """The queue's service-level target as a share (0.8 = 80 %)."""
    getter = getattr(config, "queue", None) if config is not None else None
    q = None
    if callable(getter):
        try:
            q = getter(queue)
        except Exception:
            q = None
    for attr in ("sl_target_pct", "service_level_pct", "sl_target"):
        v = getattr(q, attr, None)
        if isinstance(v, (int, float)) and v > 0:
            return v / 100.0 if v > 1 else float(v)
    return default


def queue_members(config: Any, queue: str) -> Optional[list[str]]:
    """The agent numbers of ``queue``'s members from the configuration (None when the
    configuration has no such queue)."""
    getter = getattr(config, "queue", None) if config is not None else None
    if not callable(getter):
        return None
    try:
        q = getter(queue)
    except Exception:
        return None
    if q is None:
        return None
    return [str(getattr(m, "agent", m)) for m in getattr(q, "members", ()) or ()]


def by_queue(calls: list[_Call], config: Any = None, threshold_s: Optional[float] = None) -> dict[str, dict]:
    """queue number → :func:`queue_figures` of its calls."""
    groups: dict[str, list[_Call]] = defaultdict(list)
    for c in calls:
        groups[c.queue].append(c)
    return {q: queue_figures(cs, threshold_s if threshold_s is not None else sl_threshold_s(config, q))
            for q, cs in sorted(groups.items())}


def agent_call_figures(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per agent from queue_log rows naming it: answered, talk, wrap-up, ring-no-answers,
    surveys (the agent's calls)."""
    out: dict[str, dict[str, Any]] = {}
    survey: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        a = r["agent"]
        d = out.setdefault(a, {"answered": 0, "completed": 0, "talk_ms": 0, "wrapup_ms": 0,
                               "ring_no_answer": 0, "transfers": 0})
        ev = r["event"]
        if ev in ("CONNECT", "CALLBACKCONNECT"):
            d["answered"] += 1
        elif ev in COMPLETE_EVENTS:
            d["completed"] += 1
            d["talk_ms"] += _int(r["data2"])
        elif ev == "TRANSFER":
            d["completed"] += 1
            d["transfers"] += 1
            d["talk_ms"] += _int(r["data3"])
        elif ev == "WRAPUPEND":
            d["wrapup_ms"] += _int(r["data1"])
        elif ev == "RINGNOANSWER":
            d["ring_no_answer"] += 1
        elif ev == "SURVEY":
            s = _int(r["data1"])
            if 1 <= s <= 3:
                survey[a].append(s)
    for a, d in out.items():
        d["aht_s"] = _avg((d["talk_ms"] + d["wrapup_ms"]) / 1000, d["completed"])
        s = survey.get(a, [])
        d["surveys"] = len(s)
        d["survey_avg"] = round(sum(s) / len(s), 2) if s else None
    return out


def agent_state_times(events: list[dict[str, Any]], start_ms: int, end_ms: int) -> dict[str, dict[str, Any]]:
    """Per agent: ms spent in each state within [start_ms, end_ms) from agent_events
    (``events`` ordered by time, starting with each agent's last row before start_ms),
    and pause time per reason."""
    per: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        per[e["agent"]].append(e)
    out: dict[str, dict[str, Any]] = {}
    for agent, evs in per.items():
        times = dict.fromkeys(AGENT_STATES, 0)
        pauses: dict[str, int] = defaultdict(int)
        logins = 0
        for i, e in enumerate(evs):
            t0 = max(int(e["ts_ms"]), start_ms)
            t1 = min(int(evs[i + 1]["ts_ms"]) if i + 1 < len(evs) else end_ms, end_ms)
            st = e["state"]
            if int(e["ts_ms"]) >= start_ms and st != "logged_out" and \
                    (i == 0 or evs[i - 1]["state"] == "logged_out"):
                logins += 1
            if t1 <= t0:
                continue
            times[st] = times.get(st, 0) + (t1 - t0)
            if st == "paused":
                pauses[e["reason"] or "unspecified"] += t1 - t0
        login = sum(v for k, v in times.items() if k != "logged_out")
        out[agent] = {"login_ms": login, "talk_ms": times["on_call"], "wrapup_ms": times["wrap_up"],
                      "idle_ms": times["ready"], "ringing_ms": times["ringing"], "pause_ms": times["paused"],
                      "pause_by_reason_ms": dict(sorted(pauses.items())), "logins": logins}
    return out


def _state_counts(latest: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(AGENT_STATES, 0)
    for r in latest:
        counts[r["state"]] = counts.get(r["state"], 0) + 1
    return counts


def day_start_ms(now: _dt.datetime, tz: Optional[_dt.tzinfo] = None) -> int:
    """Local midnight (``tz``, default the system's) of ``now`` in ms since the epoch."""
    local = now.astimezone(tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return int(midnight.timestamp() * 1000)


def live_stats(reader: AcdLogReader, now: _dt.datetime, *, config: Any = None, queue: Optional[str] = None,
               since_ms: Optional[int] = None, threshold_s: Optional[float] = None,
               tz: Optional[_dt.tzinfo] = None) -> dict[str, Any]:
    """The ``acd.stats`` snapshot: today's figures (since local midnight, or ``since_ms``)
    per queue and per agent, calls waiting now and agents by state."""
    now_ms = int(now.timestamp() * 1000)
    start = since_ms if since_ms is not None else day_start_ms(now, tz)
    rows = [r for r in reader.calls_entered(start, now_ms + 1, queue) if int(r["ts_ms"]) <= now_ms]
    calls = group_calls(rows)
    queues = by_queue(calls, config, threshold_s)
    latest = reader.latest_agent_states(now_ms + 1)
    for q, fig in queues.items():
        waiting = [c for c in calls if c.queue == q and not any(r["event"] in OUTCOME_EVENTS for r in c.events)]
        fig["waiting"] = len(waiting)
        fig["longest_wait_s"] = round(max((now_ms - c.enter_ms for c in waiting), default=0) / 1000, 1)
        pending = [c for c in calls if c.queue == q and any(r["event"] == "CALLBACKREQUEST" for r in c.events)
                   and not any(r["event"] in ("CALLBACKCONNECT", "CALLBACKFAILED") for r in c.events)]
        fig["callbacks_pending"] = len(pending)
        members = queue_members(config, q)
        if members is None:
            fig["agents"] = _state_counts([r for r in latest if r["queue"] in ("", q)])
        else:
            state_of = {r["agent"]: r for r in latest}
            fig["agents"] = _state_counts([state_of.get(m, {"state": "logged_out"}) for m in members])
    agent_rows = reader.agent_queue_rows(start, now_ms + 1)
    if queue:
        agent_rows = [r for r in agent_rows if r["queue"] in ("", queue)]
    per_agent = agent_call_figures(agent_rows)
    times = agent_state_times(reader.agent_events(start, now_ms + 1), start, now_ms + 1)
    agents = []
    for r in latest:
        a = r["agent"]
        agents.append({"agent": a, "state": r["state"], "reason": r["reason"], "extension": r["extension"],
                       "queue": r["queue"], "call": r["callid"],
                       "since_s": round((now_ms - int(r["ts_ms"])) / 1000, 1),
                       **{k: v for k, v in per_agent.get(a, {}).items()},
                       **{k: v for k, v in times.get(a, {}).items()}})
    return {"time": now.isoformat(timespec="seconds"), "since_ms": start,
            "agents_by_state": _state_counts(latest), "queues": queues, "agents": agents}
