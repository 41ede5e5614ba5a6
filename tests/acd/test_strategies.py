"""Each distribution strategy's order: unit level on the strategy functions, and end to
end on the simulated board (who rings first, who next after a ring-no-answer)."""
from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from firmware.acd.strategies import STRATEGIES, Candidate, Context, order
from tests.acd.conftest import caller, fast_login, ringing_ports, setup_queue


@dataclass
class A:
    number: str
    idle_since_ms: int = 0
    calls: int = 0
    talk_ms: int = 0


def cands(*specs):
    return [Candidate(A(n, **kw), pen, i) for i, (n, pen, kw) in enumerate(specs)]


def names(ranked):
    return [c.agent.number for c in ranked]


BASE = cands(("a", 0, dict(idle_since_ms=500, calls=3, talk_ms=900)),
             ("b", 0, dict(idle_since_ms=100, calls=1, talk_ms=5000)),
             ("c", 0, dict(idle_since_ms=300, calls=2, talk_ms=100)))


@pytest.mark.parametrize("strategy, expected", [
    ("linear", ["a", "b", "c"]),
    ("ringall", ["a", "b", "c"]),
    ("longest_idle", ["b", "c", "a"]),
    ("fewest_calls", ["b", "c", "a"]),
    ("least_talk", ["c", "a", "b"]),
])
def test_deterministic_strategies(strategy, expected):
    assert names(order(strategy, BASE, Context(queue="700"))) == expected


def test_round_robin_continues_after_the_last_one_offered():
    ctx = Context(queue="700", rr_last={"700": 0})
    assert names(order("round_robin", BASE, ctx)) == ["b", "c", "a"]
    ctx.rr_last["700"] = 2
    assert names(order("round_robin", BASE, ctx)) == ["a", "b", "c"]


def test_penalty_comes_before_the_strategy():
    c = cands(("a", 1, dict(idle_since_ms=0)), ("b", 0, dict(idle_since_ms=900)))
    assert names(order("longest_idle", c)) == ["b", "a"]


def test_random_is_fair_and_weighted_random_prefers_low_penalty():
    rng = random.Random(7)
    firsts = [order("random", BASE, Context(queue="q", rng=rng))[0].agent.number for _ in range(3000)]
    assert all(850 < firsts.count(x) < 1150 for x in "abc")
    c = cands(("p0", 0, {}), ("p1", 1, {}), ("p3", 3, {}))
    firsts = [order("weighted_random", c, Context(queue="q", rng=rng))[0].agent.number for _ in range(7000)]
    # weights 1 : 1/2 : 1/4  ->  4/7, 2/7, 1/7
    assert abs(firsts.count("p0") / 7000 - 4 / 7) < 0.03
    assert abs(firsts.count("p1") / 7000 - 2 / 7) < 0.03
    assert abs(firsts.count("p3") / 7000 - 1 / 7) < 0.03


@pytest.mark.parametrize("strategy", ["sticky", "vip_owner", "region"])
def test_preferred_agent_first_then_longest_idle(strategy):
    ranked = order(strategy, BASE, Context(queue="700", preferred=["a"]))
    assert names(ranked) == ["a", "b", "c"]
    assert names(order(strategy, BASE, Context(queue="700"))) == ["b", "c", "a"]


def test_every_configurable_strategy_is_implemented():
    from firmware.config.validate_acd import STRATEGIES as CONFIGURABLE
    assert set(CONFIGURABLE) == set(STRATEGIES)


# ---------------------------------------------------------------- end to end
def _ring_sequence(hx, n: int, timeout_ms: int = 12000) -> list[str]:
    """Which phone rings for each of the next ``n`` offers (nobody answers)."""
    seq = []
    for _ in range(n):
        assert hx.until(lambda: len(ringing_ports(hx)) >= 1, timeout_ms)
        seq.append(",".join(ringing_ports(hx)))
        assert hx.until(lambda: not ringing_ports(hx), timeout_ms)
    return seq


def test_linear_rings_in_member_order_and_moves_on_after_no_answer(hx):
    setup_queue(hx, members=("1003", "1001", "1002"), strategy="linear", ring_ms=4000, retry_ms=500)
    for a, e in (("1001", "802"), ("1002", "803"), ("1003", "804")):
        fast_login(hx, a, e)
    caller(hx)
    assert _ring_sequence(hx, 4) == ["fxs4", "fxs2", "fxs3", "fxs4"]


def test_ringall_rings_every_ready_member_at_once(hx):
    setup_queue(hx, strategy="ringall")
    for a, e in (("1001", "802"), ("1002", "803"), ("1003", "804")):
        fast_login(hx, a, e)
    caller(hx)
    assert hx.until(lambda: len(ringing_ports(hx)) == 3, 12000)
    hx.phone("fxs3").off_hook()
    assert hx.until(lambda: hx.state("fxs3") == "talking", 2000)
    hx.run(500)
    assert ringing_ports(hx) == []
    st = {a["agent"]: a["state"] for a in hx.box.acd.agents_status()}
    assert st == {"1001": "ready", "1002": "on_call", "1003": "ready", "1004": "logged_out"}


def test_longest_idle_agent_gets_the_call(hx):
    setup_queue(hx, strategy="longest_idle")
    fast_login(hx, "1002", "803")
    hx.run(2000)
    fast_login(hx, "1001", "802")
    hx.run(2000)
    fast_login(hx, "1003", "804")
    caller(hx)
    assert _ring_sequence(hx, 2, 15000)[0] == "fxs3"       # 1002 logged in first: idle longest


def test_round_robin_remembers_across_calls(hx):
    setup_queue(hx, strategy="round_robin", wrapup_ms=0)
    for a, e in (("1001", "802"), ("1002", "803"), ("1003", "804")):
        fast_login(hx, a, e)
    answered = []
    for line in ("fxo1", "fxo2", "fxo3", "fxo4"):
        r = caller(hx, line)
        assert hx.until(lambda: len(ringing_ports(hx)) == 1, 12000)
        port = ringing_ports(hx)[0]
        answered.append(port)
        hx.phone(port).off_hook()
        hx.run(1500)
        hx.phone(port).on_hook()
        hx.run(1500)
        assert r.state.value == "ended"
    assert answered == ["fxs2", "fxs3", "fxs4", "fxs2"]
