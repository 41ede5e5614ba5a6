"""WAV headers for recordings: 8 kHz A-law (format 6) or 16-bit PCM (format 1), 1 or 2
channels, written before the audio with the sizes still unknown (0) and rewritten with
the right sizes when the file is closed — or, after a crash, by :func:`repair` from the
file's length.

Layout (RIFF/WAVE): ``RIFF <size> WAVE``, ``fmt`` (16 bytes for PCM; 18 with cbSize = 0
for A-law), ``fact`` (A-law only: samples per channel), ``data <size>`` then the frames.
Python's :mod:`wave` reads the PCM files; sox reads both.
"""
from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from typing import BinaryIO

RATE = 8000                    #: samples per second per channel
FORMAT_PCM, FORMAT_ALAW = 1, 6


@dataclass(frozen=True)
class WavFormat:
    """``law`` "alaw" (1 byte/sample) or "pcm16" (2 bytes/sample); ``channels`` 1 or 2."""
    law: str
    channels: int

    @property
    def sample_bytes(self) -> int:
        return 1 if self.law == "alaw" else 2

    @property
    def block_align(self) -> int:
        return self.sample_bytes * self.channels

    def header(self, data_bytes: int = 0) -> bytes:
        """The header for ``data_bytes`` of frames (0 while recording)."""
        alaw = self.law == "alaw"
        fmt = struct.pack("<HHIIHH", FORMAT_ALAW if alaw else FORMAT_PCM, self.channels, RATE,
                          RATE * self.block_align, self.block_align, 8 * self.sample_bytes)
        if alaw:
            fmt += struct.pack("<H", 0)
        chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
        if alaw:
            chunks += b"fact" + struct.pack("<II", 4, data_bytes // self.block_align)
        chunks += b"data" + struct.pack("<I", data_bytes)
        riff_size = 4 + len(chunks) + data_bytes
        return b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + chunks

    @property
    def header_bytes(self) -> int:
        return len(self.header())


def finish(f: BinaryIO, fmt: WavFormat, data_bytes: int) -> None:
    """Rewrite the header of the open file ``f`` for ``data_bytes`` of frames."""
    f.seek(0)
    f.write(fmt.header(data_bytes))
    f.seek(0, os.SEEK_END)


def read_format(path: str | os.PathLike) -> tuple[WavFormat, int]:
    """(format, offset of the frames) of a recording written by this module."""
    with open(path, "rb") as f:
        head = f.read(64)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise ValueError(f"{path} is not a WAV file")
    pos = 12
    fmt = None
    while pos + 8 <= len(head):
        cid, size = head[pos:pos + 4], struct.unpack("<I", head[pos + 4:pos + 8])[0]
        if cid == b"fmt ":
            tag, ch = struct.unpack("<HH", head[pos + 8:pos + 12])
            fmt = WavFormat("alaw" if tag == FORMAT_ALAW else "pcm16", ch)
        if cid == b"data":
            if fmt is None:
                break
            return fmt, pos + 8
        pos += 8 + size
    raise ValueError(f"{path}: no fmt/data chunk in the first 64 bytes")


def repair(path: str | os.PathLike) -> tuple[WavFormat, int]:
    """Fix the header of a file left open by a crash: the data size is what the file
    holds (cut to whole frames). Returns (format, data bytes)."""
    fmt, offset = read_format(path)
    size = os.path.getsize(path)
    data = max(0, size - offset)
    data -= data % fmt.block_align
    with open(path, "r+b") as f:
        f.truncate(offset + data)
        finish(f, fmt, data)
    return fmt, data
