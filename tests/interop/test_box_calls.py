"""Real SIP handsets (pjsua2) and sipp against a running box: registration, calls between
SIP and analog phones with audio checked at the far end, DTMF, hold, transfers, CANCEL,
busy, CDRs. The box runs in real time (the phones do); each wait has a timeout.
"""
from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from dsp.dtmf import DtmfGenerator
from firmware.config.store import ConfigStore
from firmware.paths import DataDir
from tests.interop.audio import has_tone, level_dbm0, write_wav
from tests.interop.boxd import BoxDaemon
from tests.interop.phones import PjPhone
from tests.interop.sipp import run_sipp


PW = {n: f"Pw-{n}-interop" for n in ("901", "902", "903", "904", "905", "906", "907", "908",
                                     "909", "910", "911", "912", "913", "914", "915")}


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("box")
    # every phone here is 127.0.0.1: the wrong-password tests must not lock the others out
    with BoxDaemon(tmp, settings={"sip_lockout_failures": 50}) as b:
        for n, pw in PW.items():
            b.ctl("extension.add", number=n, sip=True, password=pw)
        yield b


@pytest.fixture
def logs(tmp_path):
    return tmp_path


@contextlib.contextmanager
def phone(name: str, box: BoxDaemon, logs: Path, *, register: bool = True) -> Iterator[PjPhone]:
    """A pjsua2 phone registered as extension ``name``."""
    with PjPhone(name, log_dir=logs) as p:
        if register:
            ev = p.register(box.sip, name, PW[name])
            assert ev["code"] == 200, ev
        yield p


def last_cdr(box: BoxDaemon, src: str, dst: str) -> dict:
    return box.wait(lambda: next((r for r in box.cdr(10) if r["src"] == src and r["dst"] == dst), None),
                    5, f"CDR {src}->{dst}")


def dtmf_wav(path: Path, digits: str) -> Path:
    """A WAV with ``digits`` as DTMF tones (100 ms on, 100 ms off) at -10 dBm0 per tone."""
    tones = DtmfGenerator(-10.0, 0.0, 100, 100).generate(digits)
    return write_wav(path, np.concatenate([np.zeros(4000, np.int16), tones, np.zeros(8000, np.int16)]))


# ---------------------------------------------------------------------- registration
def test_register_with_digest_and_wrong_password_is_refused(box, logs):
    with PjPhone("901", log_dir=logs) as good, PjPhone("901", log_dir=logs) as bad:
        assert good.register(box.sip, "901", PW["901"])["code"] == 200
        ev = bad.register(box.sip, "901", "not-the-password")
        assert ev["code"] in (401, 403), ev
        regs = box.ctl("sip.registrations")
        mine = [r for r in regs if r.get("user") == "901"]
        assert len(mine) == 1, regs                               # only the good phone is bound
        assert mine[0]["source"].endswith(f":{good.port}"), mine


def test_sipp_registers_with_auth_and_wrong_password_fails(box, logs):
    ok = run_sipp("register_auth.xml", box.sip, service="902", auth_user="902",
                  auth_password=PW["902"], log_dir=logs, timeout_s=10)
    assert ok.ok, ok.describe()
    bad = run_sipp("register_wrong_password.xml", box.sip, service="903", auth_user="903",
                   auth_password="wrong-password", log_dir=logs, timeout_s=10)
    assert bad.ok, bad.describe()          # the scenario expects the refusal


# ---------------------------------------------------------------------- calls with audio
def test_sip_to_sip_call_carries_audio_both_ways(box, logs):
    with phone("904", box, logs) as a, phone("905", box, logs) as b:
        a.call(f"sip:905@{box.sip}")
        inc = b.wait_event("incoming_call", timeout=5)
        assert "904" in inc["from"]
        b.answer()
        a.wait_media("active", timeout=5)
        b.wait_media("active", timeout=5)
        b.record(logs / "b.wav")
        a.record(logs / "a.wav")
        a.play_tone(1000, 2500)
        b.play_tone(600, 2500)
        time.sleep(2.0)
        a.stop_record()
        b.stop_record()
        assert has_tone(logs / "b.wav", 1000, min_ms=500)
        assert has_tone(logs / "a.wav", 600, min_ms=500)
        assert not has_tone(logs / "b.wav", 600, min_ms=500)     # no echo of B's own tone
        b.hangup()
        a.wait_call_state("DISCONNECTED", timeout=5)
    cdr = last_cdr(box, "904", "905")
    assert cdr["disposition"] == "ANSWERED" and cdr["hangup_side"] == "callee"
    assert cdr["channel"].startswith("SIP/904") and cdr["dstchannel"].startswith("SIP/905")


