"""The switch: one tick of audio for every leg, batched.

Every leg is a *row* of two matrices (rows x 160 int16): ``rx`` what the leg's port
received this tick, ``tx`` what it will be sent. Board ports own the first
``board.rows`` rows; the ``net_rows`` after them are lent to network legs (SIP calls)
with :meth:`Switch.attach` — each such leg is a :class:`NetLeg` that gives one frame
per tick (from its jitter buffer) and takes one (to RTP). Per tick (:meth:`Switch.tick`):

1. ``rx, events = board.exchange(tx)`` — the frames built last tick go out, this
   tick's frames and debounced signalling come in; network legs give their frame;
2. DSP, batched across rows: echo cancellation on board rows (reference = the frame
   just sent), DTMF detection on every row (in-band digits from IP phones too),
   call-progress detection and caller-ID decoding on the rows that asked for it (FXO
   lines while dialling/ringing/talking);
3. the resulting events go to call control (``Switch.sink``), which may re-patch;
4. the next ``tx`` is mixed: two-party bridges by one fancy-indexed copy, conferences
   by ``dsp.mixer.mix_conference``, players (tones, prompts, DTMF dialling) per row;
   recorders tap what they need; network legs take their frame (sent at once).

What a row hears is one of: silence, another row (bridge or one-way listen), a
conference, or a player (which overrides the others while it plays).  On top of that a
row may have a *mix set* (:meth:`Switch.mix`): the sum of further source rows added to
what it hears — supervision (listen / whisper / barge) uses it without touching the
call's own bridge.  Mix sets are summed in one batched numpy step per tick.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Optional, Protocol, Sequence

import numpy as np

from dsp.callerid import CallerIdDecoder
from dsp.callprogress import CallProgressDetector, process_batch
from dsp.dtmf import DtmfDetectorBank
from dsp.echo import EchoCancellerBank
from dsp.mixer import mix_conference
from hal.board import Board
from hal.clock import TICK_SAMPLES, Clock
from hal.ports import PortEvent

from firmware.engine.media import Player, Recorder


SWALLOW_HANGOVER_TICKS = 3     #: ticks a swallowed digit's row stays muted after the tone ends


class EventSink(Protocol):
    """What call control implements to hear from the switch (all per tick, in order)."""

    def port_event(self, ev: PortEvent) -> None: ...
    def digit(self, row: int, digit: str) -> None: ...
    def tone(self, row: int, name: str) -> None: ...
    def caller_id(self, row: int, message: dict) -> None: ...
    def player_done(self, row: int, player: Player) -> None: ...


class NetLeg(Protocol):
    """A leg whose audio comes from the network (an RTP session): 160 samples per tick."""

    def receive_frame(self) -> np.ndarray: ...
    def send_frame(self, samples: np.ndarray) -> None: ...


class _NullSink:
    def port_event(self, ev): pass
    def digit(self, row, digit): pass
    def tone(self, row, name): pass
    def caller_id(self, row, message): pass
    def player_done(self, row, player): pass


class NoFreeRow(RuntimeError):
    """Every network row is lent out: the box is at its limit of network calls."""


class Conference:
    """An N-party bridge: each member hears all the others (``gains_db`` per member)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.members: list[int] = []
        self.gains_db: dict[int, float] = {}

    def describe(self) -> str:
        return f"conference:{self.name}"


@dataclass
class SwitchStats:
    """Cumulative timing of :meth:`Switch.tick` in ns (for ``hotline bench engine``)."""
    ticks: int = 0
    board_ns: int = 0        #: inside board.exchange (hardware / simulation, not the engine)
    dsp_ns: int = 0          #: EC + DTMF + call progress + caller ID
    engine_ns: int = 0       #: everything else: dispatch, patching, mixing, players

    def as_dict(self) -> dict[str, Any]:
        t = max(1, self.ticks)
        return {"ticks": self.ticks, "board_us_per_tick": self.board_ns / t / 1e3,
                "dsp_us_per_tick": self.dsp_ns / t / 1e3,
                "engine_us_per_tick": self.engine_ns / t / 1e3}


