"""SIP transports on asyncio: UDP and TCP behind one interface (RFC 3261 §18, RFC 3581,
RFC 5626 keep-alives), and :class:`TransportLayer`, which holds both.

Every transport has ``await start(host, port)``, ``send(msg_or_bytes, addr)`` and
``await close()``, and reports to three callbacks:

* ``on_message(msg, source_addr, transport)`` for each well-formed message. A request
  arrives with its top Via stamped: ``received=`` when the packet came from another
  address than the sent-by, and ``rport=<source port>`` (plus ``received``) when the
  client asked for rport (§18.2.1, RFC 3581). ``msg.source`` is the :class:`Target`.
* ``on_error(data, source_addr, error)`` for bytes that do not parse; ``error`` is a
  :class:`SipParseError` whose ``message`` may be enough for a 400
  (``make_error_response``).
* ``on_transport_error(target, exc)`` when a TCP connection cannot be opened or was
  lost with data queued: hand it to ``TransactionLayer.transport_error``.

UDP refuses to send more than 65507 bytes (``TransportError``, which a transaction
reports as a 503). A request over 1300 bytes should go over TCP (§18.1.1):
:meth:`TransportLayer.prepare_request` switches it when TCP is running. Received
datagrams over 64 KiB are reported to ``on_error`` with status 513.
"""
from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import socket
from typing import Callable, Optional, Union

from firmware.sip.headers import Via
from firmware.sip.message import (MAX_MESSAGE, SipFramingError, SipMessage, SipParseError,
                                  SipRequest, SipResponse, StreamParser, Target, new_branch,
                                  parse, response_target)
from firmware.sip.uri import SipUri

__all__ = ["Transport", "UdpTransport", "TcpTransport", "TransportLayer", "TransportError",
           "stamp_via", "MAX_UDP", "MTU_LIMIT"]

log = logging.getLogger("hotline.sip.transport")

Addr = tuple[str, int]
MessageHandler = Callable[[SipMessage, Addr, "Transport"], None]
ErrorHandler = Callable[[bytes, Addr, SipParseError], None]
TransportErrorHandler = Callable[[Target, Exception], None]

MAX_UDP = 65507     #: largest UDP payload over IPv4, bytes
UDP_RCVBUF = 4 * 1024 * 1024   #: bytes asked for the SIP UDP socket's receive buffer
MTU_LIMIT = 1300    #: requests larger than this go over TCP when possible (§18.1.1), bytes


class TransportError(OSError):
    """A message could not be handed to the network (too large, no such transport)."""


@functools.lru_cache(maxsize=1024)
def _same_ip(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return a.lower() == b.lower()


def stamp_via(request: SipRequest, host: str, port: int) -> None:
    """Record where ``request`` really came from in its top Via (RFC 3261 §18.2.1,
    RFC 3581): ``received`` when the sent-by host differs from ``host`` (always with
    rport), and ``rport=port`` when the client sent a bare ``rport``."""
    via = request.top_via
    changed = False
    if via.rport_requested:
        via.rport = port
        via.received = host
        changed = True
    elif not _same_ip(via.host, host):
        via.received = host
        changed = True
    if changed:
        request.set_top_via(via)


class Transport:
    """What UDP and TCP share: callbacks, parsing and Via stamping of received data."""

    name = ""
    reliable = False

    def __init__(self, on_message: Optional[MessageHandler] = None,
                 on_error: Optional[ErrorHandler] = None,
                 on_transport_error: Optional[TransportErrorHandler] = None) -> None:
        self.on_message = on_message
        self.on_error = on_error
        self.on_transport_error = on_transport_error
        self.local_addr: Optional[Addr] = None

    async def start(self, host: str, port: int) -> Addr:
        """Bind and listen on ``host``:``port`` (0 = any free port); returns the
        bound address."""
        raise NotImplementedError

    def send(self, msg: Union[SipMessage, bytes], addr: Addr) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    # -- receiving
    def _parse_error(self, data: bytes, addr: Addr, error: SipParseError) -> None:
        log.info("sip: unreadable %s message from %s:%s: %s", self.name, addr[0], addr[1],
                 error.reason)
        if self.on_error:
            try:
                self.on_error(data, addr, error)
            except Exception:
                log.exception("sip: on_error callback failed")

    def _deliver(self, msg: SipMessage, addr: Addr) -> None:
        msg.source = Target(self.name, addr[0], addr[1])
        if isinstance(msg, SipRequest):
            stamp_via(msg, addr[0], addr[1])
        if self.on_message:
            try:
                self.on_message(msg, addr, self)
            except Exception:
                log.exception("sip: on_message callback failed for %r", msg)

    def _report(self, addr: Addr, exc: Exception) -> None:
        log.info("sip: %s to %s:%s failed: %s", self.name, addr[0], addr[1], exc)
        if self.on_transport_error:
            try:
                self.on_transport_error(Target(self.name, addr[0], addr[1]), exc)
            except Exception:
                log.exception("sip: on_transport_error callback failed")


def _bytes(msg: Union[SipMessage, bytes]) -> bytes:
    return msg if isinstance(msg, (bytes, bytearray)) else msg.encode()


def _addr(a: tuple) -> Addr:
    return (a[0], a[1])


# ------------------------------------------------------------------------------ UDP
class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, owner: "UdpTransport") -> None:
        self.owner = owner

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        self.owner._datagram(data, _addr(addr))

    def error_received(self, exc: Exception) -> None:
        # ICMP errors on an unconnected socket carry no address we could trust
        log.info("sip: UDP socket error: %s", exc)


