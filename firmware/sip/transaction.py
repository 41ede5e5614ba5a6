"""The RFC 3261 §17 transaction layer, sans-IO, on the hal clock.

Four state machines, each an enum of states and one transition function:

* INVITE client (:class:`InviteClientTransaction`): Timer A retransmits (T1, doubling),
  Timer B gives up (64*T1), 300-699 are ACKed by the transaction and Timer D absorbs
  retransmissions; 2xx go to the TU and, per RFC 6026, the Accepted state (Timer M)
  passes retransmitted 2xx to the TU so it can ACK them again.
* non-INVITE client (:class:`NonInviteClientTransaction`): Timer E retransmits (T1
  doubling up to T2; T2 once a provisional came), F gives up, K absorbs.
* INVITE server (:class:`InviteServerTransaction`): sends 100 Trying when the TU has
  not answered within 200 ms, resends the last response on request retransmissions;
  300-699 are retransmitted on Timer G until the ACK (Timer H gives up, Timer I
  absorbs ACK copies); after a 2xx it waits in Accepted (RFC 6026 Timer L) - the TU
  retransmits its 2xx itself until the ACK.
* non-INVITE server (:class:`NonInviteServerTransaction`): Timer J absorbs retransmissions.

Over a reliable transport (TCP/TLS: ``target.reliable``) nothing is retransmitted and
Timers D, K, I, J are zero. Timer values are :class:`Timers` (ms; T1 500, T2 4000,
T4 5000 by default).

:class:`TransactionLayer` owns the transaction tables: ``client_transaction()`` starts a
client transaction; ``receive()`` takes every message the transport layer delivers and
either feeds a transaction (retransmissions never reach the TU) or calls the TU's
``on_request(request, server_transaction)`` (``None`` for an ACK to a 2xx) /
``on_stray_response(response)``. Requests are matched per §17.2.3 (branch + sent-by +
method, ACK and CANCEL included) with the RFC 2543 fallback; merged requests
(§8.2.2.2) are refused with 482 unless disabled.

Transport errors (§8.1.3.1, §17.1.4): if ``send`` raises, or the transport layer calls
:meth:`TransactionLayer.transport_error` later, a client transaction delivers a locally
made 503 (``response.source is None``) to ``on_response`` and ends; a server
transaction calls its ``on_failure``.
"""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any, Callable, Optional

from hal.clock import Clock, Timer
from firmware.sip.headers import MAGIC_COOKIE
from firmware.sip.message import (SipMessage, SipParseError, SipRequest, SipResponse, Target,
                                  make_ack, make_response, response_target)

__all__ = ["Timers", "Event", "IctState", "NictState", "IstState", "NistState",
           "ClientTransaction", "ServerTransaction", "InviteClientTransaction",
           "NonInviteClientTransaction", "InviteServerTransaction",
           "NonInviteServerTransaction", "TransactionLayer"]

log = logging.getLogger("hotline.sip.transaction")

SendFn = Callable[[SipMessage, Target], None]


@dataclass
class Timers:
    """RFC 3261 timer values, ms (Table 4). ``d`` is Timer D over UDP (>= 32 s);
    ``trying`` the delay before an INVITE server transaction sends 100 Trying itself."""

    t1: int = 500
    t2: int = 4000
    t4: int = 5000
    d: int = 32000
    trying: int = 200

    @property
    def b(self) -> int:
        """Timers B, F, H, J, L, M: 64*T1."""
        return 64 * self.t1


class Event(enum.Enum):
    """What can happen to a transaction (input of the transition functions)."""

    START = "start"
    REQUEST = "request"               # a retransmission of the request (server)
    ACK = "ack"                       # an ACK matching an INVITE server transaction
    RESPONSE_1XX = "1xx"              # from the network (client) or the TU (server)
    RESPONSE_2XX = "2xx"
    RESPONSE_FINAL = "3xx-6xx"
    TIMER_A = "A"
    TIMER_B = "B"
    TIMER_D = "D"
    TIMER_E = "E"
    TIMER_F = "F"
    TIMER_G = "G"
    TIMER_H = "H"
    TIMER_I = "I"
    TIMER_J = "J"
    TIMER_K = "K"
    TIMER_L = "L"
    TIMER_M = "M"
    TIMER_TRYING = "100"
    TRANSPORT_ERROR = "transport error"
    TERMINATE = "terminate"           # the TU abandons the transaction


