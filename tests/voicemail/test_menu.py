"""The retrieval menu's call back and greetings; voicemail numbers as forward targets
and dialled directly."""
from __future__ import annotations

from tests.firmware.conftest import rms, tone_power
from tests.firmware.features import dial, hang_up
from tests.voicemail.conftest import leave_message, setup_mailboxes, wav_tone


def _recording(hx):
    return any(getattr(leg, "state", None) is not None and leg.state.value == "recording"
               for leg in hx.box.voicemail.legs)


def _login(hx, port="fxs1", pin="1234"):
    dial(hx, port, "*98", settle_ms=3000)
    hx.phone(port).dial(pin + "#")
    hx.run(7000)


def test_call_back_an_outside_caller_from_the_menu(hx):
    setup_mailboxes(hx)
    hx.box.store.update_inbound_route(1, dest_kind="voicemail", dest="6801")
    hx.box.reload()
    ex = hx.board.exchange
    remote = ex.ring_in("fxo1", caller="13800138000")
    assert hx.until(lambda: _recording(hx), 30_000)
    remote.play_tone("700")
    hx.run(2500)
    remote.hangup()
    hx.run(4000)
    [m] = hx.box.voicemail.store.messages("801")
    assert m.caller == "13800138000"
    ex.add_subscriber("13800138000", answer_after_ms=1000)
    _login(hx)
    hx.phone("fxs1").dial("1")
    hx.run(2000)
    hx.phone("fxs1").dial("4")                            # call back: 9 + the number, owner's rights
    assert hx.until(lambda: hx.state("fxo1") == "talking" and hx.box.ctl.calls and
                    any(c.b is not None and c.b.name == "fxo1" for c in hx.box.ctl.calls.values()), 20_000)
    hx.run(3000)
    [f] = hx.box.voicemail.followups(include_done=True)
    assert f["attempts"] == 1 and f["answered"] and f["status"] == "done"
    hang_up(hx, "fxs1")


def test_record_unavailable_greeting_and_callers_hear_it(hx):
    setup_mailboxes(hx)
    _login(hx)
    p = hx.phone("fxs1")
    p.dial("0")                                           # options
    hx.run(1500)
    p.dial("2")                                           # unavailable greeting
    vm = hx.box.voicemail
    assert hx.until(lambda: any(getattr(leg, "recording", None) is not None for leg in vm.legs), 15_000)
    p.play_tone("1200")
    hx.run(2500)
    p.stop_playing()
    p.dial("#")
    hx.run(3000)
    path = vm.store.greeting("801", "unavailable")
    assert path is not None and wav_tone(path, 1200) > 0.5
    hang_up(hx, "fxs1")
    caller = hx.phone("fxs2")
    dial(hx, "fxs2", "801", settle_ms=200)
    assert hx.until(lambda: any(getattr(leg, "state", None) is not None and leg.state.value == "greeting"
                                and leg.call is not None and leg.call.b is leg for leg in vm.legs), 15_000)
    caller.start_capture()
    hx.run(2500)
    heard = caller.captured()
    assert tone_power(heard, 1200) > 0.5 and rms(heard) > 300   # the owner's greeting, not the system one


def test_cfna_to_a_voicemail_number_and_dialling_it_directly(hx):
    hx.box.store.add_mailbox(number="802", pin="1234")
    hx.box.reload()
    dial(hx, "fxs1", "*526802", settle_ms=2500)           # 801: no answer -> 802's mailbox
    hang_up(hx, "fxs1")
    assert hx.box.store.extension("801")["cfna"] == "6802"
    dial(hx, "fxs3", "801", settle_ms=200)
    assert hx.until(lambda: _recording(hx), 40_000), "CFNA to the voicemail number did not record"
    hx.phone("fxs3").play_tone("700")
    hx.run(2000)
    hang_up(hx, "fxs3")
    leave_message(hx, "fxs4", "6802", freq=900)            # dialled directly
    msgs = hx.box.voicemail.store.messages("802")
    assert [m.caller for m in msgs] == ["803", "804"]
    assert wav_tone(msgs[1].path, 900) > 0.5