def test_sip_calls_analog_phone_tones_both_ways(box, logs):
    with phone("906", box, logs) as a:
        a.call(f"sip:801@{box.sip}")
        box.wait(lambda: box.ctl("sim.phone.status", port="fxs1")["ringing"], 5, "fxs1 ringing")
        a.wait_call_state("EARLY", timeout=5)                     # 180 Ringing reached the phone
        box.ctl("sim.phone.offhook", port="fxs1")
        a.wait_media("active", timeout=5)
        a.record(logs / "a.wav")
        a.play(dtmf_wav(logs / "digits.wav", "2580"), loop=False)   # in-band tones into the call
        box.ctl("sim.phone.play", port="fxs1", tone="1000/3000")
        box.wait(lambda: "2580" in box.ctl("sim.phone.status", port="fxs1")["digits_heard"], 6,
                 "the analog phone to hear the SIP phone's tones")
        time.sleep(1.0)
        a.stop_record()
        assert has_tone(logs / "a.wav", 1000, min_ms=500)
        box.ctl("sim.phone.onhook", port="fxs1")
        a.wait_call_state("DISCONNECTED", timeout=5)
    cdr = last_cdr(box, "906", "801")
    assert cdr["disposition"] == "ANSWERED" and cdr["dstchannel"] == "FXS/fxs1"


def test_analog_phone_calls_sip_phone(box, logs):
    with phone("907", box, logs) as b:
        box.ctl("sim.phone.offhook", port="fxs2")
        box.ctl("sim.phone.dial", port="fxs2", digits="907")
        inc = b.wait_event("incoming_call", timeout=8)
        assert "802" in inc["from"]                               # caller ID of the analog extension
        box.wait(lambda: box.ctl("sim.phone.status", port="fxs2")["hears"] == "ringback", 5,
                 "ringback on the analog phone")
        b.answer()
        b.wait_media("active", timeout=5)
        b.record(logs / "b.wav")
        box.ctl("sim.phone.play", port="fxs2", tone="1000/2500")
        b.play(dtmf_wav(logs / "digits.wav", "147"), loop=False)
        box.wait(lambda: "147" in box.ctl("sim.phone.status", port="fxs2")["digits_heard"], 6,
                 "the analog phone to hear the SIP phone's tones")
        b.stop_record()
        assert has_tone(logs / "b.wav", 1000, min_ms=500)
        b.hangup()
        box.wait(lambda: box.ctl("sim.phone.status", port="fxs2")["hears"] == "busy", 5,
                 "busy tone after the SIP phone hung up")
        box.ctl("sim.phone.onhook", port="fxs2")
    cdr = last_cdr(box, "802", "907")
    assert cdr["disposition"] == "ANSWERED" and cdr["hangup_side"] == "callee"


# ---------------------------------------------------------------------- DTMF into a feature
def test_rfc4733_digits_open_a_pin_conference_room(box, logs):
    store = ConfigStore(DataDir.at(str(box.data)).config_db)
    try:
        store.add_conference_room(number="7001", name="interop", pin="2468")
    finally:
        store.close()
    box.ctl("reload")
    with phone("908", box, logs) as a:
        a.call(f"sip:7001@{box.sip}")
        a.wait_media("active", timeout=5)
        time.sleep(0.5)
        a.dtmf("2468#", method="rfc2833")
        box.wait(lambda: any(r.get("number") == "7001" and r.get("parties")
                             for r in box.ctl("conferences")), 6, "the caller in room 7001")
        a.hangup()


# ---------------------------------------------------------------------- busy, cancel
def test_busy_phone_gives_486_and_busy_cdr(box, logs):
    with phone("909", box, logs) as a, phone("910", box, logs) as b:
        a.call(f"sip:910@{box.sip}")
        b.wait_event("incoming_call", timeout=5)
        b.reject(code=486)
        ev = a.wait_call_state("DISCONNECTED", timeout=5)
        assert ev["code"] == 486, ev
    assert last_cdr(box, "909", "910")["disposition"] == "BUSY"


def test_cancel_before_answer(box, logs):
    with phone("911", box, logs) as a, phone("912", box, logs) as b:
        a.call(f"sip:912@{box.sip}")
        b.wait_event("incoming_call", timeout=5)
        a.wait_call_state("EARLY", timeout=5)
        a.hangup()                                       # CANCEL while it rings
        ev = b.wait_call_state("DISCONNECTED", timeout=5)
        assert ev["code"] == 487, ev                     # the box cancelled the phone's INVITE
    cdr = last_cdr(box, "911", "912")
    assert cdr["disposition"] == "NO ANSWER" and cdr["hangup_side"] == "caller"