class IctState(enum.Enum):
    CALLING = "calling"
    PROCEEDING = "proceeding"
    COMPLETED = "completed"
    ACCEPTED = "accepted"
    TERMINATED = "terminated"


class NictState(enum.Enum):
    TRYING = "trying"
    PROCEEDING = "proceeding"
    COMPLETED = "completed"
    TERMINATED = "terminated"


class IstState(enum.Enum):
    PROCEEDING = "proceeding"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    ACCEPTED = "accepted"
    TERMINATED = "terminated"


class NistState(enum.Enum):
    TRYING = "trying"
    PROCEEDING = "proceeding"
    COMPLETED = "completed"
    TERMINATED = "terminated"


def _response_event(status: int) -> Event:
    if status < 200:
        return Event.RESPONSE_1XX
    if status < 300:
        return Event.RESPONSE_2XX
    return Event.RESPONSE_FINAL


class _Transaction:
    """Shared plumbing: an event queue (so callbacks and send errors never re-enter a
    transition), named timers on the hal clock, sending with error capture."""

    state: Any
    TERMINATED: Any

    def __init__(self, layer: "TransactionLayer", request: SipRequest, target: Target) -> None:
        self.layer = layer
        self.request = request
        self.target = target
        self.timers = layer.timers
        self.reliable = target.reliable
        self._timers: dict[Event, Timer] = {}
        self._queue: list[tuple[Event, Any]] = []
        self._running = False
        self._interval = 0          # current retransmission interval (A, E, G), ms

    @property
    def terminated(self) -> bool:
        return self.state is self.TERMINATED

    # -- event plumbing
    def post(self, event: Event, arg: Any = None) -> None:
        """Feed one event to the state machine (queued while a transition runs)."""
        self._queue.append((event, arg))
        if self._running:
            return
        self._running = True
        try:
            while self._queue:
                ev, a = self._queue.pop(0)
                if self.state is self.TERMINATED:
                    continue
                self._transition(ev, a)
                if self.state is self.TERMINATED:
                    self._cleanup()
        finally:
            self._running = False

    def _transition(self, event: Event, arg: Any) -> None:
        raise NotImplementedError

    def _cleanup(self) -> None:
        for t in self._timers.values():
            t.cancel()
        self._timers.clear()
        self._queue.clear()
        self.layer._forget(self)

    def _start(self, event: Event, ms: int) -> None:
        """(Re)start the timer that posts ``event`` after ``ms``; 0 ms posts it now."""
        self._stop(event)
        if ms <= 0:
            self._queue.append((event, None))
            return
        self._timers[event] = self.layer.clock.call_later(ms, lambda: self._fire(event))

    def _fire(self, event: Event) -> None:
        self._timers.pop(event, None)
        self.post(event)

    def _stop(self, *events: Event) -> None:
        for ev in events:
            t = self._timers.pop(ev, None)
            if t is not None:
                t.cancel()

    def _send(self, msg: SipMessage) -> None:
        try:
            self.layer.send(msg, self.target)
        except Exception as e:  # the transport refused: §17.1.4 / §17.2.4
            log.info("sip: sending %s to %s failed: %s", _label(msg), self.target, e)
            self._queue.append((Event.TRANSPORT_ERROR, e))

    @staticmethod
    def _tu(fn: Optional[Callable[..., Any]], *args: Any) -> None:
        if fn is None:
            return
        try:
            fn(*args)
        except Exception:
            log.exception("sip: transaction user callback %r failed", fn)

    def terminate(self) -> None:
        """Abandon the transaction now: timers stop, nothing more is sent or reported."""
        self.post(Event.TERMINATE)


