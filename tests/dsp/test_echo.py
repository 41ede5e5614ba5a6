"""Line echo canceller (dsp.echo): convergence, double talk, NLP/CNG, block invariance.

Echo paths are synthetic hybrids in the spirit of the G.168 models: a bulk delay
of 1-5 ms, then a decaying random response band-limited to 300-3400 Hz and
dispersed over 32 or 64 ms, scaled to an echo return loss of 6-12 dB.
ERLE is measured on the linear canceller output (NLP off) unless a test says so.

Convergence on speech is counted in seconds of *active* far-end speech: 20 ms
frames whose far-end level is above -45 dBm0 (pauses between utterances do not
count).  "ERLE at t s" is the ERLE over the next 250 ms of active speech after
the first t s of active far-end speech.
"""
from __future__ import annotations

import numpy as np
import pytest

from dsp import g711
from dsp.bench import corpus
from dsp.echo import EchoCanceller, EchoCancellerBank
from dsp.levels import rms_for_dbm0

RATE = 8000
needs_speech = pytest.mark.skipif(not corpus.have_espeak(), reason="espeak-ng/sox missing")


def hybrid_path(taps: int, dispersion_ms: float, seed: int) -> np.ndarray:
    """Impulse response: bulk delay + decaying band-limited random tail (unit scale)."""
    rng = np.random.default_rng(seed)
    delay = int(rng.integers(8, 40))
    n = min(int(dispersion_ms * 8), taps - delay - 4)
    h = rng.normal(0, 1, n) * np.exp(-np.arange(n) / (n / 5.0))
    k = np.arange(-16, 17)

    def lowpass(fc: float) -> np.ndarray:
        return 2 * fc / RATE * np.sinc(2 * fc / RATE * k) * np.hamming(33)
    h = np.convolve(h, lowpass(3400) - lowpass(300))[:n]
    return np.concatenate([np.zeros(delay), h])


def echo_of(x: np.ndarray, h: np.ndarray, erl_db: float) -> np.ndarray:
    """Echo of ``x`` through ``h`` at an echo return loss of ``erl_db`` (float samples)."""
    e = np.convolve(x.astype(np.float64), h)[:x.size]
    return e * np.sqrt(np.mean(x.astype(np.float64) ** 2) / np.mean(e ** 2)) * 10 ** (-erl_db / 20)


