"""OPTIONS "qualify": is each registered phone still reachable, and how far away is it?

:class:`Qualifier` sends an OPTIONS request to every live binding of the
:class:`~firmware.sip.registrar.Registrar` every ``interval_ms`` — to the binding's
``source`` (the flow its REGISTER came on, so the request passes the phone's NAT) with
the registered Contact as Request-URI. Any response counts as "alive", even 4xx/5xx (a
phone answering 405 Method Not Allowed is there); the round trip is measured on the hal
clock (20 ms resolution). No response within ``timeout_ms`` is a miss; after
``max_missed`` misses in a row the binding is marked ``reachable = False`` and
``on_unreachable(binding)`` is called, so the stack skips it when ringing the extension;
the first answer after that marks it reachable again (``on_reachable``). Sans-IO: the
stack gives ``send(request, target, done)`` — typically a non-INVITE client transaction
whose ``on_response`` calls ``done(response)`` and ``on_timeout`` calls ``done(None)``;
a transport failure reported as a *locally made* 503 (``response.source is None``)
counts as no response. The OPTIONS themselves come from ``make_options(binding)``.

Each probed binding has an explicit state machine (:class:`ProbeState`, one transition
function :meth:`Qualifier._transition`)::

    UNKNOWN --answer--> REACHABLE --miss--> LAGGING --miss (max_missed)--> UNREACHABLE
       |                    ^                  |                              |
       +--miss--> LAGGING   +-----answer-------+------------answer------------+

The sending of these requests also keeps the phone's NAT binding open (traffic every
``interval_ms``, inbound). The other keep-alives need nothing from this module: over
TCP, RFC 5626 double-CRLF pings from phones are answered with a CRLF pong by
:class:`firmware.sip.message.StreamParser` (via the TCP transport); over UDP, CRLF
keep-alive datagrams and STUN packets are silently dropped by the UDP transport (they
only refresh the NAT mapping on the phone's side), and ``rport`` (RFC 3581) sends our
responses back through the same mapping.
"""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Callable, Optional

from firmware.sip.message import SipRequest, SipResponse, Target
from firmware.sip.registrar import Binding, Registrar, format_target

__all__ = ["Qualifier", "ProbeState", "ProbeEvent", "SendFn"]

log = logging.getLogger("hotline.sip.qualify")

#: ``send(request, target, done)``: send the OPTIONS; call ``done(response)`` for the
#: first response or ``done(None)`` when the request failed or timed out
SendFn = Callable[[SipRequest, Target, Callable[[Optional[SipResponse]], None]], None]


class ProbeState(enum.Enum):
    UNKNOWN = "unknown"            #: not answered yet
    REACHABLE = "reachable"        #: answered the last probe
    LAGGING = "lagging"            #: missed fewer than max_missed probes in a row
    UNREACHABLE = "unreachable"    #: missed max_missed probes in a row


class ProbeEvent(enum.Enum):
    ANSWERED = "answered"
    MISSED = "missed"


class _Probe:
    """One OPTIONS in flight: its send time and timeout timer (identity = token)."""

    __slots__ = ("sent_ms", "timer")

    def __init__(self, sent_ms: int) -> None:
        self.sent_ms = sent_ms
        self.timer = None


@dataclass(eq=False)
class _Peer:
    binding: Binding
    source: Target
    state: ProbeState = ProbeState.UNKNOWN
    missed: int = 0
    probe: Optional[_Probe] = None