class UdpTransport(Transport):
    """SIP over UDP: one socket for everything sent and received."""

    name = "UDP"
    reliable = False

    def __init__(self, *a, **kw) -> None:
        super().__init__(*a, **kw)
        self._transport: Optional[asyncio.DatagramTransport] = None

    async def start(self, host: str, port: int) -> Addr:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: _UdpProtocol(self), local_addr=(host, port))
        self.local_addr = _addr(self._transport.get_extra_info("sockname"))
        sock = self._transport.get_extra_info("socket")
        if sock is not None:
            # a burst of calls must wait in the kernel, not be dropped (a lost ACK makes
            # the server retransmit its final response for seconds); capped by rmem_max
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RCVBUF)
            except OSError:
                pass
        return self.local_addr

    def send(self, msg: Union[SipMessage, bytes], addr: Addr) -> None:
        """Send one datagram; :class:`TransportError` if it is over 65507 bytes or the
        transport is not started."""
        data = _bytes(msg)
        if len(data) > MAX_UDP:
            raise TransportError(f"SIP message of {len(data)} bytes is too large for UDP "
                                 f"(at most {MAX_UDP}); send it over TCP")
        if self._transport is None or self._transport.is_closing():
            raise TransportError("the UDP transport is not running")
        self._transport.sendto(data, addr)

    def _datagram(self, data: bytes, addr: Addr) -> None:
        if not data.strip(b"\r\n\t \x00"):
            return                      # CRLF keep-alive (or empty): nothing to answer
        if len(data) >= 20 and data[0] < 2 and data[4:8] == b"\x21\x12\xa4\x42":
            return                      # a STUN packet (RFC 5389 magic cookie): not SIP
        try:
            msg = parse(data)
        except SipParseError as e:
            self._parse_error(data, addr, e)
            return
        self._deliver(msg, addr)

    async def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None


# ------------------------------------------------------------------------------ TCP
class _TcpConnection(asyncio.Protocol):
    """One TCP connection: frames the stream, answers keep-alive pings."""

    def __init__(self, owner: "TcpTransport", key: Optional[Addr] = None) -> None:
        self.owner = owner
        self.key = key                      # set for outgoing connections
        self.transport: Optional[asyncio.Transport] = None
        self.peer: Optional[Addr] = None
        self.last_active = 0.0
        self.parser = StreamParser(on_ping=self._pong, on_error=self._error)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.peer = _addr(transport.get_extra_info("peername"))
        if self.key is None:
            self.key = self.peer
        self.last_active = asyncio.get_running_loop().time()
        self.owner._register(self)

    def data_received(self, data: bytes) -> None:
        self.last_active = asyncio.get_running_loop().time()
        try:
            messages = self.parser.feed(data)
        except SipFramingError as e:
            self.owner._parse_error(data, self.peer, e)   # type: ignore[arg-type]
            self.close()
            return
        for msg in messages:
            self.owner._deliver(msg, self.peer)           # type: ignore[arg-type]

    def _pong(self) -> None:
        self.write(b"\r\n")

    def _error(self, raw: bytes, error: SipParseError) -> None:
        self.owner._parse_error(raw, self.peer, error)    # type: ignore[arg-type]

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.last_active = asyncio.get_running_loop().time()
            self.transport.write(data)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.owner._unregister(self)


