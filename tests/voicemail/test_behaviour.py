"""Voicemail behaviour through simulated phones and lines: busy greeting and 0 for the
operator, the main number from outside (via an inbound route), wrong PIN 3x, forced PIN
at first login, forwarding, group mailboxes, full mailboxes, validation, follow-ups."""
from __future__ import annotations

import datetime as dt

import pytest

from firmware.config import ConfigError
from tests.firmware.features import dial, hang_up
from tests.voicemail.conftest import leave_message, setup_mailboxes, wav_tone


def _recording(hx):
    return any(getattr(leg, "state", None) is not None and leg.state.value == "recording"
               for leg in hx.box.voicemail.legs)


def test_busy_extension_goes_to_voicemail_and_0_reaches_the_operator(hx):
    setup_mailboxes(hx)
    hx.box.store.set_setting("operator", "803")
    hx.box.reload()
    hx.phone("fxs1").off_hook()                      # 801 busy (dial tone)
    hx.run(500)
    dial(hx, "fxs2", "801", settle_ms=500)
    legs = hx.box.voicemail.legs
    assert legs and legs[-1].greeting == "busy"
    assert hx.until(lambda: _recording(hx), 30_000)
    hx.phone("fxs2").play_tone("700")
    hx.run(2000)
    hx.phone("fxs2").stop_playing()
    hx.phone("fxs2").dial("0")                       # message kept, then the operator rings
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 4000), "operator not rung"
    [m] = hx.box.voicemail.store.messages("801")
    assert wav_tone(m.path, 700) > 0.3
    hx.phone("fxs3").off_hook()
    assert hx.until(lambda: hx.state("fxs2") == "talking" and hx.state("fxs3") == "talking", 2000)


def test_main_number_from_outside_with_wrong_pin_three_times(hx):
    setup_mailboxes(hx)
    hx.box.store.update_inbound_route(1, dest_kind="voicemail", dest="6000")
    hx.box.reload()
    remote = hx.board.exchange.ring_in("fxo1", caller="13800138000")
    assert hx.until(lambda: hx.state("fxo1") == "talking", 15_000)
    hx.run(4000)
    for _ in range(3):
        remote.send_dtmf("801#")
        hx.run(4000)
        remote.send_dtmf("9999#")
        hx.run(7000)
    assert hx.until(lambda: not remote.in_call, 15_000), "not hung up after 3 wrong PINs"
    refusals = hx.box.cdr.refusals(10)
    assert any(r["kind"] == "voicemail" and "wrong PIN" in r["reason"] for r in refusals)


def test_first_login_forces_a_new_pin_then_forward(hx):
    hx.box.store.set_setting("ring_timeout_ms", 5000)
    hx.box.store.add_mailbox(number="801")                       # no PIN: the mailbox number
    hx.box.store.add_mailbox(number="802", pin="4321")
    hx.box.reload()
    leave_message(hx, "fxs3", "801", freq=900)
    dial(hx, "fxs1", "*98", settle_ms=3000)
    p = hx.phone("fxs1")
    p.dial("801#")
    hx.run(5000)
    p.dial("2468#")
    hx.run(3000)
    p.dial("2468#")
    hx.run(4000)
    assert hx.box.store.mailbox("801")["pin"] == "2468"
    p.dial("1")
    hx.run(3000)
    p.dial("5")                                                   # forward ...
    hx.run(4000)
    p.dial("802#")                                                # ... to 802
    hx.run(3000)
    [fwd] = hx.box.voicemail.store.messages("802")
    assert fwd.caller == "803" and wav_tone(fwd.path, 900) > 0.5
    assert hx.phone("fxs2").lamp
    hang_up(hx, "fxs1")


def test_group_mailbox_lights_every_member_and_full_mailbox_takes_none(hx):
    hx.box.store.set_setting("ring_timeout_ms", 5000)
    hx.box.store.add_mailbox(number="500", kind="group", members=["801", "802"], max_messages=1)
    hx.box.reload()
    leave_message(hx, "fxs3", "6500", freq=700)
    hx.run(3000)
    assert hx.phone("fxs1").lamp and hx.phone("fxs2").lamp and not hx.phone("fxs3").lamp
    dial(hx, "fxs4", "6500", settle_ms=8000)                      # full: "mailbox full", goodbye
    assert not _recording(hx)
    assert len(hx.box.voicemail.store.messages("500")) == 1


def test_validation_names_the_field(hx):
    s = hx.box.store
    with pytest.raises(ConfigError, match="mailboxes.number"):
        s.add_mailbox(number="899")                               # no such extension
    with pytest.raises(ConfigError, match="mailboxes.members"):
        s.add_mailbox(number="500", kind="group", members=["899"])
    with pytest.raises(ConfigError, match="mailboxes.pin"):
        s.add_mailbox(number="801", pin="12")
    with pytest.raises(ConfigError, match="mailboxes.delete_after_email"):
        s.add_mailbox(number="801", delete_after_email=True)
    s.add_mailbox(number="801")
    with pytest.raises(ConfigError, match="settings.voicemail_main"):
        s.set_setting("voicemail_main", "600")                    # the ring group
    with pytest.raises(ConfigError, match="extensions.number"):
        s.delete_extension("801")                                 # it has a mailbox


def test_followups_overdue_then_called_back_from_cdrs(hx):
    setup_mailboxes(hx)
    hx.box.store.update_inbound_route(1, dest_kind="voicemail", dest="6801")
    hx.box.reload()
    remote = hx.board.exchange.ring_in("fxo1", caller="13800138000")
    assert hx.until(lambda: _recording(hx), 30_000)
    remote.play_tone("700")
    hx.run(3000)
    remote.hangup()
    hx.run(3000)
    vm = hx.box.voicemail
    [f] = vm.followups()
    assert f["caller"] == "13800138000" and f["status"] == "open" and f["attempts"] == 0
    # a day later nobody has called back: overdue
    vm.store.db.execute("UPDATE messages SET received = ?", [(hx.clock.wall_time() - dt.timedelta(hours=25))
                                                            .isoformat()])
    [f] = vm.followups()
    assert f["status"] == "overdue"
    # 801 calls the number back (an outbound call in the CDRs): one attempt
    ex = hx.board.exchange
    ex.add_subscriber("13800138000", answer_after_ms=500)
    dial(hx, "fxs1", "913800138000", settle_ms=8000)
    hang_up(hx, "fxs1")
    listed = vm.followups(include_done=True)
    assert listed[0]["attempts"] == 1
    assert listed[0]["status"] == "done" and listed[0]["answered"]
    assert vm.followups() == []                                   # answered: off the list
    assert hx.box.dispatcher.run("voicemail.followups", {"all": True})[0]["attempts"] == 1


def test_ring_group_overflows_to_a_group_mailbox(hx):
    s = hx.box.store
    s.add_mailbox(number="500", kind="group", members=["801", "802", "803", "804"])
    s.update_ring_group("600", ring_ms=4000, no_answer_dest="6500")
    hx.box.reload()
    remote = hx.board.exchange.ring_in("fxo1", caller="13911112222")
    assert hx.until(lambda: _recording(hx), 40_000), "reception did not overflow to voicemail"
    remote.play_tone("700")
    hx.run(3000)
    remote.hangup()
    hx.run(3000)
    [m] = hx.box.voicemail.store.messages("500")
    assert m.caller == "13911112222" and wav_tone(m.path, 700) > 0.5
    assert all(hx.phone(f"fxs{i}").lamp for i in range(1, 5))
    with pytest.raises(ConfigError, match="mailboxes.number"):
        s.delete_mailbox("500")                                   # ring group 600 still uses it
