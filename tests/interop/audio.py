"""Audio checks for interop tests: make tone WAVs, find tones and DTMF in recordings.

Recordings from pjsua2 are 16-bit PCM WAV at 8 kHz (the agent runs its bridge at
8000 Hz) but this module also reads 16 kHz (decimated to 8 kHz), stereo (first
channel) and G.711 A-law/µ-law WAV files (format tags 6 and 7), so recordings of
other handsets work too.  Analysis runs on 20 ms frames (160 samples at 8 kHz).
"""
from __future__ import annotations

import os
import struct
import wave
from pathlib import Path

import numpy as np

from dsp import g711
from dsp.dtmf import DtmfDetector
from dsp.levels import dbm0_of_rms
from dsp.tones import ToneGenerator

RATE = 8000
"""Sample rate every analysis works at (Hz)."""
FRAME = 160
"""Analysis frame: 20 ms at 8 kHz (samples)."""
FRAME_MS = 20

_WAVE_FORMAT_PCM = 1
_WAVE_FORMAT_ALAW = 6
_WAVE_FORMAT_MULAW = 7


def tone_wav(path: str | os.PathLike, freq_hz: float, seconds: float, law: str | None = None,
             level_dbm0: float = -10.0) -> Path:
    """Write ``seconds`` of a ``freq_hz`` sine at ``level_dbm0`` to ``path``; returns the path.

    ``law=None`` writes 16-bit PCM at 8 kHz; ``"alaw"``/``"ulaw"`` writes a G.711 WAV
    (8-bit codes, format tag 6/7) — what pjsua2's and baresip's file players accept.
    """
    samples = ToneGenerator(f"{freq_hz:g}", level_dbm0=level_dbm0).read(int(seconds * RATE))
    return write_wav(path, samples, law)


