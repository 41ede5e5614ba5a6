"""The issue's "done when": a caller leaves a message, the MWI lamp / stutter tone turns
on, the owner retrieves and deletes it, MWI turns off."""
from __future__ import annotations

from tests.voicemail.conftest import leave_message, setup_mailboxes, stutter, wav_tone, rms
from tests.firmware.features import dial, hang_up


def test_leave_retrieve_delete_with_mwi(hx):
    setup_mailboxes(hx)
    owner = hx.phone("fxs1")
    assert not owner.lamp
    leave_message(hx, "fxs2", "801", freq=700)

    msgs = hx.box.voicemail.store.messages("801")
    assert len(msgs) == 1
    m = msgs[0]
    assert m.caller == "802" and m.folder == "new"
    assert 2000 <= m.duration_ms <= 6000
    assert wav_tone(m.path, 700) > 0.5                     # the caller's tone is in the file
    # message waiting: lamp, FSK MWI on the on-hook phone, stutter dial tone
    hx.run(3000)
    assert owner.lamp
    assert owner.mwi is True
    owner.start_capture()
    owner.off_hook()
    hx.run(900)
    assert stutter(owner.captured()[800:]), "no stutter dial tone with a message waiting"
    owner.on_hook()
    hx.run(1000)

    # the owner listens (PIN 1234), hears the message, deletes it
    dial(hx, "fxs1", "*98", settle_ms=3000)
    assert hx.state("fxs1") == "talking"
    owner.dial("1234#")
    hx.run(6000)                                             # "you have one new message..."
    owner.dial("1")
    owner.start_capture()
    hx.run(14_000)                                           # envelope + the message
    heard = owner.captured()
    assert rms(heard) > 300
    from tests.firmware.conftest import tone_power
    best = max(tone_power(heard[i:i + 8000], 700) for i in range(0, heard.size - 8000, 4000))
    assert best > 0.5, "the owner did not hear the message"
    owner.dial("3")
    hx.run(3000)
    assert hx.box.voicemail.store.counts("801") == (0, 0)
    assert not m.path.exists()
    assert not owner.lamp
    hang_up(hx, "fxs1")
    hx.run(3000)
    assert owner.mwi is False                               # FSK "no messages" after hang-up
    cdr = hx.cdrs()
    assert any(c.dst == "801" and "voicemail 801" in c.userfield for c in cdr)
