"""Recording a prompt from a handset (*77 <number> #), then a menu playing it."""
from __future__ import annotations

from firmware.prompts.upload import decode_wav
from tests.firmware.features import dial, hang_up
from tests.ivr.conftest import install, rms, tone_power


def _record(hx, port: str, number: str, freq: int, then: str) -> object:
    """Dial *77<number>#, wait for the beep, play a tone, #, listen back, press ``then``."""
    p = hx.phone(port)
    dial(hx, port, f"*77{number}#", settle_ms=200)
    leg = hx.ctl.channel(port).call.b
    assert leg.tech == "PromptRec"
    assert hx.until(lambda: leg.state.value == "recording", 15000), "the beep, then recording"
    p.play_tone(str(freq))
    hx.run(1500)
    p.stop_playing()
    hx.run(200)
    p.dial("#")
    assert hx.until(lambda: leg.state.value == "playback", 2000)
    p.start_capture()
    assert hx.until(lambda: leg.state.value == "menu", 5000)
    heard = p.captured()
    assert tone_power(heard[800:-800], freq) > 0.5, "the recording is played back"
    hx.run(300)
    p.dial(then)
    hx.run(400)
    return leg


def test_record_save_and_a_menu_plays_it(hx):
    leg = _record(hx, "fxs1", "1001", 1100, "1")
    assert leg.state.value == "saved" and leg.saved_path
    x = decode_wav(open(leg.saved_path, "rb").read())
    assert 1.0 < x.size / 8000 < 2.5 and tone_power(x[800:-800], 1100) > 0.8, "the tone, not the # key"
    hx.run(4000)
    assert hx.state("fxs1") != "talking", "after 'prompt saved' the call ends"
    hang_up(hx, "fxs1")
    # a menu plays the new prompt to a caller from another phone
    install(hx, number="7000", nodes={"main": {"type": "play", "prompts": ["1001"], "next": "bye"},
                                      "bye": {"type": "hangup", "prompts": []}})
    p2 = hx.phone("fxs2")
    p2.start_capture()
    dial(hx, "fxs2", "7000", settle_ms=1500)
    x = p2.captured()[-8000:]
    assert tone_power(x, 1100) > 0.5 and rms(x) > 300, "the caller hears the recorded tone"


def test_record_again_then_cancel_saves_nothing(hx):
    leg = _record(hx, "fxs1", "1002", 900, "2")
    assert leg.state.value == "intro", "2: record again"
    assert hx.until(lambda: leg.state.value == "recording", 15000)
    hx.phone("fxs1").play_tone("700")
    hx.run(1000)
    hx.phone("fxs1").stop_playing()
    hx.phone("fxs1").dial("#")
    assert hx.until(lambda: leg.state.value == "menu", 6000)
    hx.run(300)
    hx.phone("fxs1").dial("3")
    hx.run(600)
    assert leg.state.value == "gone" and leg.saved_path is None
    assert not (hx.box.data.sounds / "prompts" / "zh" / "1002.wav").exists()


def test_hanging_up_while_recording_saves_nothing(hx):
    dial(hx, "fxs1", "*771003#", settle_ms=200)
    leg = hx.ctl.channel("fxs1").call.b
    assert hx.until(lambda: leg.state.value == "recording", 15000)
    hx.phone("fxs1").play_tone("800")
    hx.run(800)
    hang_up(hx, "fxs1")
    assert leg.state.value == "gone" and leg._tap is None
    assert not any(t.__class__.__name__ == "_Tap" for t in hx.ctl.switch._taps)
    assert not (hx.box.data.sounds / "prompts" / "zh" / "1003.wav").exists()