def shaped_noise(seconds: float, dbm0: float, seed: int) -> np.ndarray:
    """CSS-like stand-in: band-limited (300-3400 Hz) noise with a speech-like spectral tilt."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    k = np.arange(-16, 17)
    lp = lambda fc: 2 * fc / RATE * np.sinc(2 * fc / RATE * k) * np.hamming(33)  # noqa: E731
    y = np.convolve(rng.normal(0, 1, n + 64), lp(3400) - lp(300))[64:64 + n]
    y = np.convolve(y, [1.0, 0.7])[:n]
    return np.clip(np.rint(y / np.std(y) * rms_for_dbm0(dbm0)), -32768, 32767).astype(np.int16)


def to16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), -32768, 32767).astype(np.int16)


def run(ec, near: np.ndarray, far: np.ndarray, block: int = 160) -> np.ndarray:
    return np.concatenate([ec.process(near[i:i + block], far[i:i + block])
                           for i in range(0, far.size, block)])


def erle_db(echo: np.ndarray, residual: np.ndarray) -> float:
    return 10 * np.log10((np.sum(echo.astype(float) ** 2) + 1.0)
                         / (np.sum(residual.astype(float) ** 2) + 1.0))


def active_frames(far: np.ndarray, dbm0: float = -45.0) -> np.ndarray:
    """Per 20 ms frame: True where the far end is active (RMS above ``dbm0``)."""
    n = far.size // 160
    frames = far[:n * 160].reshape(n, 160).astype(float)
    return np.sqrt(np.mean(frames ** 2, axis=1)) > rms_for_dbm0(dbm0)


def erle_at(far: np.ndarray, echo: np.ndarray, out: np.ndarray, t: float, span: float = 0.25) -> float:
    """ERLE (dB) over the ``span`` s of active far speech after the first ``t`` s of it."""
    act = active_frames(far)
    cum = np.cumsum(act) * 0.02
    frames = np.nonzero(act & (cum > t + 1e-9) & (cum <= t + span + 1e-9))[0]
    assert frames.size >= int(span / 0.02) - 1, "not enough active far speech"
    idx = (frames[:, None] * 160 + np.arange(160)).ravel()
    return erle_db(echo[idx], out[idx])


def far_speech(seconds: float, seed: int) -> np.ndarray:
    """Continuous far-end speech at -20..-12 dBm0 (short inter-utterance pauses)."""
    return corpus.speech(seconds, seed=seed, level_range=(-20.0, -12.0))


# ---------------------------------------------------------------- API and invariance

def test_taps_range_and_arguments():
    for bad in (0, 31, 1025, 4096):
        with pytest.raises(ValueError):
            EchoCanceller(bad)
    assert EchoCanceller(32).taps == 32 and EchoCanceller(1024).taps == 1024
    ec = EchoCanceller(128)
    with pytest.raises(ValueError):
        ec.process(np.zeros(10, np.int16), np.zeros(11, np.int16))
    out = ec.process(np.zeros(8, np.int16).tobytes(), bytes(16))
    assert out.dtype == np.int16 and out.size == 8
    assert ec.process(np.zeros(0, np.int16), np.zeros(0, np.int16)).size == 0


def _scenario(seconds: float = 4.0, seed: int = 1):
    """Far shaped noise + echo + near background noise + a near-end burst (double talk)."""
    far = shaped_noise(seconds, -15, seed)
    h = hybrid_path(256, 32, seed)
    near = echo_of(far, h, 9) + np.random.default_rng(seed).normal(0, rms_for_dbm0(-60), far.size)
    burst = shaped_noise(0.6, -20, seed + 5)
    at = far.size // 2
    near[at:at + burst.size] += burst[:far.size - at]
    return to16(near), far


@pytest.mark.parametrize("nlp", [False, True])
def test_any_block_split_gives_identical_output(nlp):
    near, far = _scenario()
    ref_ec = EchoCanceller(256, nlp=nlp)
    ref = ref_ec.process(near, far)   # one 32000-sample call
    for block in (1, 7, 160, 8000):
        ec = EchoCanceller(256, nlp=nlp)
        out = run(ec, near, far, block)
        assert np.array_equal(out, ref), f"block size {block} changes the output"
        assert ec.erle_db == ref_ec.erle_db and ec.converged == ref_ec.converged
    rng = np.random.default_rng(3)
    ec = EchoCanceller(256, nlp=nlp)
    cuts = np.cumsum(rng.integers(1, 400, 300))
    cuts = cuts[cuts < far.size]
    out = np.concatenate([ec.process(a, b) for a, b in zip(np.split(near, cuts), np.split(far, cuts))])
    assert np.array_equal(out, ref)


def test_bank_rows_equal_single_cancellers():
    chans = 3
    scen = [_scenario(2.0, seed) for seed in (1, 2, 3)]
    near = np.stack([s[0] for s in scen])
    far = np.stack([s[1] for s in scen])
    bank = EchoCancellerBank(chans, 256)
    out = np.concatenate([bank.process(near[:, i:i + 160], far[:, i:i + 160])
                          for i in range(0, far.shape[1], 160)], axis=1)
    for c in range(chans):
        single = EchoCanceller(256).process(near[c], far[c])
        assert np.array_equal(out[c], single)
    assert bank.erle_db.shape == (chans,) and bank.double_talk.dtype == bool
    bank.reset(1)
    bank.reset()
    with pytest.raises(ValueError):
        bank.process(near[:2], far[:2])


def test_reset_forgets_everything():
    near, far = _scenario(2.0)
    ec = EchoCanceller(256)
    first = ec.process(near, far)
    ec.reset()
    assert ec.erle_db == 0.0 and not ec.converged and not ec.double_talk
    assert np.array_equal(ec.process(near, far), first)


# ---------------------------------------------------------------- convergence

def test_converges_on_shaped_noise_32ms():
    far = shaped_noise(2.0, -15, 11)
    for erl in (6, 12):
        echo = echo_of(far, hybrid_path(256, 32, 4), erl)
        ec = EchoCanceller(256, nlp=False)
        out = run(ec, to16(echo), far)
        # 30 dB within 1 s of far-end signal (measured over 0.5-1.0 s)
        assert erle_db(echo[4000:8000], out[4000:8000]) >= 30.0, erl
        assert erle_db(echo[8000:16000], out[8000:16000]) >= 35.0, erl
        assert ec.converged and ec.erle_db >= 25.0


@pytest.mark.parametrize("taps", [512, 1024])
@pytest.mark.parametrize("erl", [6, 12])
def test_converges_on_shaped_noise_64ms_within_1s(taps, erl):
    """64 ms dispersion, speech-like (CSS-like) far end: 30 dB within 1 s at 512 and 1024 taps."""
    far = shaped_noise(2.0, -15, 15)
    echo = echo_of(far, hybrid_path(taps, 64, 5), erl)
    out = run(EchoCanceller(taps, nlp=False), to16(echo), far)
    assert erle_db(echo[4000:8000], out[4000:8000]) >= 30.0
    assert erle_db(echo[8000:16000], out[8000:16000]) >= 45.0


@needs_speech
@pytest.mark.parametrize("erl", [6, 12])
@pytest.mark.parametrize("seed", [3, 7, 11])
def test_converges_on_speech_32ms_within_1s(erl, seed):
    """The requirement: 30 dB ERLE within 1 s of far-end speech (256 taps, 32 ms path)."""
    far = far_speech(4.0, seed=seed)
    echo = echo_of(far, hybrid_path(256, 32, seed + 2), erl)
    ec = EchoCanceller(256, nlp=False)
    out = run(ec, to16(echo), far).astype(float)
    assert erle_at(far, echo, out, 1.0) >= 30.0
    assert erle_at(far, echo, out, 2.0) >= 38.0
    assert ec.converged


@needs_speech
def test_converges_on_speech_64ms_tail():
    """512 taps on 64 ms paths: 30 dB within 1 s on most talkers; 1024 taps: within ~2 s."""
    at1 = {512: [], 1024: []}
    at2 = {512: [], 1024: []}
    for seed in (3, 7, 11, 13, 17, 21):
        far = far_speech(4.0, seed=seed)
        for erl in (6, 12):
            echo = echo_of(far, hybrid_path(512, 64, seed + 2), erl)
            for taps in (512, 1024):
                out = run(EchoCanceller(taps, nlp=False), to16(echo), far).astype(float)
                at1[taps].append(erle_at(far, echo, out, 1.0))
                at2[taps].append(erle_at(far, echo, out, 2.0))
    # (the hardest talker, seed 7, reaches only ~25 dB at 1 s: a least-squares fit on
    # its first 0.75 s does no better than 23 dB on the next 0.25 s -- the speech
    # itself has not yet excited the path enough)
    assert np.median(at1[512]) >= 32.0 and min(at1[512]) >= 23.0, at1[512]
    assert min(at2[512]) >= 27.0, at2[512]
    assert np.median(at2[1024]) >= 34.0 and min(at2[1024]) >= 26.0, at2[1024]


@needs_speech
def test_converges_over_line_noise():
    """-60 dBm0 white noise at the near end: the slow phase after the fast start goes deeper."""
    far = far_speech(6.0, seed=30)
    echo = echo_of(far, hybrid_path(256, 32, 9), 6)
    bg = np.random.default_rng(1).normal(0, rms_for_dbm0(-60), far.size)
    out = run(EchoCanceller(256, nlp=False), to16(echo + bg), far).astype(float)
    assert erle_db(echo[8000:16000], out[8000:16000] - bg[8000:16000]) >= 20.0
    assert erle_db(echo[24000:], out[24000:] - bg[24000:]) >= 28.0


def test_fft_matches_numpy():
    from dsp import fft
    rng = np.random.default_rng(5)
    for n in (8, 64, 128, 256):
        x = rng.normal(0, 1000, n)
        spec = fft.rfft_py(x)
        assert np.allclose(spec, np.fft.rfft(x), atol=1e-2 * n)
        assert np.allclose(fft.irfft_py(spec, n), x, atol=1e-2)
    with pytest.raises(ValueError):
        fft.rfft_py(np.zeros(48))


# ---------------------------------------------------------------- double talk

@needs_speech
@pytest.mark.parametrize("near_gain_db", [0.0, 6.0])
def test_double_talk_does_not_diverge(near_gain_db):
    """4 s far only, 4 s double talk (near speech at echo level / 6 dB louder), 2 s far only."""
    far = far_speech(10.0, seed=21)
    echo = echo_of(far, hybrid_path(256, 32, 7), 9)
    talker = corpus.speech(4.0, seed=99, languages=("cmn",)).astype(float)
    echo_rms = np.sqrt(np.mean(echo[32000:64000] ** 2))
    active = talker[np.abs(talker) > 50]
    talker *= echo_rms / np.sqrt(np.mean(active ** 2)) * 10 ** (near_gain_db / 20)
    near_speech = np.zeros(far.size)
    near_speech[32000:64000] = talker[:32000]
    near = to16(echo + near_speech)
    ec = EchoCanceller(256, nlp=False)
    out = run(ec, near, far).astype(float)
    before = erle_db(echo[24000:32000], out[24000:32000])
    assert before >= 30.0
    # near-end speech comes through undistorted during double talk
    dt = slice(32000, 64000)
    err = out[dt] - near_speech[dt]
    snr = 10 * np.log10(np.sum(near_speech[dt] ** 2) / np.sum(err ** 2))
    assert snr >= 20.0, snr
    # and the canceller did not lose the echo path
    after = erle_db(echo[64000:], out[64000:])
    assert after >= 25.0, after


@needs_speech
def test_double_talk_detector_flags_near_speech():
    far = far_speech(3.0, seed=5)
    echo = echo_of(far, hybrid_path(256, 32, 2), 6)
    loud = shaped_noise(3.0, -10, 8).astype(float)
    ec = EchoCanceller(256)
    flags = []
    near = to16(echo + loud)
    for i in range(0, far.size, 160):
        ec.process(near[i:i + 160], far[i:i + 160])
        flags.append(ec.double_talk)
    assert np.mean(flags) > 0.8


# ---------------------------------------------------------------- path change, levels, codecs

@needs_speech
def test_reconverges_after_echo_path_change():
    far = far_speech(10.0, seed=8)
    h1, h2 = hybrid_path(256, 32, 1), hybrid_path(256, 32, 2)
    echo = np.concatenate([echo_of(far, h1, 9)[:40000], echo_of(far, h2, 9)[40000:]])
    ec = EchoCanceller(256, nlp=False)
    out = run(ec, to16(echo), far)
    assert erle_db(echo[32000:40000], out[32000:40000]) >= 30.0
    assert erle_db(echo[40000:44000], out[40000:44000]) < 15.0   # the change is visible
    assert erle_db(echo[64000:], out[64000:]) >= 28.0


@pytest.mark.parametrize("nlp", [False, True])
def test_silence_in_silence_out(nlp):
    ec = EchoCanceller(256, nlp=nlp)
    out = ec.process(np.zeros(16000, np.int16), np.zeros(16000, np.int16))
    assert not out.any()
    assert not ec.converged


def test_full_scale_signals():
    # far end at +3 dBm0 (peaks clipped at full scale), 12 dB hybrid
    far = to16(shaped_noise(3.0, 3.0, 4).astype(float) * 1.0)
    assert far.max() == 32767 and far.min() == -32768
    echo = echo_of(far, hybrid_path(256, 32, 3), 12)
    ec = EchoCanceller(256, nlp=False)
    out = run(ec, to16(echo), far)
    assert erle_db(echo[16000:], out[16000:]) >= 30.0
    # the near end itself at full scale (clipped): output saturates, never wraps
    out = EchoCanceller(256).process(np.full(800, 32767, np.int16), np.full(800, -32768, np.int16))
    assert out.min() >= -32768 and out.max() <= 32767 and np.all(out[:100] > 0)


@needs_speech
def test_a_law_quantised_signals():
    far = g711.alaw_decode(g711.alaw_encode(far_speech(5.0, seed=12)))
    echo = echo_of(far, hybrid_path(256, 32, 6), 9)
    near = g711.alaw_decode(g711.alaw_encode(to16(echo)))
    ec = EchoCanceller(256, nlp=False)
    out = run(ec, near, far)
    # A-law quantisation noise of the returned echo limits ERLE to about 30-35 dB
    assert erle_db(echo[24000:], out[24000:]) >= 25.0


# ---------------------------------------------------------------- NLP and comfort noise

@needs_speech
def test_nlp_removes_residual_and_fills_comfort_noise():
    far = far_speech(6.0, seed=30)
    echo = echo_of(far, hybrid_path(256, 32, 9), 6)
    bg_dbm0 = -55.0
    bg = np.random.default_rng(1).normal(0, rms_for_dbm0(bg_dbm0), far.size)
    near = to16(echo + bg)
    lin = run(EchoCanceller(256, nlp=False), near, far).astype(float)
    ec = EchoCanceller(256, nlp=True, cng=True)
    nlp_out = []
    active = []
    for i in range(0, far.size, 160):
        nlp_out.append(ec.process(near[i:i + 160], far[i:i + 160]))
        active.append(ec.nlp_active)
    nlp_out = np.concatenate(nlp_out).astype(float)
    tail = slice(32000, None)
    residual_lin = lin[tail] - bg[tail]
    # NLP on: what is left of the echo is below the linear residual
    assert np.mean(active[200:]) > 0.3
    # in the frames where the NLP suppresses, the line carries comfort noise at the
    # background level (within 3 dB), not silence and not residual echo
    frames = [i for i in range(200, len(active)) if active[i]]
    idx = np.concatenate([np.arange(i * 160, (i + 1) * 160) for i in frames])
    level = 10 * np.log10(np.mean(nlp_out[idx] ** 2) / rms_for_dbm0(bg_dbm0) ** 2)
    assert abs(level) <= 3.0, level
    assert abs(ec.noise_dbm0 - bg_dbm0) <= 3.0
    assert erle_db(echo[tail], nlp_out[tail] - bg[tail]) >= erle_db(echo[tail], residual_lin) - 1.0
    # cng=False: silence instead of comfort noise while suppressing
    ec = EchoCanceller(256, nlp=True, cng=False)
    frame_db = []
    was_active = False
    for i in range(0, far.size, 160):
        o = ec.process(near[i:i + 160], far[i:i + 160]).astype(float)
        if i >= 32000 and ec.nlp_active and was_active:
            frame_db.append(10 * np.log10(np.mean(o ** 2) + 1e-3))
        was_active = ec.nlp_active
    # (frames where the NLP held from start to end: mostly silent)
    assert np.median(frame_db) < 10 * np.log10(rms_for_dbm0(bg_dbm0) ** 2) - 6


@needs_speech
def test_nlp_lets_near_speech_through():
    far = far_speech(8.0, seed=31)
    echo = echo_of(far, hybrid_path(256, 32, 10), 9)
    talker = shaped_noise(2.0, -18, 77).astype(float)
    near_speech = np.zeros(far.size)
    near_speech[40000:56000] = talker
    ec = EchoCanceller(256, nlp=True)
    out = run(ec, to16(echo + near_speech), far).astype(float)
    seg = slice(41000, 56000)
    err = out[seg] - near_speech[seg]
    assert 10 * np.log10(np.sum(near_speech[seg] ** 2) / np.sum(err ** 2)) >= 15.0


# ---------------------------------------------------------------- two cancellers in a loop

#: hal/sim/board.py's hybrid: (delay in samples, gain), ERL about 20 dB
SIM_HYBRID = ((8, 0.07), (12, -0.05), (20, 0.035), (28, -0.025), (40, 0.015))


def sim_hybrid() -> np.ndarray:
    h = np.zeros(max(d for d, _ in SIM_HYBRID) + 1)
    for d, g in SIM_HYBRID:
        h[d] = g
    return h


def tone(freq_spec: str, seconds: float, country: str = "cn") -> np.ndarray:
    from dsp.tones import ToneGenerator
    return ToneGenerator(freq_spec, country).read(int(seconds * RATE))


def tone_power(x: np.ndarray, freq: float) -> float:
    """Share of the energy of ``x`` within 20 Hz of ``freq``."""
    spec = np.abs(np.fft.rfft(x.astype(float) * np.hanning(x.size))) ** 2
    f = np.fft.rfftfreq(x.size, 1 / RATE)
    return float(spec[(f > freq - 20) & (f < freq + 20)].sum() / max(spec.sum(), 1e-9))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(float) ** 2)))


def hybrid_loop(talk_a: np.ndarray, talk_b: np.ndarray, taps: int = 128,
                h_a: np.ndarray | None = None, h_b: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A line-to-phone call as the engine runs it on the simulated board.

    Two ports A and B, one canceller each (rows of one bank).  Each tick (160 samples)
    a port receives its talker plus the hybrid echo of what it was sent, the bank
    cancels, and each port's cleaned signal is what the other port is sent on the
    next tick.  So the echo one canceller leaves reaches the other one's reference:
    the two cancellers work in one loop.  Returns what A and what B heard.
    """
    h = [sim_hybrid() if h_a is None else h_a, sim_hybrid() if h_b is None else h_b]
    talk = [talk_a, talk_b]
    n = min(talk_a.size, talk_b.size) // 160 * 160
    bank = EchoCancellerBank(2, taps)
    tx = np.zeros((2, 160), np.int16)
    hist = [np.zeros(hh.size - 1) for hh in h]
    heard = np.zeros((2, n), np.int16)
    for i in range(0, n, 160):
        rx = np.zeros((2, 160), np.int16)
        for p in (0, 1):
            x = np.concatenate((hist[p], tx[p].astype(float)))
            echo = np.convolve(x, h[p])[h[p].size - 1:h[p].size - 1 + 160]
            rx[p] = to16(talk[p][i:i + 160].astype(float) + np.rint(echo))
            hist[p] = x[160:]
        heard[:, i:i + 160] = tx
        clean = bank.process(rx, tx)
        tx = np.ascontiguousarray(clean[::-1])
    return heard[0], heard[1]


