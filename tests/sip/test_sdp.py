"""SDP parsing/formatting and RFC 3264 offer/answer, with bodies as real phones send them."""
from __future__ import annotations

import pytest

from firmware.sip.sdp import (
    Codec, Connection, MediaParams, NoCommonCodec, RtpMap, SdpError, SessionDescription,
    make_offer, make_reoffer, negotiate, read_answer,
)


def crlf(*lines: str) -> str:
    return "\r\n".join(lines) + "\r\n"


# Linphone 5: opus first, static PCMU/PCMA/G729 without rtpmap, three telephone-events
LINPHONE = crlf(
    "v=0",
    "o=alice 3025 1432 IN IP4 192.168.1.20",
    "s=Talk",
    "c=IN IP4 192.168.1.20",
    "t=0 0",
    "a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics",
    "a=record:off",
    "m=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100",
    "a=rtpmap:96 opus/48000/2",
    "a=fmtp:96 useinbandfec=1",
    "a=rtpmap:97 speex/16000",
    "a=fmtp:97 vbr=on",
    "a=rtpmap:98 speex/8000",
    "a=fmtp:98 vbr=on",
    "a=fmtp:18 annexb=yes",
    "a=rtpmap:101 telephone-event/48000",
    "a=rtpmap:99 telephone-event/16000",
    "a=rtpmap:100 telephone-event/8000",
    "a=rtcp-fb:* trr-int 1000",
    "a=rtcp-fb:* ccm tmmbr",
)

# pjsua 2.x: media-level c=, RFC 3605 a=rtcp, session b=, ssrc
PJSUA = crlf(
    "v=0",
    "o=- 3908623880 3908623880 IN IP4 127.0.0.1",
    "s=pjmedia",
    "b=AS:84",
    "t=0 0",
    "a=X-nat:0",
    "m=audio 4000 RTP/AVP 96 9 8 0 97 98",
    "c=IN IP4 127.0.0.1",
    "b=TIAS:64000",
    "a=rtcp:4001 IN IP4 127.0.0.1",
    "a=sendrecv",
    "a=rtpmap:96 opus/48000/2",
    "a=fmtp:96 useinbandfec=1",
    "a=rtpmap:9 G722/8000",
    "a=rtpmap:8 PCMA/8000",
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:97 telephone-event/48000",
    "a=fmtp:97 0-16",
    "a=rtpmap:98 telephone-event/8000",
    "a=fmtp:98 0-16",
    "a=ssrc:1476563937 cname:6b0e7a4c5d3d6a1f",
)


def yealink(version: int = 20012, direction: str = "sendrecv", addr: str = "10.0.0.31") -> str:
    """A Yealink-like desk phone: G722 first, then G.711, G729, telephone-event 101."""
    return crlf(
        "v=0",
        f"o=- 20012 {version} IN IP4 10.0.0.31",
        "s=SDP data",
        f"c=IN IP4 {addr}",
        "t=0 0",
        "m=audio 11796 RTP/AVP 9 0 8 18 101",
        "a=rtpmap:9 G722/8000",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:18 G729/8000",
        "a=fmtp:18 annexb=no",
        "a=ptime:20",
        f"a={direction}",
        "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-15",
    )


# A video phone (Grandstream/Snom-like): audio and video
VIDEO_PHONE = crlf(
    "v=0",
    "o=gs 8000 8000 IN IP4 10.0.0.40",
    "s=SIP Call",
    "c=IN IP4 10.0.0.40",
    "t=0 0",
    "m=video 5006 RTP/AVP 99",
    "a=rtpmap:99 H264/90000",
    "a=fmtp:99 profile-level-id=42801F",
    "m=audio 5004 RTP/AVP 8 0 101",
    "a=rtpmap:101 telephone-event/8000",
    "a=fmtp:101 0-15",
    "a=ptime:30",
)


# -- the model ------------------------------------------------------------------------

@pytest.mark.parametrize("body", [LINPHONE, PJSUA, yealink(), VIDEO_PHONE])
def test_real_bodies_round_trip_unchanged(body):
    assert str(SessionDescription.parse(body)) == body


