"""Call.redirect: an application B leg (IVR, queue, voicemail) hands the caller on."""
from __future__ import annotations

from typing import Any

from firmware.calls.plan import Branch, Stage
from tests.firmware.features import dial, hears_tone, hang_up


class HandOnLeg:
    """A minimal application leg: answers at once; key 2 hands the caller to 802,
    key 9 to a number that does not exist."""
    tech = "App"
    row = None
    name = "app555"
    number = "555"
    channel_id = "App/555"

    def __init__(self, ctl: Any) -> None:
        self.ctl = ctl
        self.call = None
        self.results: list[bool] = []
        self.gone = False

    def caller_identity(self):
        return "555", "App"

    def offer(self, call) -> bool:
        self.call = call
        self.ctl.clock.call_later(0, lambda: call.answered_by(self))
        return True

    def cancel(self, call) -> None:
        self.gone = True

    def far_hangup(self, call) -> None:
        self.gone = True

    def progress(self, call, kind: str) -> None:
        pass

    def answer_inbound(self, call) -> None:
        pass

    def connected(self, call) -> None:
        pass

    def player_done(self, player) -> None:
        pass

    def party_digit(self, call, chan, d: str) -> None:
        target = {"2": "802", "9": "999999"}.get(d)
        if target:
            self.results.append(call.redirect(self, target, note=f"app>{target}"))


def _route_555_to(hx, leg, number: str = "555") -> None:
    real = hx.ctl.resolver.internal

    def internal(n, visited=frozenset()):
        if n == number:
            return Stage([Branch([leg], "app 555")])
        return real(n, visited)
    hx.ctl.resolver.internal = internal
    hx.ctl.dialplan._exact["555"] = hx.ctl.dialplan._exact["801"].__class__(
        hx.ctl.dialplan._exact["801"].kind, "555", "555")


def test_application_hands_the_caller_to_an_extension(hx):
    leg = HandOnLeg(hx.ctl)
    _route_555_to(hx, leg)
    dial(hx, "fxs1", "555", settle_ms=500)
    call = hx.phone("fxs1") and hx.ctl.channel("fxs1").call
    assert call is not None and call.b is leg and call.state.value == "answered"
    hx.phone("fxs1").dial("9"); hx.run(800)
    assert leg.results == [False] and call.b is leg          # no such number: nothing changes
    hx.phone("fxs1").dial("2"); hx.run(800)
    assert leg.results == [False, True]
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 4000)
    assert call.b is None and call.state.value == "alerting"
    hx.phone("fxs2").off_hook()
    assert hx.until(lambda: call.b is hx.ctl.channel("fxs2"), 2000)
    assert hears_tone(hx, hx.phone("fxs2"), hx.phone("fxs1"), 1000)
    assert hears_tone(hx, hx.phone("fxs1"), hx.phone("fxs2"), 700)
    hang_up(hx, "fxs1"); hang_up(hx, "fxs2")
    cdr = hx.cdrs()[-1]
    assert cdr.dst == "555" and cdr.disposition == "ANSWERED"
    assert "app>802" in cdr.userfield


def test_redirected_outside_caller_is_released_when_nobody_answers(hx):
    leg = HandOnLeg(hx.ctl)
    _route_555_to(hx, leg, number=hx.box.store.inbound_routes()[0]["dest"])
    remote = hx.board.exchange.ring_in("fxo1", caller="13800138000")
    assert hx.until(lambda: remote.state.value == "talking", 12000)
    call = hx.ctl.channel("fxo1").call
    assert call is not None and call.b is leg
    remote.send_dtmf("2")
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 4000)
    assert hx.until(lambda: call.state.value == "ended", 70000)
    assert hx.until(lambda: hx.state("fxo1") != "talking", 8000)
    cdr = hx.cdrs()[-1]
    assert cdr.disposition == "ANSWERED" and cdr.hangup_side == "system" and "app>802" in cdr.userfield
