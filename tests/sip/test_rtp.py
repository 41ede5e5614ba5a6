"""RTP packets: header round trip, parsing errors, wrap-safe extension, G.711 payloads."""
import numpy as np
import pytest

from firmware.sip import rtp


def test_build_parse_round_trip_fields():
    data = rtp.build(8, 65535, 0xFFFFFFFF, 0xDEADBEEF, b"\x55" * 160, marker=True)
    assert len(data) == 12 + 160
    assert data[0] == 0x80 and data[1] == 0x80 | 8
    p = rtp.parse(data)
    assert (p.pt, p.seq, p.ts, p.ssrc, p.marker) == (8, 65535, 0xFFFFFFFF, 0xDEADBEEF, True)
    assert p.payload == b"\x55" * 160


def test_parse_csrc_extension_and_padding():
    head = bytes([0x80 | 0x20 | 0x10 | 1, 0]) + (7).to_bytes(2, "big") + (1).to_bytes(4, "big") \
        + (2).to_bytes(4, "big")
    csrc = (99).to_bytes(4, "big")
    ext = b"\xbe\xde\x00\x01" + b"\x01\x02\x03\x04"
    data = head + csrc + ext + b"abc" + b"\x00\x02"  # 2 bytes padding, last byte counts them
    p = rtp.parse(data)
    assert p.csrc == (99,)
    assert p.payload == b"abc"
    assert p.seq == 7 and p.ssrc == 2


@pytest.mark.parametrize("data, words", [
    (b"\x80\x08\x00", "too short"),
    (bytes([0x40, 8]) + bytes(10), "version 1"),
    (bytes([0x83, 8]) + bytes(10), "CSRC"),
    (bytes([0xa0, 8]) + bytes(9) + b"\x00", "padding"),
])
def test_parse_errors_say_what_is_wrong(data, words):
    with pytest.raises(rtp.RtpError, match=words):
        rtp.parse(data)


def test_extend_seq_and_ts_across_the_wrap():
    assert rtp.extend_seq(0, 65535) == 65536
    assert rtp.extend_seq(65535, 65536) == 65535          # reordered packet before the wrap
    assert rtp.extend_seq(5, None) == 5
    assert rtp.extend_ts(100, 0xFFFFFF00) == 0x100000000 + 100
    assert rtp.extend_ts(0xFFFFFF00, 0x100000000 + 100) == 0xFFFFFF00


def test_sender_numbers_packets_and_wraps():
    s = rtp.RtpSender(rtp.PT_PCMU, ssrc=1, seq=65535, ts=0xFFFFFF60)
    a = rtp.parse(s.packet(b"x" * 160, 160))
    b = rtp.parse(s.packet(b"y" * 160, 160))
    assert a.marker and not b.marker                          # marker on the first packet only
    assert (a.seq, b.seq) == (65535, 0)
    assert (a.ts, b.ts) == (0xFFFFFF60, 0)
    assert s.packets == 2 and s.octets == 320
    s.skip(320)
    s.talkspurt()
    c = rtp.parse(s.packet(b"z", 160))
    assert c.ts == 480 and c.marker


def test_random_initial_values_differ():
    a, b = rtp.RtpSender(), rtp.RtpSender()
    assert (a.ssrc, a.seq, a.ts) != (b.ssrc, b.seq, b.ts)


@pytest.mark.parametrize("pt", [rtp.PT_PCMA, rtp.PT_PCMU])
def test_g711_payload_round_trip(pt):
    x = (8000 * np.sin(np.arange(160) * 0.3)).astype(np.int16)
    payload = rtp.encode_payload(x, pt)
    assert len(payload) == 160
    y = rtp.decode_payload(payload, pt)
    assert np.max(np.abs(y.astype(int) - x)) < 300            # G.711 quantisation only


def test_unknown_payload_type_is_refused_in_words():
    with pytest.raises(rtp.RtpError, match="payload type 18"):
        rtp.decode_payload(b"\x00", 18)


def test_rtcp_demultiplexing_by_payload_type():
    assert rtp.is_rtcp(bytes([0x80, 200, 0, 6]))
    assert not rtp.is_rtcp(rtp.build(8, 1, 1, 1, b""))
    assert not rtp.is_rtcp(rtp.build(8, 1, 1, 1, b"", marker=True))   # 0x88 = 136
