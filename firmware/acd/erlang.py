"""Erlang B and Erlang C: how many agents a queue needs (M/M/N, callers wait forever).

All inputs are floats in plain units: ``calls`` per ``interval_s`` seconds, ``aht_s`` the
average handle time (talk + wrap-up) in seconds, ``t_s`` the service-level threshold in
seconds. Traffic intensity ``A = calls * aht_s / interval_s`` in Erlangs.

Numerically stable: Erlang B by the iterative recursion ``B(0) = 1``,
``B(n) = A·B(n-1) / (n + A·B(n-1))`` (no factorials, no powers: fine for thousands of
agents), and Erlang C from it: ``C = N·B / (N - A·(1 - B))``.

* probability of waiting ``P(wait) = C(N, A)``;
* service level ``SL(t) = 1 - C · exp(-(N - A) · t / AHT)`` (share answered within t);
* average speed of answer ``ASA = C · AHT / (N - A)``;
* agents needed: the smallest N > A meeting a service-level target (and optionally an
  ASA limit or a maximum occupancy).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Optional


def traffic_intensity(calls: float, aht_s: float, interval_s: float = 3600.0) -> float:
    """Offered load in Erlangs: ``calls`` arriving per ``interval_s`` seconds, each
    holding an agent ``aht_s`` seconds on average."""
    if interval_s <= 0:
        raise ValueError(f"interval_s must be > 0 seconds, not {interval_s}")
    if calls < 0 or aht_s < 0:
        raise ValueError(f"calls ({calls}) and aht_s ({aht_s}) must not be negative")
    return calls * aht_s / interval_s


def erlang_b(agents: int, a: float) -> float:
    """Blocking probability of ``agents`` servers offered ``a`` Erlangs (lost calls
    cleared), by the stable recursion."""
    if agents < 0:
        raise ValueError(f"agents must be >= 0, not {agents}")
    if a <= 0:
        return 0.0 if agents > 0 else 1.0
    b = 1.0
    for n in range(1, agents + 1):
        ab = a * b
        b = ab / (n + ab)
    return b


def erlang_c(agents: int, a: float) -> float:
    """Probability that a call has to wait (all ``agents`` busy) with ``a`` Erlangs
    offered. 1.0 when ``agents <= a`` (the queue grows without bound)."""
    if a <= 0:
        return 0.0
    if agents <= a:
        return 1.0
    b = erlang_b(agents, a)
    return agents * b / (agents - a * (1.0 - b))


def service_level(agents: int, a: float, aht_s: float, t_s: float) -> float:
    """Share (0..1) of calls answered within ``t_s`` seconds."""
    if a <= 0:
        return 1.0
    if agents <= a:
        return 0.0
    c = erlang_c(agents, a)
    return max(0.0, 1.0 - c * math.exp(-(agents - a) * t_s / aht_s))


def asa(agents: int, a: float, aht_s: float) -> float:
    """Average speed of answer in seconds (all calls, those answered at once count 0);
    ``inf`` when ``agents <= a``."""
    if a <= 0:
        return 0.0
    if agents <= a:
        return math.inf
    return erlang_c(agents, a) * aht_s / (agents - a)


def occupancy(agents: int, a: float) -> float:
    """Share of the agents' time spent handling calls (``a / agents``, at most 1)."""
    return min(1.0, a / agents) if agents > 0 else 1.0


@dataclass(frozen=True)
class Staffing:
    """The answer of :func:`agents_needed` for one interval."""
    agents: int               #: agents needed on the phones
    traffic_erlangs: float
    p_wait: float             #: probability a call waits
    service_level: float      #: 0..1 answered within the threshold
    asa_s: float              #: average speed of answer, seconds
    occupancy: float          #: 0..1

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("traffic_erlangs", "p_wait", "service_level", "asa_s", "occupancy"):
            d[k] = round(d[k], 4) if math.isfinite(d[k]) else None
        return d


MAX_AGENTS = 100_000


def agents_needed(a: float, aht_s: float, *, target_sl: float = 0.8, t_s: float = 20.0,
                  max_asa_s: Optional[float] = None, max_occupancy: Optional[float] = None) -> Staffing:
    """The fewest agents with ``service_level >= target_sl`` (0..1) within ``t_s`` seconds
    for ``a`` Erlangs (and ASA <= ``max_asa_s``, occupancy <= ``max_occupancy`` if given)."""
    if not 0.0 < target_sl < 1.0:
        raise ValueError(f"target_sl must be a share between 0 and 1 (0.8 = 80 %), not {target_sl}")
    if a <= 0:
        return Staffing(0, 0.0, 0.0, 1.0, 0.0, 0.0)
    n = max(1, math.floor(a) + 1)
    while n < MAX_AGENTS:
        sl = service_level(n, a, aht_s, t_s)
        w = asa(n, a, aht_s)
        ok = sl >= target_sl and (max_asa_s is None or w <= max_asa_s) and \
            (max_occupancy is None or occupancy(n, a) <= max_occupancy)
        if ok:
            return Staffing(n, a, erlang_c(n, a), sl, w, occupancy(n, a))
        n += 1
    raise ValueError(f"{a} Erlangs needs more than {MAX_AGENTS} agents")
