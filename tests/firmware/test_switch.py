"""The switch on its own: bridges, one-way listen, conferences, players, recorders, and
the engine benchmark's JSON."""
from __future__ import annotations

import json
import wave

import numpy as np

from hal.clock import VirtualClock

from firmware.bench.engine import BenchBoard, main as bench_main
from firmware.engine.media import SamplesPlayer, TonePlayer
from firmware.engine.switch import Switch


class ConstBoard(BenchBoard):
    """Row r always says the constant 100*(r+1) (no echo)."""

    def exchange(self, tx):
        self.sent = tx.copy()
        rx = np.repeat((100 * (np.arange(self.rows) + 1)).astype(np.int16)[:, None], 160, axis=1)
        return rx, []


def make(rows=4):
    clock = VirtualClock()
    board = ConstBoard(rows)
    sw = Switch(board, clock, ec_taps=32)
    # no echo in this board: bypass the EC so sample values are exact
    sw.ec = type("NoEc", (), {"process": staticmethod(lambda n, f: n.copy()),
                              "reset": staticmethod(lambda r=None: None)})()
    return clock, board, sw


def test_bridge_and_listen_route_audio():
    clock, board, sw = make()
    sw.connect(0, 1)
    sw.listen(2, 0)
    clock.run_ticks(3)
    assert board.sent[0][0] == 200 and board.sent[1][0] == 100
    assert board.sent[2][0] == 100 and board.sent[3][0] == 0
    sw.isolate(0)
    clock.run_ticks(2)
    assert board.sent[1][0] == 0 and board.sent[2][0] == 0


def test_conference_each_hears_the_others():
    clock, board, sw = make()
    conf = sw.conference("room")
    for r in (0, 1, 2):
        sw.conference_join(conf, r)
    clock.run_ticks(3)
    assert list(board.sent[:3, 0]) == [200 + 300, 100 + 300, 100 + 200]
    sw.conference_leave(conf, 1)
    clock.run_ticks(2)
    assert list(board.sent[:3, 0]) == [300, 0, 100]


def test_player_overrides_and_reports_done():
    clock, board, sw = make()
    done = []
    sw.sink.player_done = lambda row, pl: done.append(row)
    sw.connect(0, 1)
    sw.play(0, SamplesPlayer(np.full(400, 7, np.int16)))
    clock.run_ticks(2)                   # a frame is built one tick, sent the next
    assert np.all(board.sent[0] == 7)
    clock.run_ticks(3)
    assert done == [0] and board.sent[0][0] == 200       # back to the bridge
    sw.play(3, TonePlayer("busy", "cn"))
    clock.run_ticks(5)
    assert np.abs(board.sent[3]).max() > 1000


def test_recorder_writes_a_wav(tmp_path):
    clock, board, sw = make()
    rec = sw.record([1], tmp_path / "r.wav")
    clock.run_ticks(50)
    path = sw.stop_recording(rec)
    with wave.open(str(path)) as w:
        assert w.getframerate() == 8000 and w.getnframes() == 50 * 160
        assert np.all(np.frombuffer(w.readframes(10), "<i2") == 200)


def test_bench_engine_json(capsys):
    assert bench_main(["--quick", "--json", "--calls", "4"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["bridged_calls_per_core"] > 0 and out["measured_at_calls"] == 4
    assert "engine_over_dsp_60ch" in out


class _Leg:
    """A network leg saying a constant and keeping what it is sent."""
    def __init__(self, value: int) -> None:
        self.value, self.sent = value, []

    def receive_frame(self):
        return np.full(160, self.value, dtype=np.int16)

    def send_frame(self, samples) -> None:
        self.sent.append(int(samples[0]))


def test_network_rows_are_lent_and_refused_when_all_are_out():
    from firmware.engine.switch import NoFreeRow
    clock = VirtualClock()
    sw = Switch(ConstBoard(2), clock, ec_taps=32, net_rows=2)
    a, b = _Leg(300), _Leg(500)
    ra, rb = sw.attach(a), sw.attach(b)
    assert {ra, rb} == {2, 3} and sw.net_in_use == 2
    try:
        sw.attach(_Leg(1))
        raise AssertionError("a third network leg got a row")
    except NoFreeRow as e:
        assert "2 network channels are in use" in str(e)
    sw.connect(ra, rb)
    clock.run_ticks(3)
    assert a.sent[-1] == 500 and b.sent[-1] == 300
    sw.detach(rb)
    assert sw.net_in_use == 1 and sw.attach(_Leg(7)) == rb