def scaled_hybrid(erl: float, seed: int) -> np.ndarray:
    """A 16 ms hybrid (hybrid_path) scaled to ``erl`` dB echo return loss on shaped noise."""
    h = hybrid_path(256, 16, seed)
    x = shaped_noise(2.0, -15, 1).astype(float)
    y = np.convolve(x, h)[:x.size]
    return h * np.sqrt(np.mean(x ** 2) / np.mean(y ** 2)) * 10 ** (-erl / 20)


@pytest.mark.parametrize("taps,erl", [(128, None), (256, None), (128, 12), (512, 12)])
def test_two_cancellers_in_a_loop_tones_both_ways_stay_clean(taps, erl):
    """Tones from both ends at once (600 Hz from A, 1000 Hz from B, -13 dBm0): a near-end
    tone at a frequency the far end does not carry (or carries only weaker, through the
    loop) is double talk from the first block, so neither canceller learns the other
    end's tone through the loop (hal/sim's hybrid, and 12 dB hybrids)."""
    a, b = tone("600", 3.0), tone("1000", 3.0)
    hyb = {} if erl is None else {"h_a": scaled_hybrid(erl, 1), "h_b": scaled_hybrid(erl, 2)}
    heard_a, heard_b = hybrid_loop(a, b, taps, **hyb)
    # at worst the echo is not cancelled: ERL at the tone frequencies taken 6 dB below
    # the hybrid's ERL on noise (20 dB for hal/sim's)
    echo_gain = 10 ** (-((20.0 if erl is None else erl) - 6.0) / 20)
    for heard, src, f in ((heard_a, b, 1000), (heard_b, a, 600)):
        seg = heard[4000:]
        assert tone_power(seg, f) > 1 / (1 + echo_gain ** 2), f
        # the level the other end sent (within 1 dB) ...
        assert abs(20 * np.log10(rms(seg) / rms(src))) < 1.0
        # ... and steady: no 100 ms stretch louder or quieter, no clipping
        tenths = [rms(seg[i:i + 800]) for i in range(0, seg.size - 799, 800)]
        assert max(tenths) / min(tenths) < 1.12
        assert np.abs(seg).max() < (1.0 + echo_gain) * np.abs(src).max()


