"""The shared base of the application legs (firmware/channels/app.py): a call is answered
at the next tick, the channel's events become hooks, a prompt reports its end once (and not
when it was replaced or stopped), one timer."""
from __future__ import annotations

from types import SimpleNamespace

from firmware.channels.app import AppLeg
from firmware.engine.media import TonePlayer


class Probe(AppLeg):
    tech = "Probe"

    def __init__(self, ctl):
        super().__init__(ctl, "123", "probe123")
        self.seen: list[tuple] = []

    def on_answered(self):
        self.seen.append(("answered",))

    def on_hangup(self):
        self.seen.append(("hangup",))

    def on_digit(self, d):
        self.seen.append(("digit", d))

    def on_played(self):
        self.seen.append(("played",))

    def on_timeout(self, what):
        self.seen.append(("timeout", what))


def _leg(hx):
    leg = Probe(hx.box.ctl)
    answered = []
    call = SimpleNamespace(a=SimpleNamespace(row=hx.box.board.port("fxs1").row),
                           answered_by=lambda who: answered.append(who))
    assert leg.offer(call) and answered == []
    hx.run(20)
    assert answered == [leg]                                 # answered at the next tick, not inside offer
    return leg, call


def test_identity_and_events_become_hooks(hx):
    leg, call = _leg(hx)
    assert leg.channel_id == "Probe/123" and leg.caller_identity() == ("123", "123")
    assert leg.row is None and leg.row_a == call.a.row
    leg.connected(call); leg.party_digit(call, None, "5"); leg.progress(call, "ringing")
    leg.progress(call, "ended"); leg.far_hangup(call); leg.cancel(call)
    assert leg.seen == [("answered",), ("digit", "5"), ("hangup",), ("hangup",), ("hangup",)]


def test_a_prompt_reports_its_end_once_unless_replaced_or_stopped(hx):
    leg, _call = _leg(hx)
    leg.play(TonePlayer("!1000/100", hx.box.ctl.profile))
    hx.run(100)
    leg.play(TonePlayer("!1000/200", hx.box.ctl.profile))    # replaces the first before it ends
    hx.run(1000)
    assert leg.seen == [("played",)]                         # only the second one's end
    leg.play(TonePlayer("!1000/200", hx.box.ctl.profile))
    hx.run(60)
    leg.quiet()
    hx.run(1000)
    assert leg.seen == [("played",)]                         # stopped: no end reported
    leg.nothing_to_play()
    hx.run(20)
    assert leg.seen == [("played",), ("played",)]


def test_one_timer(hx):
    leg, _call = _leg(hx)
    leg.arm(500, "first")
    hx.run(300)
    leg.arm(500, "second")                                   # re-arming replaces the first
    hx.run(1000)
    assert leg.seen == [("timeout", "second")]
    leg.arm(200, "third"); leg.disarm()
    hx.run(1000)
    assert leg.seen == [("timeout", "second")]
