"""Speech and music-like test signals for talk-off and false-detection checks.

Speech is synthesised with espeak-ng (English and Mandarin, varied voice,
pitch and speed) and resampled to 8 kHz with sox; music-like signals (notes
with harmonics, chords, melodies with vibrato, chirps) are generated here.
Both are scaled to normal talking levels (about -25 to -10 dBm0 active speech
level, peaks near -3 dBm0).  Synthesised speech is cached under
``$XDG_CACHE_HOME/hotline/corpus``.

Used by the tests and by ``hotline bench talkoff``; needs the Debian packages
``espeak-ng`` and ``sox`` (the Makefile installs them).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from typing import Iterator, Optional

import numpy as np

from dsp.levels import rms_for_dbm0

RATE = 8000

ENGLISH = [
    "Thank you for calling the city service hotline. Your call is important to us.",
    "Please hold while we connect you to the next available agent.",
    "I would like to report a broken street light on Fifth Avenue near the bus stop.",
    "My account number is four seven one two, and I was charged twice last month.",
    "Could you tell me what time the office opens on Saturday morning?",
    "The water pressure in our building has been very low since Tuesday.",
    "Yes, that's right. No, I don't think so. Well, maybe we could try again tomorrow.",
    "One, two, three, four, five, six, seven, eight, nine, zero, star, pound.",
    "She sells sea shells by the sea shore, and the shells she sells are surely seashells.",
    "Hello? Hello? Can you hear me? The line is really bad today, I'm sorry.",
    "We received your complaint and a technician will visit within forty eight hours.",
    "Press one for billing, press two for technical support, or stay on the line.",
    "Ah, hmm, let me think. Oh yes, I remember now, it was the blue form, not the red one.",
    "The quick brown fox jumps over the lazy dog while the children sing loudly.",
    "Beeping, ringing, whistling and humming sounds are all part of our daily life.",
    "Good morning! How may I help you today? Please spell your family name for me.",
]

MANDARIN = [
    "您好，欢迎致电市民服务热线，请问有什么可以帮您？",
    "我想反映一下我们小区门口的路灯坏了，已经三天了。",
    "请您稍等，正在为您转接人工服务。",
    "我的社保卡丢了，请问应该去哪里补办？需要带什么材料？",
    "一二三四五六七八九零，请输入您的身份证号码。",
    "我们会在二十四小时内给您回电，请保持电话畅通。",
    "喂？喂？听得到吗？信号不太好，我再说一遍。",
    "今天天气很好，我们一起去公园散步吧，顺便买点水果。",
    "关于养老保险缴费的问题，我已经咨询过好几次了。",
    "谢谢您的耐心等待，您的满意是我们最大的追求。",
    "嗯，对，是的，没错，就是这个意思，好的好的。",
    "热线电话号码是一二三四五，工作时间是早上八点到晚上八点。",
    "这个问题比较复杂，我需要向上级部门反映一下。",
    "请问您是本人吗？请提供一下您的姓名和联系方式。",
]

VOICES = {"en": ["en", "en-us", "en-gb-x-rp", "en-029"], "cmn": ["cmn"]}
VARIANTS = ["", "+m1", "+m3", "+m7", "+f1", "+f2", "+f4", "+croak", "+klatt2"]


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "hotline", "corpus")
    os.makedirs(path, exist_ok=True)
    return path


def have_espeak() -> bool:
    """True when espeak-ng and sox are installed."""
    return shutil.which("espeak-ng") is not None and shutil.which("sox") is not None


def speak(text: str, voice: str = "en", pitch: int = 50, speed: int = 160) -> np.ndarray:
    """Synthesise ``text`` with espeak-ng; return 8 kHz int16 samples (cached).

    ``pitch`` is espeak's 0..99, ``speed`` words per minute.
    """
    key = hashlib.sha1(f"{voice}|{pitch}|{speed}|{text}".encode()).hexdigest()[:16]
    path = os.path.join(cache_dir(), key + ".raw")
    if not os.path.exists(path):
        if not have_espeak():
            raise RuntimeError("espeak-ng and sox are needed for speech signals "
                               "(apt-get install espeak-ng sox)")
        wav = subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed),
                              "--stdout", text], check=True, capture_output=True).stdout
        raw = subprocess.run(["sox", "-t", "wav", "-", "-t", "raw", "-r", str(RATE), "-e", "signed",
                              "-b", "16", "-c", "1", "-"], input=wav, check=True,
                             capture_output=True).stdout
        tmp = path + f".{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(raw)
        os.replace(tmp, path)
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype="<i2").astype(np.int16)


def scale_to_dbm0(x: np.ndarray, dbm0: float) -> np.ndarray:
    """Scale ``x`` so its active level (RMS over samples above -50 dB of peak) is ``dbm0``."""
    xf = x.astype(np.float64)
    peak = np.max(np.abs(xf)) or 1.0
    active = xf[np.abs(xf) > peak * 10 ** (-50 / 20)]
    rms = np.sqrt(np.mean(active ** 2)) if active.size else 1.0
    y = xf * (rms_for_dbm0(dbm0) / rms)
    return np.clip(np.rint(y), -32768, 32767).astype(np.int16)


def speech_utterances(seed: int = 0, languages: tuple[str, ...] = ("en", "cmn"),
                      level_range: tuple[float, float] = (-25.0, -10.0)) -> Iterator[np.ndarray]:
    """An endless stream of synthesised utterances with varied voice, pitch, speed and level."""
    rng = np.random.default_rng(seed)
    texts = {"en": ENGLISH, "cmn": MANDARIN}
    while True:
        lang = languages[rng.integers(len(languages))]
        voice = VOICES[lang][rng.integers(len(VOICES[lang]))] + VARIANTS[rng.integers(len(VARIANTS))]
        text = texts[lang][rng.integers(len(texts[lang]))]
        pitch = int(rng.integers(10, 95))
        speed = int(rng.integers(110, 240))
        x = speak(text, voice, pitch, speed)
        yield scale_to_dbm0(x, float(rng.uniform(*level_range)))


def speech(seconds: float, seed: int = 0, languages: tuple[str, ...] = ("en", "cmn"),
           level_range: tuple[float, float] = (-25.0, -10.0)) -> np.ndarray:
    """About ``seconds`` of synthesised speech (utterances joined by short pauses), int16."""
    rng = np.random.default_rng(seed + 10_000)
    parts: list[np.ndarray] = []
    total = 0
    want = int(seconds * RATE)
    for utt in speech_utterances(seed, languages, level_range):
        parts.append(utt)
        gap = np.zeros(int(rng.integers(80, 4000)), np.int16)
        parts.append(gap)
        total += utt.size + gap.size
        if total >= want:
            break
    return np.concatenate(parts)[:want]


_NOTE_A4 = 440.0


def _note_freq(semitones_from_a4: float) -> float:
    return _NOTE_A4 * 2.0 ** (semitones_from_a4 / 12.0)


def _instrument_note(freq: float, dur: float, rng: np.random.Generator) -> np.ndarray:
    """One note with a harmonic spectrum, attack/decay envelope and optional vibrato."""
    n = int(dur * RATE)
    t = np.arange(n) / RATE
    nharm = int(rng.integers(3, 9))
    rolloff = rng.uniform(0.6, 1.6)
    vib = rng.uniform(0, 0.006) * np.sin(2 * np.pi * rng.uniform(4, 7) * t)
    phase = 2 * np.pi * freq * np.cumsum(1 + vib) / RATE
    x = np.zeros(n)
    for k in range(1, nharm + 1):
        if freq * k >= 3800:
            break
        x += (1.0 / k ** rolloff) * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
    attack = max(1, int(rng.uniform(0.005, 0.05) * RATE))
    env = np.minimum(1.0, np.arange(n) / attack) * np.exp(-t * rng.uniform(0.5, 4.0))
    return x * env


def music(seconds: float, seed: int = 0, level_range: tuple[float, float] = (-25.0, -10.0)) -> np.ndarray:
    """About ``seconds`` of music-like signal: melodies and chords of harmonic notes, and chirps."""
    rng = np.random.default_rng(seed)
    want = int(seconds * RATE)
    parts: list[np.ndarray] = []
    total = 0
    major, minor = [0, 2, 4, 5, 7, 9, 11], [0, 2, 3, 5, 7, 8, 10]
    while total < want:
        kind = rng.choice(["melody", "chords", "chirp"], p=[0.45, 0.4, 0.15])
        if kind == "chirp":
            dur = rng.uniform(0.3, 2.0)
            n = int(dur * RATE)
            t = np.arange(n) / RATE
            f0, f1 = rng.uniform(200, 3400, 2)
            inst = f0 + (f1 - f0) * t / dur
            seg = np.sin(2 * np.pi * np.cumsum(inst) / RATE)
            seg *= np.minimum(1, np.minimum(np.arange(n), n - np.arange(n)) / 80)
        else:
            key = int(rng.integers(-12, 12))
            scale = major if rng.random() < 0.6 else minor
            beat = rng.uniform(0.12, 0.6)
            notes = []
            for _ in range(int(rng.integers(4, 12))):
                deg = int(rng.integers(0, 14))
                base = key + scale[deg % 7] + 12 * (deg // 7)
                if kind == "chords":
                    stack = [base, base + scale[(deg + 2) % 7] - scale[deg % 7] + (12 if (deg + 2) % 7 < deg % 7 else 0),
                             base + 7]
                else:
                    stack = [base]
                dur = beat * int(rng.integers(1, 4))
                note = sum(_instrument_note(_note_freq(s), dur, rng) for s in stack)
                notes.append(note)
            seg = np.concatenate(notes)
        seg = scale_to_dbm0(seg, float(rng.uniform(*level_range)))
        parts.append(seg)
        total += seg.size
    return np.concatenate(parts)[:want]


def white_noise(seconds: float, dbm0: float, seed: int = 0) -> np.ndarray:
    """Gaussian white noise at ``dbm0`` (RMS), int16."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, rms_for_dbm0(dbm0), int(seconds * RATE))
    return np.clip(np.rint(x), -32768, 32767).astype(np.int16)


def mix(*signals: np.ndarray, length: Optional[int] = None) -> np.ndarray:
    """Sum int16 signals (zero-padded to the longest, or cut to ``length``) with saturation."""
    n = length or max(s.size for s in signals)
    acc = np.zeros(n, np.int64)
    for s in signals:
        m = min(n, s.size)
        acc[:m] += s[:m]
    return np.clip(acc, -32768, 32767).astype(np.int16)
