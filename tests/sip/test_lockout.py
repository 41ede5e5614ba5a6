"""Lockout of sources after repeated failed SIP authentications (virtual clock)."""
from __future__ import annotations

import logging

import pytest

from firmware.sip.lockout import FailedAuthGuard
from hal.clock import VirtualClock


@pytest.fixture
def clock():
    return VirtualClock()


def test_blocks_after_max_failures_and_logs(clock, caplog):
    guard = FailedAuthGuard(clock)          # 5 in 60 s -> 10 min
    caplog.set_level(logging.INFO, logger="hotline.sip.security")
    for i in range(4):
        assert guard.failed("10.0.0.7", "801") is False
        clock.advance(1000)
    assert not guard.blocked("10.0.0.7") and guard.failures("10.0.0.7") == 4
    assert guard.failed("10.0.0.7", "801") is True
    assert guard.blocked("10.0.0.7")
    assert not guard.blocked("10.0.0.8")
    msgs = [r.getMessage() for r in caplog.records if r.name == "hotline.sip.security"]
    assert msgs == ["SIP: 5 failed registrations from 10.0.0.7 for 801 in 60 s; "
                    "blocked for 10 min"]
    assert caplog.records[-1].levelno == logging.WARNING


def test_block_expires(clock, caplog):
    guard = FailedAuthGuard(clock, max_failures=3, lockout_ms=120_000)
    caplog.set_level(logging.INFO, logger="hotline.sip.security")
    for _ in range(3):
        guard.failed("192.0.2.1", "801")
    [row] = guard.status()
    assert row.source == "192.0.2.1" and row.left_ms == 120_000 and row.users == ("801",)
    assert row.as_dict() == {"source": "192.0.2.1", "users": ["801"], "failures": 3,
                             "left_s": 120}
    clock.advance(60_000)
    assert guard.status()[0].left_ms == 60_000
    assert guard.blocked("192.0.2.1")
    clock.advance(60_000)
    assert not guard.blocked("192.0.2.1") and guard.status() == []
    assert "SIP: block of 192.0.2.1 ended" in caplog.text
    # after the block the count starts again from zero
    assert guard.failed("192.0.2.1", "801") is False


def test_failures_outside_window_do_not_add_up(clock):
    guard = FailedAuthGuard(clock, max_failures=5, window_ms=60_000)
    for _ in range(20):
        assert not guard.failed("10.0.0.9", "801")
        clock.advance(15_000)                 # 4 per minute: never 5 in a window
    assert not guard.blocked("10.0.0.9")
    assert guard.failures("10.0.0.9") <= 4


def test_success_resets_count(clock):
    guard = FailedAuthGuard(clock, max_failures=3)
    guard.failed("10.0.0.5", "801")
    guard.failed("10.0.0.5", "801")
    guard.succeeded("10.0.0.5")               # the phone got its password right
    assert guard.failures("10.0.0.5") == 0
    guard.failed("10.0.0.5", "801")
    guard.failed("10.0.0.5", "801")
    assert not guard.blocked("10.0.0.5")


def test_users_counted_across_sources_but_never_blocked(clock, caplog):
    guard = FailedAuthGuard(clock, max_failures=3)
    caplog.set_level(logging.INFO, logger="hotline.sip.security")
    for i in range(6):
        guard.failed(f"198.51.100.{i}", "801")
    assert guard.user_failures("801") == 6
    assert not any(guard.blocked(f"198.51.100.{i}") for i in range(6))
    # one scanner trying several extensions: all of them named in the log line
    for user in ("801", "802", "803"):
        guard.failed("203.0.113.66", user)
    assert "from 203.0.113.66 for 801, 802, 803 in 60 s" in caplog.text


def test_exempt_and_disabled(clock):
    guard = FailedAuthGuard(clock, max_failures=2, exempt=["127.0.0.1", "10.1.0.0/16"])
    for _ in range(5):
        guard.failed("127.0.0.1", "801")
        guard.failed("10.1.2.3", "801")
        guard.failed("::1", "801")
    assert not guard.blocked("127.0.0.1") and not guard.blocked("10.1.2.3")
    assert guard.blocked("::1")
    off = FailedAuthGuard(clock, max_failures=0)
    for _ in range(50):
        assert not off.failed("10.0.0.7", "801")
    assert off.failures("10.0.0.7") == 50
    with pytest.raises(ValueError, match="'not-an-ip'"):
        FailedAuthGuard(clock, exempt=["not-an-ip"])


def test_unblock_by_hand(clock, caplog):
    guard = FailedAuthGuard(clock, max_failures=1)
    caplog.set_level(logging.INFO, logger="hotline.sip.security")
    guard.failed("10.0.0.7")
    assert guard.blocked("10.0.0.7")
    assert guard.unblock("10.0.0.7") and not guard.blocked("10.0.0.7")
    assert not guard.unblock("10.0.0.7")
    assert "lifted by hand" in caplog.text
    assert "from 10.0.0.7 in 60 s" in caplog.text       # no user known: no "for"


def test_memory_is_bounded(clock):
    guard = FailedAuthGuard(clock, max_failures=2, max_sources=100, max_blocked=50)
    for i in range(5000):
        guard.failed(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", f"u{i}")
    assert len(guard._sources) <= 100 and len(guard._users) <= 100
    for i in range(200):
        src = f"172.16.0.{i % 250}"
        guard.failed(src)
        guard.failed(src)
    assert len(guard.status()) <= 50
    assert guard.blocked("172.16.0.199")          # the newest blocks are kept
