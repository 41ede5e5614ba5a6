"""The installer's own prompts: upload (any PCM WAV, resampled to 8 kHz 16-bit mono),
list and delete, in ``<sounds>/prompts/<lang>/<name>.wav`` where the prompt library finds
them first (firmware/prompts/library.py).

A file is decoded and checked completely before anything is written; it is then written
to a temporary name and renamed into place, so a broken upload never replaces a good
prompt and a crash never leaves half a file under the prompt's name.
"""
from __future__ import annotations

import io
import os
import re
import wave
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from firmware.engine.media import write_wav
from firmware.prompts.catalogue import LANGUAGES, PROMPTS

RATE = 8000                 #: Hz, what the box plays
MAX_SECONDS = 600           #: longest prompt accepted (s)
NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


class PromptError(ValueError):
    """An upload or delete that cannot be done, said in plain words."""


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name) or ".." in name:
        raise PromptError(f"{name!r} is not a prompt name (1–64 letters, digits, _ . -; e.g. 'welcome_sales')")
    return name


def _lowpass(x: np.ndarray, cutoff: float, taps: int = 63) -> np.ndarray:
    """Windowed-sinc low-pass; ``cutoff`` as a fraction of the sample rate (0..0.5)."""
    n = np.arange(taps) - (taps - 1) / 2
    h = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(taps)
    h /= h.sum()
    return np.convolve(x, h, mode="same")


def resample(x: np.ndarray, rate: int, to: int = RATE) -> np.ndarray:
    """``x`` (float, mono) from ``rate`` Hz to ``to`` Hz (anti-alias filter when going down)."""
    if rate == to or x.size == 0:
        return x
    if rate > to:
        x = _lowpass(x, 0.45 * to / rate)
    n_out = max(1, int(round(x.size * to / rate)))
    t = np.arange(n_out) * (rate / to)
    return np.interp(t, np.arange(x.size), x)


def decode_wav(data: bytes) -> np.ndarray:
    """Any PCM WAV (8/16/24/32-bit, any rate, any channels) as 8 kHz int16 mono samples.
    :class:`PromptError` says what is wrong with a file that is not one."""
    if not data:
        raise PromptError("the file is empty")
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise PromptError("the file is not a WAV file (it does not start with RIFF....WAVE)")
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            ch, width, rate, n = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            raw = w.readframes(n)
    except (wave.Error, EOFError) as e:
        raise PromptError(f"the WAV file cannot be read ({e}); save it as PCM (uncompressed) WAV") from None
    if not 1000 <= rate <= 192000:
        raise PromptError(f"the WAV file says {rate} Hz, which is not a sound sample rate")
    if ch < 1 or width not in (1, 2, 3, 4):
        raise PromptError(f"{ch} channels of {8 * width}-bit samples is not supported (PCM 8/16/24/32-bit)")
    frames = len(raw) // (ch * width)
    if frames == 0:
        raise PromptError("the WAV file has no audio in it")
    if frames < n:
        raise PromptError(f"the WAV file is cut short: it promises {n} samples but holds {frames}")
    if frames / rate > MAX_SECONDS:
        raise PromptError(f"the prompt is {frames / rate:.0f} s long (at most {MAX_SECONDS} s)")
    raw = raw[:frames * ch * width]
    if width == 1:
        x = (np.frombuffer(raw, np.uint8).astype(np.float64) - 128) * 256
    elif width == 2:
        x = np.frombuffer(raw, "<i2").astype(np.float64)
    elif width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        x = v.astype(np.float64) / 256
    else:
        x = np.frombuffer(raw, "<i4").astype(np.float64) / 65536
    x = x.reshape(-1, ch).mean(axis=1)
    y = resample(x, rate)
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def custom_dir(sounds_dir: Union[str, os.PathLike], language: str) -> Path:
    if language not in LANGUAGES:
        raise PromptError(f"language {language!r} has no prompts (choose {', '.join(LANGUAGES)})")
    return Path(sounds_dir) / "prompts" / language


def save_prompt(sounds_dir: Union[str, os.PathLike], language: str, name: str, data: bytes) -> dict[str, Any]:
    """Decode ``data`` (WAV bytes) and store it as prompt ``name``; returns what was stored."""
    name = check_name(name)
    x = decode_wav(data)
    path = custom_dir(sounds_dir, language) / f"{name}.wav"
    write_wav(path, x)                        # temp name, then renamed into place
    return {"name": name, "language": language, "seconds": round(x.size / RATE, 2), "path": str(path),
            "replaces_system_prompt": name in PROMPTS}


def save_samples(sounds_dir: Union[str, os.PathLike], language: str, name: str, x: np.ndarray) -> Path:
    """Store 8 kHz int16 samples (a recording from a handset) as prompt ``name``."""
    path = custom_dir(sounds_dir, language) / f"{check_name(name)}.wav"
    write_wav(path, x)
    return path


def list_prompts(sounds_dir: Optional[Union[str, os.PathLike]], language: str,
                 builtin_dir: Optional[Path] = None) -> list[dict[str, Any]]:
    """Every prompt of ``language``: the installer's ("custom") and the built-in ones."""
    from firmware.prompts.library import BUILTIN_DIR
    out: dict[str, dict[str, Any]] = {}
    bdir = Path(builtin_dir or BUILTIN_DIR) / language
    if bdir.is_dir():
        for p in sorted(bdir.glob("*.wav")):
            out[p.stem] = {"name": p.stem, "source": "system", "text": PROMPTS[p.stem].text(language)
                           if p.stem in PROMPTS else ""}
    if sounds_dir is not None:
        cdir = custom_dir(sounds_dir, language)
        if cdir.is_dir():
            for p in sorted(cdir.glob("*.wav")):
                out[p.stem] = {"name": p.stem, "source": "custom", "bytes": p.stat().st_size,
                               "text": out.get(p.stem, {}).get("text", "")}
    return sorted(out.values(), key=lambda r: r["name"])


def delete_prompt(sounds_dir: Union[str, os.PathLike], language: str, name: str) -> Path:
    """Remove the installer's prompt ``name`` (a system prompt of that name plays again)."""
    path = custom_dir(sounds_dir, language) / f"{check_name(name)}.wav"
    if not path.is_file():
        raise PromptError(f"there is no uploaded prompt {name!r} ({language}); system prompts cannot be deleted")
    path.unlink()
    return path
