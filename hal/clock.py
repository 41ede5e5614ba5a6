"""The 20 ms tick that drives the box, and timers counted in ticks.

Nothing in the engine reads wall time: it counts ticks of a :class:`Clock`.
In production the tick comes from the TDM bus / ALSA period (or, on the simulated
board, from :class:`RealtimeClock` pacing itself on the asyncio loop); in tests it
comes from :class:`VirtualClock`, which runs hours of traffic in seconds because
``advance()`` simply calls the tick handlers back to back.

Order inside one tick: due timers fire first (in the order they were due), then the
tick handlers run in registration order (the engine registers one).
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import heapq
import itertools
import time
from typing import Callable, Optional

TICK_MS = 20                 #: one tick, ms
TICK_SAMPLES = 160           #: samples per tick at 8 kHz


def ms_to_ticks(ms: float) -> int:
    """Whole ticks for a duration in ms, rounded up (a 30 ms timer waits 2 ticks)."""
    if ms <= 0:
        return 0
    return -(-int(round(ms)) // TICK_MS)


class Timer:
    """A pending one-shot timer; ``cancel()`` stops it firing."""

    __slots__ = ("due", "fn", "cancelled")

    def __init__(self, due: int, fn: Callable[[], None]) -> None:
        self.due = due
        self.fn = fn
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Clock:
    """Counts ticks, runs tick handlers and tick-based timers.

    ``epoch`` is the wall-clock time (UTC, aware datetime) of tick 0; ``wall_time()``
    is derived from ticks so that a virtual clock gives reproducible CDR times.
    """

    def __init__(self, epoch: Optional[_dt.datetime] = None) -> None:
        self.ticks = 0
        self.epoch = epoch or _dt.datetime.now(_dt.timezone.utc)
        self._handlers: list[Callable[[], None]] = []
        self._timers: list[tuple[int, int, Timer]] = []
        self._seq = itertools.count()

    # -- time
    def now_ms(self) -> int:
        """Milliseconds since tick 0."""
        return self.ticks * TICK_MS

    def wall_time(self) -> _dt.datetime:
        """Wall-clock time now (aware, UTC), at tick resolution."""
        return self.epoch + _dt.timedelta(milliseconds=self.ticks * TICK_MS)

    # -- registration
    def on_tick(self, handler: Callable[[], None]) -> None:
        """Call ``handler()`` once per tick (after due timers)."""
        self._handlers.append(handler)

    def remove_tick_handler(self, handler: Callable[[], None]) -> None:
        self._handlers.remove(handler)

    def call_later(self, ms: float, fn: Callable[[], None]) -> Timer:
        """Run ``fn`` after ``ms`` milliseconds (rounded up to whole ticks, at least 1)."""
        return self.call_at_tick(self.ticks + max(1, ms_to_ticks(ms)), fn)

    def call_at_tick(self, tick: int, fn: Callable[[], None]) -> Timer:
        t = Timer(tick, fn)
        heapq.heappush(self._timers, (tick, next(self._seq), t))
        return t

    # -- running
    def tick(self) -> None:
        """Advance one tick: fire due timers, then the tick handlers."""
        self.ticks += 1
        timers = self._timers
        while timers and timers[0][0] <= self.ticks:
            _, _, t = heapq.heappop(timers)
            if not t.cancelled:
                t.cancelled = True
                t.fn()
        for h in self._handlers:
            h()


class VirtualClock(Clock):
    """A clock that only moves when told to: tests and benchmarks.

    The default epoch is fixed (2026-01-01 08:00 UTC) so CDR times are reproducible.
    """

    def __init__(self, epoch: Optional[_dt.datetime] = None) -> None:
        super().__init__(epoch or _dt.datetime(2026, 1, 1, 8, 0, tzinfo=_dt.timezone.utc))

    def advance(self, ms: float) -> None:
        """Run ``ms`` milliseconds of ticks now (rounded up to whole ticks)."""
        for _ in range(ms_to_ticks(ms)):
            self.tick()

    def run_ticks(self, n: int) -> None:
        for _ in range(n):
            self.tick()

    def run_until(self, predicate: Callable[[], bool], timeout_ms: float) -> bool:
        """Tick until ``predicate()`` is true or ``timeout_ms`` have passed; return it."""
        end = self.ticks + ms_to_ticks(timeout_ms)
        while not predicate():
            if self.ticks >= end:
                return False
            self.tick()
        return True


class RealtimeClock(Clock):
    """Ticks paced by the asyncio loop's monotonic time, 50 per second.

    ``run()`` is a coroutine the daemon runs as a task. If the loop falls behind it
    catches up by running late ticks back to back (up to ``max_catch_up`` ticks);
    beyond that it drops the backlog and counts an overrun, so a stalled process
    does not replay seconds of audio in a burst.
    """

    def __init__(self, epoch: Optional[_dt.datetime] = None, max_catch_up: int = 10) -> None:
        super().__init__(epoch)
        self.max_catch_up = max_catch_up
        self.overruns = 0
        self.paused = False

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        period = TICK_MS / 1000.0
        # wall time follows the real clock: re-anchor the epoch at start
        self.epoch = _dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(milliseconds=self.now_ms())
        next_t = loop.time()
        while not stop.is_set():
            now = loop.time()
            late = int((now - next_t) / period)
            if late > self.max_catch_up:
                self.overruns += 1
                next_t += late * period
                late = 0
            for _ in range(late + 1):
                self.tick()
                next_t += period
            delay = next_t - loop.time()
            try:
                await asyncio.wait_for(stop.wait(), timeout=max(0.0, delay))
            except asyncio.TimeoutError:
                pass


def monotonic_ms() -> float:
    """Monotonic wall time in ms: for benchmarks and logs only, never for call control."""
    return time.monotonic() * 1000.0