class Switch:
    """The tick engine for one board. ``ec_taps`` = echo tail in samples (128 = 16 ms);
    ``net_rows`` = how many network legs (SIP calls) can be attached at once."""

    def __init__(self, board: Board, clock: Clock, *, ec_taps: int = 128,
                 sink: Optional[EventSink] = None, net_rows: int = 0) -> None:
        self.board = board
        self.clock = clock
        self.board_rows = board.rows
        self.rows = board.rows + net_rows
        self.sink: EventSink = sink or _NullSink()
        self.tx = np.zeros((self.rows, TICK_SAMPLES), np.int16)
        self.clean = np.zeros((self.rows, TICK_SAMPLES), np.int16)
        self.ec = EchoCancellerBank(self.board_rows, ec_taps) if self.board_rows else None
        self.dtmf = DtmfDetectorBank(self.rows) if self.rows else None
        self._net: dict[int, NetLeg] = {}             # row -> network leg
        self._free_net = list(range(self.rows - 1, self.board_rows - 1, -1))
        self._hears: dict[int, Any] = {}              # row -> int row | Conference
        self._players: dict[int, Player] = {}
        self._cpd: dict[int, CallProgressDetector] = {}
        self._cid: dict[int, CallerIdDecoder] = {}
        self._conferences: list[Conference] = []
        self._mixes: dict[int, tuple[int, ...]] = {}  # row -> extra source rows it hears
        self._mix_dirty = True
        self._mix_dst = np.zeros(0, np.intp)
        self._mix_src = np.zeros((0, 0), np.intp)
        self._mix_w = np.zeros((0, 0, 1), np.int32)
        self._recorders: list[Recorder] = []
        self._taps: list[Any] = []                    # call recording (firmware.recording)
        self._swallow: dict[int, int] = {}            # row -> ticks of in-band DTMF still muted
        self._dirty = True
        self._dst = np.zeros(0, np.intp)
        self._src = np.zeros(0, np.intp)
        self._cpd_rows: list[int] = []
        self._cpd_dets: list[CallProgressDetector] = []
        self.stats = SwitchStats()
        clock.on_tick(self.tick)

    # ------------------------------------------------------------------ patching
    def connect(self, a: int, b: int) -> None:
        """Two-party bridge: ``a`` hears ``b`` and ``b`` hears ``a``."""
        self._hears[a] = b
        self._hears[b] = a
        self._dirty = True

    def listen(self, row: int, source: int) -> None:
        """One-way: ``row`` hears ``source`` (early media, listen-in)."""
        self._hears[row] = source
        self._dirty = True

    def mix(self, row: int, sources: Sequence[int]) -> None:
        """``row`` also hears the sum of ``sources`` (added to its bridge / conference; an
        empty list removes the mix set). Kept across :meth:`connect` / :meth:`isolate` of
        the rows involved — the owner (a supervision session) removes it; :meth:`release`
        of a row drops its mix set and takes it out of every other mix set."""
        srcs = tuple(dict.fromkeys(s for s in sources if s != row))
        if srcs:
            self._mixes[row] = srcs
        else:
            self._mixes.pop(row, None)
        self._mix_dirty = True

    def mixes(self, row: int) -> tuple[int, ...]:
        """The extra sources ``row`` hears (see :meth:`mix`)."""
        return self._mixes.get(row, ())

    def _unmix(self, row: int) -> None:
        changed = self._mixes.pop(row, None) is not None
        for r, srcs in list(self._mixes.items()):
            if row in srcs:
                changed = True
                rest = tuple(s for s in srcs if s != row)
                if rest:
                    self._mixes[r] = rest
                else:
                    del self._mixes[r]
        if changed:
            self._mix_dirty = True

    def hears(self, row: int) -> Any:
        """What ``row`` hears now: a Player, a row number, a Conference, or None."""
        return self._players.get(row) or self._hears.get(row)

    def isolate(self, row: int) -> None:
        """``row`` hears nothing and nobody hears it (its player stays, if any)."""
        self._hears.pop(row, None)
        for r, s in list(self._hears.items()):
            if s == row and not isinstance(s, Conference):
                del self._hears[r]
        for c in self._conferences:
            if row in c.members:
                self.conference_leave(c, row)
        self._dirty = True

    def release(self, row: int) -> None:
        """The leg is finished: isolate it, stop its player, detectors and recorders."""
        self.isolate(row)
        self._unmix(row)
        self.stop(row)
        self.detect_progress(row, None)
        self.detect_caller_id(row, None)

    # network legs
    def attach(self, leg: NetLeg) -> int:
        """Lend a free network row to ``leg``; returns the row. :class:`NoFreeRow` when
        all ``net_rows`` are in use (the caller refuses the call: 503 / congestion)."""
        if not self._free_net:
            raise NoFreeRow(f"all {self.rows - self.board_rows} network channels are in use")
        row = self._free_net.pop()
        self._net[row] = leg
        self.dtmf.reset(row)
        self.clean[row] = 0
        return row

    def detach(self, row: int) -> None:
        """The network leg on ``row`` is gone: release the row for the next one."""
        if self._net.pop(row, None) is not None:
            self.release(row)
            self.clean[row] = 0
            self._free_net.append(row)

    @property
    def net_in_use(self) -> int:
        return len(self._net)

    # conferences
    def conference(self, name: str) -> Conference:
        c = Conference(name)
        self._conferences.append(c)
        return c

    def conference_join(self, conf: Conference, row: int, gain_db: float = 0.0) -> None:
        self.isolate(row)
        conf.members.append(row)
        conf.gains_db[row] = gain_db
        self._hears[row] = conf
        self._dirty = True

    def conference_leave(self, conf: Conference, row: int) -> None:
        if row in conf.members:
            conf.members.remove(row)
            conf.gains_db.pop(row, None)
        if self._hears.get(row) is conf:
            del self._hears[row]
        if not conf.members and conf in self._conferences:
            self._conferences.remove(conf)
        self._dirty = True

    # players
    def play(self, row: int, player: Player) -> Player:
        """Attach ``player`` to ``row`` (replacing any other); it overrides what the row hears."""
        self._players[row] = player
        return player

    def stop(self, row: int) -> None:
        self._players.pop(row, None)

    def player(self, row: int) -> Optional[Player]:
        return self._players.get(row)

    # recorders
    def record(self, rows: list[int], path) -> Recorder:
        rec = Recorder(rows, path)
        self._recorders.append(rec)
        return rec

    def stop_recording(self, rec: Recorder):
        if rec in self._recorders:
            self._recorders.remove(rec)
        return rec.stop()

    def add_tap(self, tap: Any) -> None:
        """``tap.tap(clean, tx)`` is called every tick after mixing (call recording)."""
        self._taps.append(tap)

    def remove_tap(self, tap: Any) -> None:
        if tap in self._taps:
            self._taps.remove(tap)

    def swallow_dtmf(self, row: int) -> None:
        """The in-band DTMF digit just detected on ``row`` is a feature key: nobody hears
        (and no recording keeps) ``row``'s audio while the tone lasts, plus
        :data:`SWALLOW_HANGOVER_TICKS`. What went out before detection (~40 ms) is not
        recalled."""
        self._swallow[row] = SWALLOW_HANGOVER_TICKS

    # detectors
    def detect_progress(self, row: int, detector: Optional[CallProgressDetector]) -> None:
        """Run a call-progress detector on ``row`` (None stops it)."""
        if detector is None:
            self._cpd.pop(row, None)
        else:
            self._cpd[row] = detector
        self._cpd_rows = sorted(self._cpd)
        self._cpd_dets = [self._cpd[r] for r in self._cpd_rows]

    def detect_caller_id(self, row: int, decoder: Optional[CallerIdDecoder]) -> None:
        if decoder is None:
            self._cid.pop(row, None)
        else:
            self._cid[row] = decoder

    def reset_dsp(self, row: int) -> None:
        """A new call on ``row``: restart its echo canceller and DTMF receiver."""
        if self.ec is not None and row < self.board_rows:
            self.ec.reset(row)
        if self.dtmf is not None:
            self.dtmf.reset(row)

    # ------------------------------------------------------------------ the tick
    def _rebuild(self) -> None:
        pairs = [(r, s) for r, s in self._hears.items() if not isinstance(s, Conference)]
        self._dst = np.array([p[0] for p in pairs], np.intp)
        self._src = np.array([p[1] for p in pairs], np.intp)
        self._dirty = False

    def _mute_swallowed(self, clean: np.ndarray) -> None:
        for row in list(self._swallow):
            clean[row] = 0
            if self.dtmf.current(row):
                self._swallow[row] = SWALLOW_HANGOVER_TICKS
            else:
                self._swallow[row] -= 1
                if self._swallow[row] <= 0:
                    del self._swallow[row]

    def _rebuild_mix(self) -> None:
        """Mix sets as padded index arrays: ``src[i, k]`` the k-th source of ``dst[i]``,
        ``w[i, k]`` 1 for a real source, 0 for padding."""
        items = sorted(self._mixes.items())
        k = max((len(s) for _r, s in items), default=0)
        self._mix_dst = np.array([r for r, _s in items], np.intp)
        src = np.zeros((len(items), k), np.intp)
        w = np.zeros((len(items), k, 1), np.int32)
        for i, (_r, s) in enumerate(items):
            src[i, :len(s)] = s
            w[i, :len(s)] = 1
        self._mix_src, self._mix_w = src, w
        self._mix_dirty = False

    def _apply_mixes(self, tx: np.ndarray, clean: np.ndarray) -> None:
        """tx[dst] += sum of clean[sources] for every mix set, saturated to int16."""
        if self._mix_dirty:
            self._rebuild_mix()
        dst = self._mix_dst
        if not dst.size:
            return
        acc = (clean[self._mix_src].astype(np.int32) * self._mix_w).sum(axis=1)
        acc += tx[dst]
        np.clip(acc, -32768, 32767, out=acc)
        tx[dst] = acc

    def tick(self) -> None:
        pc = time.perf_counter_ns
        t0 = pc()
        nb = self.board_rows
        rx, events = self.board.exchange(self.tx[:nb] if nb < self.rows else self.tx)
        t1 = pc()
        sink = self.sink
        digits = tones = cids = None
        if self.rows:
            clean = self.clean
            if nb:
                clean[:nb] = self.ec.process(rx, self.tx[:nb])
            for row, leg in self._net.items():
                clean[row] = leg.receive_frame()
            digits = self.dtmf.process(clean)
            if self._cpd_rows:
                tones = process_batch(self._cpd_dets, clean[self._cpd_rows])
            if self._cid:
                cids = [(r, d.process(clean[r])) for r, d in self._cid.items()]
        else:
            clean = self.clean
        t2 = pc()
        # -- call control
        for ev in events:
            sink.port_event(ev)
        if digits is not None and any(digits):
            for row, ds in enumerate(digits):
                if ds:
                    for d in ds:
                        sink.digit(row, d)
        if tones is not None:
            for row, evs in zip(list(self._cpd_rows), tones):
                for te in evs:
                    sink.tone(row, te.name)
        if cids:
            for row, msgs in cids:
                for m in msgs:
                    sink.caller_id(row, m)
        if self._swallow:
            self._mute_swallowed(clean)
        # -- next frames
        if self._dirty:
            self._rebuild()
        tx = self.tx
        tx.fill(0)
        if self._dst.size:
            tx[self._dst] = clean[self._src]
        for conf in self._conferences:
            m = conf.members
            if len(m) > 1:
                gains = [conf.gains_db[r] for r in m]
                tx[m] = mix_conference(clean[m], None if not any(gains) else gains)
        if self._mixes:
            self._apply_mixes(tx, clean)
        if self._players:
            done = []
            for row, pl in self._players.items():
                pl.read_into(tx[row])
                if pl.done:
                    done.append((row, pl))
            for row, pl in done:
                if self._players.get(row) is pl:
                    del self._players[row]
                sink.player_done(row, pl)
                if pl.on_done is not None:
                    fn, pl.on_done = pl.on_done, None
                    fn()
        for rec in self._recorders:
            rec.tap(clean, tx)
        for tap in self._taps:
            tap.tap(clean, tx)
        for row, leg in self._net.items():
            leg.send_frame(tx[row])
        t3 = pc()
        st = self.stats
        st.ticks += 1
        st.board_ns += t1 - t0
        st.dsp_ns += t2 - t1
        st.engine_ns += t3 - t2
