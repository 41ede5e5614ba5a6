"""Players (what a leg hears instead of a party: tones, prompts, music on hold, DTMF it
dials) and recorders (WAV files of what legs say/hear).

A player fills one 160-sample frame per tick through ``read_into(out)`` and says when it is
``done`` (a non-repeating prompt ended). The switch calls it once per tick for the leg it is
attached to; call control never touches samples.
"""
from __future__ import annotations

import os
import wave
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from dsp.audio import as_int16, read_wav
from dsp.dtmf import DtmfGenerator
from dsp.tones import ToneGenerator


class Player:
    """Base: silence forever."""

    done = False
    #: called once by the switch when a finite player ends while attached (set by whoever
    #: starts it; not called when the player is replaced or stopped)
    on_done: Optional[Callable[[], None]] = None

    def read_into(self, out: np.ndarray) -> None:
        out.fill(0)

    def describe(self) -> str:
        return "silence"


class TonePlayer(Player):
    """A country tone (``dial``, ``busy``, ``ringback``...) or a tone spec (``"1000/500,0/500"``)."""

    def __init__(self, name_or_spec: str, profile, level_dbm0: Optional[float] = None) -> None:
        self.name = name_or_spec
        self._gen = ToneGenerator(name_or_spec, profile, level_dbm0)

    def read_into(self, out: np.ndarray) -> None:
        self._gen.read_into(out)
        self.done = self._gen.done

    def describe(self) -> str:
        return f"tone:{self.name}"


class SamplesPlayer(Player):
    """Plays int16 samples once (or looped: music on hold)."""

    def __init__(self, samples, loop: bool = False, name: str = "audio") -> None:
        self._x = as_int16(samples)
        if self._x.size == 0:
            raise ValueError(f"{name}: no audio to play")
        self._pos = 0
        self.loop = loop
        self.name = name

    def read_into(self, out: np.ndarray) -> None:
        n = out.shape[0]
        x, pos = self._x, self._pos
        k = min(n, x.size - pos)
        out[:k] = x[pos:pos + k]
        pos += k
        while k < n:
            if not self.loop:
                out[k:] = 0
                self.done = True
                break
            m = min(n - k, x.size)
            out[k:k + m] = x[:m]
            k += m
            pos = m
        self._pos = pos

    def describe(self) -> str:
        return f"audio:{self.name}"


class WavPlayer(SamplesPlayer):
    """A WAV prompt (8 kHz mono 16-bit), once or looped."""

    def __init__(self, path: str | os.PathLike, loop: bool = False) -> None:
        super().__init__(read_wav(path), loop=loop, name=Path(path).name)


class DtmfPlayer(Player):
    """Dials ``digits`` as DTMF tones (``,`` = 500 ms pause); ``done`` when all are sent."""

    def __init__(self, digits: str, level_dbm0: float = -8.0, on_ms: int = 100, off_ms: int = 100) -> None:
        self.digits = digits
        self._gen = DtmfGenerator(level_dbm0=level_dbm0, on_ms=on_ms, off_ms=off_ms)
        self._gen.send(digits)

    def read_into(self, out: np.ndarray) -> None:
        out[:] = self._gen.read(out.shape[0])
        self.done = not self._gen.busy

    def describe(self) -> str:
        return f"dtmf:{self.digits}"


def write_wav(path: str | os.PathLike, samples: np.ndarray, rate: int = 8000) -> None:
    """Write mono 16-bit WAV atomically (temp name, then rename into place)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".part")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, "<i2").tobytes())
    os.replace(tmp, p)


class Recorder:
    """Records what the given rows *say* (their cleaned received audio), mixed, to a WAV.

    Frames are kept in memory in 20 ms blocks and written when ``stop()`` is called.
    """

    def __init__(self, rows: Sequence[int], path: str | os.PathLike) -> None:
        self.rows = list(rows)
        self.path = Path(path)
        self._frames: list[np.ndarray] = []
        self.active = True

    def tap(self, clean: np.ndarray, tx: np.ndarray) -> None:
        """Called each tick with the switch's received (cleaned) and sent matrices."""
        if len(self.rows) == 1:
            self._frames.append(clean[self.rows[0]].copy())
        else:
            mix = clean[self.rows].astype(np.int32).sum(axis=0)
            self._frames.append(np.clip(mix, -32768, 32767).astype(np.int16))

    @property
    def samples(self) -> int:
        return 160 * len(self._frames)

    def stop(self) -> Path:
        self.active = False
        data = np.concatenate(self._frames) if self._frames else np.zeros(0, np.int16)
        write_wav(self.path, data)
        return self.path
