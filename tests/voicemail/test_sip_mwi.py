"""SIP message waiting: the SIP service counts messages through the voicemail service
(``mailbox_counts``) and is told ``messages_changed(ext)`` on every change, so a phone
subscribed to message-summary gets RFC 3842 NOTIFYs."""
from __future__ import annotations

import asyncio

from firmware.sip.mwi import MwiNotifier, parse_message_summary
from firmware.sip.subscriptions import Subscriptions
from tests.sip.test_mwi import subscribe
from tests.voicemail.conftest import leave_message, setup_mailboxes


class SipStub:
    """Only what call control asks of the SIP service, plus the MWI notifier."""

    def __init__(self, clock, counts) -> None:
        self.sent: list = []
        self.subs = Subscriptions(clock, lambda s, h, b: self.sent.append((s, dict(h), b)))
        self.mwi = MwiNotifier(self.subs, counts, domain="box", unsolicited=lambda u, h, b: None)
        self.changed: list[str] = []
        self.legs: list = []

    def messages_changed(self, ext: str) -> int:
        self.changed.append(ext)
        return self.mwi.changed(ext)

    def trunk_legs(self, group):
        return []

    def extension_leg(self, ext):
        return None

    def reload(self) -> None:
        pass


def test_notify_on_new_message_and_on_delete(hx):
    setup_mailboxes(hx)
    vm = hx.box.voicemail
    sip = SipStub(hx.clock, vm.counts_for)
    hx.ctl.sip = sip
    assert sip.subs.subscribe(subscribe("vm1", "801"), "801").status == 200
    hx.run(40)
    assert parse_message_summary(sip.sent[-1][2])["messages_waiting"] is False
    leave_message(hx, "fxs2", "801")
    assert "801" in sip.changed
    body = parse_message_summary(sip.sent[-1][2])
    assert body["messages_waiting"] is True and body["counts"]["voice-message"][:2] == (1, 0)
    [m] = vm.store.messages("801")
    vm.delete(m.id)
    assert parse_message_summary(sip.sent[-1][2])["messages_waiting"] is False


def test_box_plugs_mailbox_counts_into_the_sip_service(hx):
    setup_mailboxes(hx)
    leave_message(hx, "fxs2", "801")

    async def run() -> tuple:
        await hx.box.start_sip("127.0.0.1", 0)
        try:
            return hx.box.sip._mailbox_counts("801"), hx.box.sip._mailbox_counts("802")
        finally:
            await hx.box.stop_sip()
    assert asyncio.run(run()) == ((1, 0), (0, 0))
