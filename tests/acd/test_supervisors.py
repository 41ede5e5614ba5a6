"""Supervisor role and PIN (config table ``supervisors``): only supervisors may use
*66..*69 and supervise.start once any is configured — by number + PIN, or from their
trusted desk phone; a supervisor limited to queues supervises only those agents; refusals
are logged; three wrong PINs lock the number."""
from __future__ import annotations

import pytest

from firmware.config.errors import ConfigError
from tests.acd.conftest import caller, fast_login, setup_queue
from tests.acd.test_supervision import AGENT, CALLER, SUP, heard


@pytest.fixture
def queue_call(hx):
    """Agent 1001 (queue 700) at 802 talks to an outside caller; supervisors 90 (PIN 4321,
    desk 803, queue 700), 91 (trusted desk phone 804) and 92 (queue 701 only)."""
    setup_queue(hx, members=("1001",))
    store = hx.box.store
    store.add_queue(number="701", name="Sales", members=[{"agent": "1002"}])
    store.add_supervisor(number="90", name="Team lead", pin="4321", extension="803", queues=["700"])
    store.add_supervisor(number="91", name="Floor manager", extension="804", trust_extension=True)
    store.add_supervisor(number="92", name="Sales lead", pin="5555", queues="701")
    hx.box.reload()
    fast_login(hx, "1001", "802")
    remote = caller(hx)
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 15000)
    hx.phone("fxs2").off_hook()
    assert hx.until(lambda: remote.state.value == "talking", 3000)
    hx.run(1000)
    return remote


def dial_code(hx, port: str, digits: str) -> str:
    p = hx.phone(port)
    p.off_hook()
    assert hx.until(lambda: hx.state(port) == "dialtone", 2000)
    hx.run(300)
    p.dial(digits)
    hx.run(200 * len(digits) + 1000)
    return hx.state(port)


def hang_up(hx, port: str) -> None:
    hx.phone(port).on_hook()
    hx.run(1500)


def test_supervisor_rows_are_validated_and_pins_hashed(hx):
    store = hx.box.store
    store.add_supervisor(number="90", pin="4321", extension="803")
    row = store.supervisor("90")
    assert row["pin"].startswith("pbkdf2$") and "4321" not in row["pin"] and row["queues"] == []
    for fields, field in [({"number": "93"}, "supervisors.pin"),                           # no PIN, not trusted
                          ({"number": "93", "pin": "12ab"}, "supervisors.pin"),
                          ({"number": "93", "trust_extension": True}, "supervisors.trust_extension"),
                          ({"number": "93", "pin": "1", "extension": "899"}, "supervisors.extension"),
                          ({"number": "93", "pin": "1", "queues": ["799"]}, "supervisors.queues")]:
        with pytest.raises(ConfigError) as e:
            store.add_supervisor(**fields)
        assert e.value.field == field and "12ab" not in str(e.value)
    with pytest.raises(ConfigError, match="supervisor 90"):
        store.delete_extension("803")                 # the desk phone of supervisor 90


def test_only_supervisors_may_supervise_by_feature_code(hx, queue_call):
    remote = queue_call
    sup_log = hx.box.supervision_log
    # 803 is supervisor 90's desk, but not trusted: a code without number + PIN is refused
    assert dial_code(hx, "fxs3", "*661001#") == "feature"
    hang_up(hx, "fxs3")
    assert dial_code(hx, "fxs3", "*661001*90*1111#") == "feature"      # wrong PIN
    hang_up(hx, "fxs3")
    assert hx.ctl.supervision.status() == []
    reasons = [r["reason"] for r in reversed(sup_log.refusals())]
    assert "not a trusted supervisor phone" in reasons[0] and reasons[1] == "wrong PIN for supervisor 90"
    assert all("1111" not in r for r in reasons)
    # the right PIN: supervisor 90 listens to agent 1001
    assert dial_code(hx, "fxs3", "*661001*90*4321#") == "talking"
    (s,) = hx.ctl.supervision.status()
    assert (s["supervisor_number"], s["agent"], s["state"]) == ("90", "1001", "monitoring")
    sup = hx.phone("fxs3")
    assert heard(hx, sup, remote, CALLER) > 0.5 and heard(hx, sup, hx.phone("fxs2"), AGENT) > 0.5
    hang_up(hx, "fxs3")
    assert sup_log.rows()[0]["supervisor"] == "90"
    # supervisor 91's trusted desk phone needs neither number nor PIN
    assert dial_code(hx, "fxs4", "*671001#") == "talking"
    (s,) = hx.ctl.supervision.status()
    assert (s["supervisor_number"], s["mode"]) == ("91", "whisper")
    assert heard(hx, hx.phone("fxs2"), hx.phone("fxs4"), SUP) > 0.5
    hang_up(hx, "fxs4")
    # supervisor 92 looks after queue 701 only
    assert dial_code(hx, "fxs3", "*661001*92*5555#") == "feature"
    hang_up(hx, "fxs3")
    assert "queue(s) 701 only; agent 1001 is in 700" in sup_log.refusals()[0]["reason"]
    assert hx.ctl.supervision.status() == []


def test_three_wrong_pins_lock_the_supervisor_number(hx, queue_call):
    for pin in ("1", "2", "3", "4321"):
        assert dial_code(hx, "fxs3", f"*661001*90*{pin}#") == "feature"
        hang_up(hx, "fxs3")
    reasons = [r["reason"] for r in hx.box.supervision_log.refusals()]
    assert "locked" in reasons[0] and "locked for 5 minutes" in reasons[1]
    hx.run(301_000)
    assert dial_code(hx, "fxs3", "*661001*90*4321#") == "talking"       # unlocked after 5 minutes


def test_supervise_start_checks_the_supervisor_the_same_way(hx, queue_call):
    d = hx.box.dispatcher
    with pytest.raises(Exception, match="wrong PIN for supervisor 90"):
        d.run("supervise.start", {"supervisor": "90", "pin": "0000", "target": "1001"})
    with pytest.raises(Exception, match="not a trusted supervisor phone"):
        d.run("supervise.start", {"supervisor": "803", "target": "1001"})
    assert d.run("supervise.refusals", {})[0]["via"] == "api"
    st = d.run("supervise.start", {"supervisor": "90", "pin": "4321", "target": "1001", "mode": "barge"})
    assert (st["supervisor"], st["supervisor_number"]) == ("803", "90")   # rings the desk phone
    assert hx.until(lambda: hx.state("fxs3") == "ringing", 3000)
    hx.phone("fxs3").off_hook()
    hx.run(800)
    assert heard(hx, queue_call, hx.phone("fxs3"), SUP) > 0.5
    st = d.run("supervise.start", {"supervisor": "804", "target": "1001"})   # 91's trusted phone
    assert st["supervisor_number"] == "91"
