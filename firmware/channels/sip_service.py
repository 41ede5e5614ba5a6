"""SIP for call control: the SIP stack, the registrar and the SIP legs of one box.

:class:`SipService` is what the box starts when SIP is on. It builds the registrar
(digest passwords from the extensions in the config store, lockout, qualify), the
:class:`~firmware.sip.ua.SipStack`, the trunk registrations, and turns SIP into calls:

* a phone's or a trunk's INVITE becomes an A :class:`~firmware.channels.sip.SipLeg`;
* ringing a SIP extension makes a B leg that forks to every reachable binding
  (``CallControl.extension_channel``), an outside call through a SIP trunk a B leg to
  the provider (``CallControl`` asks :meth:`trunk_legs`);
* REFER transfers are run by :class:`~firmware.channels.sip_transfer.SipTransfers`.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from firmware.channels.sip import SipIn, SipLeg, SipState
from firmware.channels.sip_transfer import SipTransfers
from firmware.config.model import sip_codecs, sip_rtp_ports
from firmware.sip import sdp as sdpmod
from firmware.sip.jitter import JitterBuffer
from firmware.sip.locations import LocationStore
from firmware.sip.lockout import FailedAuthGuard
from firmware.sip.headers import Address
from firmware.sip.message import SipRequest, Target, new_call_id, new_tag
from firmware.sip.mwi import MwiNotifier
from firmware.sip.subscriptions import Subscriptions, make_notify
from firmware.sip.qualify import Qualifier
from firmware.sip.registrar import Binding, Registrar
from firmware.sip.session import InviteSession
from firmware.sip.trunk_registration import (Provider, TrunkRegistration, caller_identity_headers, is_cid_number,
                                             providers_for)
from firmware.sip.ua import Caller, SipStack, is_ip
from firmware.sip.uri import SipUri

if TYPE_CHECKING:
    from firmware.calls.control import CallControl

log = logging.getLogger("hotline.sip.service")


class SipService:
    """SIP of one box. ``await start(host, port)`` listens; :meth:`close` stops."""

    def __init__(self, ctl: "CallControl", *, publish=None, locations: Optional[Path] = None) -> None:
        """``locations``: the SQLite file that keeps where phones registered across a restart
        (None: only in memory)."""
        self.ctl = ctl
        self.clock = ctl.clock
        self._publish = publish or ctl.publish
        s = self._settings
        self.guard = FailedAuthGuard(self.clock, max_failures=int(s("sip_lockout_failures", 5)),
                                     window_ms=int(s("sip_lockout_window_ms", 60000)),
                                     lockout_ms=int(s("sip_lockout_ms", 600000)))
        self.registrar = Registrar(
            self.clock, realm=s("sip_realm", "hotline"), secret=self._secret, guard=self.guard,
            min_expires_s=int(s("sip_register_min_expires_s", 60)),
            max_expires_s=int(s("sip_register_max_expires_s", 3600)),
            default_expires_s=min(3600, int(s("sip_register_max_expires_s", 3600))),
            max_contacts=int(s("sip_max_contacts", 5)),
            algorithms=tuple(s("sip_auth_algorithms", "MD5,SHA-256").split(",")),
            on_change=self._bindings_changed, log_event=self._log_event)
        self.locations: Optional[LocationStore] = None
        if locations is not None:
            try:
                self.locations = LocationStore(locations, self.clock)
            except sqlite3.Error as e:           # a broken file: phones register again by themselves
                log.warning("SIP registrations will not survive a restart: %s: %s", locations, e)
            else:
                self.registrar.on_store = self.locations.save
        self.stack = SipStack(self.clock, registrar=self.registrar, trunk_for=self._trunk_for,
                              on_invite=self._on_invite,
                              advertise=s("sip_advertise", "") or None)
        self.qualifier = Qualifier(self.clock, self.registrar, self._send_options, self._make_options,
                                   interval_ms=int(s("sip_qualify_ms", 30000)))
        self.transfers = SipTransfers(self)
        # message-waiting lamps (RFC 3842): voicemail (another issue) gives the counts
        self.subscriptions = Subscriptions(self.clock, self._send_notify)
        self.mwi = MwiNotifier(self.subscriptions, counts=self._mailbox_counts)
        self.mailbox_counts: Any = None          #: callable(extension) -> (new, old) once voicemail exists
        self.stack.on_subscribe = self._on_subscribe
        self._sub_targets: dict[str, Target] = {}
        self.legs: list[SipLeg] = []
        self.trunk_regs: dict[str, TrunkRegistration] = {}
        self._trunk_ips: dict[tuple[str, int], str] = {}   # (IP address, port) -> trunk name
        self._seq = itertools.count(1)
        self.media_host = "0.0.0.0"
        self.rtp_ports = sip_rtp_ports(ctl.config)

    def _settings(self, key: str, default: Any = None) -> Any:
        return self.ctl.config.settings.get(key, default)

    # ------------------------------------------------------------------ life
    async def start(self, host: str, port: int) -> tuple[str, int]:
        addr = await self.stack.start(host, port)
        if self.locations is not None:
            try:
                n = self.registrar.restore(self.locations.load())
            except sqlite3.Error as e:
                log.warning("kept SIP registrations could not be read (%s): phones register again", e)
            else:
                if n:
                    log.info("%d SIP registration(s) kept from before the restart", n)
        self.media_host = host if host not in ("0.0.0.0", "::") else "0.0.0.0"
        self.qualifier.start()
        await self.apply_config()
        return addr

    async def close(self) -> None:
        for reg in self.trunk_regs.values():
            reg.stop()
        self.qualifier.stop()
        for leg in list(self.legs):
            leg.leave_quietly()
        await self.stack.close()
        if self.locations is not None:
            self.locations.close()

    @property
    def advertise_host(self) -> str:
        return self.stack.host

    async def apply_config(self) -> None:
        """(Re)read SIP trunks: resolve their addresses, start/stop their registrations;
        extensions that are gone lose their bindings."""
        cfg = self.ctl.config
        ips: dict[str, str] = {}
        for t in cfg.sip_trunks:
            if not t.enabled:
                continue
            for host, port in t.servers():
                for ip in await self._resolve(host):
                    ips[(ip, int(port))] = t.name
        self._trunk_ips = ips
        wanted = {t.name: t for t in cfg.sip_trunks if t.enabled and t.register}
        for name in list(self.trunk_regs):
            if name not in wanted or self.trunk_regs[name].providers != self._providers(wanted[name]):
                self.trunk_regs.pop(name).stop()
        for name, t in wanted.items():
            if name not in self.trunk_regs:
                reg = TrunkRegistration(self.clock, name, self._providers(t), send=self._send_reg,
                                        contact_host=lambda: (self.stack.host, self.stack.port),
                                        via=self.stack.via, on_state=self._trunk_state)
                self.trunk_regs[name] = reg
                reg.start()
        sip_users = {e.number for e in cfg.sip_extensions()}
        for user in list(self.registrar.all_bindings()):
            if user not in sip_users:
                self.registrar.remove_user(user)

    def reload(self) -> None:
        """The configuration changed (called by call control on reload)."""
        try:
            asyncio.get_running_loop().create_task(self.apply_config())
        except RuntimeError:
            pass

    @staticmethod
    def _providers(t: Any) -> tuple[Provider, ...]:
        return tuple(providers_for(t))

    async def _resolve(self, host: str) -> list[str]:
        if is_ip(host):
            return [host]
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_DGRAM)
        except OSError as e:
            log.warning("SIP trunk host %s: cannot resolve it (%s)", host, e)
            return []
        return sorted({i[4][0] for i in infos})

    # ------------------------------------------------------------------ registrar glue
    def _secret(self, user: str) -> Optional[str]:
        ext = self.ctl.config.extension(user)
        if ext is None or ext.kind != "sip" or not ext.enabled or not ext.secret:
            return None
        return ext.secret

    def _bindings_changed(self, user: str, bindings: list[Binding]) -> None:
        self._publish("sip.registration", {"extension": user, "contacts": len(bindings)})

    def _log_event(self, name: str, fields: dict) -> None:
        log.info("%s %s", name, " ".join(f"{k}={v}" for k, v in fields.items()))
        self._publish(name, fields)

    def _send_options(self, request, target, done) -> None:
        self.stack.send_request(request, target, lambda r: done(r), lambda: done(None))

    def _make_options(self, b: Binding) -> SipRequest:
        req = SipRequest("OPTIONS", b.contact.uri.copy())
        req.add("Via", str(self.stack.via(b.source.transport)))
        req.add("Max-Forwards", "70")
        req.add("From", f"<sip:hotline@{self.stack.host}>;tag={new_tag()}")
        req.add("To", f"<sip:{b.user}@{self.stack.host}>")
        req.add("Call-ID", new_call_id(self.stack.host))
        req.add("CSeq", "1 OPTIONS")
        return req

    def bindings(self, number: str) -> list[Binding]:
        return [b for b in self.registrar.bindings(number) if b.reachable is not False]

    # ------------------------------------------------------------------ subscriptions (MWI)
    def _mailbox_counts(self, user: str) -> tuple[int, int]:
        return self.mailbox_counts(user) if self.mailbox_counts is not None else (0, 0)

    def _on_subscribe(self, req: Any, txn: Any, user: str) -> None:
        if req.source is not None:
            self._sub_targets[req.call_id] = req.source
        txn.respond(self.subscriptions.subscribe(req, user))

    def _send_notify(self, sub: Any, headers: list, body: bytes) -> None:
        target = self._sub_targets.get(sub.call_id)
        if target is None:
            return
        h = dict(headers)
        req = make_notify(sub, self.stack.via(target.transport), body, h.get("Content-Type"),
                          h.get("Subscription-State"), contact=self.stack.contact_for(target))
        self.stack.send_request(req, target, lambda r: self._notified(sub, r.status),
                                lambda: self._notified(sub, 408))

    def _notified(self, sub: Any, status: int) -> None:
        self.subscriptions.notify_answered(sub, status)
        if status >= 300:
            self._sub_targets.pop(sub.call_id, None)

    def messages_changed(self, extension: str) -> int:
        """A mailbox changed: NOTIFY the extension's phones (returns how many were told)."""
        return self.mwi.changed(extension)

    # ------------------------------------------------------------------ trunks
    def _trunk_for(self, host: str, port: int) -> Optional[str]:
        """The SIP trunk a request from ``host``:``port`` comes from (its server's address and
        port: phones on the same host use other ports), or None."""
        return self._trunk_ips.get((host, int(port)))

    def _send_reg(self, request, target, on_response, on_timeout) -> None:
        self.stack.send_request(request, target, on_response, on_timeout)

    def _trunk_state(self, name: str, status: dict) -> None:
        self._publish("sip.trunk", {"trunk": name, **status})

    # ------------------------------------------------------------------ legs
    def _new_leg(self, label: str, **kw: Any) -> SipLeg:
        """A leg not yet in use: it joins :attr:`legs` when it starts ringing or is called
        (so legs a call never used are simply forgotten)."""
        return SipLeg(self, f"{label}-{next(self._seq)}", **kw)

    def leg_active(self, leg: SipLeg) -> None:
        if leg not in self.legs:
            self.legs.append(leg)

    def leg_ended(self, leg: SipLeg) -> None:
        if leg in self.legs:
            self.legs.remove(leg)

    def _on_invite(self, s: InviteSession, caller: Caller) -> None:
        req = s.invite
        assert req is not None
        number = req.uri.user or req.to_addr.uri.user or ""
        if caller.kind == "extension":
            ext = self.ctl.config.extension(caller.name)
            if ext is None:
                s.reject(403)
                return
            leg = self._new_leg(ext.number, extension=ext)
        else:
            trunk = self.ctl.config.sip_trunk(caller.name)
            if trunk is None:
                s.reject(403)
                return
            if trunk.max_channels and self.trunk_calls(trunk.name) >= trunk.max_channels:
                s.reject(503, "Trunk channels all in use")
                return
            leg = self._new_leg(trunk.name, trunk=trunk)
            pai = req.get("P-Asserted-Identity")
            ident = req.from_addr
            if pai:
                try:
                    ident = Address.parse(pai, "P-Asserted-Identity")
                except ValueError:
                    pass
            leg.remote_number = ident.uri.user or ""
            leg.remote_name = ident.display or ""
        leg.handle(SipIn.INVITE, session=s, number=number)

    def inbound_from_trunk(self, leg: SipLeg, did: str) -> None:
        """A call from a SIP trunk to ``did``: route it like a call on an outside line."""
        self.ctl.inbound_call(leg, leg.remote_number, leg.remote_name, line_name=leg.trunk.name, did=did)

    def extension_leg(self, ext: Any) -> Optional[SipLeg]:
        """A leg to ring SIP extension ``ext``; None when it has no reachable phone or
        is busy (one call at a time, like an analog phone)."""
        if not self.bindings(ext.number):
            return None
        if any(leg.extension is ext or (leg.extension is not None and leg.extension.number == ext.number)
               for leg in self.legs if leg.state not in (SipState.IDLE, SipState.ENDED)):
            return None
        return self._new_leg(ext.number, extension=ext)

    def trunk_calls(self, name: str) -> int:
        return sum(1 for leg in self.legs if leg.trunk is not None and leg.trunk.name == name
                   and leg.state not in (SipState.IDLE, SipState.ENDED))

    def trunk_legs(self, group: str) -> list[SipLeg]:
        """One fresh leg per SIP trunk of ``group`` that has a free channel, in name order."""
        out = []
        for t in self.ctl.config.sip_trunks_in_group(group):
            if t.max_channels and self.trunk_calls(t.name) >= t.max_channels:
                continue
            out.append(self._new_leg(t.name, trunk=t))
        return out

    def codecs(self, trunk: Any = None) -> list[str]:
        return sip_codecs(self.ctl.config, trunk)

    def jitter_buffer(self) -> JitterBuffer:
        return JitterBuffer(min_ms=int(self._settings("sip_jitter_min_ms", 20)),
                            max_ms=int(self._settings("sip_jitter_max_ms", 200)))

    def binding_target(self, b: Binding) -> tuple[Target, SipUri, str, list]:
        return b.source, b.contact.uri.copy(), f"<sip:{b.user}@{self.stack.host}>", []

    def trunk_target(self, t: Any, number: str) -> Optional[tuple[Target, SipUri, str, list]]:
        reg = self.trunk_regs.get(t.name)
        host, port = t.host, t.port
        if reg is not None and reg.active is not None:
            host, port = reg.active.host, reg.active.port
        ip = next((i for (i, _p), name in self._trunk_ips.items() if name == t.name and (i == host or not is_ip(host))), None)
        if not is_ip(host):
            if ip is None:
                log.warning("SIP trunk %s: host %s is not resolved", t.name, host)
                return None
            host_ip = ip
        else:
            host_ip = host
        ruri = SipUri(host=t.sip_domain if not is_ip(host) else host, user=number, port=port if is_ip(host) else None)
        return (Target(t.transport.upper(), host_ip, port), ruri, f"<sip:{number}@{t.sip_domain}>", [])

    def invite(self, leg: SipLeg, target: Target, ruri: SipUri, to: str, headers: list,
               call: Any) -> InviteSession:
        """Send an INVITE for ``leg`` (its RTP is open) to ``target``."""
        codecs = self.codecs(leg.trunk)
        offer = sdpmod.make_offer(self.advertise_host, leg.rtp.local_port, codecs)
        from_user, from_name, from_domain = call.src or "anonymous", call.caller_name, None
        hdrs = list(headers)
        if leg.trunk is not None:
            t = leg.trunk
            # the first presentable number: the trunk's fixed caller ID, the caller's own
            # (an outside caller forwarded out may be "anonymous" or a SIP name), the account
            number = next((n for n in (t.cid_number, call.src, t.username) if is_cid_number(n)), "")
            prov = self.trunk_regs[t.name].active if t.name in self.trunk_regs else None
            prov = prov or self._providers(t)[0]
            if number:
                hdrs += caller_identity_headers(prov, number, call.caller_name, t.cid_mode)
                from_user = number if t.cid_mode in ("from", "both") else (t.username or number)
            else:
                log.info("%s: caller %r has no number to present on trunk %s: calling as anonymous",
                         leg.name, call.src, t.name)
                from_user = "anonymous"
            from_domain = t.sip_domain
        s = self.stack.invite(target, ruri, from_user=from_user, from_name=from_name, to=to,
                              owner=leg, offer=offer, headers=hdrs, from_domain=from_domain)
        s.media_addr = (self.advertise_host, leg.rtp.local_port)
        s.codecs = codecs
        return s

    # ------------------------------------------------------------------ status
    def status(self) -> dict[str, Any]:
        return {"stack": self.stack.status(),
                "registrations": self.registrar.status(),
                "blocked": [b.as_dict() for b in self.guard.status()],
                "trunks": {n: r.status() for n, r in self.trunk_regs.items()},
                "legs": [leg.status() for leg in self.legs]}
