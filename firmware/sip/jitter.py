"""Adaptive jitter buffer: RTP packets in at network times, one 20 ms frame out per tick.

Sans-IO. ``put(packet, arrival_ms)`` stores a packet (an :class:`~firmware.sip.rtp.RtpPacket`
with a G.711 payload); ``get(now_ms)`` returns the next :class:`Frame` of 160
samples with its kind: ``"audio"`` (received), ``"plc"`` (concealed from the
speech before a missing packet, :class:`dsp.plc.Plc`) or ``"silence"`` (before
the stream starts, in a pause of the sender, or after 60 ms of loss when
concealment has faded out). Both take times in ms on one time base of the
caller's choosing (the engine passes its clock's ``now_ms``).

How it adapts
-------------
* **Target delay** comes from the measured arrival jitter: the spread between the
  fastest and the slowest packet transit (``arrival − timestamp``) over the last
  ``window`` packets (2 s at 20 ms packets), plus ``margin_ms``, clamped to
  ``min_ms``..``max_ms`` (20..200 ms). It **grows at once** when a late packet
  widens the spread and **shrinks slowly** (at most ``shrink_ms_per_s``, and only
  after the slow packets have left the window).
* **Playout delay** is how long the fastest packets of the window wait. When it
  is short of the target by 5 ms a frame is *inserted* (concealment played,
  playout held) at a quiet moment — at once if 10 ms short. When it exceeds the
  target by 25 ms (by the packet duration + 10 ms for packets longer than 15 ms)
  a packet's audio is *dropped* at a quiet moment (frame peak below
  ``quiet_level``) — or after ``force_adjust_frames`` frames without one. A
  missing packet is concealed and playout moves on (if it comes later it is
  *late*: dropped, and its transit raises the target). The same mechanism absorbs
  **clock drift** (a sender 0.5 % fast gains a frame every 4 s; one is dropped in
  a pause; a slow one is given an inserted frame).
* **Talk spurts**: a packet with the marker bit arriving while the buffer is
  empty and nothing is playing re-anchors playout so that the fastest packets
  again wait exactly ``target`` ms (the pause before it is stretched or cut,
  which nobody hears) — this is where a smaller target takes effect at once.
* **Order**: packets are kept by extended timestamp, so reordering within the
  buffer depth costs nothing; a duplicate is dropped; a packet arriving after its
  playout time is *late* and dropped (it was concealed). A timestamp jump of more
  than ``max_ms`` + 100 ms, or a new SSRC, resynchronises the stream.
  Sequence numbers and timestamps are unwrapped, so the 65535 / 2³² wraps are
  transparent.

Packets of any constant duration (10, 20, 30 ms...) are accepted; frames are
always 160 samples.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from dsp.plc import Plc
from firmware.sip.rtp import LAW_OF_PT, RtpPacket, decode_payload, extend_ts

FRAME_SAMPLES = 160             #: samples per frame (20 ms at 8 kHz)
SAMPLES_PER_MS = 8
_ZERO = np.zeros(FRAME_SAMPLES, dtype=np.int16)
_ZERO.flags.writeable = False


@dataclass(slots=True)
class Frame:
    """One 20 ms frame for the engine: 160 int16 samples and how they were made."""
    samples: np.ndarray
    kind: str                   # "audio" | "plc" | "silence"


@dataclass
class JitterStats:
    """Counters of one buffer (frames are 20 ms; packets as received)."""
    packets: int = 0            # packets accepted into the buffer
    duplicates: int = 0         # dropped: already held or already played
    late: int = 0               # dropped: arrived after their playout time
    ignored: int = 0            # dropped: payload type not G.711
    frames: int = 0             # frames returned by get()
    audio: int = 0              # frames from received packets
    concealed: int = 0          # frames made by PLC while packets were missing
    silence: int = 0            # frames of silence (not started, pause, long loss)
    lost: int = 0               # units skipped whose packet never came (not counting pauses)
    underruns: int = 0          # buffer empty when a frame was due during speech
    inserted: int = 0           # frames inserted to grow the delay
    dropped: int = 0            # units dropped to shrink the delay
    resyncs: int = 0            # playout re-anchored (talk spurt, jump, SSRC change)
    ssrc_changes: int = 0

    @property
    def loss_percent(self) -> float:
        """Frames concealed or lost to lateness, % of frames played after the start."""
        n = self.audio + self.concealed
        return 100.0 * self.concealed / n if n else 0.0


class JitterBuffer:
    """Adaptive jitter buffer for one incoming G.711 RTP stream (see module docstring).

    Knobs: ``min_ms``/``max_ms`` bound the target delay (ms), ``initial_ms`` is the
    target before anything was measured, ``margin_ms`` is added to the measured
    spread, ``window`` packets are looked at, ``quiet_level`` is the frame peak
    (linear) under which a frame may be dropped or inserted unnoticed.
    """

    def __init__(self, min_ms: float = 20.0, max_ms: float = 200.0, initial_ms: float = 40.0,
                 margin_ms: float = 10.0, window: int = 100, shrink_ms_per_s: float = 10.0,
                 quiet_level: int = 300, force_adjust_frames: int = 100,
                 decode: Callable[[bytes, int], np.ndarray] = decode_payload) -> None:
        if not 0 < min_ms <= max_ms:
            raise ValueError(f"jitter buffer: min_ms ({min_ms}) must be > 0 and <= max_ms ({max_ms})")
        self.min_ms = float(min_ms)
        self.max_ms = float(max_ms)
        self.margin_ms = float(margin_ms)
        self.quiet_level = quiet_level
        self.force_adjust_frames = force_adjust_frames
        self.target_ms = min(max(float(initial_ms), self.min_ms), self.max_ms)
        self._shrink_per_packet = shrink_ms_per_s * 0.02
        self._decode = decode
        self._window: deque = deque(maxlen=window)
        self.plc = Plc()
        self.stats = JitterStats()
        self.ssrc: Optional[int] = None
        self._reset_stream()

    def _reset_stream(self) -> None:
        self._store: dict = {}                   # extended ts -> (payload, pt)
        self._max_ts: Optional[int] = None       # highest extended ts seen
        self._unit: Optional[int] = None         # samples per packet
        self._drop_above = 25.0                  # ms over target that make a unit go
        self._play: Optional[int] = None         # extended ts of the next unit to play
        self._played: list = [None] * 64         # ring of ts played as audio (duplicates)
        self._carry: Optional[np.ndarray] = None  # samples of a unit not yet output
        self._carry_kind = "audio"
        self._window.clear()
        self._last: np.ndarray = _ZERO
        self._pending = 0             # frames the delay has been outside its band
        self._skipped = 0             # units skipped with the buffer empty, fate unknown yet
        self._talking = False
        self._paused = False
        self._anchor_ts = 0
        self._now = 0.0

    # ------------------------------------------------------------------ input
    def put(self, packet: RtpPacket, arrival_ms: float) -> str:
        """Store one packet that arrived at ``arrival_ms``.

        Returns what happened: ``"queued"``, ``"duplicate"``, ``"late"`` or ``"ignored"``.
        """
        st = self.stats
        if packet.pt not in LAW_OF_PT or not packet.payload:
            st.ignored += 1
            return "ignored"
        if packet.ssrc != self.ssrc:
            if self.ssrc is not None:
                st.ssrc_changes += 1
                st.resyncs += 1
                self._reset_stream()
            self.ssrc = packet.ssrc
        xts = extend_ts(packet.ts, self._max_ts)
        n = len(packet.payload)
        if self._unit is None:
            self._unit = n
            # dropping a unit must not push the delay below the insert threshold (-5 ms)
            self._drop_above = max(25.0, n / SAMPLES_PER_MS + 10.0)
        play = self._play
        if xts in self._store or (play is not None and xts < play
                                  and self._played[(xts // self._unit) & 63] == xts):
            st.duplicates += 1
            return "duplicate"
        # the window of transit times (ms) sets the target
        win = self._window
        win.append(arrival_ms - xts / SAMPLES_PER_MS)
        if len(win) > 1:
            want = max(win) - min(win) + self.margin_ms
            want = min(max(want, self.min_ms), self.max_ms)
            if want >= self.target_ms:
                self.target_ms = want
            else:
                self.target_ms = max(want, self.target_ms - self._shrink_per_packet)
        if play is None:
            self._anchor(xts)
        elif xts - play > (self.max_ms + 100.0) * SAMPLES_PER_MS or xts < play - 8000 * 10:
            st.resyncs += 1
            self._store.clear()
            self._carry = None
            self._anchor(xts)
        elif packet.marker and not self._store and not self._talking:
            st.resyncs += 1
            self._anchor(xts)
        elif xts < play:
            st.late += 1
            if self._skipped:
                self._skipped -= 1
            elif st.lost:
                st.lost -= 1                  # it was counted lost when skipped
            return "late"
        elif self._skipped:
            st.lost += self._skipped          # a packet after the gap: the gap was loss
            self._skipped = 0
        if self._max_ts is None or xts > self._max_ts:
            self._max_ts = xts
        self._store[xts] = (packet.payload, packet.pt)
        st.packets += 1
        return "queued"

    def _anchor(self, xts: int) -> None:
        """Re-anchor playout so that the fastest packets wait ``target_ms`` (whole units).

        The packet with timestamp ``xts`` just arrived; if its transit was ``t`` and the
        fastest of the window ``t_min``, it waits ``target − (t − t_min)``.
        """
        unit = self._unit or FRAME_SAMPLES
        win = self._window
        wait = self.target_ms - (win[-1] - min(win)) if win else self.target_ms
        k = max(0, -(-int(wait * SAMPLES_PER_MS) // unit))
        self._play = xts - k * unit
        self._anchor_ts = xts
        self._skipped = 0                     # what was missing was a pause

    # ------------------------------------------------------------------ output
    @property
    def depth_ms(self) -> float:
        """Audio held ahead of the playout point, ms."""
        if self._play is None or self._max_ts is None:
            return 0.0
        return max(0.0, (self._max_ts + (self._unit or 0) - self._play) / SAMPLES_PER_MS)

    @property
    def delay_error_ms(self) -> float:
        """Playout delay minus target at the last ``get``, ms (negative: too little buffered)."""
        return 0.0 if self._play is None else self._delay_ms - self.target_ms

    def get(self, now_ms: float) -> Frame:
        """The frame to play now (always 160 samples)."""
        st = self.stats
        st.frames += 1
        if self._play is None:
            st.silence += 1
            return Frame(_ZERO, "silence")
        if self._unit == FRAME_SAMPLES and self._carry is None:
            self._now = now_ms
            samples, kind = self._next_unit(now_ms)
        else:
            samples, kind = self._assemble(now_ms)
        if kind == "audio":
            st.audio += 1
        elif kind == "plc":
            st.concealed += 1
        else:
            st.silence += 1
        self._last = samples
        return Frame(samples, kind)

    def _assemble(self, now_ms: float) -> tuple:
        parts, kinds, have = [], set(), 0
        if self._carry is not None:
            parts.append(self._carry)
            kinds.add(self._carry_kind)
            have = len(self._carry)
            self._carry = None
        while have < FRAME_SAMPLES:
            # this unit starts ``have`` samples into the frame that plays at now_ms
            s, k = self._next_unit(now_ms + have / SAMPLES_PER_MS)
            parts.append(s)
            kinds.add(k)
            have += len(s)
        out = np.concatenate(parts) if len(parts) > 1 else parts[0]
        if have > FRAME_SAMPLES:
            self._carry = out[FRAME_SAMPLES:]
            self._carry_kind = k
            out = out[:FRAME_SAMPLES]
        kind = "audio" if kinds == {"audio"} else ("silence" if kinds == {"silence"} else
                                                   ("plc" if "plc" in kinds else "audio"))
        return out, kind

    @property
    def _delay_ms(self) -> float:
        # how long the fastest packet of the window waits before it is played
        return self._now - (self._play / SAMPLES_PER_MS + min(self._window)) if self._window else 0.0

    def _quiet(self, samples: np.ndarray) -> bool:
        return max(int(samples.max()), -int(samples.min())) < self.quiet_level

    def _conceal(self, n: int) -> tuple:
        """Concealment while speech was playing (PLC, fading out), else silence."""
        if self._talking:
            out = self.plc.conceal(n)
            if self.plc.silent:
                self._talking = False
            return out, "plc"
        return (_ZERO if n == FRAME_SAMPLES else np.zeros(n, dtype=np.int16)), "silence"

    def _next_unit(self, now_ms: float) -> tuple:
        st = self.stats
        self._now = now_ms
        unit = self._unit
        store = self._store
        err = self._delay_ms - self.target_ms if self._window else 0.0
        samples = None
        if err >= self._drop_above:
            # -- shrink: drop one unit at a quiet moment (or after force_adjust_frames)
            self._pending += 1
            forced = self._pending >= self.force_adjust_frames
            item = store.get(self._play)
            if item is None:
                if not self._talking or forced:
                    self._play += unit
                    st.dropped += 1
                    self._pending = 0
            else:
                samples = self._decode(item[0], item[1])
                if forced or self._quiet(samples):
                    del store[self._play]
                    self._play += unit
                    st.dropped += 1
                    self._pending = 0
                    samples = None
        elif err <= -5.0:
            # -- grow: insert one concealed unit at a quiet moment, at once if 10 ms short
            self._pending += 1
            if (err <= -10.0 or not self._talking or self._pending >= self.force_adjust_frames
                    or self._quiet(self._last)):
                st.inserted += 1
                self._pending = 0
                return self._conceal(unit)
        else:
            self._pending = 0
        item = store.pop(self._play, None)
        if item is not None:
            if samples is None:
                samples = self._decode(item[0], item[1])
            self._played[(self._play // unit) & 63] = self._play
            self._play += unit
            self._talking = True
            self._paused = False
            return self.plc.good(samples), "audio"
        if self._play >= self._anchor_ts and not self._paused:
            # missing, not in the lead-in before the anchor packet, no pause announced
            if self._max_ts is not None and self._max_ts > self._play:
                st.lost += 1           # a later packet is here: this one is lost (or late)
            else:
                self._skipped += 1     # lost or late: the next arrival tells
                if self._talking:
                    st.underruns += 1  # nothing at all to play in mid-speech
        # time runs on: a packet arriving later for this unit is late
        self._play += unit
        return self._conceal(unit)

    def sender_paused(self) -> None:
        """The sender stopped audio on purpose (e.g. sends telephone-events instead).

        Until the next audio packet plays, missing audio is silence, not loss.
        """
        if not self._paused:
            self._paused = True
            self._talking = False