def test_parse_linphone_fields():
    sd = SessionDescription.parse(LINPHONE)
    assert sd.origin.username == "alice" and sd.origin.session_id == "3025"
    assert sd.version == 1432 and sd.session_name == "Talk"
    assert sd.connection == Connection("192.168.1.20")
    assert ("record", "off") in sd.attributes
    [m] = sd.media
    assert (m.media, m.port, m.proto) == ("audio", 7078, "RTP/AVP")
    maps = m.rtpmaps()
    assert maps[0] == RtpMap(0, "PCMU", 8000) and maps[8].name == "PCMA"   # static
    assert maps[96] == RtpMap(96, "opus", 48000, 2)
    assert m.fmtp(18) == "annexb=yes" and m.fmtp(8) is None
    assert m.direction is None and sd.media_direction(m) == "sendrecv"
    assert m.get_all("rtcp-fb") == ["* trr-int 1000", "* ccm tmmbr"]


def test_parse_pjsua_media_level_connection_and_rtcp():
    sd = SessionDescription.parse(PJSUA.encode())        # bytes are fine too
    m = sd.media[0]
    assert sd.connection is None and sd.media_connection(m).host == "127.0.0.1"
    assert m.rtcp == (4001, "127.0.0.1") and m.bandwidths == ["TIAS:64000"]
    assert sd.bandwidths == ["AS:84"] and m.direction == "sendrecv"


def test_lf_only_and_session_level_direction_and_unknown_lines():
    text = ("v=0\no=- 1 2 IN IP6 2001:db8::1\ns=-\ni=a call\nc=IN IP6 2001:db8::1\n"
            "t=0 0\nr=7d 1h 0 25h\nk=prompt\na=sendonly\nm=audio 0 RTP/AVP 0\n"
            "y=unknown\na=rtpmap:0 PCMU/8000\n")
    sd = SessionDescription.parse(text)
    assert sd.media_direction(sd.media[0]) == "sendonly"
    assert sd.times == [("0 0", ["7d 1h 0 25h"])]
    assert sd.media[0].other == [("y", "unknown")]
    assert str(sd) == text.replace("\n", "\r\n")
    assert sd.connection.addrtype == "IP6"


@pytest.mark.parametrize("body,words", [
    ("", "empty SDP body"),
    ("hello world", "line 1"),
    ("o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n", "must start with v=0"),
    ("v=1\r\no=- 1 1 IN IP4 1.2.3.4\r\n", "only v=0"),
    ("v=0\r\ns=x\r\n", "expected o="),
    ("v=0\r\nm=audio 4000 RTP/AVP 0\r\n", "m= before the o= line"),
    ("v=0\r\n", "no o= line"),
    ("v=0\r\no=- 1 IN IP4 1.2.3.4\r\n", "o= needs 6 fields"),
    ("v=0\r\no=- x 1 IN IP4 1.2.3.4\r\n", "must be numbers"),
    ("v=0\r\no=- 1 1 IN IP4 a\r\no=- 1 1 IN IP4 a\r\n", "second o="),
    ("v=0\r\no=- 1 1 IN IP4 a\r\nc=IN IP4\r\n", "c= needs 3 fields"),
    ("v=0\r\no=- 1 1 IN IP4 a\r\nc=XX IP4 1.2.3.4\r\n", "IN IP4"),
    ("v=0\r\no=- 1 1 IN IP4 a\r\nm=audio 99999 RTP/AVP 0\r\n", "bad port '99999'"),
    ("v=0\r\no=- 1 1 IN IP4 a\r\nm=audio abc RTP/AVP 0\r\n", "bad port 'abc'"),
    ("v=0\r\no=- 1 1 IN IP4 a\r\nm=audio 4000 RTP/AVP\r\n", "at least one format"),
    ("v=0\r\no=- 1 1 IN IP4 a\r\nm=audio 4000 RTP/AVP 0 x\r\n", "bad RTP payload type 'x'"),
    ("v=0\r\no=- 1 1 IN IP4 a\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\n",
     "bad rtpmap"),
    ("v=0\r\no=- 1 1 IN IP4 a\r\nm=audio 4000 RTP/AVP 0\r\no=- 1 1 IN IP4 a\r\n",
     "not allowed inside a media section"),
    ("v=0\r\no=- 1 1 IN IP4 a\r\nA=sendrecv\r\n", "<letter>=<value>"),
    ("v=0\r\no=- 1 1 IN IP4 a\r\nr=1\r\n", "r= before any t="),
    (b"v=0\r\no=\xff\r\n", "not valid UTF-8"),
])
def test_malformed_bodies_name_the_line(body, words):
    with pytest.raises(SdpError) as e:
        SessionDescription.parse(body)
    assert words in str(e.value)


