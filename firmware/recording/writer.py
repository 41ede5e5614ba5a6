"""Writing recordings while calls run: one tap in the switch for all of them.

:class:`RecordingBank` is registered once on the switch (``Switch.add_tap``). Each tick
it copies, with one ``np.take`` into a preallocated second-long buffer, the cleaned
received frame of both parties of every active recording (2 rows per recording): the
tick stays cheap however many recordings run. Every
:data:`FLUSH_TICKS` ticks (1 s) the blocks are stacked and each
:class:`RecordingWriter` gets its two 8000-sample halves, interleaves (stereo: caller
left, callee right) or mixes (mono) them, encodes (A-law or 16-bit PCM) and writes
them to its file with one unbuffered ``write`` — so a crash of the process loses at
most the last second, and the kernel has the rest.

A write error (disk full, I/O error) stops that recording only: the writer closes its
file (header fixed if possible) and reports to its ``on_error``; the call goes on.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from dsp import g711
from firmware.recording.wavfile import WavFormat, finish

log = logging.getLogger("hotline.recording")

FLUSH_TICKS = 50            #: write to the files once a second (50 ticks of 20 ms)


class RecordingWriter:
    """One WAV file being written. ``rows`` = (caller row, callee row), None for a
    party without audio (an application leg)."""

    def __init__(self, path: Path, fmt: WavFormat, rows: tuple[Optional[int], Optional[int]],
                 on_error: Optional[Callable[["RecordingWriter", OSError], None]] = None) -> None:
        self.path = Path(path)
        self.fmt = fmt
        self.rows = rows
        self.on_error = on_error
        self.data_bytes = 0
        self.failed: Optional[str] = None
        self.closed = False
        self._f = open(self.path, "wb", buffering=0)
        try:
            self._f.write(fmt.header(0))
        except OSError:
            self._f.close()
            raise

    @property
    def seconds(self) -> float:
        return self.data_bytes / self.fmt.block_align / 8000

    def write(self, a: np.ndarray, b: np.ndarray) -> None:
        """Append the two parties' samples (int16, same length)."""
        if self.closed:
            return
        if self.fmt.channels == 2:
            pcm = np.empty(2 * a.size, np.int16)
            pcm[0::2] = a
            pcm[1::2] = b
        else:
            pcm = np.clip(a.astype(np.int32) + b, -32768, 32767).astype(np.int16)
        data = g711.alaw_encode(pcm) if self.fmt.law == "alaw" else pcm.tobytes()
        n = 0
        try:
            n = self._f.write(data) or 0
            if n != len(data):
                raise OSError(28, f"short write ({n} of {len(data)} bytes)")
        except OSError as e:
            self.failed = str(e)
            self.data_bytes += n
            log.warning("recording %s: write failed (%s); this recording stops, the call goes on", self.path, e)
            self.close()
            if self.on_error is not None:
                self.on_error(self, e)
            return
        self.data_bytes += n

    def close(self) -> None:
        """Fix the header with the final sizes and close (also after a write error: the
        header may not be writable then; start-up repair fixes it)."""
        if self.closed:
            return
        self.closed = True
        try:
            self.data_bytes -= self.data_bytes % self.fmt.block_align
            finish(self._f, self.fmt, self.data_bytes)
        except OSError as e:
            log.warning("recording %s: could not fix the header (%s); start-up repair will", self.path, e)
        finally:
            try:
                self._f.close()
            except OSError:
                pass


class RecordingBank:
    """The switch tap feeding every active :class:`RecordingWriter` (see module doc).
    ``on_flush()`` is called after each flush (the disk guard looks at the disk then)."""

    def __init__(self, on_flush: Optional[Callable[[], None]] = None) -> None:
        self.writers: list[RecordingWriter] = []
        self.on_flush = on_flush
        self._idx = np.zeros(0, np.intp)
        self._silent: list[int] = []            # positions in idx of a party without a row
        self._buf = np.zeros((FLUSH_TICKS, 0, 160), np.int16)   # ticks x 2N x 160, filled in place
        self._n = 0                              # ticks in _buf

    def add(self, w: RecordingWriter) -> None:
        self.flush()
        self.writers.append(w)
        self._reindex()

    def remove(self, w: RecordingWriter) -> None:
        """Write what ``w`` has pending, then stop feeding it (the caller closes it)."""
        self.flush()
        if w in self.writers:
            self.writers.remove(w)
        self._reindex()

    def rows_changed(self) -> None:
        """A writer's ``rows`` changed (transfer, redirect): flush with the old rows first."""
        self.flush()
        self._reindex()

    def _reindex(self) -> None:
        idx, silent = [], []
        for w in self.writers:
            for r in w.rows:
                if r is None:
                    silent.append(len(idx))
                    idx.append(0)
                else:
                    idx.append(r)
        self._idx = np.array(idx, np.intp)
        self._silent = silent
        if self._buf.shape[1] != len(idx):
            self._buf = np.zeros((FLUSH_TICKS, len(idx), 160), np.int16)

    # -- the switch side (every tick)
    def tap(self, clean: np.ndarray, tx: np.ndarray) -> None:
        if not self.writers:
            return
        np.take(clean, self._idx, axis=0, out=self._buf[self._n])
        self._n += 1
        if self._n >= FLUSH_TICKS:
            self.flush()
            if self.on_flush is not None:
                self.on_flush()

    def flush(self) -> None:
        """Hand the pending frames to the writers (one write per file)."""
        if not self._n:
            return
        blocks = self._buf[:self._n]             # ticks x 2N x 160
        self._n = 0
        if self._silent:
            blocks[:, self._silent] = 0
        for i, w in enumerate(list(self.writers)):
            a = blocks[:, 2 * i].reshape(-1)
            b = blocks[:, 2 * i + 1].reshape(-1)
            w.write(a, b)
        failed = [w for w in self.writers if w.closed]
        if failed:
            self.writers = [w for w in self.writers if not w.closed]
            self._reindex()
