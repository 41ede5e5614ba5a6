"""The prompt library: finds a prompt's WAV (the installer's recording first, then the
built-in one), caches its samples, and makes players that say a sequence of prompts.

    lib = PromptLibrary(DataDir.at(root).sounds, "zh")
    lib.player("agent_number", *lib.digits("801"), "is_serving_you")   # 工号八零幺为您服务
    lib.player("you_are_number", *lib.number(12), "in_queue", then=music_player)

Where it looks for prompt ``name`` in language ``lang``:

1. ``<sounds_dir>/prompts/<lang>/<name>.wav`` — the installer's own recording (uploaded or
   recorded from a handset); picked up at once, no restart;
2. ``<builtin_dir>/<lang>/<name>.wav`` — generated at build time from the catalogue
   (default ``firmware/prompts/sounds/``; ``hotline prompts build`` makes it).

Files are 8 kHz mono 16-bit PCM WAV (``dsp.audio.read_wav`` says what is wrong otherwise).
"""
from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import Callable, Optional, Union

import numpy as np

from dsp.audio import as_int16, read_wav
from firmware.engine.media import Player, SamplesPlayer
from firmware.prompts import readout
from firmware.prompts.catalogue import LANGUAGES

#: Where the build puts the built-in prompts: ``<BUILTIN_DIR>/<lang>/<name>.wav``.
BUILTIN_DIR = Path(__file__).resolve().parent / "sounds"

#: Silence between the pieces of a sequence, ms (each built prompt also keeps 30 ms at its ends).
DEFAULT_GAP_MS = 40

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")

Item = Union[str, np.ndarray]


class PromptMissing(LookupError):
    """A prompt has no WAV file in any of the places the library looks."""

    def __init__(self, name: str, language: str, looked: list[Path]) -> None:
        self.name = name
        self.language = language
        self.looked = looked
        where = " and ".join(str(p) for p in looked)
        super().__init__(
            f"prompt {name!r} ({language}) not found: looked for {where}; record it as the "
            f"first file, or build the built-in prompts with `hotline prompts build`")


