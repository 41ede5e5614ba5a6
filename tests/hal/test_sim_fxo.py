"""The simulated exchange behind the FXO ports: ringing + caller ID, dialling, supervision."""
import datetime as dt

import numpy as np
import pytest

from dsp.callerid import CallerIdDecoder
from dsp.callprogress import CallProgressDetector
from dsp.dtmf import DtmfGenerator
from dsp.tones import ToneGenerator
from hal.ports import Ev
from hal.sim import LineState, RemoteState

from tests.hal.conftest import Box

T = 20  # ms per tick


def cpd_states(frames, country="cn"):
    det = CallProgressDetector(country)
    return [e.name for e in det.process(np.concatenate(frames))]


def band_power(x, f):
    spec = np.abs(np.fft.rfft(x.astype(np.float64) * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / 8000)
    return spec[np.abs(freqs - f) < 40].sum() / max(spec.sum(), 1e-9)


def of(box, port, kind):
    return [e for e in box.events if e.port == port and e.kind == kind]


def dial(box, port, digits):
    g = DtmfGenerator(-8.0, 0.0, 100, 100)
    g.send(digits)
    box.send(port, lambda: g.read(160))


def seize_and_dial(box, port, digits, wait_dialtone=True):
    box.board.port(port).set_hook(True)
    if wait_dialtone:
        assert box.run_until(lambda: box.board.line(port).state == LineState.DIALTONE, 1000)
    dial(box, port, digits)


# ------------------------------------------------------------------ inbound

def test_ring_cadence_cn_and_caller_id_bell202(box):
    r = box.board.exchange.ring_in("fxo1", caller="13800138000", name="LI SI")
    assert r.state == RemoteState.RINGING_OUT and r.id == "r1"
    box.run(11000)
    starts, stops = of(box, "fxo1", Ev.RING_START), of(box, "fxo1", Ev.RING_STOP)
    assert len(starts) == 3 and len(stops) == 2
    # ring voltage from tick 1; seen after 2 ticks; bursts 5 s apart
    assert starts[0].tick == 2 and starts[1].tick - starts[0].tick == 250
    assert [s.data["ms"] for s in stops] == [1000, 1000]
    assert stops[0].tick == 50 + 10                          # 200 ms after the burst ended
    assert box.board.port("fxo1").ringing
    # caller ID in the rx audio, decoded by the box's own decoder
    dec = CallerIdDecoder()
    msgs, at = [], None
    for i, f in enumerate(box.rx["fxo1"]):
        if at is None and np.abs(f).max() > 0:
            at = i + 1                                          # tick of the first CID sample
        msgs += dec.process(f)
    assert len(msgs) == 1
    m = msgs[0]
    assert (m["number"], m["name"], m["standard"]) == ("13800138000", "LI SI", "bell202")
    assert m["datetime"].strftime("%m%d%H%M") == box.clock.epoch.strftime("%m%d%H%M")
    assert (at - 51) * T == 500                                 # 500 ms after the first burst
    assert box.board.exchange.calls_log[0]["outcome"] == "ringing"


def test_caller_id_v23_and_dtmf():
    b = Box()
    b.board.line("fxo2").cid = "v23"
    b.board.exchange.ring_in("fxo2", caller="88001234")
    b.run(3000)
    msgs = CallerIdDecoder("auto").process(np.concatenate(b.rx["fxo2"]))
    assert msgs[0]["number"] == "88001234" and msgs[0]["standard"] == "v23"
    # DTMF caller ID comes before the first ring
    b = Box()
    b.board.exchange.ring_in("fxo3", caller="5551234", cid="dtmf")
    b.run(4000)
    dec = CallerIdDecoder()
    msgs = [m for f in b.rx["fxo3"] for m in dec.process(f)]     # per tick, like the box
    assert msgs and msgs[0]["number"] == "5551234" and msgs[0]["format"] == "dtmf"
    first_ring = of(b, "fxo3", Ev.RING_START)[0].tick
    last_audio = max(i for i, f in enumerate(b.rx["fxo3"]) if np.abs(f).max() > 0) + 1
    assert last_audio < first_ring


def test_no_caller_id_when_line_says_none(box):
    box.board.line("fxo1").cid = "none"
    box.board.exchange.ring_in("fxo1")
    box.run(3000)
    assert np.abs(np.concatenate(box.rx["fxo1"])).max() == 0


def test_box_answers_and_audio_crosses_both_ways(box):
    r = box.board.exchange.ring_in("fxo1")
    box.run(7600)
    assert r.hears == "ringback"                        # the caller hears ringback
    port = box.board.port("fxo1")
    port.set_hook(True)
    box.tick()
    assert r.state == RemoteState.TALKING
    box.run(400)
    assert r.state == RemoteState.TALKING
    r.play_tone("1000")
    g = ToneGenerator("1400")
    box.send("fxo1", lambda: g.read(160))
    r.start_capture()
    box.run(1000)
    assert band_power(box.rx_since("fxo1", 40), 1000) > 0.9
    assert band_power(r.captured(), 1400) > 0.9
    # box releases: the remote sees the far end hang up (after release_ms)
    port.set_hook(False)
    box.run(600)
    assert r.state == RemoteState.ENDED and r.reason == "far_hangup"
    log = box.board.exchange.calls_log[-1]
    assert log["direction"] == "in" and log["outcome"] == "answered" and log["ended_by"] == "box"


def test_answer_stops_ringing_with_ring_stop(box):
    box.board.exchange.ring_in("fxo1")
    box.run(500)                                        # inside the first burst
    port = box.board.port("fxo1")
    assert port.ringing
    port.set_hook(True)
    box.run(400)
    assert not port.ringing and port.loop_current == pytest.approx(25.0)
    assert len(of(box, "fxo1", Ev.RING_STOP)) == 1
    assert box.board.line("fxo1").state == LineState.TALKING


def test_caller_gives_up(box):
    r = box.board.exchange.ring_in("fxo1", give_up_after_ms=6000)
    box.run(7000)
    assert r.state == RemoteState.ENDED and r.reason == "gave_up"
    assert not box.board.port("fxo1").ringing
    assert box.board.exchange.calls_log[-1]["outcome"] == "gave_up"
    r2 = box.board.exchange.ring_in("fxo1")
    box.run(2000)
    r2.hangup()
    box.run(6000)
    assert r2.reason == "hangup" and len(of(box, "fxo1", Ev.RING_START)) == 3


def test_ring_in_on_a_busy_line(box):
    box.board.port("fxo1").set_hook(True)
    box.run(100)
    r = box.board.exchange.ring_in("fxo1")
    assert r.state == RemoteState.ENDED and r.reason == "busy"


# ------------------------------------------------------------------ outbound

def test_outbound_call_dialtone_ringback_answer_talk(box):
    ex = box.board.exchange
    sub = ex.add_subscriber("12345", answer_after_ms=7000)
    port = box.board.port("fxo1")
    port.set_hook(True)
    box.run(2000)
    assert port.line_voltage == pytest.approx(-8.0) and port.loop_current == pytest.approx(25.0)
    assert cpd_states(box.rx["fxo1"][-90:]) == ["dialtone"]
    dial(box, "fxo1", "12345")
    box.run(1000)                                        # digits: 5 x 200 ms
    assert sub.state == RemoteState.RINGING_IN           # exact match routes at once
    box.send("fxo1", None)
    box.run(7000)
    assert cpd_states(box.rx["fxo1"][-400:]) == ["ringback"]
    assert sub.state == RemoteState.TALKING
    # the dial tone stopped at the first digit
    first_digit_tick = 100 + 5
    assert np.abs(box.rx["fxo1"][first_digit_tick + 2]).max() == 0
    sub.play_tone("1000")
    g = ToneGenerator("1000")
    box.send("fxo1", lambda: g.read(160))
    sub.start_capture()
    box.run(600)
    assert band_power(box.rx_since("fxo1", 20), 1000) > 0.9
    assert band_power(sub.captured(), 1000) > 0.9
    log = ex.calls_log[-1]
    assert (log["direction"], log["number"], log["outcome"], log["remote"]) == \
        ("out", "12345", "answered", sub.id)


def test_unknown_number_routes_after_3s_with_default_behaviour(box):
    ex = box.board.exchange
    seize_and_dial(box, "fxo2", "6789")
    box.run(800)
    log = ex.calls_log[-1]
    assert log["number"] == "6789" and "remote" not in log
    box.run(2600)
    assert "remote" not in log
    box.run(600)
    assert "remote" in log                               # routed 3 s after the last digit
    r = ex.remote(log["remote"])
    assert r.state == RemoteState.RINGING_IN and r.number == "6789"
    box.run(2200)
    assert r.state == RemoteState.TALKING


@pytest.mark.parametrize("behaviour,state", [("busy", "busy"), ("unobtainable", "sit")])
def test_busy_and_unobtainable_tones(box, behaviour, state):
    box.board.exchange.add_subscriber("110", behaviour=behaviour)
    seize_and_dial(box, "fxo1", "110")
    box.run(600)
    box.send("fxo1", None)
    box.run(4000)
    assert state in cpd_states(box.rx["fxo1"][-200:])
    assert box.board.exchange.calls_log[-1]["outcome"] == behaviour


def test_no_answer_rings_until_answered_by_hand(box):
    sub = box.board.exchange.add_subscriber("777", behaviour="no_answer")
    seize_and_dial(box, "fxo1", "777")
    box.run(10000)
    assert sub.state == RemoteState.RINGING_IN
    assert box.board.exchange.calls_log[-1]["outcome"] == "no_answer"
    sub.answer()
    box.tick()
    assert sub.state == RemoteState.TALKING


def test_dead_line_gives_no_dial_tone(box):
    box.board.line("fxo3").dial_tone = False
    port = box.board.port("fxo3")
    port.set_hook(True)
    box.run(3000)
    assert port.loop_current > 20
    assert np.abs(np.concatenate(box.rx["fxo3"])).max() == 0
    assert box.board.exchange.calls_log[-1]["outcome"] == "no_dialtone"


def test_answer_polarity(box):
    box.board.line("fxo1").answer_polarity = True
    sub = box.board.exchange.add_subscriber("555", answer_after_ms=1000)
    seize_and_dial(box, "fxo1", "555")
    box.run(1000)
    assert not of(box, "fxo1", Ev.POLARITY)
    box.run(1000)
    assert sub.state == RemoteState.TALKING
    pol = of(box, "fxo1", Ev.POLARITY)
    assert [p.data for p in pol] == [{"reversed": True}]
    assert box.board.port("fxo1").line_voltage > 0


# ------------------------------------------------------------------ far-end disconnect

def talking(box, port, disconnect):
    box.board.line(port).disconnect = disconnect
    sub = box.board.exchange.add_subscriber("2000", answer_after_ms=0)
    seize_and_dial(box, port, "2000")
    box.run(1000)
    box.send(port, None)
    assert sub.state == RemoteState.TALKING
    return sub


def test_far_hangup_busy_tone(box):
    sub = talking(box, "fxo1", "busy")
    sub.hangup()
    box.run(3000)
    assert sub.state == RemoteState.ENDED and sub.reason == "hangup"
    assert cpd_states(box.rx["fxo1"][-150:]) == ["busy"]
    assert not of(box, "fxo1", Ev.POLARITY) and not of(box, "fxo1", Ev.LOOP_LOSS)


def test_far_hangup_polarity(box):
    sub = talking(box, "fxo1", "polarity")
    n0 = len(box.events)
    sub.hangup()
    box.run(200)
    pol = [e for e in box.events[n0:] if e.kind == Ev.POLARITY]
    assert len(pol) == 1 and pol[0].data == {"reversed": True}
    assert pol[0].tick - box.clock.ticks + 10 <= 2          # within 2 ticks of the hang-up
    # box releases: the line goes back to normal polarity
    box.board.port("fxo1").set_hook(False)
    box.run(1000)
    assert [e.data for e in of(box, "fxo1", Ev.POLARITY)][-1] == {"reversed": False}


def test_far_hangup_loop_drop(box):
    sub = talking(box, "fxo1", "loop")
    box.board.line("fxo1").loop_drop_ms = 600
    sub.hangup()
    box.run(1500)
    loss, back = of(box, "fxo1", Ev.LOOP_LOSS), of(box, "fxo1", Ev.LOOP_RESTORE)
    assert len(loss) == 1 and len(back) == 1
    assert back[0].data["ms"] == 600
    assert np.abs(box.rx_since("fxo1", 20)).max() == 0        # silence afterwards


# ------------------------------------------------------------------ the line itself

def test_line_down_and_up(box):
    port, line = box.board.port("fxo4"), box.board.line("fxo4")
    box.run(200)
    assert port.line_voltage == pytest.approx(-48.0)
    line.set_down(True)
    box.run(200)
    assert [e.kind for e in box.events] == [Ev.LINE_DOWN]
    assert port.line_voltage == 0.0
    r = box.board.exchange.ring_in("fxo4")
    assert r.reason == "line_down"
    line.set_down(False)
    box.run(200)
    assert [e.kind for e in box.events] == [Ev.LINE_DOWN, Ev.LINE_UP]


def test_line_down_while_talking_is_loop_loss(box):
    sub = talking(box, "fxo2", "busy")
    box.board.line("fxo2").set_down(True)
    box.run(200)
    assert sub.reason == "line_down"
    assert len(of(box, "fxo2", Ev.LOOP_LOSS)) == 1


def test_line_settings_are_validated(box):
    line = box.board.line("fxo1")
    assert line.number == "66550001" and line.cid == "bell202"
    with pytest.raises(ValueError, match="'disconnect' must be one of busy, polarity, loop"):
        line.disconnect = "hangup"
    with pytest.raises(ValueError, match="'cid'"):
        line.configure(cid="fsk")
    with pytest.raises(ValueError, match="unknown line setting 'colour'"):
        line.configure(colour="red")
    with pytest.raises(ValueError, match="behaviour"):
        box.board.exchange.add_subscriber("1", behaviour="sometimes")
    with pytest.raises(ValueError, match="no simulated line"):
        box.board.exchange.ring_in("fxo9")


def test_box_flash_is_not_a_release(box):
    sub = talking(box, "fxo1", "busy")
    box.board.port("fxo1").flash(300)
    box.run(1000)
    assert sub.state == RemoteState.TALKING and box.board.line("fxo1").flashes == 1


def test_hybrid_echo_on_a_seized_line():
    b = Box(echo=True)
    b.board.line("fxo1").dial_tone = False          # no tone: rx carries only the echo
    g = ToneGenerator("1000")
    b.send("fxo1", lambda: g.read(160))
    b.run(400)
    assert np.abs(b.rx_since("fxo1", 10)).max() == 0          # on-hook: no hybrid echo
    b.board.port("fxo1").set_hook(True)
    b.run(400)
    echo = b.rx_since("fxo1", 10).astype(np.float64)
    sent = np.concatenate([ToneGenerator("1000").read(1600)]).astype(np.float64)
    erl = 10 * np.log10(np.mean(sent ** 2) / np.mean(echo ** 2))
    assert 12.0 < erl < 30.0 and band_power(echo, 1000) > 0.9


def test_us_profile_cadence_and_tones():
    b = Box(country="us")
    b.board.exchange.ring_in("fxo1")
    b.run(7000)
    stops = of(b, "fxo1", Ev.RING_STOP)
    starts = of(b, "fxo1", Ev.RING_START)
    assert stops[0].data["ms"] == 2000 and starts[1].tick - starts[0].tick == 300
    b.board.port("fxo2").set_hook(True)
    b.run(2500)
    assert cpd_states(b.rx["fxo2"][-100:], "us") == ["dialtone"]