def _label(msg: SipMessage) -> str:
    return msg.method if isinstance(msg, SipRequest) else str(getattr(msg, "status", "?"))


# --------------------------------------------------------------------- client side
class ClientTransaction(_Transaction):
    """A request we sent; responses for it arrive at ``on_response(response)``.

    ``on_timeout()`` is called when no final response came in time (Timer B / F):
    the TU treats it as 408. ``branch`` and ``method`` are the matching key.
    """

    def __init__(self, layer: "TransactionLayer", request: SipRequest, target: Target,
                 on_response: Callable[[SipResponse], None],
                 on_timeout: Optional[Callable[[], None]] = None) -> None:
        super().__init__(layer, request, target)
        via = request.top_via
        if not via.is_rfc3261:
            raise ValueError(f"the request's top Via has branch {via.branch!r}: a client "
                             f"transaction needs one starting with {MAGIC_COOKIE} (new_branch())")
        self.branch: str = via.branch  # type: ignore[assignment]
        self.method = request.method
        self.on_response = on_response
        self.on_timeout = on_timeout
        self.last_response: Optional[SipResponse] = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.branch, self.method)

    def _transport_failed(self, error: Any) -> None:
        resp = make_response(self.request, 503, f"Service Unavailable (transport error: {error})")
        self._tu(self.on_response, resp)


class InviteClientTransaction(ClientTransaction):
    """RFC 3261 §17.1.1 with the RFC 6026 Accepted state."""

    TERMINATED = IctState.TERMINATED

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.state = IctState.CALLING
        self._ack: Optional[SipRequest] = None     # built when a 300-699 arrives

    def _transition(self, event: Event, arg: Any) -> None:
        S, t = IctState, self.timers
        st = self.state
        if event is Event.TERMINATE:
            self.state = S.TERMINATED
        elif event is Event.START and st is S.CALLING:
            self._send(self.request)
            if not self.reliable:
                self._interval = t.t1
                self._start(Event.TIMER_A, self._interval)
            self._start(Event.TIMER_B, t.b)
        elif event is Event.TIMER_A and st is S.CALLING:
            self._send(self.request)
            self._interval *= 2
            self._start(Event.TIMER_A, self._interval)
        elif event is Event.TIMER_B and st is S.CALLING:
            self.state = S.TERMINATED
            self._tu(self.on_timeout)
        elif event is Event.RESPONSE_1XX and st in (S.CALLING, S.PROCEEDING):
            self.state = S.PROCEEDING
            self._stop(Event.TIMER_A, Event.TIMER_B)
            self.last_response = arg
            self._tu(self.on_response, arg)
        elif event is Event.RESPONSE_2XX and st in (S.CALLING, S.PROCEEDING):
            self.state = S.ACCEPTED
            self._stop(Event.TIMER_A, Event.TIMER_B)
            self.last_response = arg
            self._start(Event.TIMER_M, t.b)
            self._tu(self.on_response, arg)
        elif event is Event.RESPONSE_2XX and st is S.ACCEPTED:
            self._tu(self.on_response, arg)         # a retransmitted 2xx: the TU ACKs again
        elif event is Event.RESPONSE_FINAL and st in (S.CALLING, S.PROCEEDING):
            self.state = S.COMPLETED
            self._stop(Event.TIMER_A, Event.TIMER_B)
            self.last_response = arg
            self._ack = make_ack(self.request, arg)
            self._send(self._ack)
            self._tu(self.on_response, arg)
            self._start(Event.TIMER_D, 0 if self.reliable else t.d)
        elif event is Event.RESPONSE_FINAL and st is S.COMPLETED:
            self._send(self._ack)                   # our ACK was lost
        elif event is Event.TIMER_D and st is S.COMPLETED:
            self.state = S.TERMINATED
        elif event is Event.TIMER_M and st is S.ACCEPTED:
            self.state = S.TERMINATED
        elif event is Event.TRANSPORT_ERROR and st in (S.CALLING, S.PROCEEDING):
            self.state = S.TERMINATED
            self._transport_failed(arg)
        elif event is Event.TRANSPORT_ERROR and st is S.COMPLETED:
            self.state = S.TERMINATED
        # anything else: absorbed (e.g. a 1xx after the final response)