def test_error_names_line_number():
    with pytest.raises(SdpError, match=r"SDP line 6 'm=audio 7o78"):
        SessionDescription.parse(yealink().replace("m=audio 11796", "m=audio 7o78"))


# -- answering offers -------------------------------------------------------------------

def test_answer_linphone_picks_offerers_first_g711_and_8k_telephone_event():
    a = negotiate(LINPHONE, ["PCMA", "PCMU"], "192.0.2.10", 30000, session_id="77")
    assert a.codec == Codec("PCMU", 0) and a.dtmf_pt == 100
    assert (a.remote_addr, a.remote_port, a.rtcp_port) == ("192.168.1.20", 7078, 7079)
    assert a.direction == "sendrecv" and not a.remote_hold and a.ptime == 20
    assert str(a.sdp) == crlf(
        "v=0",
        "o=hotline 77 1 IN IP4 192.0.2.10",
        "s=Hotline",
        "c=IN IP4 192.0.2.10",
        "t=0 0",
        "m=audio 30000 RTP/AVP 0 100",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:100 telephone-event/8000",
        "a=fmtp:100 0-15",
        "a=ptime:20",
        "a=sendrecv",
    )
    assert isinstance(a, MediaParams)


def test_answer_pjsua_keeps_offer_payload_numbers_and_rtcp():
    a = negotiate(PJSUA, ["PCMU", "PCMA"], "127.0.0.1", 20000)
    assert a.codec == Codec("PCMA", 8) and a.dtmf_pt == 98
    assert a.remote_addr == "127.0.0.1" and a.remote_port == 4000 and a.rtcp_port == 4001
    m = a.sdp.media[0]
    assert m.formats == ["8", "98"] and m.fmtp(98) == "0-16"
    with_g722 = negotiate(PJSUA, ["G722", "PCMA"], "127.0.0.1", 20000)
    assert with_g722.codec == Codec("G722", 9)


def test_offerer_order_or_local_preference():
    assert negotiate(yealink(), ["PCMA", "PCMU"], "192.0.2.10", 30000).codec.name == "PCMU"
    a = negotiate(yealink(), ["PCMA", "PCMU"], "192.0.2.10", 30000, prefer_local=True)
    assert a.codec == Codec("PCMA", 8) and a.dtmf_pt == 101
    assert a.sdp.media[0].fmtp(101) == "0-15"


def test_answer_without_telephone_event_when_not_offered():
    body = yealink().replace(" 18 101", " 18").replace(
        "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n", "")
    a = negotiate(body, ["PCMA"], "192.0.2.10", 30000)
    assert a.dtmf_pt is None and a.sdp.media[0].formats == ["8"]
    assert "telephone-event" not in str(a.sdp)


def test_other_streams_rejected_with_port_zero_same_count():
    a = negotiate(VIDEO_PHONE, ["PCMA", "PCMU"], "192.0.2.10", 30000)
    video, audio = a.sdp.media
    assert (video.media, video.port, video.formats) == ("video", 0, ["99"])
    assert video.attributes == []
    assert audio.port == 30000 and a.codec == Codec("PCMA", 8) and a.ptime == 30
    assert a.remote_port == 5004
    # a second audio stream is rejected too
    two = VIDEO_PHONE.replace("m=video 5006 RTP/AVP 99", "m=audio 5006 RTP/AVP 0")
    b = negotiate(two, ["PCMA", "PCMU"], "192.0.2.10", 30000)
    assert [m.port for m in b.sdp.media] == [30000, 0] and b.remote_port == 5006


@pytest.mark.parametrize("offer_dir,answer_dir", [
    ("sendonly", "recvonly"), ("recvonly", "sendonly"), ("inactive", "inactive"),
    ("sendrecv", "sendrecv"),
])
def test_direction_mirrored(offer_dir, answer_dir):
    a = negotiate(yealink(direction=offer_dir), ["PCMA"], "192.0.2.10", 30000)
    assert a.direction == answer_dir and a.sdp.media[0].direction == answer_dir
    assert a.remote_hold == (offer_dir in ("sendonly", "inactive"))


