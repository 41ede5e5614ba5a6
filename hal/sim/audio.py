"""The mouth and the ear of simulated people (phones on FXS ports, remote parties).

* :class:`Mouth` — a playback queue read one 20 ms frame per tick: sample buffers
  (optionally looped), tones (profile names or specs, via ``dsp.tones``), WAV files.
* :class:`Ear` — what a person hears, analysed with the box's own detectors: a
  ``dsp`` CallProgressDetector (``hears``, ``hears_history``), a DtmfDetector
  (``digits_heard``) and an optional capture buffer.

Everything is 8 kHz int16, 160 samples per tick.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

import numpy as np

from dsp.audio import as_int16, read_wav as load_wav
from dsp.callprogress import CallProgressDetector
from dsp.dtmf import DtmfDetector
from dsp.tones import ToneGenerator
from hal.clock import TICK_SAMPLES

RATE = 8000


class _Buffer:
    __slots__ = ("samples", "pos", "loop")

    def __init__(self, samples: np.ndarray, loop: bool) -> None:
        self.samples, self.pos, self.loop = samples, 0, loop

    def read(self, out: np.ndarray, at: int) -> int:
        """Fill out[at:] as far as possible; return the new fill position."""
        s = self.samples
        while at < len(out) and len(s):
            take = min(len(out) - at, len(s) - self.pos)
            out[at:at + take] = s[self.pos:self.pos + take]
            at += take
            self.pos += take
            if self.pos >= len(s):
                if not self.loop:
                    break
                self.pos = 0
        return at

    @property
    def done(self) -> bool:
        return not self.loop and self.pos >= len(self.samples)


class _Tone:
    __slots__ = ("gen", "left")

    def __init__(self, gen: ToneGenerator, samples: Optional[int]) -> None:
        self.gen, self.left = gen, samples

    def read(self, out: np.ndarray, at: int) -> int:
        n = len(out) - at
        if self.left is not None:
            n = min(n, self.left)
            self.left -= n
        if n:
            out[at:at + n] = self.gen.read(n)
        return at + n

    @property
    def done(self) -> bool:
        return self.gen.done or (self.left is not None and self.left <= 0)


class Mouth:
    """A playback queue: items play one after the other, one frame per :meth:`read`.

    ``country`` resolves tone names (``"dial"``, ``"busy"``...). A looping buffer or a
    tone without ``ms`` plays until :meth:`stop`.
    """

    def __init__(self, country: str = "cn") -> None:
        self.country = country
        self._queue: list = []

    def play(self, samples, loop: bool = False) -> None:
        """Queue int16 samples (8 kHz)."""
        self._queue.append(_Buffer(np.array(as_int16(samples), dtype=np.int16), loop))

    def play_tone(self, name_or_spec: str, ms: Optional[int] = None,
                  level_dbm0: Optional[float] = None) -> None:
        """Queue a profile tone (``"ringback"``) or a spec (``"1000"``, ``"1000/500,0/500"``)
        for ``ms`` ms (None: until stopped or until a non-repeating tone ends)."""
        if ms is not None and ms <= 0:
            raise ValueError(f"tone duration ms must be > 0, got {ms}")
        gen = ToneGenerator(name_or_spec, self.country, level_dbm0)
        self._queue.append(_Tone(gen, None if ms is None else ms * RATE // 1000))

    def play_wav(self, path: Union[str, Path], loop: bool = False) -> None:
        """Queue an 8 kHz mono 16-bit WAV file (ValueError otherwise)."""
        self.play(load_wav(path), loop)

    def stop(self) -> None:
        """Drop everything queued or playing."""
        self._queue.clear()

    @property
    def playing(self) -> bool:
        return bool(self._queue)

    def read(self, n: int = TICK_SAMPLES) -> np.ndarray:
        """The next ``n`` samples (silence when nothing plays)."""
        out = np.zeros(n, np.int16)
        at = 0
        while self._queue and at < n:
            item = self._queue[0]
            at = item.read(out, at)
            if item.done:
                self._queue.pop(0)
        return out


class Ear:
    """Listens like a person with perfect pitch: call-progress state, DTMF, capture.

    ``hears``: the last call-progress state established (``dialtone``, ``ringback``,
    ``busy``, ``congestion``, ``sit``, ``silence``, ``voice``...) or None;
    ``hears_history``: [(tick, name)]; ``digits_heard``: DTMF digits recognised.
    """

    def __init__(self, country: str = "cn") -> None:
        self.country = country
        self._cpd = CallProgressDetector(country)
        self._dtmf = DtmfDetector()
        self.hears: Optional[str] = None
        self.hears_history: list[tuple[int, str]] = []
        self.digits_heard = ""
        self._capture: Optional[list[np.ndarray]] = None

    def reset(self) -> None:
        """Start listening afresh (a new call): detectors, hears, history and digits."""
        self._cpd.reset()
        self._dtmf.reset()
        self.hears = None
        self.hears_history = []
        self.digits_heard = ""

    def hear(self, frame: np.ndarray, tick: int) -> None:
        """Listen to one frame (int16) heard at tick ``tick``."""
        if self._capture is not None:
            self._capture.append(frame.copy())
        for ev in self._cpd.process(frame):
            self.hears = ev.name
            self.hears_history.append((tick, ev.name))
        got = self._dtmf.process(frame)
        if got:
            self.digits_heard += "".join(got)

    def start_capture(self) -> None:
        """Record everything heard from now on (drops an earlier capture)."""
        self._capture = []

    def captured(self) -> np.ndarray:
        """Everything heard since :meth:`start_capture` (int16; empty if never started)."""
        if not self._capture:
            return np.zeros(0, np.int16)
        return np.concatenate(self._capture)

    def status(self) -> dict:
        return {"hears": self.hears, "digits_heard": self.digits_heard,
                "capturing": self._capture is not None}


class Voice:
    """What a simulated person (a phone user, a far-end party) does with its ``mouth``
    (a :class:`Mouth`) and ``ear`` (an :class:`Ear`): speak and listen."""

    mouth: Mouth
    ear: Ear

    def play(self, samples, loop: bool = False) -> None:
        """Speak: queue int16 samples into the mouthpiece."""
        self.mouth.play(samples, loop)

    def play_tone(self, name_or_spec: str, ms: Optional[int] = None) -> None:
        """Speak a tone: a profile tone name or a spec such as ``"1000"`` or ``"1000/500,0/500"``."""
        self.mouth.play_tone(name_or_spec, ms)

    def play_wav(self, path) -> None:
        """Speak an 8 kHz mono 16-bit WAV file."""
        self.mouth.play_wav(path)

    def stop_playing(self) -> None:
        self.mouth.stop()

    def send_dtmf(self, digits: str, on_ms: int = 100, off_ms: int = 100, level_dbm0: float = -7.0) -> None:
        """Press keys: DTMF tones (``on_ms`` each, ``off_ms`` apart) into the mouthpiece
        (a far-end party answering "press 1", an outside caller in a menu)."""
        from dsp.dtmf import dtmf_tone
        gap = np.zeros(int(off_ms * 8), np.int16)
        parts = []
        for d in digits:
            parts += [np.asarray(dtmf_tone(d, on_ms, level_dbm0), np.int16), gap]
        self.play(np.concatenate(parts) if parts else gap)

    def start_capture(self) -> None:
        """Record what the earpiece hears from now on."""
        self.ear.start_capture()

    def captured(self) -> np.ndarray:
        return self.ear.captured()

    @property
    def hears(self) -> Optional[str]:
        return self.ear.hears

    @property
    def hears_history(self) -> list[tuple[int, str]]:
        return self.ear.hears_history

    @property
    def digits_heard(self) -> str:
        return self.ear.digits_heard