@needs_speech
@pytest.mark.parametrize("erl", [None, 12])
def test_two_cancellers_in_a_loop_speech_one_way_tone_the_other(erl):
    """A talks, B sends a steady tone: B's tone reaches A whole, A's speech reaches B
    clean (the tone's echo at A's port is removed, A's speech is not)."""
    speech = corpus.speech(4.0, seed=3, level_range=(-20.0, -12.0))
    t = tone("1000", 4.0)
    hyb = {} if erl is None else {"h_a": scaled_hybrid(erl, 1), "h_b": scaled_hybrid(erl, 2)}
    heard_a, heard_b = hybrid_loop(speech, t, 128, **hyb)
    assert tone_power(heard_a[4000:], 1000) > 0.98
    assert abs(20 * np.log10(rms(heard_a[4000:]) / rms(t))) < 0.5
    got, sent = heard_b[160:].astype(float), speech[:heard_b.size - 160].astype(float)   # one tick later
    snr = 10 * np.log10(np.sum(sent ** 2) / np.sum((got - sent) ** 2))
    assert snr >= (30.0 if erl is None else 25.0), snr


@pytest.mark.parametrize("erl", [None, 6, 12])
def test_two_cancellers_in_a_loop_converged_then_tones_both_ways(erl):
    """B's canceller converges on A's talk first; then tones both ways: it keeps what it
    learnt (A hears B's tone clean), and no canceller learns a tone through the loop
    (each end hears the other's tone at its level, bounded)."""
    talk = shaped_noise(2.0, -15, 5)
    a = np.concatenate([talk, tone("600", 2.0)])
    b = np.concatenate([np.zeros(talk.size, np.int16), tone("1000", 2.0)])
    hyb = {} if erl is None else {"h_a": scaled_hybrid(erl, 3), "h_b": scaled_hybrid(erl, 4)}
    heard_a, heard_b = hybrid_loop(a, b, 128, **hyb)
    seg = slice(talk.size + 4000, None)
    assert tone_power(heard_a[seg], 1000) > 0.99
    # B's port echo (A's tone) is cancelled by the converged canceller; A's port echo of
    # B's tone is not (its canceller never heard a far end alone): ERL-limited
    # (ERL at the tone frequencies taken 3 dB below the hybrid's ERL on noise)
    echo_gain = 10 ** (-({None: 20.0, 6: 6.0, 12: 12.0}[erl] - 3.0) / 20)
    assert tone_power(heard_b[seg], 600) > 1 / (1 + echo_gain ** 2)
    for heard, src in ((heard_a, b), (heard_b, a)):
        assert abs(20 * np.log10(rms(heard[seg]) / rms(src[seg]))) < 1.0
        assert np.abs(heard[seg]).max() < (1.0 + echo_gain) * np.abs(src[seg]).max()


def test_a_foreground_that_amplifies_is_dropped():
    """The echo path flips sign (h -> -h) after convergence: the output filter now doubles
    the echo (+6 dB); after 64 ms of that it is dropped (output = input, never louder),
    and the canceller re-converges in a fast start."""
    far = shaped_noise(5.0, -15, 3)
    e1 = echo_of(far, hybrid_path(256, 32, 1), 9)
    at = 24000
    echo = np.concatenate([e1[:at], -e1[at:]])
    ec = EchoCanceller(256, nlp=False)
    out = run(ec, to16(echo), far).astype(float)
    assert erle_db(echo[at - 8000:at], out[at - 8000:at]) >= 40.0
    assert ec.foreground_resets == 1
    assert erle_db(echo[at:at + 480], out[at:at + 480]) < -3.0     # (the change is audible)
    frames = [erle_db(echo[i:i + 160], out[i:i + 160]) for i in range(at + 640, at + 4000, 160)]
    assert min(frames) > -0.5, frames            # never louder than no canceller
    assert erle_db(echo[at + 4000:at + 8000], out[at + 4000:at + 8000]) >= 30.0
