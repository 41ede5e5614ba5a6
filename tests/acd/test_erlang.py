"""Erlang B / C against published figures and an exact (fractions) evaluation.

Sources checked against:
* M. Tanner's worked Erlang-C example (mitan.co.uk "Erlang-C formula", reproduced by
  callcentrehelper.com and the many calculators that copy it): 360 calls per half hour,
  average call duration 240 s, 55 agents, target answer time 15 s ->
  traffic intensity 48 Erlangs, occupancy 87.3 %, probability of waiting 23.87 %,
  ASA 8.18 s, service level 84.6 % within 15 s; 55 agents is the fewest for 80 % in 15 s
  (54 agents give 79.3 %).
* Erlang B table values (e.g. the unit tests of an independent open-source capacity
  planner found with `search`): B(10 servers, 20 E) = 0.53796316863, B(190, 200 E) =
  0.08869684387, B(1, 5 E) = 5/6.
* Textbook Erlang B table (e.g. Cooper / ITU tables): 10 E on 17 circuits = 0.0129 (1.3 % GoS),
  10 E on 18 circuits = 0.00714.
"""
from __future__ import annotations

import math
from fractions import Fraction

import pytest

from firmware.acd.erlang import (agents_needed, asa, erlang_b, erlang_c, occupancy, service_level,
                                 traffic_intensity)


def exact_erlang_c(n: int, a: int) -> float:
    """The textbook formula with exact rationals (an independent evaluation)."""
    A = Fraction(a)
    top = A ** n / math.factorial(n) * Fraction(n) / (n - A)
    return float(top / (sum(A ** k / math.factorial(k) for k in range(n)) + top))


def test_tanner_example_360_calls_per_half_hour():
    a = traffic_intensity(360, 240, 1800)
    assert a == pytest.approx(48.0)
    assert occupancy(55, a) == pytest.approx(0.873, abs=5e-4)
    assert erlang_c(55, a) == pytest.approx(0.2387, abs=5e-5)
    assert asa(55, a, 240) == pytest.approx(8.18, abs=5e-3)
    assert service_level(55, a, 240, 15) == pytest.approx(0.846, abs=5e-4)
    assert service_level(54, a, 240, 15) == pytest.approx(0.793, abs=5e-4)
    need = agents_needed(a, 240, target_sl=0.80, t_s=15)
    assert need.agents == 55
    assert agents_needed(a, 240, target_sl=0.80, t_s=20).agents == 54   # (80/20: 81.7 % with 54)


def test_erlang_b_table_values():
    assert erlang_b(10, 20) == pytest.approx(0.53796316863, rel=1e-9)
    assert erlang_b(190, 200) == pytest.approx(0.08869684387, rel=1e-9)
    assert erlang_b(1, 5) == pytest.approx(5 / 6)
    assert erlang_b(17, 10) == pytest.approx(0.0129, abs=1e-4)
    assert erlang_b(18, 10) == pytest.approx(0.00714, abs=1e-5)


@pytest.mark.parametrize("n,a", [(2, 1), (5, 3), (12, 10), (55, 48), (100, 90), (150, 140)])
def test_erlang_c_matches_exact_formula(n, a):
    assert erlang_c(n, a) == pytest.approx(exact_erlang_c(n, a), rel=1e-12)


def test_large_numbers_are_stable():
    # factorials of 2000 overflow floats; the recursion does not care
    c = erlang_c(2100, 2000.0)
    assert 0.0 < c < 1.0
    need = agents_needed(2000.0, 300, target_sl=0.9, t_s=10)
    assert 2000 < need.agents < 2200
    assert service_level(need.agents - 1, 2000.0, 300, 10) < 0.9 <= need.service_level


def test_overload_and_no_traffic():
    assert erlang_c(5, 5.0) == 1.0 and service_level(4, 5.0, 60, 20) == 0.0
    assert asa(5, 6.0, 60) == math.inf
    assert agents_needed(0.0, 180).agents == 0
    with pytest.raises(ValueError, match="target_sl"):
        agents_needed(5.0, 180, target_sl=80)


def test_asa_and_occupancy_limits_add_agents():
    a = traffic_intensity(100, 180)          # 5 Erlangs
    base = agents_needed(a, 180, target_sl=0.8, t_s=20)
    assert base.agents == 8
    assert agents_needed(a, 180, target_sl=0.8, t_s=20, max_asa_s=2.0).agents > base.agents
    assert agents_needed(a, 180, target_sl=0.8, t_s=20, max_occupancy=0.5).agents == 10
