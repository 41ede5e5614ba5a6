"""Registrations survive a restart (firmware/sip/locations.py): every REGISTER is kept in
SQLite with wall-clock expiry; a new registrar on a new clock takes back the live UDP ones."""
from __future__ import annotations

import datetime as dt

from firmware.sip.lockout import FailedAuthGuard
from firmware.sip.locations import LocationStore
from firmware.sip.message import Target
from firmware.sip.registrar import Registrar
from hal.clock import VirtualClock
from tests.sip.test_registrar import PASSWORDS, REALM, Phone

T0 = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.timezone.utc)


def registrar(clock, secret=PASSWORDS.get) -> Registrar:
    guard = FailedAuthGuard(clock, max_failures=3, window_ms=60_000, lockout_ms=300_000)
    return Registrar(clock, realm=REALM, secret=secret, guard=guard)


def kept(path, clock, secret=PASSWORDS.get):
    """A registrar and its store, as SipService wires them."""
    reg = registrar(clock, secret)
    store = LocationStore(path, clock)
    reg.on_store = store.save
    return reg, store


def test_bindings_come_back_after_a_restart_with_their_remaining_time(tmp_path):
    path = tmp_path / "sip.db"
    clock = VirtualClock(epoch=T0)
    reg, store = kept(path, clock)
    assert Phone(reg, "201").register(expires=600).status == 200
    assert Phone(reg, "202", source=Target("UDP", "10.0.0.6", 5060)).register(
        contacts=("<sip:202@10.0.0.6:5060>",), expires=120).status == 200
    clock.advance(60_000)
    assert Phone(reg, "201").register(expires=600).status == 200        # a refresh moves the expiry on
    store.close()

    later = VirtualClock(epoch=T0 + dt.timedelta(seconds=60 + 90))       # the box was down 90 s
    reg2, store2 = kept(path, later)
    assert reg2.restore(store2.load()) == 1                              # 202's 120 s ran out
    [b] = reg2.bindings("201")
    assert str(b.contact.uri) == "sip:201@10.0.0.5:5062" and b.source == Target("UDP", "10.0.0.5", 5062)
    assert b.expires_in_s(later.now_ms()) == 600 - 90
    assert reg2.bindings("202") == []
    later.advance((600 - 90) * 1000 + 20)                                # and it expires on time
    assert reg2.bindings("201") == []
    assert store2.load() == []                                           # expiry is written back


def test_unregister_tcp_flows_and_removed_extensions_are_not_restored(tmp_path):
    path = tmp_path / "sip.db"
    clock = VirtualClock(epoch=T0)
    reg, store = kept(path, clock)
    p = Phone(reg, "201")
    assert p.register(expires=600).status == 200
    assert p.register(expires=0).status == 200                           # unregistered: forgotten
    assert store.load() == []
    assert Phone(reg, "202", source=Target("TCP", "10.0.0.6", 40000)).register(
        contacts=("<sip:202@10.0.0.6:5060;transport=tcp>",), expires=600).status == 200
    assert Phone(reg, "201").register(expires=600).status == 200
    assert {b.user for b in store.load()} == {"201"}                     # the TCP flow died with the box
    store.close()
    reg2, store2 = kept(path, VirtualClock(epoch=T0), secret={"202": "x"}.get)   # 201 is gone now
    assert reg2.restore(store2.load()) == 0


def test_a_broken_file_is_moved_aside_and_registering_still_works(tmp_path):
    path = tmp_path / "sip.db"
    path.write_bytes(b"this is not a database" * 100)
    clock = VirtualClock(epoch=T0)
    reg, store = kept(path, clock)
    assert (tmp_path / "sip.db.broken").exists()
    assert Phone(reg, "201").register(expires=600).status == 200
    assert [b.user for b in store.load()] == ["201"]


def test_a_failing_store_does_not_fail_the_register(tmp_path):
    clock = VirtualClock(epoch=T0)
    reg = registrar(clock)

    def full_disk(user, bindings):
        raise OSError(28, "No space left on device")
    reg.on_store = full_disk
    assert Phone(reg, "201").register(expires=600).status == 200
    assert len(reg.bindings("201")) == 1