class PromptLibrary:
    """Prompt files of one language: the installer's recordings over the built-in set.

    ``sounds_dir``: the box's sounds folder (``DataDir.sounds``); None = built-ins only.
    ``builtin_dir``: where the built-in prompts are (default :data:`BUILTIN_DIR`).
    ``yao``: Mandarin digit strings read 1 as 幺 (the telephone habit).
    """

    def __init__(self, sounds_dir: Optional[Path], language: str,
                 builtin_dir: Optional[Path] = None, yao: bool = True) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"language {language!r} has no prompts: choose one of {', '.join(LANGUAGES)}")
        self.language = language
        self.custom_dir = Path(sounds_dir) / "prompts" / language if sounds_dir is not None else None
        self.builtin_dir = Path(builtin_dir if builtin_dir is not None else BUILTIN_DIR) / language
        self.yao = yao
        self._cache: dict[str, tuple[tuple[Path, int, int], np.ndarray]] = {}

    # ------------------------------------------------------------------ files
    def candidates(self, name: str) -> list[Path]:
        """The paths looked at for ``name``, in order of preference."""
        if not isinstance(name, str) or not _NAME.match(name) or ".." in name:
            raise ValueError(f"{name!r} is not a prompt name (letters, digits, _ . - only)")
        dirs = [d for d in (self.custom_dir, self.builtin_dir) if d is not None]
        return [d / f"{name}.wav" for d in dirs]

    def path(self, name: str) -> Path:
        """The WAV to play for ``name``: the installer's recording, else the built-in one."""
        looked = self.candidates(name)
        for p in looked:
            if p.is_file():
                return p
        raise PromptMissing(name, self.language, looked)

    def exists(self, name: str) -> bool:
        """True when ``name`` has a WAV in either place."""
        return any(p.is_file() for p in self.candidates(name))

    def is_custom(self, name: str) -> bool:
        """True when the installer's recording is the one played."""
        return self.path(name).parent == self.custom_dir

    def samples(self, name: str) -> np.ndarray:
        """The prompt's int16 samples (cached; a replaced file is read again)."""
        p = self.path(name)
        st = p.stat()
        key = (p, st.st_mtime_ns, st.st_size)
        hit = self._cache.get(name)
        if hit is not None and hit[0] == key:
            return hit[1]
        x = read_wav(p)
        x.setflags(write=False)
        self._cache[name] = (key, x)
        return x

    # ------------------------------------------------------------------ read-out
    def digits(self, text: str) -> list[str]:
        """Prompt names reading ``text`` digit by digit (``*``/``#`` as star/hash)."""
        return readout.digits(text, self.language, yao=self.yao)

    def number(self, n: int, measure: bool = False) -> list[str]:
        """Prompt names reading the whole number ``n`` (zh ``measure``: a lone 2 is 两)."""
        return readout.number(n, self.language, measure=measure)

    def time_of_day(self, t: _dt.time | _dt.datetime) -> list[str]:
        """Prompt names reading a clock time (下午三点零五分 / three oh five p m)."""
        return readout.time_of_day(t, self.language)

    def duration(self, seconds: float) -> list[str]:
        """Prompt names reading a duration in seconds (两分钟五秒 / two minutes five seconds)."""
        return readout.duration(seconds, self.language)

    # ------------------------------------------------------------------ playing
    def sequence(self, *items: Item, gap_ms: int = DEFAULT_GAP_MS) -> np.ndarray:
        """The int16 samples of ``items`` (prompt names or sample arrays) with ``gap_ms``
        of silence between consecutive items (none before the first or after the last)."""
        if gap_ms < 0:
            raise ValueError(f"gap_ms must be 0 or more, not {gap_ms}")
        gap = np.zeros(gap_ms * 8, np.int16)
        parts: list[np.ndarray] = []
        for i, item in enumerate(items):
            if i and gap.size:
                parts.append(gap)
            parts.append(self.samples(item) if isinstance(item, str) else as_int16(item))
        if not parts:
            raise ValueError("a prompt sequence needs at least one prompt")
        return np.concatenate(parts)

    def player(self, *items: Item, gap_ms: int = DEFAULT_GAP_MS,
               then: Union[Player, Callable[[], None], None] = None) -> "SequencePlayer":
        """A player saying ``items`` (prompt names or sample arrays) one after the other.

        Every prompt is looked up now, so a missing one raises :class:`PromptMissing` here,
        not in the middle of a call. ``then``: a Player to continue with when the sequence
        ends (e.g. music on hold after a queue announcement), or a callable called once at
        the tick it ends.
        """
        x = self.sequence(*items, gap_ms=gap_ms)
        label = ",".join(i if isinstance(i, str) else f"<{len(i)} samples>" for i in items)
        return SequencePlayer(x, name=label, then=then)


class SequencePlayer(SamplesPlayer):
    """Plays prepared samples once, then either continues with another player or calls
    back; ``done`` turns True at the tick the audio (and the ``then`` player, if any) ends,
    as for :class:`firmware.engine.media.SamplesPlayer`."""

    def __init__(self, samples: np.ndarray, name: str = "prompts",
                 then: Union[Player, Callable[[], None], None] = None) -> None:
        super().__init__(samples, loop=False, name=name)
        self.then = then
        self._own_done = False

    @property
    def samples(self) -> np.ndarray:
        """The whole sequence (int16, gaps included), e.g. to loop it in another player."""
        return self._x

    def read_into(self, out: np.ndarray) -> None:
        nxt = self.then if isinstance(self.then, Player) else None
        if self._own_done:
            if nxt is not None:
                nxt.read_into(out)
                self.done = nxt.done
            else:
                out.fill(0)
            return
        before = self._pos
        super().read_into(out)
        if not self.done:
            return
        self._own_done = True
        if nxt is not None:                           # the rest of this frame comes from ``then``
            written = self._pos - before
            nxt.read_into(out[written:])
            self.done = nxt.done
        elif callable(self.then):
            self.then()

    def describe(self) -> str:
        tail = f" then {self.then.describe()}" if isinstance(self.then, Player) else ""
        return f"prompts:{self.name}{tail}"