def test_sipp_cancel_before_answer(box, logs):
    r = run_sipp("box_cancel_auth.xml", box.sip, service="801", auth_user="913",
                 auth_password=PW["913"], log_dir=logs, timeout_s=15,
                 keys={"caller": "913"}, extra=("-auth_uri", f"801@{box.sip}"))
    assert r.ok, r.describe()
    box.wait(lambda: not box.ctl("sim.phone.status", port="fxs1")["ringing"], 5, "fxs1 to stop ringing")


# ---------------------------------------------------------------------- hold, transfers
def test_hold_plays_music_and_resume_restores_the_talk_path(box, logs):
    with phone("913", box, logs) as a, phone("914", box, logs) as b:
        a.call(f"sip:914@{box.sip}")
        b.wait_event("incoming_call", timeout=5)
        b.answer()
        a.wait_media("active", timeout=5)
        b.hold()
        a.record(logs / "held.wav")
        time.sleep(1.5)
        a.stop_record()
        assert level_dbm0(logs / "held.wav", 0.5) > -45       # music, not silence
        b.unhold()
        time.sleep(0.3)
        a.record(logs / "resumed.wav")
        b.play_tone(700, 2000)
        time.sleep(1.5)
        a.stop_record()
        assert has_tone(logs / "resumed.wav", 700, min_ms=500)
        a.hangup()
        b.wait_call_state("DISCONNECTED", timeout=5)


def test_blind_transfer_by_refer(box, logs):
    with phone("901", box, logs) as a, phone("902", box, logs) as b, phone("903", box, logs) as c:
        a.call(f"sip:902@{box.sip}")
        b.wait_event("incoming_call", timeout=5)
        b.answer()
        a.wait_media("active", timeout=5)
        b.xfer(f"sip:903@{box.sip}")
        c.wait_event("incoming_call", timeout=6)
        b.wait_call_state("DISCONNECTED", timeout=6)           # the transferor is done
        c.answer()
        c.wait_media("active", timeout=5)
        c.record(logs / "c.wav")
        a.play_tone(900, 2000)
        time.sleep(1.5)
        c.stop_record()
        assert has_tone(logs / "c.wav", 900, min_ms=500)
        a.hangup()
        c.wait_call_state("DISCONNECTED", timeout=5)
    notes = " ".join(r["userfield"] for r in box.cdr(6))
    assert "blind transfer by 902" in notes


def test_attended_transfer_with_replaces(box, logs):
    with phone("904", box, logs) as a, phone("905", box, logs) as b, phone("906", box, logs) as c:
        call1 = a.call(f"sip:905@{box.sip}")
        b.wait_event("incoming_call", timeout=5)
        b.answer()
        a.wait_media("active", timeout=5)
        held = b.state()["calls"][0]["call"]
        b.hold(call=held)
        consult = b.call(f"sip:906@{box.sip}")
        c.wait_event("incoming_call", timeout=5)
        c.answer()
        b.wait_media("active", call=consult, timeout=5)
        b.xfer_replaces(call=held, other=consult)
        c.wait_media("active", timeout=5)
        time.sleep(0.5)
        c.record(logs / "c.wav")
        a.play_tone(800, 2000)
        time.sleep(1.5)
        c.stop_record()
        assert has_tone(logs / "c.wav", 800, min_ms=500)        # A now talks to C
        a.hangup()
        c.wait_call_state("DISCONNECTED", timeout=5)
        assert call1 is not None
    notes = " ".join(r["userfield"] for r in box.cdr(8))
    assert "attended transfer by 905" in notes


def test_unknown_number_gives_404(box, logs):
    with phone("915", box, logs) as a:
        a.call(f"sip:6666@{box.sip}")
        ev = a.wait_call_state("DISCONNECTED", timeout=5)
        assert ev["code"] == 404, ev


# ---------------------------------------------------------------------- message lamp
def test_sipp_subscribes_to_message_summary(box, logs):
    r = run_sipp("box_subscribe_mwi.xml", box.sip, service="914", auth_user="914",
                 auth_password=PW["914"], log_dir=logs, timeout_s=10, keys={"caller": "914"},
                 extra=("-auth_uri", f"914@{box.sip}"))
    assert r.ok, r.describe()