def test_local_direction_combines_with_offer():
    a = negotiate(yealink(), ["PCMA"], "192.0.2.10", 30000, direction="sendonly")
    assert a.direction == "sendonly"
    b = negotiate(yealink(direction="sendonly"), ["PCMA"], "192.0.2.10", 30000,
                  direction="sendonly")
    assert b.direction == "inactive"


def test_old_style_hold_with_null_address():
    a = negotiate(yealink(addr="0.0.0.0"), ["PCMA"], "192.0.2.10", 30000)
    assert a.remote_hold and a.direction == "recvonly" and a.remote_addr == "0.0.0.0"


def test_hold_and_resume_reinvite_bumps_our_version_only_on_change():
    first = negotiate(yealink(), ["PCMA", "PCMU"], "192.0.2.10", 30000, session_id="55")
    same = negotiate(yealink(20013), ["PCMA", "PCMU"], "192.0.2.10", 30000,
                     previous=first.sdp)
    assert same.sdp.version == first.sdp.version == 1      # nothing changed
    hold = negotiate(yealink(20014, "sendonly"), ["PCMA", "PCMU"], "192.0.2.10", 30000,
                     previous=same.sdp)
    assert hold.remote_hold and hold.direction == "recvonly"
    assert hold.sdp.version == 2 and hold.sdp.origin.session_id == "55"
    resume = negotiate(yealink(20015), ["PCMA", "PCMU"], "192.0.2.10", 30000,
                       previous=hold.sdp)
    assert not resume.remote_hold and resume.direction == "sendrecv"
    assert resume.sdp.version == 3


def test_no_common_codec():
    body = crlf("v=0", "o=- 1 1 IN IP4 10.0.0.5", "s=-", "c=IN IP4 10.0.0.5", "t=0 0",
                "m=audio 5000 RTP/AVP 18 96 101", "a=rtpmap:96 opus/48000/2",
                "a=rtpmap:101 telephone-event/8000")
    with pytest.raises(NoCommonCodec) as e:
        negotiate(body, ["PCMA", "PCMU"], "192.0.2.10", 30000)
    assert "G729, opus" in str(e.value) and "PCMA, PCMU" in str(e.value)
    assert isinstance(e.value, SdpError)


def test_srtp_only_offer_is_refused_in_plain_words():
    body = crlf("v=0", "o=- 1 1 IN IP4 10.0.0.5", "s=-", "c=IN IP4 10.0.0.5", "t=0 0",
                "m=audio 5000 RTP/SAVP 8 0",
                "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz")
    with pytest.raises(NoCommonCodec, match="RTP/SAVP .SRTP."):
        negotiate(body, ["PCMA"], "192.0.2.10", 30000)


@pytest.mark.parametrize("body,words", [
    (crlf("v=0", "o=- 1 1 IN IP4 10.0.0.5", "s=-", "t=0 0"), "no m= line"),
    (crlf("v=0", "o=- 1 1 IN IP4 10.0.0.5", "s=-", "c=IN IP4 10.0.0.5", "t=0 0",
          "m=video 5000 RTP/AVP 99"), "no active audio stream"),
    (crlf("v=0", "o=- 1 1 IN IP4 10.0.0.5", "s=-", "c=IN IP4 10.0.0.5", "t=0 0",
          "m=audio 0 RTP/AVP 8"), "no active audio stream"),
])
def test_offers_without_usable_audio(body, words):
    with pytest.raises(NoCommonCodec, match=words):
        negotiate(body, ["PCMA"], "192.0.2.10", 30000)


def test_offer_without_connection_is_an_error():
    body = crlf("v=0", "o=- 1 1 IN IP4 10.0.0.5", "s=-", "t=0 0", "m=audio 5000 RTP/AVP 8")
    with pytest.raises(SdpError, match="no c= line"):
        negotiate(body, ["PCMA"], "192.0.2.10", 30000)


def test_bad_local_settings():
    with pytest.raises(ValueError, match="unknown codec 'OPUS'"):
        make_offer("192.0.2.1", 4000, codecs=("opus",))
    with pytest.raises(ValueError, match="direction 'hold'"):
        negotiate(yealink(), ["PCMA"], "192.0.2.1", 4000, direction="hold")
    with pytest.raises(ValueError, match="out of range"):
        make_offer("192.0.2.1", 0)


