"""HookDebouncer: hook events from raw hook samples at 20 ms ticks."""
import pytest

from hal.hook import HookDebouncer
from hal.ports import Ev, HookTiming


def run(pattern, timing=None, start_tick=1):
    """Feed a pattern of (off_hook, ms) runs; return [(tick, Ev, data)] and the debouncer."""
    d = HookDebouncer(timing or HookTiming())
    out = []
    tick = start_tick
    for level, ms in pattern:
        for _ in range(ms // 20):
            for ev, data in d.feed(level, tick):
                out.append((tick, ev, data))
            tick += 1
    return out, d


def kinds(events):
    return [e[1] for e in events]


def test_lift_and_hang_up():
    ev, d = run([(False, 100), (True, 1000), (False, 2000)])
    assert kinds(ev) == [Ev.OFF_HOOK, Ev.ON_HOOK]
    assert ev[0][0] == 6                      # first off-hook tick (debounce 20 ms = 1 tick)
    # on-hook from tick 56; reported once it exceeds 800 ms: 41 ticks -> tick 96
    assert ev[1][0] == 56 + 40
    assert not d.off_hook


@pytest.mark.parametrize("on_ms,expect", [
    (40, []),                                   # shorter than flash_min: a pulse, but one alone
    (60, []),
    (80, [(Ev.FLASH, {"ms": 80})]),
    (300, [(Ev.FLASH, {"ms": 300})]),
    (800, [(Ev.FLASH, {"ms": 800})]),
    (820, [(Ev.ON_HOOK, {})]),
    (2000, [(Ev.ON_HOOK, {})]),
])
def test_flash_window_table(on_ms, expect):
    ev, d = run([(True, 200), (False, on_ms), (True, 2000)])
    got = [(k, data) for _, k, data in ev[1:] if k != Ev.PULSE_DIGIT]
    if on_ms <= 800:
        assert got == expect
        assert d.off_hook
    else:
        assert got[0] == expect[0]
        assert got[1][0] == Ev.OFF_HOOK           # lifted again afterwards: a new call


def test_on_hook_reported_at_flash_max_not_later():
    t = HookTiming(flash_min_ms=100, flash_max_ms=500)
    ev, _ = run([(True, 200), (False, 3000)], t)
    (tick, k, _), = [e for e in ev if e[1] == Ev.ON_HOOK]
    assert (tick - 11 + 1) * 20 == 520          # break began at tick 11; 500 ms exceeded


@pytest.mark.parametrize("digit,pulses", [("1", 1), ("5", 5), ("9", 9), ("0", 10)])
def test_pulse_digit(digit, pulses):
    pattern = [(True, 400)]
    for _ in range(pulses):
        pattern += [(False, 60), (True, 40)]
    pattern += [(True, 700)]
    ev, d = run(pattern)
    assert kinds(ev) == [Ev.OFF_HOOK, Ev.PULSE_DIGIT]
    assert ev[1][2]["digit"] == digit
    assert d.off_hook


def test_pulse_digits_sequence_and_interdigit_timing():
    pattern = [(True, 400)]
    for n in (2, 10, 3):
        for _ in range(n):
            pattern += [(False, 60), (True, 40)]
        pattern += [(True, 660)]
    ev, _ = run(pattern)
    digits = [e[2]["digit"] for e in ev if e[1] == Ev.PULSE_DIGIT]
    assert digits == ["2", "0", "3"]
    # the first digit ends when the make after its last break exceeds 300 ms
    last_make = 1 + 20 + 2 * 5 - 2              # tick of the last make edge of digit "2"
    assert ev[1][0] == last_make + 15           # 16 ticks of make = 320 ms > 300


def test_pulses_ignored_when_pulse_dialing_off():
    t = HookTiming(pulse_dialing=False)
    pattern = [(True, 400)] + [(False, 60), (True, 40)] * 3 + [(True, 700)]
    ev, d = run(pattern, t)
    assert kinds(ev) == [Ev.OFF_HOOK]
    assert d.off_hook


def test_break_shorter_than_min_break_is_a_glitch():
    t = HookTiming(pulse_min_break_ms=40)
    ev, _ = run([(True, 400), (False, 20), (True, 700)], t)
    assert kinds(ev) == [Ev.OFF_HOOK]


def test_debounce_filters_short_glitches():
    t = HookTiming(debounce_ms=60)
    ev, d = run([(False, 100), (True, 40), (False, 100), (True, 200)], t)
    assert kinds(ev) == [Ev.OFF_HOOK]
    # off-hook accepted after 3 ticks but back-dated: a later 300 ms flash measures 300
    ev, _ = run([(True, 200), (False, 300), (True, 200)], t)
    assert [(k, data) for _, k, data in ev] == [(Ev.OFF_HOOK, {}), (Ev.FLASH, {"ms": 300})]


def test_flash_after_pulses_ends_the_digit_first():
    pattern = [(True, 400)] + [(False, 60), (True, 40)] * 4 + [(False, 300), (True, 500)]
    ev, _ = run(pattern)
    assert [(k, data.get("digit")) for _, k, data in ev] == [
        (Ev.OFF_HOOK, None), (Ev.PULSE_DIGIT, "4"), (Ev.FLASH, None)]


def test_hang_up_during_a_digit_drops_it():
    pattern = [(True, 400)] + [(False, 60), (True, 40)] * 3 + [(False, 1000)]
    ev, _ = run(pattern)
    assert kinds(ev) == [Ev.OFF_HOOK, Ev.ON_HOOK]


def test_configurable_flash_window():
    t = HookTiming(flash_min_ms=200, flash_max_ms=1250)
    ev, _ = run([(True, 200), (False, 1000), (True, 200)], t)
    assert kinds(ev) == [Ev.OFF_HOOK, Ev.FLASH]
    ev, _ = run([(True, 200), (False, 100), (True, 600)], t)   # now a pulse: "1"
    assert [e[2].get("digit") for e in ev if e[1] == Ev.PULSE_DIGIT] == ["1"]
