"""The SIP interop harness proven on its own: phone <-> phone, sipp <-> sipp, phone <-> sipp.

Everything runs on 127.0.0.1 with OS-chosen ports and no SIP server (the box's own
server is tested with the same harness elsewhere).  These tests run in real time:
every wait has a timeout; the only sleeps are the few hundred ms of audio a
recording needs.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from dsp.dtmf import DtmfGenerator
from tests.interop import audio
from tests.interop.baresip_phone import BaresipPhone
from tests.interop.phones import PhoneError, PhoneTimeout, PjPhone
from tests.interop.sipp import Sipp, free_port, parse_screen_messages, parse_stats, run_sipp

SILENCE_S = 0.4
"""Recording time before a tone starts (s): proves the tone is not there from the start."""
TONE_S = 0.6
"""Recording time with the tone on (s)."""


def connect(a: PjPhone, b: PjPhone) -> tuple[int, int]:
    """A calls B directly, B answers; returns (A's call id, B's call id) with media up."""
    ca = a.call(b.uri)
    inc = b.wait_event("incoming_call")
    assert inc["to"].startswith("<sip:b@127.0.0.1")
    assert "sip:a@127.0.0.1" in inc["from"]
    b.answer(inc["call"])
    a.wait_call_state("CONFIRMED", call=ca)
    b.wait_call_state("CONFIRMED", call=inc["call"])
    a.wait_media("active", call=ca)
    b.wait_media("active", call=inc["call"])
    return ca, inc["call"]


@pytest.fixture
def pair(phones: Callable[..., PjPhone]) -> tuple[PjPhone, PjPhone, int, int]:
    a, b = phones("a"), phones("b")
    ca, cb = connect(a, b)
    return a, b, ca, cb


# ---- pjsua2 <-> pjsua2 ------------------------------------------------------------------

def test_tones_cross_both_ways(pair: tuple, interop_logs: Path) -> None:
    a, b, ca, cb = pair
    at_b, at_a = interop_logs / "heard_by_b.wav", interop_logs / "heard_by_a.wav"
    b.record(at_b, call=cb)
    a.record(at_a, call=ca)
    time.sleep(SILENCE_S)
    a.play_tone(1000, call=ca)
    b.play_tone(440, call=cb)
    time.sleep(TONE_S)
    b.stop_record(call=cb)
    a.stop_record(call=ca)

    onset_b = audio.tone_onset(at_b, 1000, min_ms=200)
    assert onset_b is not None, f"B never heard A's 1000 Hz (dominant {audio.dominant_frequency(at_b):.0f} Hz)"
    assert onset_b >= SILENCE_S - 0.1, f"1000 Hz at B already at {onset_b:.2f} s, before A played it"
    assert not audio.has_tone(at_b, 1000, min_ms=40, end_s=SILENCE_S - 0.1)
    assert abs(audio.dominant_frequency(at_b, start_s=onset_b + 0.05) - 1000) < 5
    assert not audio.has_tone(at_b, 440, min_ms=100), "B hears its own 440 Hz (loop?)"
    assert -14 < audio.level_dbm0(at_b, start_s=onset_b + 0.05) < -6   # played at -10 dBm0

    onset_a = audio.tone_onset(at_a, 440, min_ms=200)
    assert onset_a is not None and onset_a >= SILENCE_S - 0.1
    assert abs(audio.dominant_frequency(at_a, start_s=onset_a + 0.05) - 440) < 5
    assert not audio.has_tone(at_a, 1000, min_ms=100)


def test_rfc2833_and_info_digits_arrive_as_events(pair: tuple) -> None:
    a, b, ca, cb = pair
    a.dtmf("19#*", method="rfc2833", call=ca)
    got = [b.wait_event("dtmf", timeout=3)["digit"] for _ in range(4)]
    assert got == list("19#*")
    assert {e["method"] for e in b.events("dtmf")} == {"rfc2833"}
    b.dtmf("50", method="info", call=cb)
    got = [a.wait_event("dtmf", timeout=3) for _ in range(2)]
    assert [e["digit"] for e in got] == ["5", "0"]
    assert all(e["method"] == "info" for e in got)


def test_inband_dtmf_is_heard_in_the_audio(pair: tuple, interop_logs: Path) -> None:
    a, b, ca, cb = pair
    wav = interop_logs / "inband_at_b.wav"
    b.record(wav, call=cb)
    a.dtmf("4711", method="inband", call=ca)
    time.sleep(0.1 + 4 * 0.16 + 0.25)      # lead-in + 4 x (80 ms on + 80 ms off) + jitter
    b.stop_record(call=cb)
    assert audio.dtmf_digits(wav) == "4711"
    assert b.events("dtmf") == [], "in-band digits must not show up as RFC 4733 events"


def test_hold_and_unhold(pair: tuple, interop_logs: Path) -> None:
    a, b, ca, cb = pair
    a.hold(call=ca)
    assert a.wait_media("local_hold", call=ca)
    assert b.wait_media("remote_hold", call=cb)
    assert [c["media"] for c in b.state()["calls"]] == ["remote_hold"]
    a.unhold(call=ca)
    a.wait_media("active", call=ca)
    b.wait_media("active", call=cb)
    # audio flows again after the resume (and the player takes an A-law WAV, looped)
    wav = interop_logs / "after_unhold.wav"
    b.record(wav, call=cb)
    a.play(audio.tone_wav(interop_logs / "src700_alaw.wav", 700, 0.5, law="alaw"), call=ca)
    time.sleep(TONE_S)
    b.stop_record(call=cb)
    assert audio.has_tone(wav, 700, min_ms=200)


def test_hangup_disconnects_both_sides(pair: tuple, interop_logs: Path) -> None:
    a, b, ca, cb = pair
    wav = interop_logs / "b_until_hangup.wav"
    b.record(wav, call=cb)
    a.play_tone(1000, call=ca)
    time.sleep(0.3)
    a.hangup(call=ca)
    assert a.wait_call_state("DISCONNECTED", call=ca)["code"] == 200
    assert b.wait_call_state("DISCONNECTED", call=cb)
    assert [c["state"] for c in b.state()["calls"]] == ["DISCONNECTED"]
    with pytest.raises(PhoneError, match="no active call"):
        a.hangup()
    # a recording outlives its call: stop_record still finishes the file
    assert b.stop_record(call=cb)["wavs"] == [str(wav)]
    assert audio.has_tone(wav, 1000, min_ms=100)
    with pytest.raises(PhoneError, match="no recording in progress"):
        b.stop_record(call=cb)


def test_busy_reject_reaches_the_caller(phones: Callable[..., PjPhone]) -> None:
    a, b = phones("a"), phones("b")
    ca = a.call(b.uri)
    inc = b.wait_event("incoming_call")
    b.reject(inc["call"], code=486)
    ev = a.wait_call_state("DISCONNECTED", call=ca)
    assert ev["code"] == 486
    assert a.events("call_state", state="CONFIRMED") == []


def test_caller_cancels_before_answer(phones: Callable[..., PjPhone]) -> None:
    a, b = phones("a"), phones("b")
    ca = a.call(b.uri)
    inc = b.wait_event("incoming_call")
    b.answer(inc["call"], code=180)
    a.wait_call_state("EARLY", call=ca)          # B's 180 arrived
    a.hangup(call=ca)                            # CANCEL
    assert b.wait_call_state("DISCONNECTED", call=inc["call"])["code"] == 487
    assert a.wait_call_state("DISCONNECTED", call=ca)["code"] == 487


def test_blind_transfer(phones: Callable[..., PjPhone]) -> None:
    a, b, c = phones("a"), phones("b"), phones("c")
    ca, cb = connect(a, b)
    b.xfer(c.uri, call=cb)                       # B sends REFER to A
    assert a.wait_event("xfer_request", call=ca)["target"] == c.uri
    inc = c.wait_event("incoming_call")
    assert "sip:a@" in inc["from"]
    c.answer(inc["call"])
    c.wait_call_state("CONFIRMED", call=inc["call"])
    assert b.wait_event("xfer_status", final=True)["code"] == 200
    b.wait_call_state("DISCONNECTED", call=cb)   # B left after the NOTIFY 200
    a.wait_call_state("DISCONNECTED", call=ca)


def test_attended_transfer_with_replaces(phones: Callable[..., PjPhone]) -> None:
    a, b, c = phones("a"), phones("b"), phones("c")
    a_b, b_a = connect(a, b)
    a.hold(call=a_b)
    b.wait_media("remote_hold", call=b_a)
    a_c = a.call(c.uri)
    c_a = c.wait_event("incoming_call")["call"]
    c.answer(c_a)
    a.wait_call_state("CONFIRMED", call=a_c)
    a.xfer_replaces(call=a_b, other=a_c)         # B is told to call C replacing A-C
    assert "Replaces=" in b.wait_event("xfer_request", call=b_a)["target"]
    new_c = c.wait_event("replaced", call=c_a)["new_call"]
    c.wait_call_state("CONFIRMED", call=new_c)
    c.wait_call_state("DISCONNECTED", call=c_a)
    assert a.wait_event("xfer_status", call=a_b, final=True)["code"] == 200
    a.wait_call_state("DISCONNECTED", call=a_b)
    states = {x["remote"]: x["state"] for x in c.state()["calls"]}
    assert any("sip:b@" in r and s == "CONFIRMED" for r, s in states.items()), states


def test_call_over_tcp(phones: Callable[..., PjPhone]) -> None:
    a, b = phones("a", tcp=True), phones("b", tcp=True, log_level=4)   # 4: SIP messages logged
    assert a.tcp_port and b.tcp_port
    ca = a.call(f"sip:b@127.0.0.1:{b.tcp_port};transport=tcp")
    inc = b.wait_event("incoming_call")
    b.answer(inc["call"])
    a.wait_call_state("CONFIRMED", call=ca)
    assert "transport=TCP" in (b.log_path.read_text(errors="replace"))


def test_codec_order_and_auto_answer(phones: Callable[..., PjPhone]) -> None:
    a = phones("a", codecs=("PCMU", "PCMA"))
    b = phones("b", auto_answer=200)
    ca = a.call(b.uri)
    a.wait_call_state("CONFIRMED", call=ca)
    assert a.wait_media("active", call=ca)["codec"] == "PCMU/8000"
    assert b.wait_media("active")["codec"] == "PCMU/8000"
    c = phones("c", codecs=("PCMA",))
    cc = c.call(b.uri)
    c.wait_call_state("CONFIRMED", call=cc)
    ev = c.wait_media("active", call=cc)
    assert ev["codec"] == "PCMA/8000" and ev["remote_rtp"].startswith("127.0.0.1:")
    assert {x["codec"] for x in b.state()["calls"]} == {"PCMU/8000", "PCMA/8000"}


def test_a_failed_wait_shows_events_and_log(phones: Callable[..., PjPhone]) -> None:
    a = phones("a")
    twin = phones("a")
    assert twin.log_path != a.log_path and twin.log_path.name == "a-2.log"
    with pytest.raises(PhoneTimeout) as err:
        a.wait_event("incoming_call", timeout=0.2)
    text = str(err.value)
    assert "no event incoming_call within 0.2 s" in text
    assert '"event": "ready"' in text
    assert f"tail of {a.log_path}" in text
    with pytest.raises(PhoneError, match="unknown command 'frobnicate'"):
        a.call_command("frobnicate")
    with pytest.raises(PhoneError, match="no active call"):
        a.dtmf("1")


# ---- sipp <-> sipp, pjsua2 <-> sipp ---------------------------------------------------------

@pytest.mark.parametrize("uac, uas, kw, expect_ok", [
    ("uac_call.xml", "uas_answer.xml", {"service": "300", "duration_ms": 100}, True),
    ("uac_cancel.xml", "uas_ring_cancel.xml", {"service": "300", "duration_ms": 100}, True),
    ("register_auth.xml", "registrar_uas.xml",
     {"service": "201", "auth_user": "201", "auth_password": "s3cret"}, True),
    ("register_auth.xml", "registrar_uas.xml",
     {"service": "201", "auth_user": "201", "auth_password": "wrong"}, False),
    ("register_wrong_password.xml", "registrar_uas.xml",
     {"service": "201", "auth_user": "201", "auth_password": "wrong"}, True),
    ("register_wrong_password.xml", "registrar_uas.xml",
     {"service": "201", "auth_user": "201", "auth_password": "s3cret"}, False),
    ("uac_auth_call.xml", "uas_auth_answer.xml",
     {"service": "300", "auth_user": "201", "auth_password": "s3cret", "duration_ms": 100}, True),
    ("uac_auth_call.xml", "uas_auth_answer.xml",
     {"service": "300", "auth_user": "201", "auth_password": "wrong", "duration_ms": 100}, False),
], ids=["call", "cancel", "register", "register-bad-pw", "wrong-pw-rejected",
        "wrong-pw-scenario-vs-right-pw", "auth-call", "auth-call-bad-pw"])
def test_sipp_scenarios_against_each_other(require_sipp: None, interop_logs: Path, uac: str,
                                           uas: str, kw: dict, expect_ok: bool) -> None:
    keys = {"user": "201", "password": "s3cret"}
    with Sipp(uas, calls=1, keys=keys, log_dir=interop_logs, timeout_s=8) as server:
        r = run_sipp(uac, f"127.0.0.1:{server.port}", log_dir=interop_logs, timeout_s=8, **kw)
        if expect_ok:
            s = server.wait()
    if expect_ok:
        assert r.ok and r.successful == 1 and r.failed == 0, r.describe()
        assert s.ok and s.successful == 1, s.describe()
        sent = [m for m in r.message_counts if m["dir"] == "out"]
        assert sent and all(m["messages"] == 1 and m["retrans"] == 0 for m in sent), r.describe()
    else:
        assert r.returncode == 1 and r.failed == 1, r.describe()


def test_pjsua2_phone_calls_sipp_uas(phones: Callable[..., PjPhone], require_sipp: None,
                                     interop_logs: Path) -> None:
    a = phones("a")
    with Sipp("uas_answer.xml", calls=1, log_dir=interop_logs, timeout_s=8) as server:
        ca = a.call(f"sip:300@127.0.0.1:{server.port}")
        a.wait_call_state("CONFIRMED", call=ca)
        a.wait_media("active", call=ca)
        a.hangup(call=ca)
        a.wait_call_state("DISCONNECTED", call=ca)
        s = server.wait()
    assert s.ok and s.successful == 1, s.describe()


def test_sipp_uac_calls_pjsua2_phone(phones: Callable[..., PjPhone], require_sipp: None,
                                     interop_logs: Path) -> None:
    b = phones("b")
    caller = Sipp("uac_call.xml", f"127.0.0.1:{b.port}", service="b", duration_ms=200,
                  log_dir=interop_logs, timeout_s=8).start()
    inc = b.wait_event("incoming_call")
    b.answer(inc["call"])
    b.wait_call_state("CONFIRMED", call=inc["call"])
    assert b.wait_call_state("DISCONNECTED", call=inc["call"])["code"] == 200   # sipp's BYE
    r = caller.wait()
    assert r.ok and r.successful == 1, r.describe()


def test_sipp_streams_audio_both_ways_with_phones(phones: Callable[..., PjPhone],
                                                  require_sipp: None, interop_logs: Path) -> None:
    # sipp UAC -> phone: the phone hears the A-law file sipp streams
    b = phones("b", auto_answer=200)
    src = audio.tone_wav(interop_logs / "src1000_alaw.wav", 1000, 1.0, law="alaw")
    caller = Sipp("uac_call_rtp.xml", f"127.0.0.1:{b.port}", service="b", duration_ms=900,
                  audio=src, log_dir=interop_logs, timeout_s=8).start()
    cb = b.wait_media("active")["call"]
    heard = interop_logs / "b_hears_sipp.wav"
    b.record(heard, call=cb)
    time.sleep(TONE_S)
    b.stop_record(call=cb)
    assert caller.wait().ok, caller.result.describe()
    assert audio.has_tone(heard, 1000, min_ms=400)
    # phone -> sipp UAS: the caller hears what the UAS streams
    a = phones("a")
    src2 = audio.tone_wav(interop_logs / "src600_alaw.wav", 600, 1.0, law="alaw")
    with Sipp("uas_answer_rtp.xml", calls=1, audio=src2, log_dir=interop_logs / "uas",
              timeout_s=8) as server:
        ca = a.call(f"sip:300@127.0.0.1:{server.port}")
        a.wait_media("active", call=ca)
        heard_a = interop_logs / "a_hears_sipp.wav"
        a.record(heard_a, call=ca)
        time.sleep(TONE_S)
        a.stop_record(call=ca)
        a.hangup(call=ca)
        s = server.wait()
    assert s.ok, s.describe()
    assert audio.has_tone(heard_a, 600, min_ms=400)


def test_pjsua2_phone_registers_with_digest(phones: Callable[..., PjPhone], require_sipp: None,
                                            interop_logs: Path) -> None:
    a = phones("a")
    keys = {"user": "201", "password": "s3cret"}
    with Sipp("registrar_uas.xml", calls=1, keys=keys, log_dir=interop_logs, timeout_s=8) as reg:
        ev = a.register(f"127.0.0.1:{reg.port}", "201", "s3cret", expires=300)
        assert ev["code"] == 200 and ev["expires"] > 0
        assert reg.wait().ok
    b = phones("b")
    with Sipp("registrar_uas.xml", calls=1, keys=keys, log_dir=interop_logs, timeout_s=8) as reg:
        ev = b.register(f"127.0.0.1:{reg.port}", "201", "nope", expires=300)
        assert ev["code"] == 403
        reg.stop()


def test_baresip_and_pjsua2_talk_both_ways(phones: Callable[..., PjPhone], require_baresip: None,
                                           interop_logs: Path) -> None:
    b = phones("b")
    src = audio.tone_wav(interop_logs / "bs_source_1000.wav", 1000, 3.0)
    with BaresipPhone("bs", interop_logs, source_wav=src) as s:
        s.dial(b.uri)
        inc = b.wait_event("incoming_call")
        assert "sip:bs@127.0.0.1" in inc["from"]
        b.answer(inc["call"])
        b.wait_media("active", call=inc["call"])
        s.wait_event("CALL_ESTABLISHED")
        heard_by_b = interop_logs / "b_hears_baresip.wav"
        b.record(heard_by_b, call=inc["call"])
        b.play_tone(440, call=inc["call"])
        time.sleep(TONE_S)
        s.send_dtmf("7#", gap_s=0.2)
        assert [b.wait_event("dtmf", timeout=3)["digit"] for _ in range(2)] == ["7", "#"]
        b.stop_record(call=inc["call"])
        s.hangup()
        b.wait_call_state("DISCONNECTED", call=inc["call"])
        s.wait_event("CALL_CLOSED")
        assert audio.has_tone(heard_by_b, 1000, min_ms=300)
        assert audio.has_tone(s.heard_wav(), 440, min_ms=300)
        # and the other way round: the pjsua2 phone calls baresip, baresip hangs up on BYE
        cb = b.call(s.uri)
        assert "sip:b@127.0.0.1" in s.wait_event("CALL_INCOMING")["peeruri"]
        s.answer()
        b.wait_call_state("CONFIRMED", call=cb)
        b.hangup(call=cb)
        s.wait_event("CALL_CLOSED")


def test_tcp_registration_and_sipp_calls_over_tcp(phones: Callable[..., PjPhone],
                                                  require_sipp: None, interop_logs: Path) -> None:
    a = phones("a", tcp=True)
    keys = {"user": "201", "password": "s3cret"}
    with Sipp("registrar_uas.xml", calls=1, transport="t1", keys=keys, log_dir=interop_logs,
              timeout_s=8) as reg:
        assert a.register(f"127.0.0.1:{reg.port}", "201", "s3cret", transport="tcp")["code"] == 200
        assert reg.wait().ok
        assert "REGISTER" in reg.result.messages and "TCP message received" in reg.result.messages
    with Sipp("uas_answer.xml", calls=1, transport="t1", log_dir=interop_logs, timeout_s=8) as uas:
        r = run_sipp("uac_call.xml", f"127.0.0.1:{uas.port}", transport="t1", service="300",
                     log_dir=interop_logs, timeout_s=8)
        u = uas.stop()
    assert r.ok and r.successful == 1, r.describe()
    # the UAS answered the BYE (its call is counted failed only because the UAC closed
    # the TCP connection during the UAS's timewait)
    bye_ok = [m for m in u.message_counts if m["dir"] == "out"][-1]
    assert bye_ok["message"] == "200" and bye_ok["messages"] == 1, u.describe()


def test_unsolicited_mwi_notify_reaches_the_phone(phones: Callable[..., PjPhone],
                                                  require_sipp: None, interop_logs: Path) -> None:
    a = phones("a")
    r = run_sipp("uac_notify_mwi.xml", f"127.0.0.1:{a.port}", service="a",
                 log_dir=interop_logs, timeout_s=5)
    assert r.ok, r.describe()
    ev = a.wait_event("mwi", timeout=3)
    assert ev["waiting"] is True and ev["voice"].startswith("2/1")


# ---- the helpers themselves -------------------------------------------------------------

def test_audio_helpers_read_what_they_write(tmp_path: Path) -> None:
    for law in (None, "alaw", "ulaw"):
        p = audio.tone_wav(tmp_path / f"t-{law}.wav", 1300, 0.5, law=law, level_dbm0=-16)
        assert abs(audio.dominant_frequency(p) - 1300) < 1
        assert audio.has_tone(p, 1300, min_ms=400)
        assert not audio.has_tone(p, 1000, min_ms=40)
        assert abs(audio.level_dbm0(p) + 16) < 0.5
    digits = DtmfGenerator(level_dbm0=-12).generate("*0123456789#")
    quiet = np.zeros(800, np.int16)
    p = audio.write_wav(tmp_path / "d.wav", np.concatenate([quiet, digits, quiet]), law="ulaw")
    assert audio.dtmf_digits(p) == "*0123456789#"
    # a 16 kHz stereo recording: decimated to 8 kHz, first channel
    import wave
    tone = audio.read_wav(audio.tone_wav(tmp_path / "x.wav", 600, 0.5))
    up = np.repeat(tone, 2)                           # 600 Hz at 16 kHz
    with wave.open(str(tmp_path / "s16.wav"), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.stack([up, np.zeros_like(up)], axis=1).astype("<i2").tobytes())
    assert abs(audio.dominant_frequency(tmp_path / "s16.wav") - 600) < 2
    assert audio.tone_onset(tmp_path / "s16.wav", 600) == 0.0
    with pytest.raises(ValueError, match="not a WAV file"):
        (tmp_path / "junk.wav").write_bytes(b"hello")
        audio.read_wav(tmp_path / "junk.wav")


def test_sipp_output_parsers_and_free_port() -> None:
    stats = parse_stats("StartTime;SuccessfulCall(C);FailedCall(C);\n"
                        "x;0;0;\nx;3;1;\n")
    assert stats["SuccessfulCall(C)"] == 3 and stats["FailedCall(C)"] == 1
    rows = parse_screen_messages(
        "Scenario Screen\n      INVITE ---------->         1         2         0\n"
        "         200 <----------  E-RTD1 1         0         0         0\n"
        "       Pause [    100ms]         1                             0\n")
    assert rows == [
        {"message": "INVITE", "dir": "out", "messages": 1, "retrans": 2, "timeout": 0, "unexpected": 0},
        {"message": "200", "dir": "in", "messages": 1, "retrans": 0, "timeout": 0, "unexpected": 0}]
    uas = parse_screen_messages(
        "Scenario Screen\n  ----------> INVITE             1         0         0         0\n"
        "  <---------- 180                 1         0         0\n")
    assert [(r["message"], r["dir"], r["messages"]) for r in uas] == [("INVITE", "in", 1),
                                                                    ("180", "out", 1)]
    p = free_port("both")
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, \
            socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
        u.bind(("127.0.0.1", p))
        t.bind(("127.0.0.1", p))
