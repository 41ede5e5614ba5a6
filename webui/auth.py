"""Who is logged in: server-side sessions, CSRF tokens, roles, and the login guard.

* A session is a random 256-bit id in the ``hotline_sid`` cookie (HttpOnly,
  SameSite=Strict, Secure over HTTPS); everything else stays on the server.  Sessions
  end after :data:`IDLE_S` without a request or :data:`MAX_AGE_S` in all, at logout,
  and at once when the user is disabled or deleted.  A web server restart logs
  everybody out (sessions are kept in memory only).
* Every state-changing request (POST, PUT, PATCH, DELETE) must carry the session's CSRF
  token, as the form field ``csrf`` or the ``X-CSRF-Token`` header (htmx sends it).
* :class:`LoginGuard`: :data:`LOCK_AFTER` wrong passwords for one user name, or from
  one address, within :data:`WINDOW_S` lock logins for :data:`LOCK_S`.
"""
from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Optional

COOKIE = "hotline_sid"
IDLE_S = 12 * 3600          #: a session unused this long ends (s)
MAX_AGE_S = 24 * 3600       #: a session ends this long after login whatever happens (s)
LOCK_AFTER = 10             #: wrong passwords (per user name or per address) before a lockout
WINDOW_S = 15 * 60          #: ... counted over this window (s)
LOCK_S = 15 * 60            #: how long a lockout lasts (s)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass
class Session:
    """One logged-in browser."""
    sid: str
    username: str
    role: str
    agent: str = ""
    lang: str = ""
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    created: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)
    must_change: bool = False
    extension: str = ""     #: the phone a supervisor listens from (dashboard); this session only
    supervisor: str = ""    #: the ACD supervisor number (and PIN, kept on the server only) the dashboard
    supervisor_pin: str = ""  #: ... supervises as; this session only


class Sessions:
    """The table of live sessions (thread-safe; requests run on many threads)."""

    def __init__(self) -> None:
        self._by_sid: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, user: dict) -> Session:
        s = Session(sid=secrets.token_urlsafe(32), username=user["username"], role=user["role"],
                    agent=user.get("agent", ""), lang=user.get("lang", ""),
                    must_change=bool(user.get("must_change")))
        with self._lock:
            self._by_sid[s.sid] = s
        return s

    def get(self, sid: Optional[str]) -> Optional[Session]:
        """The live session of ``sid`` (touching it), or None if absent or expired."""
        if not sid:
            return None
        now = time.monotonic()
        with self._lock:
            s = self._by_sid.get(sid)
            if s is None:
                return None
            if now - s.seen > IDLE_S or now - s.created > MAX_AGE_S:
                del self._by_sid[sid]
                return None
            s.seen = now
            return s

    def end(self, sid: str) -> None:
        with self._lock:
            self._by_sid.pop(sid, None)

    def end_user(self, username: str, keep: Optional[str] = None) -> int:
        """End every session of ``username`` (but ``keep``); returns how many ended."""
        with self._lock:
            gone = [k for k, s in self._by_sid.items() if s.username == username and k != keep]
            for k in gone:
                del self._by_sid[k]
        return len(gone)

    def __len__(self) -> int:
        return len(self._by_sid)


def csrf_ok(session: Session, token: Optional[str]) -> bool:
    """True when ``token`` is this session's CSRF token (constant-time compare)."""
    return bool(token) and hmac.compare_digest(session.csrf.encode(), str(token).encode())


class LoginGuard:
    """Counts wrong passwords per user name and per client address; locks both."""

    def __init__(self, lock_after: int = LOCK_AFTER, window_s: float = WINDOW_S, lock_s: float = LOCK_S,
                 clock=time.monotonic) -> None:
        self.lock_after, self.window_s, self.lock_s = lock_after, window_s, lock_s
        self.clock = clock
        self._fails: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(username: str, address: str) -> tuple[str, str]:
        return f"user:{username.lower()}", f"addr:{address}"

    def locked_for(self, username: str, address: str) -> float:
        """Seconds left of a lockout of this user name or address (0 = may try)."""
        now = self.clock()
        with self._lock:
            left = [self._locked_until.get(k, 0.0) - now for k in self._keys(username, address)]
        return max(0.0, *left)

    def failed(self, username: str, address: str) -> bool:
        """Count a wrong password; True when this one started a lockout."""
        now = self.clock()
        started = False
        with self._lock:
            for k in self._keys(username, address):
                times = [t for t in self._fails.get(k, []) if now - t < self.window_s]
                times.append(now)
                self._fails[k] = times
                if len(times) >= self.lock_after and self._locked_until.get(k, 0.0) <= now:
                    self._locked_until[k] = now + self.lock_s
                    self._fails[k] = []
                    started = True
        return started

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._fails.pop(self._keys(username, address)[0], None)

    def unlock(self, username: str) -> None:
        """An admin lets a locked user name in again."""
        with self._lock:
            k = self._keys(username, "")[0]
            self._locked_until.pop(k, None)
            self._fails.pop(k, None)
