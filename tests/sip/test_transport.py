"""SIP over real UDP and TCP sockets on 127.0.0.1 (port 0). Every wait awaits an event
with a timeout; nothing sleeps."""
from __future__ import annotations

import asyncio
import socket

import pytest

from firmware.sip.message import (SipRequest, Target, make_error_response, make_response,
                                  new_branch, parse)
from firmware.sip.transaction import TransactionLayer
from firmware.sip.uri import SipUri
from firmware.sip.transport import (MAX_UDP, TcpTransport, TransportError, TransportLayer,
                                    UdpTransport)
from hal.clock import RealtimeClock

LO = "127.0.0.1"
WAIT = 5.0


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 20))


class Inbox:
    """Collects what a TransportLayer delivers; ``await inbox.next()`` waits for one."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()
        self.errors: asyncio.Queue = asyncio.Queue()
        self.transport_errors: asyncio.Queue = asyncio.Queue()

    def layer(self, **kw) -> TransportLayer:
        return TransportLayer(on_message=lambda m, a, t: self.queue.put_nowait((m, a, t)),
                              on_error=lambda d, a, e: self.errors.put_nowait((d, a, e)),
                              on_transport_error=lambda tg, e: self.transport_errors.put_nowait((tg, e)),
                              **kw)

    async def next(self):
        return await asyncio.wait_for(self.queue.get(), WAIT)


def options(transport: str, port: int, call_id: str = "cid-1", via_host: str = "client.invalid",
            body: bytes = b"") -> SipRequest:
    r = SipRequest("OPTIONS", f"sip:box@{LO}:{port}")
    r.add("Via", f"SIP/2.0/{transport} {via_host}:{port};branch={new_branch()};rport")
    r.add("Max-Forwards", "70")
    r.add("From", "<sip:alice@client.invalid>;tag=a1")
    r.add("To", f"<sip:box@{LO}>")
    r.add("Call-ID", call_id)
    r.add("CSeq", "1 OPTIONS")
    r.body = body
    return r


@pytest.mark.parametrize("transport", ["UDP", "TCP"])
def test_request_and_response_between_two_layers(transport):
    async def main():
        a_in, b_in = Inbox(), Inbox()
        a, b = a_in.layer(), b_in.layer()
        await a.start(LO, 0)
        await b.start(LO, 0)
        try:
            req = options(transport, a.port)
            req.set_top_via(a.local_via(transport))
            a.send(req, Target(transport, LO, b.port))
            got, src, t = await b_in.next()
            assert got.method == "OPTIONS" and t.name == transport
            via = got.top_via
            # rport filled with the real source port, received with the source address
            assert via.received == LO and via.rport == src[1]
            assert got.source == Target(transport, LO, src[1])
            if transport == "UDP":
                assert src[1] == a.port        # UDP sends from the listening socket
            resp = make_response(got, 200, to_tag="b1")
            b.send_response(resp, got)
            answer, _, _ = await a_in.next()
            assert answer.status == 200 and answer.to_tag == "b1"
            assert answer.top_via.branch == req.top_via.branch
            if transport == "TCP":           # the response came back on the same connection
                assert len(a.transports["TCP"].connections) == 1
                assert len(b.transports["TCP"].connections) == 1
        finally:
            await a.close()
            await b.close()
    run(main())


def test_tcp_framing_two_in_one_segment_one_split_and_keepalive():
    async def main():
        inbox = Inbox()
        layer = inbox.layer()
        await layer.start(LO, 0, transports=("TCP",))
        reader, writer = await asyncio.open_connection(LO, layer.port)
        try:
            m1 = options("TCP", 1, call_id="one", body=b"hello").encode()
            m2 = options("TCP", 1, call_id="two").encode()
            m3 = options("TCP", 1, call_id="three", body=b"x" * 300).encode()
            writer.write(m1 + m2)
            await writer.drain()
            assert (await inbox.next())[0].call_id == "one"
            assert (await inbox.next())[0].call_id == "two"
            for part in (m3[:10], m3[10:200], m3[200:-5], m3[-5:]):
                writer.write(part)
                await writer.drain()
            got = (await inbox.next())[0]
            assert got.call_id == "three" and got.body == b"x" * 300
            writer.write(b"\r\n\r\n")            # RFC 5626 ping
            await writer.drain()
            assert await asyncio.wait_for(reader.readexactly(2), WAIT) == b"\r\n"
            # a malformed but framed message: reported, and the stream goes on
            bad = options("TCP", 1, call_id="bad")
            bad.remove("Max-Forwards")
            writer.write(bad.encode() + m2)
            await writer.drain()
            data, _, err = await asyncio.wait_for(inbox.errors.get(), WAIT)
            assert "Max-Forwards" in err.reason
            assert (await inbox.next())[0].call_id == "two"
        finally:
            writer.close()
            await layer.close()
    run(main())


def test_udp_garbage_and_malformed_reported_so_ua_can_answer_400():
    async def main():
        inbox = Inbox()
        layer = inbox.layer()
        await layer.start(LO, 0, transports=("UDP",))
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((LO, 0))
        sock.setblocking(False)
        try:
            sock.sendto(b"\r\n\r\n", (LO, layer.port))            # keep-alive: ignored
            sock.sendto(b"\x00\x01garbage", (LO, layer.port))
            data, addr, err = await asyncio.wait_for(inbox.errors.get(), WAIT)
            assert err.status == 400 and make_error_response(err) is None
            bad = options("UDP", sock.getsockname()[1], via_host=LO)
            bad.set("CSeq", "1 INVITE")
            sock.sendto(bad.encode(), (LO, layer.port))
            data, addr, err = await asyncio.wait_for(inbox.errors.get(), WAIT)
            assert "CSeq method" in err.reason
            resp = make_error_response(err)
            stamped = err.message
            layer.send_response(resp, stamped)
            reply = parse(await asyncio.wait_for(loop.sock_recv(sock, 65535), WAIT))
            assert reply.status == 400 and "CSeq method" in reply.get("Warning")
            assert inbox.queue.empty()
        finally:
            sock.close()
            await layer.close()
    run(main())


def test_oversized_messages():
    async def main():
        inbox = Inbox()
        layer = inbox.layer()
        await layer.start(LO, 0)
        try:
            huge = options("UDP", 1, body=b"y" * (MAX_UDP + 10))
            with pytest.raises(TransportError, match="too large for UDP"):
                layer.send(huge, Target("UDP", LO, layer.port))
            big = options("UDP", 1, body=b"z" * 2000)
            big.remove("Via")
            target = layer.prepare_request(big, Target("UDP", LO, 5999))
            assert target == Target("TCP", LO, 5999) and big.top_via.transport == "TCP"
            small = options("UDP", 1)
            small.remove("Via")
            assert layer.prepare_request(small, Target("UDP", LO, 5999)).transport == "UDP"
            assert small.top_via.branch.startswith("z9hG4bK") and small.top_via.rport_requested
            with pytest.raises(TransportError, match="no TLS transport"):
                layer.send(small, Target("TLS", LO, 5061))
        finally:
            await layer.close()
    run(main())


def test_tcp_connect_failure_reported_as_transport_error():
    async def main():
        inbox = Inbox()
        layer = inbox.layer()
        await layer.start(LO, 0, transports=("TCP",))
        s = socket.socket()
        s.bind((LO, 0))
        dead_port = s.getsockname()[1]
        s.close()                              # nobody listens there now
        try:
            layer.send(options("TCP", 1), Target("TCP", LO, dead_port))
            target, exc = await asyncio.wait_for(inbox.transport_errors.get(), WAIT)
            assert target == Target("TCP", LO, dead_port) and isinstance(exc, OSError)
        finally:
            await layer.close()
    run(main())


def test_tcp_response_whose_connection_is_gone_goes_to_via_sent_by():
    async def main():
        a_in, b_in = Inbox(), Inbox()
        a, b = a_in.layer(), b_in.layer()
        await a.start(LO, 0, transports=("TCP",))
        await b.start(LO, 0, transports=("TCP",))
        try:
            req = options("TCP", a.port, via_host=LO)        # sent-by: a's listening port
            resp = make_response(req, 200, to_tag="z")
            # the request's connection (from an ephemeral port) no longer exists
            b.send(resp, Target("TCP", LO, 1))
            got, src, _ = await a_in.next()
            assert got.status == 200 and b.transports["TCP"].connections == [(LO, a.port)]
        finally:
            await a.close()
            await b.close()
    run(main())


def test_tcp_idle_connections_are_closed():
    async def main():
        inbox = Inbox()
        layer = inbox.layer(tcp_idle_timeout=60)
        await layer.start(LO, 0, transports=("TCP",))
        reader, writer = await asyncio.open_connection(LO, layer.port)
        try:
            writer.write(options("TCP", 1).encode())
            await inbox.next()
            tcp = layer.transports["TCP"]
            assert len(tcp.connections) == 1
            loop = asyncio.get_running_loop()
            assert tcp.sweep_idle(loop.time()) == 0           # just used
            assert tcp.sweep_idle(loop.time() + 61) == 1
            assert await asyncio.wait_for(reader.read(), WAIT) == b""   # closed by the box
            assert tcp.connections == []
        finally:
            writer.close()
            await layer.close()
    run(main())


def test_transactions_over_real_udp_on_realtime_clock():
    async def main():
        clock = RealtimeClock()
        stop = asyncio.Event()
        ticker = asyncio.create_task(clock.run(stop))
        a, b = TransportLayer(), TransportLayer()
        await a.start(LO, 0, transports=("UDP",))
        await b.start(LO, 0, transports=("UDP",))
        ta = TransactionLayer(clock, a.send)
        tb = TransactionLayer(clock, b.send,
                              on_request=lambda r, t: t.respond(make_response(r, 200, to_tag="z")))
        a.on_message = lambda m, s, t: ta.receive(m)
        b.on_message = lambda m, s, t: tb.receive(m)
        done = asyncio.get_running_loop().create_future()
        try:
            req = options("UDP", a.port)
            target = a.prepare_request(req, Target("UDP", LO, b.port))
            req.set_top_via(a.local_via("UDP"))
            ta.client_transaction(req, target, lambda r: done.set_result(r.status))
            assert await asyncio.wait_for(done, WAIT) == 200
            assert tb.server_count == 1          # Timer J keeps it for 32 s over UDP
        finally:
            stop.set()
            await ticker
            await a.close()
            await b.close()
    run(main())


def test_transports_refuse_to_send_before_start():
    with pytest.raises(TransportError, match="not running"):
        UdpTransport().send(b"x", (LO, 5060))
    with pytest.raises(TransportError, match="not running"):
        TcpTransport().send(b"x", (LO, 5060))


def test_resolve_picks_transport_host_and_port_from_the_uri():
    async def main():
        layer = TransportLayer()
        assert await layer.resolve(SipUri.parse("sip:801@192.0.2.5")) == Target("UDP", "192.0.2.5", 5060)
        assert await layer.resolve(SipUri.parse("sip:801@192.0.2.5:5070;transport=tcp")) == \
            Target("TCP", "192.0.2.5", 5070)
        assert await layer.resolve(SipUri.parse("sip:801@example.invalid;maddr=192.0.2.9")) == \
            Target("UDP", "192.0.2.9", 5060)
        assert (await layer.resolve(SipUri.parse("sip:localhost"))).host in ("127.0.0.1", "::1")
        with pytest.raises(TransportError, match="TLS is not supported"):
            await layer.resolve(SipUri.parse("sips:801@192.0.2.5"))
    run(main())