class TcpTransport(Transport):
    """SIP over TCP: a listening server plus outgoing connections, reused by peer
    address (a response goes back on the connection its request came on; a request
    to an address we are already connected to uses that connection). Connections idle
    for ``idle_timeout`` seconds (no data either way) are closed."""

    name = "TCP"
    reliable = True

    def __init__(self, *a, idle_timeout: float = 300.0, **kw) -> None:
        super().__init__(*a, **kw)
        self.idle_timeout = idle_timeout
        self._server: Optional[asyncio.base_events.Server] = None
        self._conns: dict[Addr, _TcpConnection] = {}
        self._pending: dict[Addr, list[bytes]] = {}
        self._tasks: set[asyncio.Task] = set()
        self._sweeper: Optional[asyncio.TimerHandle] = None

    async def start(self, host: str, port: int) -> Addr:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _TcpConnection(self), host, port,
                                                reuse_address=True)
        self.local_addr = _addr(self._server.sockets[0].getsockname())
        self._schedule_sweep()
        return self.local_addr

    @property
    def connections(self) -> list[Addr]:
        """Peer addresses of the open connections."""
        return list(self._conns)

    def send(self, msg: Union[SipMessage, bytes], addr: Addr) -> None:
        """Write to the connection with ``addr``, opening one if there is none (data is
        queued meanwhile; a failure to connect goes to ``on_transport_error``).

        A response whose connection has gone is sent on a new connection to the top
        Via's ``received`` (or host) and sent-by port (RFC 3261 §18.2.2)."""
        data = _bytes(msg)
        if len(data) > MAX_MESSAGE:
            raise TransportError(f"SIP message of {len(data)} bytes is over the 64 KiB limit")
        addr = _addr(addr)
        conn = self._conns.get(addr)
        if conn is None and isinstance(msg, SipResponse):
            via = msg.top_via
            addr = ((via.received or via.host).strip("[]"), via.port or 5060)
            conn = self._conns.get(addr)
        if conn is not None:
            conn.write(data)
            return
        if self._server is None:
            raise TransportError("the TCP transport is not running")
        queued = self._pending.get(addr)
        if queued is not None:
            queued.append(data)
            return
        self._pending[addr] = [data]
        task = asyncio.get_running_loop().create_task(self._connect(addr))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _connect(self, addr: Addr) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.create_connection(lambda: _TcpConnection(self, addr), addr[0], addr[1])
        except OSError as e:
            self._pending.pop(addr, None)
            self._report(addr, e)

    def _register(self, conn: _TcpConnection) -> None:
        key = conn.key
        assert key is not None
        self._conns[key] = conn
        if conn.peer is not None and conn.peer != key:
            self._conns.setdefault(conn.peer, conn)
        for data in self._pending.pop(key, []):
            conn.write(data)

    def _unregister(self, conn: _TcpConnection) -> None:
        for k in [k for k, c in self._conns.items() if c is conn]:
            del self._conns[k]

    # -- idle connections
    def _schedule_sweep(self) -> None:
        loop = asyncio.get_running_loop()
        self._sweeper = loop.call_later(max(1.0, self.idle_timeout / 4), self._sweep_tick)

    def _sweep_tick(self) -> None:
        self.sweep_idle()
        if self._server is not None:
            self._schedule_sweep()

    def sweep_idle(self, now: Optional[float] = None) -> int:
        """Close connections idle for ``idle_timeout`` s as of ``now`` (loop time,
        default the current one); returns how many were closed."""
        now = asyncio.get_running_loop().time() if now is None else now
        idle = {id(c): c for c in self._conns.values() if now - c.last_active >= self.idle_timeout}
        for c in idle.values():
            log.info("sip: closing idle TCP connection to %s:%s", *(c.peer or ("?", 0)))
            c.close()
        return len(idle)

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        for t in list(self._tasks):
            t.cancel()
        for c in {id(c): c for c in self._conns.values()}.values():
            c.close()
        self._conns.clear()
        self._pending.clear()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None


