"""Simulated phones on FXS ports: real tones both ways, hook signalling, ringing, caller ID."""
import datetime as dt
import wave

import numpy as np
import pytest

from dsp.callerid import encode_fsk, encode_mwi
from dsp.dtmf import DtmfDetector
from dsp.levels import dbm0_of_rms
from dsp.tones import ToneGenerator
from hal.ports import Ev, HookTiming, Linefeed
from hal.sim.board import hybrid_erl_db

from tests.hal.conftest import Box


def tone_source(name, country="cn"):
    g = ToneGenerator(name, country)
    return lambda: g.read(160)


def rms_db(x):
    x = x.astype(np.float64)
    return dbm0_of_rms(float(np.sqrt(np.mean(x * x)))) if len(x) else float("-inf")


def band_power(x, f):
    """Power of x at frequency f relative to its total (0..1)."""
    spec = np.abs(np.fft.rfft(x.astype(np.float64) * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / 8000)
    near = np.abs(freqs - f) < 40
    return spec[near].sum() / max(spec.sum(), 1e-9)


@pytest.mark.parametrize("tone,state", [("dial", "dialtone"), ("busy", "busy"),
                                        ("ringback", "ringback"), ("congestion", "congestion")])
def test_phone_hears_call_progress_tones(box, tone, state):
    ph = box.board.phone("fxs1")
    ph.off_hook()
    box.send("fxs1", tone_source(tone))
    assert box.run_until(lambda: ph.hears == state, 8000), ph.hears_history
    assert ph.hears_history[-1][1] == state


def test_phone_on_hook_hears_nothing(box):
    ph = box.board.phone("fxs1")
    box.send("fxs1", tone_source("dial"))
    box.run(3000)
    assert ph.hears is None and ph.hears_history == []


def test_dtmf_dialling_back_to_back_with_off_hook(box):
    ph = box.board.phone("fxs2")
    ph.off_hook()
    ph.dial("80#1*")              # no clock step in between
    box.run(2500)
    kinds = box.kinds("fxs2")
    assert kinds == [Ev.OFF_HOOK]
    det = DtmfDetector()
    assert "".join(det.process(np.concatenate(box.rx["fxs2"]))) == "80#1*"
    # the first tone starts only after the settle time (200 ms after off-hook)
    first = next(i for i, f in enumerate(box.rx["fxs2"]) if np.abs(f).max() > 0)
    assert first == 10
    # level per component -7 dBm0 -> total about -4 dBm0
    assert -5.0 < rms_db(box.rx["fxs2"][first + 1]) < -3.0


def test_pulse_dialling_gives_pulse_digits(box):
    ph = box.board.phone("fxs1")
    ph.off_hook()
    ph.dial("305", mode="pulse")
    box.run(5000)
    digits = [e.data["digit"] for e in box.events if e.kind == Ev.PULSE_DIGIT]
    assert digits == ["3", "0", "5"]
    assert Ev.ON_HOOK not in box.kinds("fxs1") and Ev.FLASH not in box.kinds("fxs1")
    assert box.board.port("fxs1").off_hook


def test_flash_and_hang_up(box):
    ph = box.board.phone("fxs1")
    ph.off_hook()
    ph.flash()
    ph.wait(500)
    ph.on_hook()
    box.run(3000)
    evs = [(e.kind, e.data) for e in box.events if e.port == "fxs1"]
    assert evs == [(Ev.OFF_HOOK, {}), (Ev.FLASH, {"ms": 300}), (Ev.ON_HOOK, {})]
    on = [e for e in box.events if e.kind == Ev.ON_HOOK][0]
    fl = [e for e in box.events if e.kind == Ev.FLASH][0]
    # on-hook from tick fl.tick + 25 (after the 500 ms wait); reported in its 41st tick (820 ms)
    assert on.tick - (fl.tick + 25) + 1 == 41
    assert not box.board.port("fxs1").off_hook


def test_flash_window_follows_hook_timing(box):
    port = box.board.port("fxs1")
    port.set_hook_timing(HookTiming(flash_min_ms=400, flash_max_ms=1200))
    ph = box.board.phone("fxs1")
    ph.off_hook()
    ph.flash(1000)
    box.run(2000)
    assert [(e.kind, e.data) for e in box.events] == [(Ev.OFF_HOOK, {}), (Ev.FLASH, {"ms": 1000})]


def test_ring_cadence_and_ring_trip(box):
    port, ph = box.board.port("fxs3"), box.board.phone("fxs3")
    port.ring([1000, 4000])
    bells = []
    for _ in range(300):                       # 6 s
        box.tick()
        bells.append(ph.ringing)
    assert sum(bells[:50]) == 50 and not any(bells[50:250]) and all(bells[250:300])
    assert ph.rings == 2 and port.ringing
    assert port.linefeed == Linefeed.RINGING
    ph.off_hook()
    ev = box.tick()
    assert [e.kind for e in ev] == [Ev.OFF_HOOK]
    assert not port.ringing and not ph.ringing
    assert ph.rings == 2                       # kept until the phone hangs up
    ph.on_hook()
    box.run(1000)
    assert ph.rings == 0 and not port.ringing


def test_bad_cadence_is_refused(box):
    with pytest.raises(ValueError, match="cadence_ms"):
        box.board.port("fxs1").ring([1000])


def test_caller_id_waits_for_ring_silence_and_is_decoded(box):
    port, ph = box.board.port("fxs1"), box.board.phone("fxs1")
    port.ring([1000, 4000])
    box.run(200)                               # inside the first burst
    when = dt.datetime(2026, 3, 5, 14, 30)
    port.send_onhook(encode_fsk("13800138000", "ZHANG SAN", when=when))
    assert port.onhook_busy
    box.run(700)                               # still the burst: nothing sent yet
    assert ph.caller_id is None and port.onhook_busy
    box.run(2000)
    assert not port.onhook_busy
    assert ph.caller_id["number"] == "13800138000"
    assert ph.caller_id["name"] == "ZHANG SAN"
    assert ph.caller_id["datetime"].strftime("%m%d%H%M") == "03051430"


def test_v23_caller_id_and_mwi(box):
    port, ph = box.board.port("fxs2"), box.board.phone("fxs2")
    port.send_onhook(encode_fsk("5551234", standard="v23"))
    assert port.linefeed == Linefeed.ONHOOK_TX
    box.run(1500)
    assert ph.caller_id["number"] == "5551234" and ph.caller_id["standard"] == "v23"
    assert ph.mwi is None
    port.send_onhook(encode_mwi(True))
    box.run(1500)
    assert ph.mwi is True
    port.send_onhook(encode_mwi(False))
    box.run(1500)
    assert ph.mwi is False


def test_polarity_and_lamp_reach_the_phone(box):
    port, ph = box.board.port("fxs1"), box.board.phone("fxs1")
    port.set_polarity(True)
    port.set_mwi_lamp(True)
    assert ph.polarity == "reversed" and ph.lamp
    assert port.status()["linefeed"] == "reversed"
    port.set_polarity(False)
    assert port.linefeed == Linefeed.ACTIVE and ph.polarity == "normal"


def test_phone_voice_and_capture_cross_the_port(box):
    ph = box.board.phone("fxs1")
    ph.off_hook(settle_ms=0)
    ph.play_tone("1000", ms=400)
    box.send("fxs1", tone_source("1400"))
    ph.start_capture()
    box.run(600)
    sent = np.concatenate(box.rx["fxs1"][-30:])
    assert band_power(sent[:3200], 1000) > 0.9
    assert np.abs(sent[3400:]).max() == 0       # the 400 ms tone ended
    heard = ph.captured()
    assert len(heard) == 30 * 160
    assert band_power(heard, 1400) > 0.9


def test_play_wav_and_bad_wav(box, tmp_path):
    good = tmp_path / "hello.wav"
    x = ToneGenerator("700").read(1600)
    with wave.open(str(good), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000)
        w.writeframes(x.tobytes())
    ph = box.board.phone("fxs1")
    ph.off_hook(settle_ms=0)
    ph.play_wav(good)
    box.run(400)
    got = np.concatenate(box.rx["fxs1"])
    assert np.array_equal(got[:1600], x)        # speaks from the off-hook tick on
    assert np.abs(got[1600:]).max() == 0
    bad = tmp_path / "stereo.wav"
    with wave.open(str(bad), "wb") as w:
        w.setnchannels(2), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(b"\0" * 400)
    with pytest.raises(ValueError, match="16000 Hz.*2 channels"):
        ph.play_wav(bad)
    with pytest.raises(ValueError, match="does not exist"):
        ph.play_wav(tmp_path / "nope.wav")


def test_hybrid_echo_only_off_hook():
    assert 19.0 < hybrid_erl_db() < 21.5
    b = Box(echo=True)
    b.send("fxs1", tone_source("1000"))
    b.run(400)
    assert np.abs(b.rx_since("fxs1", 10)).max() == 0     # on-hook: no echo
    b.board.phone("fxs1").off_hook()
    b.run(400)
    echo = b.rx_since("fxs1", 10)
    sent_level = -13.0
    erl = sent_level - rms_db(echo)
    assert 12.0 < erl < 30.0, erl
    assert band_power(echo, 1000) > 0.9


def test_status_and_bad_arguments(box):
    ph = box.board.phone("fxs1")
    ph.off_hook()
    box.run(100)
    st = box.board.port("fxs1").status()
    assert st["hook"] == "off" and st["kind"] == "fxs" and st["linefeed"] == "active"
    assert ph.status()["hook"] == "off"
    with pytest.raises(ValueError, match="not a DTMF key"):
        ph.dial("12x")
    with pytest.raises(ValueError, match="only 0-9"):
        ph.dial("1*", mode="pulse")
    with pytest.raises(ValueError, match="dial mode"):
        ph.dial("1", mode="mf")
    with pytest.raises(ValueError, match="not FXS"):
        box.board.phone("fxo1")
