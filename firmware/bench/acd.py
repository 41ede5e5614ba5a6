"""``hotline bench acd``: a busy hour of a call centre on the virtual clock.

50 agents in one queue, 1,000 callers arriving at random (Poisson) over one simulated
hour.  The bench drives :class:`~firmware.acd.service.AcdService` directly — its real
queue entries, dispatch, strategy, agent state machine and queue_log / agent_events
writes (SQLite in memory) — with the telephony replaced by timers: an offered agent
answers after 2–8 s (or, 5 % of the time, not at all: ring-no-answer), talks an
exponential time (mean 120 s), wraps up 10 s; a caller gives up after an exponential
patience (mean 120 s).  A full board with 1,000 simulated phones and lines would be
mostly DSP work and says nothing about the ACD, hence this choice.

Reported: ``p50_ms`` / ``p99_ms`` — the decision latency per offer (choosing the agents:
candidates + strategy order, process CPU time); ``sim_hour_per_cpu_s`` — simulated
hours per CPU second for the whole run (logging included); answered / abandoned counts.
Target (issue): p99 decision latency < 1 ms.
"""
from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

from hal.clock import VirtualClock

from firmware.acd.agents import AgentIn, AgentState
from firmware.acd.log import AcdLog
from firmware.acd.service import AcdService, Entry, EntryState
from firmware.config.store import ConfigStore

TARGET_P99_MS = 1.0


class _Ctl:
    """What AcdService needs of call control, without a board."""

    def __init__(self, config: Any, clock: VirtualClock) -> None:
        self.config = config
        self.clock = clock
        self.calls: dict = {}

    def publish(self, event: str, data: dict) -> None:
        pass

    def setting(self, key: str) -> Any:
        return self.config.settings[key]

    def _prompt_library(self) -> None:
        return None


class BenchAcd(AcdService):
    """AcdService whose offers ring timers instead of phones."""

    def __init__(self, ctl: _Ctl, acdlog: AcdLog, rng: random.Random, *, talk_s: float, rna: float) -> None:
        super().__init__(ctl, acdlog, rng=rng)
        self.talk_s = talk_s
        self.rna = rna
        self.answered = 0
        self.abandoned = 0

    def _phone_free(self, extension: str) -> bool:
        return True

    def join(self, caller: str, patience_ms: int) -> None:
        q = self.config.queues[0]
        now = self.now_ms()
        e = Entry(queue=q.number, caller=caller, call=None, callid=f"b{next(self._seq)}", priority=0,
                  seq=next(self._seq), entered_ms=now, entry_position=0)
        self.entries.setdefault(q.number, []).append(e)
        e.entry_position = self.position(e)
        self.log.queue_event("ENTERQUEUE", callid=e.callid, queue=q.number, data=(caller, 0, e.entry_position))
        self._later(e, patience_ms, lambda: self._abandon(e))
        self.dispatch()

    def _abandon(self, e: Entry) -> None:
        if e.state not in (EntryState.WAITING, EntryState.OFFERING):
            return
        pos = self.position(e)
        self._leave(e)
        self.abandoned += 1
        self.log.queue_event("ABANDON", callid=e.callid, queue=e.queue,
                             data=(pos, e.entry_position, self.now_ms() - e.entered_ms))
        self.dispatch()

    def _offer(self, entry: Entry, q: Any, agents: list) -> None:
        a = agents[0]
        entry.state = EntryState.OFFERING
        entry.offered = [a.number]
        entry.tried.add(a.number)
        entry.ring_start_ms = self.now_ms()
        self.book.handle(a, AgentIn.OFFER, queue=q.number, callid=entry.callid)
        if self.rng.random() < self.rna:
            self.ctl.clock.call_later(q.ring_ms, lambda: self._no_answer(entry, q, a))
        else:
            self.ctl.clock.call_later(self.rng.uniform(2000, 8000), lambda: self._answer(entry, q, a))

    def _no_answer(self, entry: Entry, q: Any, a: Any) -> None:
        if a.state == AgentState.RINGING and a.callid == entry.callid:
            self.book.handle(a, AgentIn.NO_ANSWER)
            self.book.handle(a, AgentIn.UNPAUSE)        # a supervisor sends the agent back
        if entry.state == EntryState.OFFERING:
            entry.state = EntryState.WAITING
            entry.not_before_ms = self.now_ms() + q.retry_ms
        self.dispatch()

    def _answer(self, entry: Entry, q: Any, a: Any) -> None:
        if entry.state != EntryState.OFFERING or a.state != AgentState.RINGING:
            if a.state == AgentState.RINGING and a.callid == entry.callid:
                self.book.handle(a, AgentIn.CANCEL)
            return
        self._cancel_timers(entry)
        self.entries[entry.queue].remove(entry)
        entry.state, entry.agent, entry.connect_ms = EntryState.CONNECTED, a.number, self.now_ms()
        self.book.handle(a, AgentIn.ANSWER)
        self.answered += 1
        self.log.queue_event("CONNECT", callid=entry.callid, queue=q.number, agent=a.number,
                             data=(entry.connect_ms - entry.entered_ms, a.extension,
                                   entry.connect_ms - entry.ring_start_ms))
        talk = int(self.rng.expovariate(1 / (self.talk_s * 1000)))

        def hang_up() -> None:
            self.log.queue_event("COMPLETECALLER", callid=entry.callid, queue=q.number, agent=a.number,
                                 data=(entry.connect_ms - entry.entered_ms, talk))
            self._agent_done(entry, talk)
        self.ctl.clock.call_later(talk, hang_up)