# ---------------------------------------------------------------------------- layer
class TransportLayer:
    """The UDP and TCP transports of one listening address, chosen per message by the
    target's transport name. ``advertise`` is the host written into our Via/Contact
    (default: the bound host; set it when binding 0.0.0.0)."""

    def __init__(self, on_message: Optional[MessageHandler] = None,
                 on_error: Optional[ErrorHandler] = None,
                 on_transport_error: Optional[TransportErrorHandler] = None,
                 tcp_idle_timeout: float = 300.0, advertise: Optional[str] = None) -> None:
        self.on_message = on_message
        self.on_error = on_error
        self.on_transport_error = on_transport_error
        self.tcp_idle_timeout = tcp_idle_timeout
        self.advertise = advertise
        self.transports: dict[str, Transport] = {}

    async def start(self, host: str = "0.0.0.0", port: int = 5060,
                    transports: tuple[str, ...] = ("UDP", "TCP")) -> Addr:
        """Listen on ``host``:``port`` with each of ``transports`` (the same port for
        all; port 0 picks a free one). Returns the bound (host, port)."""
        for name in transports:
            if name.upper() not in ("UDP", "TCP"):
                raise ValueError(f"SIP transport {name!r} is not supported (UDP or TCP)")
        attempts = 20 if port == 0 else 1
        for attempt in range(attempts):
            bound_port = port
            started: list[Transport] = []
            try:
                for name in transports:
                    t = self._make(name.upper())
                    addr = await t.start(host, bound_port)
                    started.append(t)
                    bound_port = addr[1]
            except OSError as e:
                for t in started:
                    await t.close()
                if attempt + 1 < attempts:
                    continue
                raise OSError(e.errno, f"cannot listen for SIP on {host}:{port}: {e.strerror or e}") from e
            self.transports = {t.name: t for t in started}
            if self.advertise is None:
                self.advertise = host if host not in ("0.0.0.0", "::") else _default_ip()
            return (host, bound_port)
        raise AssertionError("unreachable")

    def _make(self, name: str) -> Transport:
        if name == "UDP":
            return UdpTransport(self._on_message, self._on_error, self._on_transport_error)
        return TcpTransport(self._on_message, self._on_error, self._on_transport_error,
                            idle_timeout=self.tcp_idle_timeout)

    # callbacks are looked up at call time so they can be set after construction
    def _on_message(self, msg: SipMessage, addr: Addr, t: Transport) -> None:
        if self.on_message:
            self.on_message(msg, addr, t)

    def _on_error(self, data: bytes, addr: Addr, e: SipParseError) -> None:
        if self.on_error:
            self.on_error(data, addr, e)

    def _on_transport_error(self, target: Target, exc: Exception) -> None:
        if self.on_transport_error:
            self.on_transport_error(target, exc)

    @property
    def port(self) -> int:
        t = next(iter(self.transports.values()), None)
        return t.local_addr[1] if t and t.local_addr else 0

    def send(self, msg: Union[SipMessage, bytes], target: Target) -> None:
        """Send over ``target.transport`` to ``target.addr``; raises
        :class:`TransportError` (no such transport, too large) - the signature the
        transaction layer's ``send`` expects."""
        t = self.transports.get(target.transport.upper())
        if t is None:
            raise TransportError(f"no {target.transport} transport is running "
                                 f"(have {', '.join(self.transports) or 'none'})")
        t.send(msg, target.addr)

    def send_response(self, response: SipResponse, request: SipRequest) -> None:
        """Send a response outside any transaction (e.g. a 400 to a broken request)."""
        self.send(response, response_target(request))

    def local_via(self, transport: str = "UDP") -> Via:
        """A Via for a request we send: our advertised address, a fresh branch, rport."""
        return Via(transport, self.advertise or "127.0.0.1", self.port,
                   {"branch": new_branch(), "rport": None})

    def prepare_request(self, request: SipRequest, target: Target) -> Target:
        """Make ``request`` ready to go to ``target``: add our Via when it has none,
        and move it to TCP when it is over 1300 bytes on UDP and TCP runs (§18.1.1).
        Returns the target to give to the transaction layer."""
        if "Via" not in request:
            request.push_via(self.local_via(target.transport))
        if (target.transport.upper() == "UDP" and "TCP" in self.transports
                and len(request.encode()) > MTU_LIMIT):
            via = request.top_via
            via.transport = "TCP"
            request.set_top_via(via)
            target = Target("TCP", target.host, target.port)
        return target

    async def resolve(self, uri: SipUri) -> Target:
        """Where to send a request for ``uri``: its ``maddr`` or host (A/AAAA lookup,
        no NAPTR/SRV), its port or 5060, its transport parameter or UDP."""
        transport = uri.transport
        if transport not in ("UDP", "TCP"):
            raise TransportError(f"URI {uri}: transport {transport} is not supported (UDP or TCP)")
        host = uri.params.get("maddr") or uri.host
        port = uri.port or 5060
        try:
            ipaddress.ip_address(host)
        except ValueError:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
            except socket.gaierror as e:
                raise TransportError(f"URI {uri}: cannot resolve host {host!r}: {e}") from e
            host = infos[0][4][0]
        return Target(transport, host, port)

    async def close(self) -> None:
        for t in self.transports.values():
            await t.close()
        self.transports = {}


def _default_ip() -> str:
    """The address of the interface used for the default route (no packet is sent)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))
        return s.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        s.close()
