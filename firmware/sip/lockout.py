"""Blocking sources that keep failing SIP authentication (password guessing, scanners).

:class:`FailedAuthGuard` counts failed authentications per source address within a
sliding window; a source with ``max_failures`` failures in ``window_ms`` is blocked for
``lockout_ms``. The registrar asks :meth:`FailedAuthGuard.blocked` before it even
challenges a request and drops (or answers 403 to) blocked sources. Failures are also
counted per user, so the status shows which extensions are being attacked; users are
never blocked themselves (that would let anyone lock a colleague out).

Memory is bounded (``max_sources`` tracked addresses, ``max_blocked`` blocked ones; the
least recently seen are dropped first) and time comes from the hal Clock (ms), so tests
run on the virtual clock. Messages go to the ``hotline.sip.security`` logger.
"""
from __future__ import annotations

import ipaddress
import logging
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Iterable, Optional

__all__ = ["FailedAuthGuard", "BlockedSource", "log"]

log = logging.getLogger("hotline.sip.security")


def _duration(ms: int) -> str:
    """``600000`` → ``'10 min'``, ``60000`` → ``'60 s'``, ``7200000`` → ``'2 h'``."""
    s = ms / 1000
    if ms >= 3_600_000 and ms % 3_600_000 == 0:
        return f"{ms // 3_600_000} h"
    if ms > 60_000 and ms % 60_000 == 0:
        return f"{ms // 60_000} min"
    return f"{s:g} s"


@dataclass
class _Record:
    times: deque = field(default_factory=deque)          # ms of failures in the window
    users: OrderedDict = field(default_factory=OrderedDict)  # user -> None, recent last


@dataclass(frozen=True)
class BlockedSource:
    """One line of :meth:`FailedAuthGuard.status`."""

    source: str
    users: tuple[str, ...]
    failures: int
    left_ms: int            #: time until the block ends, ms

    def as_dict(self) -> dict:
        return {"source": self.source, "users": list(self.users), "failures": self.failures,
                "left_s": -(-self.left_ms // 1000)}


class FailedAuthGuard:
    """Counts failed auths per source (and per user) and blocks noisy sources.

    ``max_failures`` ≤ 0 disables blocking (failures are still counted and shown).
    ``exempt`` lists addresses or networks (``"10.0.0.0/8"``) that are never blocked,
    e.g. the installer's own workstation.
    """

    def __init__(self, clock, max_failures: int = 5, window_ms: int = 60_000,
                 lockout_ms: int = 600_000, *, exempt: Iterable[str] = (),
                 max_sources: int = 10_000, max_blocked: int = 10_000,
                 max_users_per_source: int = 8) -> None:
        if window_ms <= 0 or lockout_ms <= 0:
            raise ValueError(f"window_ms and lockout_ms must be positive "
                             f"(got window_ms={window_ms}, lockout_ms={lockout_ms})")
        self.clock = clock
        self.max_failures = int(max_failures)
        self.window_ms = int(window_ms)
        self.lockout_ms = int(lockout_ms)
        self.max_sources = max(1, int(max_sources))
        self.max_blocked = max(1, int(max_blocked))
        self.max_users_per_source = max(1, int(max_users_per_source))
        self._exempt = []
        for net in exempt:
            try:
                self._exempt.append(ipaddress.ip_network(net, strict=False))
            except ValueError:
                raise ValueError(f"lockout exempt entry {net!r} is not an IP address "
                                 f"or network (like 192.168.1.10 or 10.0.0.0/8)") from None
        self._sources: OrderedDict[str, _Record] = OrderedDict()
        self._users: OrderedDict[str, deque] = OrderedDict()
        # source -> (until_ms, users, failures)
        self._blocked: OrderedDict[str, tuple[int, tuple[str, ...], int]] = OrderedDict()

    # -- queries
    def blocked(self, source: str) -> bool:
        """Is ``source`` blocked now? (An expired block is lifted and logged here.)"""
        entry = self._blocked.get(source)
        if entry is None:
            return False
        if self.clock.now_ms() >= entry[0]:
            del self._blocked[source]
            log.info("SIP: block of %s ended", source)
            return False
        return True

    def failures(self, source: str) -> int:
        """Failures of ``source`` in the current window."""
        rec = self._sources.get(source)
        if rec is None:
            return 0
        self._trim(rec.times)
        return len(rec.times)

    def user_failures(self, user: str) -> int:
        """Failures for ``user`` (from any source) in the current window."""
        times = self._users.get(user)
        if times is None:
            return 0
        self._trim(times)
        return len(times)

    def status(self) -> list[BlockedSource]:
        """Blocked sources with the time left, the soonest to end first."""
        now = self.clock.now_ms()
        for src in [s for s, e in self._blocked.items() if now >= e[0]]:
            self.blocked(src)          # lifts and logs
        rows = [BlockedSource(src, users, n, until - now)
                for src, (until, users, n) in self._blocked.items()]
        return sorted(rows, key=lambda b: (b.left_ms, b.source))

    # -- events
    def failed(self, source: str, user: Optional[str] = None) -> bool:
        """Count one failed authentication; True when ``source`` is (now) blocked."""
        now = self.clock.now_ms()
        if self.blocked(source):
            return True
        rec = self._sources.get(source)
        if rec is None:
            rec = self._sources[source] = _Record()
            while len(self._sources) > self.max_sources:
                self._sources.popitem(last=False)
        else:
            self._sources.move_to_end(source)
        rec.times.append(now)
        self._trim(rec.times)
        if user:
            rec.users[user] = None
            rec.users.move_to_end(user)
            while len(rec.users) > self.max_users_per_source:
                rec.users.popitem(last=False)
            times = self._users.get(user)
            if times is None:
                times = self._users[user] = deque()
                while len(self._users) > self.max_sources:
                    self._users.popitem(last=False)
            else:
                self._users.move_to_end(user)
            times.append(now)
            self._trim(times)
        if self.max_failures <= 0 or len(rec.times) < self.max_failures:
            return False
        if self._is_exempt(source):
            return False
        self._block(source, rec, now)
        return True

    def succeeded(self, source: str) -> None:
        """A good authentication from ``source``: forget its failures (not a block)."""
        self._sources.pop(source, None)

    def unblock(self, source: str) -> bool:
        """Lift a block by hand (installer); True when there was one."""
        self._sources.pop(source, None)
        if self._blocked.pop(source, None) is None:
            return False
        log.info("SIP: block of %s lifted by hand", source)
        return True

    # -- internals
    def _trim(self, times: deque) -> None:
        edge = self.clock.now_ms() - self.window_ms
        while times and times[0] <= edge:
            times.popleft()

    def _is_exempt(self, source: str) -> bool:
        if not self._exempt:
            return False
        try:
            addr = ipaddress.ip_address(source)
        except ValueError:
            return False
        return any(addr in net for net in self._exempt)

    def _block(self, source: str, rec: _Record, now: int) -> None:
        users = tuple(rec.users)
        n = len(rec.times)
        self._blocked[source] = (now + self.lockout_ms, users, n)
        self._blocked.move_to_end(source)
        while len(self._blocked) > self.max_blocked:
            # drop the block that ends soonest
            soonest = min(self._blocked.items(), key=lambda kv: kv[1][0])[0]
            del self._blocked[soonest]
        self._sources.pop(source, None)
        who = f" for {', '.join(users)}" if users else ""
        log.warning("SIP: %d failed registrations from %s%s in %s; blocked for %s",
                    n, source, who, _duration(self.window_ms), _duration(self.lockout_ms))
