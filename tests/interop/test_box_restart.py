"""A killed box comes back knowing where its SIP phones are: a real pjsua2 phone registers,
the daemon is killed (SIGKILL) and started again on the same address, and a call to the
phone's extension rings it — without the phone registering again."""
from __future__ import annotations

from tests.interop.boxd import BoxDaemon
from tests.interop.phones import PjPhone

PW = "Pw-931-restart"


def test_registration_survives_a_killed_daemon(tmp_path):
    with BoxDaemon(tmp_path) as box:
        box.ctl("extension.add", number="931", sip=True, password=PW)
        with PjPhone("931", log_dir=tmp_path) as phone:
            assert phone.register(box.sip, "931", PW, expires=600)["code"] == 200
            before = [r for r in box.ctl("sip.registrations") if r["user"] == "931"]
            assert len(before) == 1
            assert box.proc is not None
            box.proc.kill()
            box.proc.wait()
            box.spawn(["--web", "off", "--sip", box.sip, "--log-level", box.log_level])
            after = [r for r in box.ctl("sip.registrations") if r["user"] == "931"]
            assert [(r["contact"], r["source"]) for r in after] == [(before[0]["contact"], before[0]["source"])]
            assert 0 < after[0]["expires_s"] <= before[0]["expires_s"]
            box.ctl("originate", **{"from": "801", "to": "931"})            # 801 rings, then calls 931
            box.wait(lambda: box.ctl("sim.phone.status", port="fxs1")["ringing"], 5, "fxs1 ringing")
            box.ctl("sim.phone.offhook", port="fxs1")
            inc = phone.wait_event("incoming_call", timeout=5)
            assert inc, "the restarted box reached the phone at its kept contact"
            phone.answer(code=486)
