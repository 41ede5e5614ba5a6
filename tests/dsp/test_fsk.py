"""FSK modem (dsp.fsk): Bell 202 and V.23 modulation, demodulation, UART framing."""
from __future__ import annotations

import numpy as np
import pytest

from dsp import fsk, g711
from dsp.levels import dbm0_of_rms, rms_for_dbm0

STDS = ("bell202", "v23")


def _burst(std: str, data: bytes, level: float = -13.5, lead: int = 400,
           mark_bits: int = 80) -> np.ndarray:
    m = fsk.FskModulator(std, level)
    return np.concatenate([np.zeros(lead, np.int16), m.mark(mark_bits), m.modulate_bytes(data),
                           m.mark(10), np.zeros(400, np.int16)])


def _noisy(sig: np.ndarray, level: float, snr_db: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = sig.astype(float) + rng.normal(0, rms_for_dbm0(level - snr_db), len(sig))
    return np.clip(np.rint(out), -32768, 32767).astype(np.int16)


def _random_bytes(n: int, seed: int = 1) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()


def test_uart_bits_framing():
    bits = fsk.uart_bits(b"\x01\x80")
    assert bits.tolist() == [0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
                             0, 0, 0, 0, 0, 0, 0, 0, 1, 1]


@pytest.mark.parametrize("std", STDS)
def test_modulator_level_frequency_and_timing(std):
    spec = fsk.STANDARDS[std]
    m = fsk.FskModulator(std, -13.5)
    mark = m.mark(1200)                           # one second of mark
    assert len(mark) == 8000                      # 1200 bits at 1200 baud, no drift
    assert abs(dbm0_of_rms(np.sqrt(np.mean(mark.astype(float) ** 2))) + 13.5) < 0.1
    spectrum = np.abs(np.fft.rfft(mark.astype(float)))
    assert abs(np.argmax(spectrum) - spec["mark_hz"]) <= 1   # 1 Hz bins
    space = m.modulate_bits(np.zeros(1200, np.uint8))
    assert abs(np.argmax(np.abs(np.fft.rfft(space.astype(float)))) - spec["space_hz"]) <= 1


def test_modulator_is_phase_continuous_across_calls():
    whole = fsk.FskModulator("bell202").modulate_bytes(b"hello world")
    m = fsk.FskModulator("bell202")
    pieces = np.concatenate([m.modulate_bytes(bytes([c])) for c in b"hello world"])
    assert np.array_equal(whole, pieces)


@pytest.mark.parametrize("std", STDS)
@pytest.mark.parametrize("level", [-40.0, -30.0, -13.5, -5.0])
@pytest.mark.parametrize("snr", [None, 20.0, 15.0])
def test_round_trip_levels_and_noise(std, level, snr):
    data = _random_bytes(120, seed=int(-level * 10))
    sig = _burst(std, data, level)
    if snr is not None:
        sig = _noisy(sig, level, snr, seed=7)
    assert fsk.FskDemodulator(std).process(sig) == data


@pytest.mark.parametrize("std", STDS)
@pytest.mark.parametrize("law", ["alaw", "ulaw"])
def test_round_trip_through_g711(std, law):
    data = _random_bytes(100)
    sig = _burst(std, data, -30.0)
    back = g711.decode(g711.encode(sig, law), law)
    assert fsk.FskDemodulator(std).process(back) == data


@pytest.mark.parametrize("std", STDS)
def test_block_size_invariance(std):
    data = _random_bytes(40)
    sig = _noisy(_burst(std, data, -20.0, lead=123), -20.0, 20.0)
    for block in (1, 7, 160, 8000):
        d = fsk.FskDemodulator(std)
        got = b"".join(d.process(sig[i:i + block]) for i in range(0, len(sig), block))
        assert got == data, block


def test_bytes_input_accepted():
    data = b"\x80\x01abc"
    sig = _burst("bell202", data)
    assert fsk.FskDemodulator("bell202").process(sig.tobytes()) == data


@pytest.mark.parametrize("std,other", [("bell202", "v23"), ("v23", "bell202")])
def test_wrong_standard_gives_no_bytes(std, other):
    sig = _burst(other, _random_bytes(60), -13.5)
    assert fsk.FskDemodulator(std).process(sig) == b""


def test_frequency_tolerance():
    """Tones 1.5 % off nominal still decode (the check rejects 100 Hz offsets only)."""
    data = _random_bytes(30)
    bits = np.concatenate([np.ones(80, np.uint8), fsk.uart_bits(data), np.ones(10, np.uint8)])
    for scale in (0.985, 1.015):
        freqs = np.where(np.repeat(bits, 40), 1200 * scale, 2200 * scale)   # 40 samples/bit at 48 kHz
        phase = np.cumsum(2 * np.pi * freqs / 48000)
        sig48 = 5000 * np.sin(phase)
        sig = np.rint(sig48[::6]).astype(np.int16)                          # 8 kHz
        assert fsk.FskDemodulator("bell202").process(sig) == data, scale


def test_inverted_mapping():
    data = _random_bytes(50)
    bits = np.concatenate([np.ones(80, np.uint8), fsk.uart_bits(data), np.ones(10, np.uint8)])
    sig = fsk.FskModulator("bell202").modulate_bits(1 - bits)
    assert fsk.FskDemodulator("bell202", inverted=True).process(sig) == data
    assert fsk.FskDemodulator("bell202").process(sig) != data


def test_silence_and_noise_give_nothing():
    rng = np.random.default_rng(3)
    d = fsk.FskDemodulator("bell202")
    assert d.process(np.zeros(8000, np.int16)) == b""
    assert not d.carrier
    quiet = np.rint(rng.normal(0, rms_for_dbm0(-55), 16000)).astype(np.int16)
    assert d.process(quiet) == b""          # below carrier detect
    loud = np.rint(rng.normal(0, rms_for_dbm0(-20), 8000 * 5)).astype(np.int16)
    assert len(d.process(loud)) < 5          # per-character frequency check rejects most


def test_carrier_detect_follows_signal():
    d = fsk.FskDemodulator("v23")
    m = fsk.FskModulator("v23", -40.0)
    d.process(m.mark(100))
    assert d.carrier
    d.process(np.zeros(200, np.int16))
    assert not d.carrier


def test_bank_matches_single_channels():
    chans = 5
    sigs = [_noisy(_burst("bell202", _random_bytes(30, seed=c), -10.0 - 5 * c, lead=50 * c),
                   -10.0 - 5 * c, 20.0, seed=c) for c in range(chans)]
    n = max(len(s) for s in sigs)
    block = np.zeros((chans, n), np.int16)
    for c, s in enumerate(sigs):
        block[c, :len(s)] = s
    bank = fsk.FskDemodulatorBank("bell202", chans)
    got = [bytearray() for _ in range(chans)]
    for i in range(0, n, 160):
        for c, b in enumerate(bank.process(block[:, i:i + 160])):
            got[c] += b
    for c in range(chans):
        assert bytes(got[c]) == _random_bytes(30, seed=c)
        assert bytes(got[c]) == fsk.FskDemodulator("bell202").process(block[c])


def test_unknown_standard_rejected():
    with pytest.raises(ValueError):
        fsk.FskModulator("v21")
    with pytest.raises(ValueError):
        fsk.FskDemodulator("bell103")


@pytest.mark.parametrize("std", STDS)
@pytest.mark.parametrize("baud", [1188, 1212])
def test_baud_rate_tolerance(std, baud):
    """Senders 1 % slow or fast: every character re-synchronises on its start bit."""
    data = _random_bytes(200, seed=baud)
    m = fsk.FskModulator(std, -13.5, baud=baud)
    sig = np.concatenate([m.mark(80), m.modulate_bytes(data), m.mark(10)])
    assert fsk.FskDemodulator(std).process(_noisy(sig, -13.5, 20.0, seed=baud)) == data


@pytest.mark.parametrize("scale", [0.985, 1.015])
def test_v23_frequency_tolerance(scale):
    data = _random_bytes(30)
    bits = np.concatenate([np.ones(80, np.uint8), fsk.uart_bits(data), np.ones(10, np.uint8)])
    freqs = np.where(np.repeat(bits, 40), 1300 * scale, 2100 * scale)      # 48 kHz, 1200 baud
    sig = np.rint(5000 * np.sin(np.cumsum(2 * np.pi * freqs / 48000))[::6]).astype(np.int16)
    assert fsk.FskDemodulator("v23").process(sig) == data


def test_both_polarities_from_one_receiver():
    data = _random_bytes(40)
    bits = np.concatenate([np.ones(80, np.uint8), fsk.uart_bits(data), np.ones(10, np.uint8)])
    m = fsk.FskModulator("v23")
    normal, inverted = m.modulate_bits(bits), m.modulate_bits(1 - bits)
    d = fsk.FskDemodulator("v23", both=True)
    assert d.process_both(normal)[0] == data
    d.reset()
    assert d.process_both(inverted)[1] == data
    bank = fsk.FskDemodulatorBank("v23", 2, both=True)
    got = bank.process_both(np.stack([normal, inverted]))
    assert (0, False, data) in got and (1, True, data) in got
