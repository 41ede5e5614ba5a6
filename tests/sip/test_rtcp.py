"""RTCP: SR/RR/SDES/BYE round trips, reception statistics checked by hand (RFC 3550 §6.4.1, A.3, A.8)."""
import pytest

from firmware.sip import rtcp


def _stats_with_hand_values():
    # seq 0,1,2,4 (3 lost); ts 160 apart; arrivals 0, 20, 45, 80 ms.
    # (hand computation below)
    s = rtcp.ReceptionStats(0x1111)
    for seq, arr in ((0, 0.0), (1, 20.0), (2, 45.0), (4, 80.0)):
        s.update(seq, seq * 160, arr)
    return s


def test_jitter_and_loss_by_hand():
    s = _stats_with_hand_values()
    # transit = arrival*8 - ts: 0, 0, 40, 0  -> |D| = 0, 40, 40
    # J: 0 -> 0 -> 40/16 = 2.5 -> 2.5 + (40 - 2.5)/16 = 4.84375
    assert s.jitter == pytest.approx(4.84375)
    assert s.jitter_ms == pytest.approx(4.84375 / 8)
    assert s.expected == 5 and s.received == 4 and s.lost == 1
    b = s.report_block(100.0)
    assert b.fraction_lost == (1 << 8) // 5 == 51
    assert b.cumulative_lost == 1
    assert b.highest_seq == 4
    assert b.jitter == 4
    # the next interval: 2 more packets, none lost -> fraction 0, cumulative stays
    s.update(5, 800, 100.0)
    s.update(6, 960, 120.0)
    b2 = s.report_block(200.0)
    assert b2.fraction_lost == 0 and b2.cumulative_lost == 1


def test_sequence_wrap_counts_cycles():
    s = rtcp.ReceptionStats(1)
    for i, seq in enumerate((65534, 65535, 0, 2)):
        s.update(seq, i * 160, i * 20.0)
    assert s.expected == 5 and s.lost == 1
    assert s.report_block(0).highest_seq == 65536 + 2          # cycles in the high 16 bits


def test_sender_restart_after_a_big_jump_is_not_counted_as_loss():
    s = rtcp.ReceptionStats(1)
    for i in range(10):
        s.update(100 + i, i * 160, i * 20.0)
    s.update(40000, 0, 200.0)                   # a lone jump: not counted (yet)
    assert s.expected == 10 and s.lost == 0
    s.update(40001, 160, 220.0)                 # followed in sequence: a restart
    s.update(40002, 320, 240.0)
    assert s.expected == 3 and s.received == 3 and s.lost == 0
    b = s.report_block(260.0)
    assert b.highest_seq == 40002 and b.jitter == 0


def test_sr_with_block_round_trip_and_rtt():
    s = _stats_with_hand_values()
    their_ntp = rtcp.ntp_timestamp(1_700_000_000.0)
    s.on_sender_report(their_ntp, arrival_ms=1000.0)
    block = s.report_block(now_ms=1250.0)                      # we hold the SR 250 ms
    assert block.lsr == rtcp.ntp_middle(their_ntp)
    assert block.dlsr == 250 * 65536 // 1000                   # 16384 = 0.25 s
    data = rtcp.build_sr(0x2222, rtcp.ntp_timestamp(5.5), 12345, 10, 1600, [block])
    assert len(data) == 4 + 24 + 24
    (sr,) = rtcp.parse(data)
    assert isinstance(sr, rtcp.SenderReport)
    assert (sr.ssrc, sr.rtp_ts, sr.packets, sr.octets) == (0x2222, 12345, 10, 1600)
    assert sr.ntp == rtcp.ntp_timestamp(5.5)
    (b,) = sr.blocks
    assert (b.ssrc, b.fraction_lost, b.cumulative_lost, b.highest_seq, b.jitter) == (0x1111, 51, 1, 4, 4)
    # the sender of the SR gets this block back 40 ms + 250 ms after sending its SR
    arrival = rtcp.ntp_timestamp(1_700_000_000.0 + 0.290)
    assert rtcp.round_trip_ms(arrival, b.lsr, b.dlsr) == pytest.approx(40.0, abs=0.05)


def test_rr_sdes_bye_compound():
    blk = rtcp.ReportBlock(7, 0, -3, 70000, 12, 0, 0)
    data = (rtcp.build_rr(0x33, [blk]) + rtcp.build_sdes(0x33, "box@hotline")
            + rtcp.build_bye([0x33], "call ended"))
    rr, sdes, bye = rtcp.parse(data)
    assert isinstance(rr, rtcp.ReceiverReport) and rr.ssrc == 0x33
    assert rr.blocks[0].cumulative_lost == -3                  # signed 24 bit (duplicates)
    assert rr.blocks[0].highest_seq == 70000
    assert sdes.cname(0x33) == "box@hotline"
    assert bye.ssrcs == [0x33] and bye.reason == "call ended"
    assert rtcp.round_trip_ms(rtcp.ntp_timestamp(1.0), 0, 0) is None   # no SR seen yet


@pytest.mark.parametrize("data, words", [
    (b"\x80\xc8", "too short"),
    (bytes([0x40, 201, 0, 1]) + bytes(4), "version 1"),
    (bytes([0x80, 201, 0, 9]) + bytes(4), "claims 40 bytes"),
    (bytes([0x81, 201, 0, 1]) + bytes(4), "report count 1"),
])
def test_malformed_rtcp_is_refused_in_words(data, words):
    with pytest.raises(rtcp.RtcpError, match=words):
        rtcp.parse(data)