class Qualifier:
    """Probes every registered binding with OPTIONS; see the module docstring.

    ``interval_ms`` is the time between rounds (each binding at most one probe in
    flight); ``timeout_ms`` how long to wait for an answer (must be shorter than the
    interval); ``max_missed`` how many misses in a row make a binding unreachable.
    ``log_event(name, fields)`` gets ``sip.unreachable`` / ``sip.reachable``.
    """

    def __init__(self, clock, registrar: Registrar, send: SendFn,
                 make_options: Callable[[Binding], SipRequest],
                 interval_ms: int = 30_000, timeout_ms: int = 5_000, max_missed: int = 2, *,
                 on_unreachable: Optional[Callable[[Binding], None]] = None,
                 on_reachable: Optional[Callable[[Binding], None]] = None,
                 log_event: Optional[Callable[[str, dict], None]] = None) -> None:
        if interval_ms <= 0:
            raise ValueError(f"qualify interval_ms must be positive (got {interval_ms}); "
                             f"to switch qualifying off, do not start the Qualifier")
        if not 0 < timeout_ms < interval_ms:
            raise ValueError(f"qualify timeout_ms ({timeout_ms} ms) must be positive and "
                             f"shorter than interval_ms ({interval_ms} ms)")
        if max_missed < 1:
            raise ValueError(f"qualify max_missed must be at least 1 (got {max_missed})")
        self.clock = clock
        self.registrar = registrar
        self.send = send
        self.make_options = make_options
        self.interval_ms = int(interval_ms)
        self.timeout_ms = int(timeout_ms)
        self.max_missed = int(max_missed)
        self.on_unreachable = on_unreachable
        self.on_reachable = on_reachable
        self.log_event = log_event
        self._peers: dict[int, _Peer] = {}      # id(binding) -> state (binding held)
        self._timer = None

    # -- running
    def start(self) -> None:
        """Probe every ``interval_ms`` from now on (first round one interval from now;
        call :meth:`run_round` or :meth:`qualify` for an immediate probe)."""
        if self._timer is None:
            self._timer = self.clock.call_later(self.interval_ms, self._on_timer)

    def stop(self) -> None:
        """No more rounds; probes in flight are abandoned (their answers ignored)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for peer in self._peers.values():
            self._drop_probe(peer)

    @property
    def running(self) -> bool:
        return self._timer is not None

    def _on_timer(self) -> None:
        self._timer = self.clock.call_later(self.interval_ms, self._on_timer)
        self.run_round()

    def run_round(self) -> int:
        """Probe every live binding that has no probe in flight; returns how many
        OPTIONS were sent. Forgets bindings that are gone."""
        live: dict[int, Binding] = {id(b): b for bs in self.registrar.all_bindings().values()
                                    for b in bs}
        for key in [k for k, p in self._peers.items() if live.get(k) is not p.binding]:
            self._drop_probe(self._peers.pop(key))
        sent = 0
        for b in live.values():
            if self.qualify(b):
                sent += 1
        return sent

    def qualify(self, binding: Binding) -> bool:
        """Send one OPTIONS to ``binding`` now (e.g. right after it registered);
        False when a probe to it is already in flight."""
        peer = self._peers.get(id(binding))
        if peer is None or peer.binding is not binding or peer.source != binding.source:
            # new binding, or it re-registered from another address: start afresh
            if peer is not None:
                self._drop_probe(peer)
            peer = self._peers[id(binding)] = _Peer(binding, binding.source)
        if peer.probe is not None:
            return False
        probe = _Probe(self.clock.now_ms())
        peer.probe = probe
        probe.timer = self.clock.call_later(self.timeout_ms,
                                            lambda: self._finish(peer, probe, None))
        try:
            request = self.make_options(binding)
            self.send(request, binding.source, lambda resp: self._finish(peer, probe, resp))
        except Exception as e:      # noqa: BLE001 - a send failure is a miss, not a crash
            log.info("sip: OPTIONS to %s (%s) failed: %s", binding.contact.uri,
                     format_target(binding.source), e)
            self._finish(peer, probe, None)
        return True

    # -- queries
    def state(self, binding: Binding) -> ProbeState:
        peer = self._peers.get(id(binding))
        return peer.state if peer is not None and peer.binding is binding else ProbeState.UNKNOWN

    def missed(self, binding: Binding) -> int:
        """Probes missed in a row by ``binding``."""
        peer = self._peers.get(id(binding))
        return peer.missed if peer is not None and peer.binding is binding else 0

    # -- internals
    def _finish(self, peer: _Peer, probe: _Probe, response: Optional[SipResponse]) -> None:
        if peer.probe is not probe:
            return                      # late answer, or timeout after the answer
        self._drop_probe(peer)
        local_failure = (response is not None and response.status == 503
                         and response.source is None)
        if response is None or local_failure:
            self._transition(peer, ProbeEvent.MISSED)
        else:
            self._transition(peer, ProbeEvent.ANSWERED, self.clock.now_ms() - probe.sent_ms)

    @staticmethod
    def _drop_probe(peer: _Peer) -> None:
        if peer.probe is not None:
            if peer.probe.timer is not None:
                peer.probe.timer.cancel()
            peer.probe = None

    def _transition(self, peer: _Peer, event: ProbeEvent, rtt_ms: Optional[float] = None) -> None:
        """The one transition function of a binding's probe state."""
        S, b = ProbeState, peer.binding
        was = peer.state
        alive = b in self.registrar.bindings(b.user)     # an expired binding: no callbacks
        if event is ProbeEvent.ANSWERED:
            peer.missed = 0
            peer.state = S.REACHABLE
            b.reachable = True
            b.rtt_ms = rtt_ms
            if was is S.UNREACHABLE and alive:
                self._log("sip.reachable", b, rtt_ms=rtt_ms)
                if self.on_reachable is not None:
                    self.on_reachable(b)
        elif event is ProbeEvent.MISSED:
            peer.missed += 1
            if was is S.UNREACHABLE:
                return
            if peer.missed < self.max_missed:
                peer.state = S.LAGGING
                return
            peer.state = S.UNREACHABLE
            b.reachable = False
            b.rtt_ms = None
            if alive:
                self._log("sip.unreachable", b, missed=peer.missed)
                if self.on_unreachable is not None:
                    self.on_unreachable(b)

    def _log(self, name: str, b: Binding, **extra: object) -> None:
        fields = {"user": b.user, "contact": str(b.contact.uri), "source": format_target(b.source)}
        fields.update(extra)
        log.info("%s %s", name, fields)
        if self.log_event is not None:
            self.log_event(name, fields)
