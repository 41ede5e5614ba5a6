"""Distribution strategies: in which order the ready agents of a queue are offered a call.

Each strategy takes the candidates — ready members of the queue whose penalty is
allowed at the caller's wait, as :class:`Candidate` (agent, penalty, index in the
member list) — and returns them best first.  ``ringall`` rings all of them at once;
every other strategy offers the first one (the next offer, after a ring-no-answer,
asks again).  The "prefer" strategies (``sticky``, ``vip_owner``, ``region``) put the
preferred agents first and order the rest by longest idle time.
"""
from __future__ import annotations

import random as _random
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence


@dataclass(frozen=True)
class Candidate:
    agent: Any          #: firmware.acd.agents.LiveAgent (number, idle_since_ms, calls, talk_ms)
    penalty: int
    index: int          #: position in the queue's member list (linear order)


@dataclass
class Context:
    """What a strategy may look at besides the candidates."""
    queue: str
    rr_last: dict[str, int] = field(default_factory=dict)   #: queue -> member index offered last
    rng: _random.Random = field(default_factory=_random.Random)
    preferred: Sequence[str] = ()                              #: agent numbers to try first


def _by(key: Callable[[Candidate], Any]) -> Callable[[list[Candidate], Context], list[Candidate]]:
    return lambda c, ctx: sorted(c, key=key)


def _longest_idle(c: list[Candidate], ctx: Context) -> list[Candidate]:
    return sorted(c, key=lambda x: (x.penalty, x.agent.idle_since_ms, x.index))


def _round_robin(c: list[Candidate], ctx: Context) -> list[Candidate]:
    last = ctx.rr_last.get(ctx.queue, -1)
    return sorted(c, key=lambda x: (x.penalty, (x.index - last - 1) % 1_000_000))


def _random(c: list[Candidate], ctx: Context) -> list[Candidate]:
    out = list(c)
    ctx.rng.shuffle(out)
    return out


def _weighted_random(c: list[Candidate], ctx: Context) -> list[Candidate]:
    """Draw without replacement, weight 1 / (1 + penalty): penalty 0 twice as likely as 1."""
    pool, out = list(c), []
    while pool:
        weights = [1.0 / (1 + x.penalty) for x in pool]
        pick = ctx.rng.choices(range(len(pool)), weights)[0]
        out.append(pool.pop(pick))
    return out


def _prefer(c: list[Candidate], ctx: Context) -> list[Candidate]:
    rank = {a: i for i, a in enumerate(ctx.preferred)}
    first = sorted((x for x in c if x.agent.number in rank), key=lambda x: rank[x.agent.number])
    return first + _longest_idle([x for x in c if x.agent.number not in rank], ctx)


STRATEGIES: dict[str, Callable[[list[Candidate], Context], list[Candidate]]] = {
    "ringall": _by(lambda x: (x.penalty, x.index)),
    "linear": _by(lambda x: (x.penalty, x.index)),
    "longest_idle": _longest_idle,
    "round_robin": _round_robin,
    "fewest_calls": _by(lambda x: (x.penalty, x.agent.calls, x.agent.idle_since_ms, x.index)),
    "least_talk": _by(lambda x: (x.penalty, x.agent.talk_ms, x.agent.idle_since_ms, x.index)),
    "random": _random,
    "weighted_random": _weighted_random,
    "sticky": _prefer,
    "vip_owner": _prefer,
    "region": _prefer,
}


def order(strategy: str, candidates: list[Candidate], ctx: Optional[Context] = None) -> list[Candidate]:
    """The candidates best first by ``strategy`` (a name from :data:`STRATEGIES`)."""
    return STRATEGIES[strategy](list(candidates), ctx or Context(queue=""))