class NonInviteClientTransaction(ClientTransaction):
    """RFC 3261 §17.1.2."""

    TERMINATED = NictState.TERMINATED

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        if self.method in ("INVITE", "ACK"):
            raise ValueError(f"{self.method} does not use a non-INVITE client transaction")
        self.state = NictState.TRYING

    def _transition(self, event: Event, arg: Any) -> None:
        S, t = NictState, self.timers
        st = self.state
        if event is Event.TERMINATE:
            self.state = S.TERMINATED
        elif event is Event.START and st is S.TRYING:
            self._send(self.request)
            if not self.reliable:
                self._interval = t.t1
                self._start(Event.TIMER_E, self._interval)
            self._start(Event.TIMER_F, t.b)
        elif event is Event.TIMER_E and st in (S.TRYING, S.PROCEEDING):
            self._send(self.request)
            self._interval = t.t2 if st is S.PROCEEDING else min(2 * self._interval, t.t2)
            self._start(Event.TIMER_E, self._interval)
        elif event is Event.TIMER_F and st in (S.TRYING, S.PROCEEDING):
            self.state = S.TERMINATED
            self._tu(self.on_timeout)
        elif event is Event.RESPONSE_1XX and st in (S.TRYING, S.PROCEEDING):
            self.state = S.PROCEEDING
            self.last_response = arg
            self._tu(self.on_response, arg)
        elif event in (Event.RESPONSE_2XX, Event.RESPONSE_FINAL) and st in (S.TRYING, S.PROCEEDING):
            self.state = S.COMPLETED
            self._stop(Event.TIMER_E, Event.TIMER_F)
            self.last_response = arg
            self._tu(self.on_response, arg)
            self._start(Event.TIMER_K, 0 if self.reliable else t.t4)
        elif event is Event.TIMER_K and st is S.COMPLETED:
            self.state = S.TERMINATED
        elif event is Event.TRANSPORT_ERROR and st in (S.TRYING, S.PROCEEDING):
            self.state = S.TERMINATED
            self._transport_failed(arg)
        # responses in Completed are retransmissions: absorbed


# --------------------------------------------------------------------- server side
class ServerTransaction(_Transaction):
    """A request we received. The TU answers with :meth:`respond`.

    ``on_failure(reason)`` (settable by the TU) is called when the transaction ends
    abnormally: ``"timeout"`` (INVITE: no ACK for a 300-699 within 64*T1) or
    ``"transport error: ..."``. ``last_response`` is what was sent last.
    """

    def __init__(self, layer: "TransactionLayer", request: SipRequest, target: Target) -> None:
        super().__init__(layer, request, target)
        self.method = request.method
        self.last_response: Optional[SipResponse] = None
        self.on_failure: Optional[Callable[[str], None]] = None
        self.keys: list[tuple] = []

    def respond(self, response: SipResponse) -> None:
        """Send ``response`` (built with make_response) through this transaction."""
        self.post(_response_event(response.status), response)