def run(agents: int = 50, calls: int = 1000, hour_s: int = 3600, strategy: str = "longest_idle",
        seed: int = 1, talk_s: float = 120.0, patience_s: float = 120.0, rna: float = 0.05) -> dict:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as d:
        store = ConfigStore(Path(d) / "config.db")
        for i in range(agents):
            store.add_agent(number=str(5000 + i), pin="")
        store.add_queue(number="700", strategy=strategy, wrapup_ms=10000, retry_ms=2000, ring_ms=15000,
                        members=[{"agent": str(5000 + i), "penalty": i % 3} for i in range(agents)],
                        penalty_steps="20000:1,40000:2")
        config = store.snapshot()
        store.close()
    clock = VirtualClock()
    ctl = _Ctl(config, clock)
    acd_log = AcdLog(":memory:", clock.wall_time)
    svc = BenchAcd(ctl, acd_log, rng, talk_s=talk_s, rna=rna)
    for i in range(agents):
        svc.book.handle(svc.book.get(str(5000 + i)), AgentIn.LOGIN, extension=str(8000 + i))
    t = 0.0
    arrivals = []
    for _ in range(calls):
        t += rng.expovariate(calls / hour_s)
        arrivals.append(t)
    scale = hour_s / arrivals[-1]                      # exactly ``calls`` in the hour
    for n, at in enumerate(arrivals):
        clock.call_later(at * scale * 1000, lambda n=n: svc.join(f"138{n:08d}", int(rng.expovariate(1 / patience_s) * 1000)))
    cpu0 = time.process_time()
    clock.advance((hour_s + 1200) * 1000)              # the hour, then 20 min to drain
    cpu = time.process_time() - cpu0
    lat = sorted(x / 1e6 for x in svc.decision_ns)
    pct = (lambda p: round(lat[min(len(lat) - 1, int(p * len(lat)))], 4)) if lat else (lambda p: 0.0)
    return {"agents": agents, "calls": calls, "strategy": strategy, "mode": "AcdService driven directly",
            "offers": len(lat), "answered": svc.answered, "abandoned": svc.abandoned,
            "log_rows": acd_log.rows, "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": round(lat[-1], 4) if lat else 0,
            "cpu_s": round(cpu, 3), "sim_hour_per_cpu_s": round(((hour_s + 1200) / 3600) / cpu, 2) if cpu else None,
            "target_p99_ms": TARGET_P99_MS, "p99_ok": (pct(0.99) < TARGET_P99_MS) if lat else False}


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="hotline bench acd", description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    ap.add_argument("--agents", type=int, default=50)
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--strategy", default="longest_idle", help="distribution strategy (docs/acd.md)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    r = run(a.agents, a.calls, strategy=a.strategy, seed=a.seed)
    if a.json:
        print(json.dumps(r))
    else:
        print(f"ACD busy hour ({r['mode']}): {r['agents']} agents, {r['calls']} calls, strategy {r['strategy']}")
        print(f"  offers {r['offers']}, answered {r['answered']}, abandoned {r['abandoned']}, log rows {r['log_rows']}")
        print(f"  decision latency per offer: p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, max {r['max_ms']} ms "
              f"(target p99 < {TARGET_P99_MS} ms: {'ok' if r['p99_ok'] else 'MISSED'})")
        print(f"  speed: {r['sim_hour_per_cpu_s']} simulated hours per CPU second ({r['cpu_s']} CPU s)")
    return 0
