"""RFC 4733 telephone-events: payload, the sender's packet series, the receiver's events under loss."""
import pytest

from firmware.sip import dtmf_events as de


def test_payload_round_trip_and_codes():
    p = de.encode(de.event_code("#"), True, 10, 800)
    assert p == bytes([11, 0x80 | 10, 0x03, 0x20])
    assert de.decode(p) == (11, True, 10, 800)
    assert [de.event_code(c) for c in "09*#AD"] == [0, 9, 10, 11, 12, 15]
    assert de.event_code("flash") == 16 and de.event_name(16) == "flash"
    assert de.event_name(40) is None
    with pytest.raises(ValueError, match="'x' is not a DTMF digit"):
        de.event_code("x")


def _series(sender, ticks=20):
    out = []
    for _ in range(ticks):
        pk = sender.next_packet(160)
        out.append(pk)
    return out


def test_sender_packet_series_for_one_digit():
    s = de.EventSender(volume=10)
    s.send("5", duration_ms=100)
    series = [pk for pk in _series(s, 10) if pk is not None]
    decoded = [de.decode(p) for p, _, _ in series]
    markers = [m for _, m, _ in series]
    # 100 ms = 800 samples: durations 160..640, then the end three times at 800
    assert [d[3] for d in decoded] == [160, 320, 480, 640, 800, 800, 800]
    assert [d[1] for d in decoded] == [False] * 4 + [True] * 3
    assert markers == [True] + [False] * 6                  # marker on the first packet only
    assert all(d[0] == 5 and d[2] == 10 for d in decoded)
    assert not s.busy or s.next_packet() is None


def test_sender_gap_between_digits():
    s = de.EventSender()
    s.send("12", duration_ms=60, gap_ms=60)
    kinds = ["-" if pk is None else ("S" if pk[2] else ".") for pk in _series(s, 16)]
    # 60 ms = 480 samples: 160, 320, then the end at 480 three times; 3 ticks of gap
    assert "".join(kinds) == "S....---S....---"
    assert not s.busy


def _packets_for(digit, ts, duration_ms=100):
    s = de.EventSender()
    s.send(digit, duration_ms)
    return [(ts, m, p) for p, m, _ in (pk for pk in _series(s, 10) if pk is not None)]


def _feed(rx, packets, t0=0.0):
    events = []
    for i, (ts, m, p) in enumerate(packets):
        events += rx.feed(ts, m, p, t0 + 20.0 * i)
    return events


def test_receiver_in_order_once():
    rx = de.EventReceiver()
    ev = _feed(rx, _packets_for("7", 1000))
    assert ev == [("start", "7"), ("end", "7", 100.0)]


def test_receiver_ignores_duplicate_and_late_end_packets():
    rx = de.EventReceiver()
    pk = _packets_for("3", 5000)
    ev = _feed(rx, pk + pk[-1:] + pk[2:3])          # a repeated end and a late middle packet
    assert ev == [("start", "3"), ("end", "3", 100.0)]


def test_receiver_lost_first_packets_and_reorder():
    rx = de.EventReceiver()
    pk = _packets_for("9", 800)
    ev = _feed(rx, [pk[2], pk[1], pk[3], pk[4]])    # first lost, second late, then end
    assert ev == [("start", "9"), ("end", "9", 100.0)]


def test_receiver_all_end_packets_lost_next_digit_ends_it():
    rx = de.EventReceiver()
    first = _packets_for("1", 160)[:4]              # no end packet arrives
    second = _packets_for("2", 160 + 8 * 160)
    ev = _feed(rx, first + second)
    assert ev == [("start", "1"), ("end", "1", 80.0), ("start", "2"), ("end", "2", 100.0)]


def test_receiver_all_end_packets_lost_timeout_ends_it():
    rx = de.EventReceiver(timeout_ms=200)
    ev = _feed(rx, _packets_for("#", 42)[:3])
    assert ev == [("start", "#")]
    assert rx.active == "#"
    assert rx.poll(40.0 + 100) == []
    assert rx.poll(40.0 + 200) == [("end", "#", 60.0)]
    assert rx.poll(1000.0) == []                     # exactly once
    assert rx.active is None


def test_receiver_only_an_end_packet_gives_start_and_end():
    rx = de.EventReceiver()
    ev = _feed(rx, _packets_for("A", 7)[-1:])
    assert ev == [("start", "A"), ("end", "A", 100.0)]


def test_receiver_timestamp_wrap():
    rx = de.EventReceiver()
    ev = _feed(rx, _packets_for("4", 0xFFFFFF00) + _packets_for("5", 0x40))
    assert [e[:2] for e in ev] == [("start", "4"), ("end", "4"), ("start", "5"), ("end", "5")]