class InviteServerTransaction(ServerTransaction):
    """RFC 3261 §17.2.1 with the RFC 6026 Accepted state."""

    TERMINATED = IstState.TERMINATED

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.state = IstState.PROCEEDING

    def _transition(self, event: Event, arg: Any) -> None:
        S, t = IstState, self.timers
        st = self.state
        if event is Event.TERMINATE:
            self.state = S.TERMINATED
        elif event is Event.START and st is S.PROCEEDING:
            if t.trying > 0:
                self._start(Event.TIMER_TRYING, t.trying)
        elif event is Event.TIMER_TRYING and st is S.PROCEEDING:
            if self.last_response is None:
                self.last_response = make_response(self.request, 100)
                self._send(self.last_response)
        elif event is Event.REQUEST and st in (S.PROCEEDING, S.COMPLETED):
            if self.last_response is not None:
                self._send(self.last_response)     # our response was lost
        elif event is Event.RESPONSE_1XX and st is S.PROCEEDING:
            self._stop(Event.TIMER_TRYING)
            self.last_response = arg
            self._send(arg)
        elif event is Event.RESPONSE_2XX and st is S.PROCEEDING:
            self.state = S.ACCEPTED
            self._stop(Event.TIMER_TRYING)
            self.last_response = arg
            self._send(arg)
            self._start(Event.TIMER_L, t.b)
        elif event is Event.RESPONSE_2XX and st is S.ACCEPTED:
            self._send(arg)                         # the TU retransmits its 2xx
        elif event is Event.RESPONSE_FINAL and st is S.PROCEEDING:
            self.state = S.COMPLETED
            self._stop(Event.TIMER_TRYING)
            self.last_response = arg
            self._send(arg)
            if not self.reliable:
                self._interval = t.t1
                self._start(Event.TIMER_G, self._interval)
            self._start(Event.TIMER_H, t.b)
        elif event is Event.TIMER_G and st is S.COMPLETED:
            self._send(self.last_response)  # type: ignore[arg-type]
            self._interval = min(2 * self._interval, t.t2)
            self._start(Event.TIMER_G, self._interval)
        elif event is Event.TIMER_H and st is S.COMPLETED:
            self.state = S.TERMINATED
            self._tu(self.on_failure, "timeout")
        elif event is Event.ACK and st is S.COMPLETED:
            self.state = S.CONFIRMED
            self._stop(Event.TIMER_G, Event.TIMER_H)
            self._start(Event.TIMER_I, 0 if self.reliable else t.t4)
        elif event is Event.ACK and st is S.ACCEPTED:
            self.layer._deliver_request(arg, None)  # an ACK for our 2xx: the TU's business
        elif event is Event.TIMER_I and st is S.CONFIRMED:
            self.state = S.TERMINATED
        elif event is Event.TIMER_L and st is S.ACCEPTED:
            self.state = S.TERMINATED
        elif event is Event.TRANSPORT_ERROR and st in (S.PROCEEDING, S.COMPLETED, S.ACCEPTED):
            self.state = S.TERMINATED
            self._tu(self.on_failure, f"transport error: {arg}")
        elif event in (Event.RESPONSE_1XX, Event.RESPONSE_2XX, Event.RESPONSE_FINAL):
            log.warning("sip: %s response %s ignored: INVITE transaction is %s",
                        self.request.call_id, arg.status, st.value)


class NonInviteServerTransaction(ServerTransaction):
    """RFC 3261 §17.2.2."""

    TERMINATED = NistState.TERMINATED

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.state = NistState.TRYING

    def _transition(self, event: Event, arg: Any) -> None:
        S, t = NistState, self.timers
        st = self.state
        if event is Event.TERMINATE:
            self.state = S.TERMINATED
        elif event is Event.START:
            pass
        elif event is Event.REQUEST and st in (S.PROCEEDING, S.COMPLETED):
            self._send(self.last_response)  # type: ignore[arg-type]
        elif event is Event.RESPONSE_1XX and st in (S.TRYING, S.PROCEEDING):
            self.state = S.PROCEEDING
            self.last_response = arg
            self._send(arg)
        elif event in (Event.RESPONSE_2XX, Event.RESPONSE_FINAL) and st in (S.TRYING, S.PROCEEDING):
            self.state = S.COMPLETED
            self.last_response = arg
            self._send(arg)
            self._start(Event.TIMER_J, 0 if self.reliable else t.b)
        elif event is Event.TIMER_J and st is S.COMPLETED:
            self.state = S.TERMINATED
        elif event is Event.TRANSPORT_ERROR and st is not S.TERMINATED:
            self.state = S.TERMINATED
            self._tu(self.on_failure, f"transport error: {arg}")
        elif event in (Event.RESPONSE_1XX, Event.RESPONSE_2XX, Event.RESPONSE_FINAL):
            log.warning("sip: %s response %s ignored: %s transaction is %s",
                        self.request.call_id, arg.status, self.method, st.value)
        # REQUEST in Trying: absorbed (the TU has it already)