# -- our offers and their answers -------------------------------------------------------

def test_make_offer_text():
    offer = make_offer("192.0.2.1", 40000, session_id="123", version=1)
    assert str(offer) == crlf(
        "v=0",
        "o=hotline 123 1 IN IP4 192.0.2.1",
        "s=Hotline",
        "c=IN IP4 192.0.2.1",
        "t=0 0",
        "m=audio 40000 RTP/AVP 8 0 101",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-16",
        "a=ptime:20",
        "a=sendrecv",
    )
    plain = make_offer("2001:db8::5", 40000, codecs=("PCMU",), dtmf=False)
    assert "c=IN IP6 2001:db8::5" in str(plain) and "telephone-event" not in str(plain)
    assert plain.media[0].formats == ["0"] and plain.origin.session_id.isdigit()


def test_read_answer_from_phone():
    offer = make_offer("192.0.2.1", 40000, session_id="123")
    answer = crlf("v=0", "o=- 20012 20012 IN IP4 10.0.0.31", "s=SDP data",
                  "c=IN IP4 10.0.0.31", "t=0 0", "m=audio 11796 RTP/AVP 0 101",
                  "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000",
                  "a=fmtp:101 0-15", "a=ptime:30", "a=sendrecv")
    p = read_answer(offer, answer)
    assert p == MediaParams(codec=Codec("PCMU", 0), dtmf_pt=101, remote_addr="10.0.0.31",
                            remote_port=11796, direction="sendrecv", ptime=30,
                            remote_hold=False, rtcp_port=11797)


def test_round_trip_offer_negotiate_read_answer():
    offer = make_offer("192.0.2.1", 40000, codecs=("PCMU", "PCMA"))
    ans = negotiate(str(offer), ["PCMA", "PCMU"], "198.51.100.2", 5004)
    ours = read_answer(offer, str(ans.sdp))
    assert ours.codec == ans.codec == Codec("PCMU", 0)
    assert ours.dtmf_pt == ans.dtmf_pt == 101
    assert (ours.remote_addr, ours.remote_port) == ("198.51.100.2", 5004)
    assert (ans.remote_addr, ans.remote_port) == ("192.0.2.1", 40000)


def test_our_hold_reoffer_and_resume():
    offer = make_offer("192.0.2.1", 40000, session_id="9", version=1)
    hold = make_reoffer(offer, "sendonly")
    assert hold.version == 2 and hold.origin.session_id == "9"
    assert hold.media[0].direction == "sendonly" and offer.media[0].direction == "sendrecv"
    phone = negotiate(str(hold), ["PCMA", "PCMU"], "10.0.0.31", 11796)
    assert phone.direction == "recvonly" and phone.remote_hold
    p = read_answer(hold, str(phone.sdp))
    assert p.direction == "sendonly" and not p.remote_hold     # we hold them: we send MOH
    resume = make_reoffer(hold, "sendrecv")
    assert resume.version == 3 and resume.media[0].direction == "sendrecv"
    assert str(resume).count("a=sendrecv") == 1


def test_read_answer_problems():
    offer = make_offer("192.0.2.1", 40000)
    base = ["v=0", "o=- 1 1 IN IP4 10.0.0.31", "s=-", "c=IN IP4 10.0.0.31", "t=0 0"]
    with pytest.raises(NoCommonCodec, match="rejected the audio stream"):
        read_answer(offer, crlf(*base, "m=audio 0 RTP/AVP 8"))
    with pytest.raises(SdpError, match="2 m= lines, the offer had 1"):
        read_answer(offer, crlf(*base, "m=audio 5000 RTP/AVP 8", "m=video 0 RTP/AVP 99"))
    with pytest.raises(NoCommonCodec, match="answer has G729"):
        read_answer(offer, crlf(*base, "m=audio 5000 RTP/AVP 18"))
    p = read_answer(offer, crlf(*base[:3], "c=IN IP4 0.0.0.0", "t=0 0",
                                "m=audio 5000 RTP/AVP 8", "a=recvonly"))
    assert p.direction == "inactive" and p.remote_hold   # far end wants no audio from us