def write_wav(path: str | os.PathLike, samples: np.ndarray, law: str | None = None) -> Path:
    """Write 8 kHz mono ``samples`` (int16) as 16-bit PCM or G.711 (``law``) WAV."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    pcm = np.asarray(samples, dtype=np.int16)
    if law is None:
        with wave.open(str(p), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(pcm.astype("<i2").tobytes())
        return p
    if law not in ("alaw", "ulaw"):
        raise ValueError(f"law must be None, 'alaw' or 'ulaw', not {law!r}")
    data = g711.encode(pcm, law)
    tag = _WAVE_FORMAT_ALAW if law == "alaw" else _WAVE_FORMAT_MULAW
    fmt = struct.pack("<HHIIHHH", tag, 1, RATE, RATE, 1, 8, 0)
    fact = struct.pack("<I", len(data))
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + b"fact" + struct.pack("<I", 4) + fact
            + b"data" + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b""))
    p.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return p


def read_wav(path: str | os.PathLike) -> np.ndarray:
    """Samples of a WAV file as int16 at 8 kHz (PCM 16-bit or G.711; 8/16 kHz; mono/stereo).

    Raises ValueError naming the file and what is unsupported.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise ValueError(f"cannot read WAV file {p}: {e}") from None
    if len(raw) < 12 or raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise ValueError(f"{p} is not a WAV file (no RIFF/WAVE header)")
    fmt = None
    data = None
    pos = 12
    while pos + 8 <= len(raw):
        cid, size = raw[pos:pos + 4], struct.unpack("<I", raw[pos + 4:pos + 8])[0]
        body = raw[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
        elif cid == b"data":
            data = body
        pos += 8 + size + (size & 1)
    if fmt is None or data is None:
        raise ValueError(f"{p}: WAV file without fmt or data chunk")
    tag, channels, rate, _, _, bits = fmt
    if tag == _WAVE_FORMAT_PCM and bits == 16:
        x = np.frombuffer(data[:len(data) // 2 * 2], dtype="<i2").astype(np.int16)
    elif tag in (_WAVE_FORMAT_ALAW, _WAVE_FORMAT_MULAW) and bits == 8:
        x = g711.decode(data, "alaw" if tag == _WAVE_FORMAT_ALAW else "ulaw")
    else:
        raise ValueError(f"{p}: unsupported WAV format tag {tag} with {bits}-bit samples "
                         f"(need 16-bit PCM, A-law or µ-law)")
    if channels > 1:
        x = x[: len(x) // channels * channels].reshape(-1, channels)[:, 0].copy()
    if rate == 16000:
        # average sample pairs (a crude low-pass) and keep one of two
        x = x[: len(x) // 2 * 2].astype(np.int32).reshape(-1, 2).mean(axis=1).astype(np.int16)
    elif rate != RATE:
        raise ValueError(f"{p}: sample rate {rate} Hz is not supported (8000 or 16000)")
    return x


def _slice(x: np.ndarray, start_s: float, end_s: float | None) -> np.ndarray:
    a = max(0, int(start_s * RATE))
    b = len(x) if end_s is None else min(len(x), int(end_s * RATE))
    return x[a:b]


def level_dbm0(wav: str | os.PathLike, start_s: float = 0.0, end_s: float | None = None) -> float:
    """RMS level of the WAV between ``start_s`` and ``end_s`` (s), in dBm0 (-inf if silent)."""
    x = _slice(read_wav(wav), start_s, end_s).astype(np.float64)
    return dbm0_of_rms(float(np.sqrt(np.mean(x * x)))) if len(x) else float("-inf")


def dominant_frequency(wav: str | os.PathLike, start_s: float = 0.0,
                       end_s: float | None = None) -> float:
    """Frequency (Hz) of the strongest spectral peak between ``start_s`` and ``end_s``.

    Hann-windowed FFT with parabolic interpolation (resolution well under 1 Hz for a
    second of audio).  Returns 0.0 for silence or less than 20 ms of audio.
    """
    x = _slice(read_wav(wav), start_s, end_s).astype(np.float64)
    if len(x) < FRAME or not np.any(x):
        return 0.0
    x = x - x.mean()
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    spec[0] = 0.0
    k = int(np.argmax(spec))
    if 0 < k < len(spec) - 1:
        a, b, c = np.log(spec[k - 1:k + 2] + 1e-12)
        k = k + 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else k
    return float(k * RATE / len(x))


def tone_frames(samples: np.ndarray, freq_hz: float, min_level_dbm0: float = -40.0,
                min_purity: float = 0.6) -> np.ndarray:
    """One bool per 20 ms frame: does ``freq_hz`` dominate the frame?

    A frame counts when its level is at least ``min_level_dbm0`` and the power at
    ``freq_hz`` (a single-bin DFT, Goertzel-style, Hann window) is at least
    ``min_purity`` of the frame's power.
    """
    x = np.asarray(samples, dtype=np.float64)
    n = len(x) // FRAME
    if n == 0:
        return np.zeros(0, dtype=bool)
    frames = x[: n * FRAME].reshape(n, FRAME)
    win = np.hanning(FRAME)
    probe = np.exp(-2j * np.pi * freq_hz * np.arange(FRAME) / RATE) * win
    tone_power = 2.0 * np.abs(frames @ probe) ** 2 / np.sum(win ** 2)
    power = np.sum((frames * win) ** 2, axis=1) / np.sum(win ** 2) * FRAME
    rms = np.sqrt(np.mean(frames * frames, axis=1))
    loud = np.array([dbm0_of_rms(float(r)) >= min_level_dbm0 for r in rms])
    with np.errstate(invalid="ignore", divide="ignore"):
        purity = np.where(power > 0, tone_power / power, 0.0)
    return loud & (purity >= min_purity)


def tone_onset(wav: str | os.PathLike, freq_hz: float, min_ms: int = 200,
               start_s: float = 0.0, end_s: float | None = None) -> float | None:
    """Start time (s from the file's start) of the first ``min_ms`` run of ``freq_hz``, or None."""
    hits = tone_frames(_slice(read_wav(wav), start_s, end_s), freq_hz)
    need = max(1, min_ms // FRAME_MS)
    run = 0
    for i, h in enumerate(hits):
        run = run + 1 if h else 0
        if run >= need:
            return start_s + (i - need + 1) * FRAME_MS / 1000.0
    return None


def has_tone(wav: str | os.PathLike, freq_hz: float, min_ms: int = 200,
             start_s: float = 0.0, end_s: float | None = None) -> bool:
    """True if ``freq_hz`` dominates at least ``min_ms`` in a row (20 ms frames)."""
    return tone_onset(wav, freq_hz, min_ms, start_s, end_s) is not None


def tone_ms(wav: str | os.PathLike, freq_hz: float, start_s: float = 0.0,
            end_s: float | None = None) -> int:
    """Total time (ms) in which ``freq_hz`` dominates (20 ms frames, not necessarily in a row)."""
    return int(tone_frames(_slice(read_wav(wav), start_s, end_s), freq_hz).sum()) * FRAME_MS


def dtmf_digits(wav: str | os.PathLike, start_s: float = 0.0, end_s: float | None = None) -> str:
    """DTMF digits heard in the WAV (dsp.dtmf's Q.24 receiver), in order."""
    return "".join(DtmfDetector().process(_slice(read_wav(wav), start_s, end_s)))