# --------------------------------------------------------------------------- layer
RequestHandler = Callable[[SipRequest, Optional[ServerTransaction]], None]


class TransactionLayer:
    """Creates, matches and forgets transactions.

    ``send(message, target)`` hands a message to the transport layer (it may raise
    for an immediate transport error). ``on_request(request, txn)`` receives each new
    request with its server transaction (``txn`` is None for an ACK that matches no
    transaction: the ACK for a 2xx). ``on_stray_response(response)`` receives
    responses that match no client transaction. With ``reject_merged`` a request that
    arrives again by another path (§8.2.2.2) is answered 482 without reaching the TU.
    """

    def __init__(self, clock: Clock, send: SendFn,
                 on_request: Optional[RequestHandler] = None,
                 on_stray_response: Optional[Callable[[SipResponse], None]] = None,
                 timers: Optional[Timers] = None, reject_merged: bool = True) -> None:
        self.clock = clock
        self.send = send
        self.on_request = on_request
        self.on_stray_response = on_stray_response
        self.timers = timers or Timers()
        self.reject_merged = reject_merged
        self._clients: dict[tuple[str, str], ClientTransaction] = {}
        self._servers: dict[tuple, ServerTransaction] = {}
        self._merge: dict[tuple, ServerTransaction] = {}

    # -- client side
    def client_transaction(self, request: SipRequest, target: Target,
                           on_response: Callable[[SipResponse], None],
                           on_timeout: Optional[Callable[[], None]] = None) -> ClientTransaction:
        """Send ``request`` to ``target`` in a new client transaction and return it.

        The request's top Via must carry a fresh ``z9hG4bK`` branch (``new_branch()``).
        ACK is never sent in a transaction: send it with ``send`` directly.
        """
        if request.method == "ACK":
            raise ValueError("ACK is not sent in a transaction: pass it to send() directly")
        cls = InviteClientTransaction if request.method == "INVITE" else NonInviteClientTransaction
        txn = cls(self, request, target, on_response, on_timeout)
        if txn.key in self._clients:
            raise ValueError(f"a client transaction with branch {txn.branch} and method "
                             f"{txn.method} is already running")
        self._clients[txn.key] = txn
        txn.post(Event.START)
        return txn

    # -- receiving
    def receive(self, message: SipMessage) -> None:
        """Take a message from the transport layer (``message.source`` set)."""
        try:
            if isinstance(message, SipResponse):
                self._receive_response(message)
            elif isinstance(message, SipRequest):
                self._receive_request(message)
        except SipParseError as e:   # headers the parser accepted but matching cannot use
            log.info("sip: message dropped: %s", e.reason)

    def _receive_response(self, resp: SipResponse) -> None:
        via = resp.top_via
        txn = self._clients.get((via.branch or "", resp.cseq.method))
        if txn is None:
            self._tu_call(self.on_stray_response, resp)
            return
        txn.post(_response_event(resp.status), resp)

    def _receive_request(self, req: SipRequest) -> None:
        txn = self._match_server(req)
        if req.method == "ACK":
            if isinstance(txn, InviteServerTransaction):
                txn.post(Event.ACK, req)
            else:
                self._deliver_request(req, None)
            return
        if txn is not None:
            txn.post(Event.REQUEST, req)
            return
        merged = self._merged_with(req)
        cls = InviteServerTransaction if req.method == "INVITE" else NonInviteServerTransaction
        txn = cls(self, req, response_target(req))
        txn.keys = [self._server_key(req)]
        for k in txn.keys:
            self._servers[k] = txn
        if merged is not None:
            log.info("sip: %s %s arrived again by another path (merged request): 482",
                     req.method, req.call_id)
            txn.post(Event.START)
            txn.respond(make_response(req, 482))
            return
        if req.to_tag is None:
            mk = self._merge_key(req)
            txn.keys.append(mk)
            self._merge[mk] = txn
        txn.post(Event.START)
        self._deliver_request(req, txn)

    def _deliver_request(self, req: SipRequest, txn: Optional[ServerTransaction]) -> None:
        self._tu_call(self.on_request, req, txn)

    def _tu_call(self, fn: Optional[Callable[..., Any]], *args: Any) -> None:
        if fn is None:
            return
        try:
            fn(*args)
        except Exception:
            log.exception("sip: transaction user callback %r failed", fn)

    # -- matching (§17.2.3)
    @staticmethod
    def _server_key(req: SipRequest, method: Optional[str] = None) -> tuple:
        via = req.top_via
        m = method or ("INVITE" if req.method == "ACK" else req.method)
        if via.is_rfc3261:
            return ("3261", via.branch, via.sent_by, m)
        # RFC 2543: Request-URI, From tag, Call-ID, CSeq number, top Via, method
        return ("2543", str(req.uri), req.from_tag, req.call_id, req.cseq.number,
                via.sent_by, via.branch, m)

    def _match_server(self, req: SipRequest) -> Optional[ServerTransaction]:
        txn = self._servers.get(self._server_key(req))
        if txn is None or txn.terminated:
            return None
        if not txn.request.top_via.is_rfc3261:
            # the RFC 2543 rules also compare the To tag
            if req.method == "ACK":
                sent = txn.last_response.to_tag if txn.last_response else None
                if sent is not None and req.to_tag != sent:
                    return None
            elif req.to_tag != txn.request.to_tag:
                return None
        return txn

    def find_cancel_target(self, cancel: SipRequest) -> Optional[ServerTransaction]:
        """The INVITE server transaction a received CANCEL refers to (§9.2), or None
        (answer the CANCEL 481 then)."""
        txn = self._servers.get(self._server_key(cancel, "INVITE"))
        if txn is None or txn.terminated:
            return None
        return txn

    @staticmethod
    def _merge_key(req: SipRequest) -> tuple:
        cseq = req.cseq
        return ("merge", req.from_tag, req.call_id, cseq.number, cseq.method)

    def _merged_with(self, req: SipRequest) -> Optional[ServerTransaction]:
        if not self.reject_merged or req.to_tag is not None:
            return None
        txn = self._merge.get(self._merge_key(req))
        return None if txn is None or txn.terminated else txn

    # -- errors, bookkeeping
    def transport_error(self, target: Target, error: Any) -> None:
        """The transport layer could not deliver to ``target`` (connection refused or
        lost, ICMP unreachable): every transaction using it fails (§8.1.3.1)."""
        for txn in [*self._clients.values(), *self._servers.values()]:
            if txn.target == target and not txn.terminated:
                txn.post(Event.TRANSPORT_ERROR, error)

    def _forget(self, txn: _Transaction) -> None:
        if isinstance(txn, ClientTransaction):
            if self._clients.get(txn.key) is txn:
                del self._clients[txn.key]
        elif isinstance(txn, ServerTransaction):
            for k in txn.keys:
                if self._servers.get(k) is txn:
                    del self._servers[k]
                if self._merge.get(k) is txn:
                    del self._merge[k]

    @property
    def client_count(self) -> int:
        """Client transactions not yet terminated."""
        return len(self._clients)

    @property
    def server_count(self) -> int:
        """Server transactions not yet terminated."""
        return len({id(t) for t in self._servers.values()})

    def close(self) -> None:
        """Terminate every transaction (timers stop; nothing is reported)."""
        for txn in [*self._clients.values(), *self._servers.values()]:
            txn.terminate()
