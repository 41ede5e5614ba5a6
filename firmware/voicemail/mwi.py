"""Message waiting on analog phones: the lamp and an FSK MWI message through the FXS port.

When a mailbox's "messages waiting" state changes, every analog phone of its owners
gets the lamp switched (``FxsPort.set_mwi_lamp``: line voltage on real SLICs) and an
FSK MWI message (MDMF type 0x82, in the country's caller-ID modulation) by on-hook
transmission.  A phone that is off-hook at that moment gets the message as soon as it
is hung up (checked every ``RETRY_MS``).  The stutter dial tone is the FXS channel's:
it asks :meth:`firmware.voicemail.service.VoicemailService.waiting` at off-hook.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Optional

from dsp.callerid import encode_mwi

if TYPE_CHECKING:
    from firmware.calls.control import CallControl

log = logging.getLogger("hotline.voicemail")

RETRY_MS = 1000        #: look again this often for an on-hook phone to send a pending message to


class AnalogMwi:
    """Lamp + FSK MWI per FXS port."""

    def __init__(self, ctl: "CallControl") -> None:
        self.ctl = ctl
        self.state: dict[str, bool] = {}         #: port -> waiting (last sent)
        self.pending: set[str] = set()           #: ports whose FSK message still has to go
        self._timer: Optional[Any] = None

    def _port_of(self, extension: str) -> Optional[str]:
        ext = self.ctl.config.extension(extension)
        if ext is None or ext.kind != "fxs" or not ext.port:
            return None
        return ext.port if self.ctl.port_channel(ext.port) is not None else None

    def update(self, extension: str, waiting: bool, *, force: bool = False) -> bool:
        """Show ``waiting`` on ``extension``'s analog phone; True if it has one."""
        port = self._port_of(extension)
        if port is None:
            return False
        if not force and self.state.get(port) == waiting:
            return True
        self.state[port] = waiting
        self.ctl.port_channel(port).port.set_mwi_lamp(waiting)
        self.pending.add(port)
        log.info("MWI %s on %s (%s)", "on" if waiting else "off", extension, port)
        self._flush()
        return True

    def assume(self, extension: str, waiting: bool) -> None:
        """Take ``waiting`` as what the phone shows (without telling it)."""
        port = self._port_of(extension)
        if port is not None:
            self.state.setdefault(port, waiting)

    def _standard(self) -> str:
        std = self.ctl.cid_standard
        return std if std in ("bell202", "v23") else "bell202"

    def _flush(self) -> None:
        self._timer = None
        for port in sorted(self.pending):
            p = self.ctl.port_channel(port).port
            if p.off_hook or p.ringing or p.onhook_busy:
                continue
            p.send_onhook(encode_mwi(self.state[port], self._standard(), when=self.ctl.local_time()))
            self.pending.discard(port)
        if self.pending and self._timer is None:
            self._timer = self.ctl.clock.call_later(RETRY_MS, self._flush)
