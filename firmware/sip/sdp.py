"""SDP session descriptions (RFC 8866, formerly RFC 4566) and offer/answer (RFC 3264).

Two layers, both sans-IO, on SDP bodies as ``str``/``bytes``:

* the model: :meth:`SessionDescription.parse` / ``str()``. Unknown attributes and line
  types are kept (in order) so a body survives a round trip; errors raise
  :class:`SdpError` naming the line.
* offer/answer for the box's one audio stream: :func:`make_offer`, :func:`negotiate`
  (we answer an offer: the answer plus the :class:`MediaParams` the RTP leg needs) and
  :func:`read_answer` (the far end answered our offer), :func:`make_reoffer` for hold
  and resume. RFC 4733 ``telephone-event`` is used when the far end offers it.

Directions in :class:`MediaParams` are from the box's point of view: ``sendonly`` means
the box sends and does not receive. ``remote_hold`` is true when the far end put the
call on hold (it offered ``sendonly``/``inactive`` or the old ``c=0.0.0.0`` style).
"""
from __future__ import annotations

import copy
import functools
import ipaddress
import secrets
from dataclasses import dataclass, field
from typing import Optional, Sequence, Union

__all__ = [
    "SdpError", "NoCommonCodec", "Origin", "Connection", "RtpMap", "MediaDescription",
    "SessionDescription", "Codec", "MediaParams", "Answer", "STATIC_PAYLOAD_TYPES",
    "DIRECTIONS", "make_offer", "make_reoffer", "negotiate", "read_answer",
]


class SdpError(ValueError):
    """A session description is malformed or unusable; the message names the line."""


class NoCommonCodec(SdpError):
    """The offer and the box share no audio codec (the UA answers 488)."""


#: RFC 3551 static payload types: pt -> (encoding, clock rate Hz)
STATIC_PAYLOAD_TYPES: dict[int, tuple[str, int]] = {
    0: ("PCMU", 8000), 3: ("GSM", 8000), 4: ("G723", 8000), 8: ("PCMA", 8000),
    9: ("G722", 8000), 13: ("CN", 8000), 18: ("G729", 8000),
}
_STATIC_BY_NAME = {name: pt for pt, (name, _rate) in STATIC_PAYLOAD_TYPES.items()}

DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")
_MIRROR = {"sendrecv": "sendrecv", "sendonly": "recvonly", "recvonly": "sendonly",
           "inactive": "inactive"}
_RTP_PROTOS = ("RTP/AVP", "RTP/AVPF")


def _dir(send: bool, recv: bool) -> str:
    return {(True, True): "sendrecv", (True, False): "sendonly",
            (False, True): "recvonly", (False, False): "inactive"}[(send, recv)]


def _sends(direction: str) -> bool:
    return direction in ("sendrecv", "sendonly")


def _recvs(direction: str) -> bool:
    return direction in ("sendrecv", "recvonly")


def _check_direction(direction: str) -> str:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction {direction!r} is not one of {', '.join(DIRECTIONS)}")
    return direction


# -------------------------------------------------------------------------------------
# the model

@dataclass
class Origin:
    """``o=<username> <sess-id> <sess-version> IN IP4 <address>``."""

    username: str = "-"
    session_id: str = "0"
    version: int = 0
    nettype: str = "IN"
    addrtype: str = "IP4"
    address: str = "0.0.0.0"

    @classmethod
    def parse(cls, value: str, where: str) -> "Origin":
        f = value.split()
        if len(f) != 6:
            raise SdpError(f"{where}: o= needs 6 fields (username sess-id sess-version "
                           f"nettype addrtype address), got {len(f)}")
        if not f[1].isdigit() or not f[2].isdigit():
            raise SdpError(f"{where}: o= session id and version must be numbers")
        return cls(f[0], f[1], int(f[2]), f[3], f[4], f[5])

    def __str__(self) -> str:
        return (f"{self.username} {self.session_id} {self.version} {self.nettype} "
                f"{self.addrtype} {self.address}")


@dataclass
class Connection:
    """``c=IN IP4 <address>[/ttl]``."""

    address: str
    addrtype: str = "IP4"
    nettype: str = "IN"

    @classmethod
    def parse(cls, value: str, where: str) -> "Connection":
        f = value.split()
        if len(f) != 3:
            raise SdpError(f"{where}: c= needs 3 fields (nettype addrtype address), "
                           f"got {len(f)}")
        if f[0] != "IN" or f[1] not in ("IP4", "IP6"):
            raise SdpError(f"{where}: c= must be 'IN IP4 ...' or 'IN IP6 ...'")
        return cls(f[2], f[1], f[0])

    @classmethod
    def for_address(cls, address: str) -> "Connection":
        return cls(address, _addrtype(address))

    @property
    def host(self) -> str:
        """The address without a multicast ``/ttl`` suffix."""
        return self.address.split("/", 1)[0]

    @property
    def is_null(self) -> bool:
        """``0.0.0.0`` (or ``::``): the RFC 2543 way of putting a call on hold."""
        return self.host in ("0.0.0.0", "::")

    def __str__(self) -> str:
        return f"{self.nettype} {self.addrtype} {self.address}"


@functools.lru_cache(maxsize=1024)
def _addrtype(address: str) -> str:
    try:
        return "IP6" if ipaddress.ip_address(address).version == 6 else "IP4"
    except ValueError:
        return "IP6" if ":" in address else "IP4"   # an FQDN


@dataclass(frozen=True)
class RtpMap:
    """``a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]``."""

    pt: int
    encoding: str
    clock_rate: int
    channels: Optional[int] = None

    @classmethod
    def parse(cls, value: str, where: str = "rtpmap") -> "RtpMap":
        try:
            pt_text, spec = value.strip().split(None, 1)
            parts = spec.strip().split("/")
            pt = int(pt_text)
            rate = int(parts[1])
            ch = int(parts[2]) if len(parts) > 2 and parts[2] else None
            if not 0 <= pt <= 127 or not parts[0] or rate <= 0 or len(parts) > 3:
                raise ValueError
        except (ValueError, IndexError):
            raise SdpError(f"{where}: bad rtpmap {value!r} (expected "
                           f"'<pt> <encoding>/<clock rate>[/<channels>]')") from None
        return cls(pt, parts[0], rate, ch)

    @property
    def name(self) -> str:
        return self.encoding.upper()

    def __str__(self) -> str:
        ch = f"/{self.channels}" if self.channels else ""
        return f"{self.pt} {self.encoding}/{self.clock_rate}{ch}"


@dataclass
class MediaDescription:
    """One ``m=`` section: media, port, proto, formats and its lines.

    ``attributes`` keeps every ``a=`` line in order as ``(name, value)``; a flag such as
    ``a=sendonly`` has value None. ``other`` keeps line types not modelled (``k=``,
    unknown letters) as ``(type, value)``.
    """

    media: str
    port: int
    proto: str
    formats: list[str]
    port_count: Optional[int] = None
    title: Optional[str] = None
    connection: Optional[Connection] = None
    bandwidths: list[str] = field(default_factory=list)
    attributes: list[tuple[str, Optional[str]]] = field(default_factory=list)
    other: list[tuple[str, str]] = field(default_factory=list)

    # -- attributes
    def get(self, name: str) -> Optional[str]:
        """Value of the first ``a=name:value`` ('' for a flag), None when absent."""
        for n, v in self.attributes:
            if n == name:
                return "" if v is None else v
        return None

    def get_all(self, name: str) -> list[str]:
        return ["" if v is None else v for n, v in self.attributes if n == name]

    def set(self, name: str, value: Optional[str] = None) -> None:
        """Replace every ``a=name`` by one (at the place of the first), or append it."""
        out, done = [], False
        for n, v in self.attributes:
            if n == name:
                if not done:
                    out.append((name, value))
                    done = True
                continue
            out.append((n, v))
        if not done:
            out.append((name, value))
        self.attributes = out

    def remove(self, *names: str) -> None:
        self.attributes = [(n, v) for n, v in self.attributes if n not in names]

    # -- RTP views
    @property
    def is_rtp(self) -> bool:
        return self.proto.upper() in _RTP_PROTOS or self.proto.upper().startswith("RTP/")

    @property
    def payload_types(self) -> list[int]:
        """Numeric formats in order (RTP media)."""
        return [int(f) for f in self.formats if f.isdigit()]

    def rtpmaps(self) -> dict[int, RtpMap]:
        """pt → :class:`RtpMap` for every format, static types filled in when no
        ``a=rtpmap`` is given; dynamic types without rtpmap are left out."""
        maps: dict[int, RtpMap] = {}
        for v in self.get_all("rtpmap"):
            try:
                m = RtpMap.parse(v)
            except SdpError:
                continue
            maps.setdefault(m.pt, m)
        out = {}
        for pt in self.payload_types:
            if pt in maps:
                out[pt] = maps[pt]
            elif pt in STATIC_PAYLOAD_TYPES:
                name, rate = STATIC_PAYLOAD_TYPES[pt]
                out[pt] = RtpMap(pt, name, rate)
        return out

    def fmtp(self, pt: int) -> Optional[str]:
        for v in self.get_all("fmtp"):
            head, _, rest = v.partition(" ")
            if head == str(pt):
                return rest.strip()
        return None

    @property
    def direction(self) -> Optional[str]:
        """The media-level direction attribute, None when not given here."""
        found = None
        for n, _v in self.attributes:
            if n in DIRECTIONS:
                found = n
        return found

    @direction.setter
    def direction(self, value: Optional[str]) -> None:
        self.remove(*DIRECTIONS)
        if value is not None:
            self.attributes.append((_check_direction(value), None))

    @property
    def ptime(self) -> Optional[int]:
        """``a=ptime`` in ms (None when absent or unreadable)."""
        v = self.get("ptime")
        try:
            return int(float(v)) if v else None
        except ValueError:
            return None

    @property
    def rtcp(self) -> Optional[tuple[int, Optional[str]]]:
        """``a=rtcp:<port> [IN IP4 <addr>]`` (RFC 3605) as (port, address or None)."""
        v = self.get("rtcp")
        if not v:
            return None
        f = v.split()
        try:
            port = int(f[0])
        except ValueError:
            return None
        return port, (f[3] if len(f) >= 4 else None)

    # -- text
    def lines(self) -> list[str]:
        port = f"{self.port}/{self.port_count}" if self.port_count else str(self.port)
        out = [f"m={self.media} {port} {self.proto} {' '.join(self.formats)}"]
        if self.title is not None:
            out.append(f"i={self.title}")
        if self.connection is not None:
            out.append(f"c={self.connection}")
        out += [f"b={b}" for b in self.bandwidths]
        out += [f"{t}={v}" for t, v in self.other]
        out += [f"a={n}" if v is None else f"a={n}:{v}" for n, v in self.attributes]
        return out


@dataclass
class SessionDescription:
    """A whole SDP body. ``str()`` gives the text with CRLF line ends.

    ``times`` holds each ``t=`` value with its ``r=`` lines; ``other`` keeps line types
    not modelled (``i= u= e= p= z= k=``, unknown letters) in order, written back at
    their place in the RFC order.
    """

    origin: Origin = field(default_factory=Origin)
    session_name: str = "-"
    connection: Optional[Connection] = None
    bandwidths: list[str] = field(default_factory=list)
    times: list[tuple[str, list[str]]] = field(default_factory=lambda: [("0 0", [])])
    attributes: list[tuple[str, Optional[str]]] = field(default_factory=list)
    media: list[MediaDescription] = field(default_factory=list)
    other: list[tuple[str, str]] = field(default_factory=list)

    # -- parsing
    @classmethod
    def parse(cls, text: Union[str, bytes]) -> "SessionDescription":
        """Parse an SDP body; :class:`SdpError` names the offending line."""
        if isinstance(text, (bytes, bytearray)):
            try:
                text = bytes(text).decode("utf-8")
            except UnicodeDecodeError:
                raise SdpError("SDP body is not valid UTF-8 text") from None
        raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        numbered = [(i + 1, ln.rstrip(" \t")) for i, ln in enumerate(raw_lines)]
        numbered = [(n, ln) for n, ln in numbered if ln.strip()]
        if not numbered:
            raise SdpError("empty SDP body")
        sd = cls(times=[])
        sd.origin = None          # type: ignore[assignment]  # until the o= line
        seen_s = False
        cur: Optional[MediaDescription] = None
        for idx, (n, line) in enumerate(numbered):
            where = f"SDP line {n} {line[:60]!r}"
            if len(line) < 2 or line[1] != "=" or not ("a" <= line[0] <= "z"):
                raise SdpError(f"{where}: not of the form <letter>=<value>")
            t, value = line[0], line[2:]
            if idx == 0:
                if t != "v":
                    raise SdpError(f"{where}: SDP must start with v=0")
                if value.strip() != "0":
                    raise SdpError(f"{where}: unsupported SDP version {value!r} (only v=0)")
                continue
            if t == "v":
                raise SdpError(f"{where}: second v= line")
            if t == "m":
                if sd.origin is None:
                    raise SdpError(f"{where}: m= before the o= line")
                cur = _parse_m(value, where)
                sd.media.append(cur)
                continue
            if cur is not None:
                _media_line(cur, t, value, where)
                continue
            if t == "o":
                if sd.origin is not None:
                    raise SdpError(f"{where}: second o= line")
                sd.origin = Origin.parse(value, where)
            elif sd.origin is None:
                raise SdpError(f"{where}: expected o= after v=0")
            elif t == "s":
                if seen_s:
                    raise SdpError(f"{where}: second s= line")
                seen_s = True
                sd.session_name = value
            elif t == "c":
                if sd.connection is not None:
                    raise SdpError(f"{where}: second session-level c= line")
                sd.connection = Connection.parse(value, where)
            elif t == "b":
                sd.bandwidths.append(value)
            elif t == "t":
                sd.times.append((value, []))
            elif t == "r":
                if not sd.times:
                    raise SdpError(f"{where}: r= before any t= line")
                sd.times[-1][1].append(value)
            elif t == "a":
                sd.attributes.append(_parse_a(value))
            else:
                sd.other.append((t, value))
        if sd.origin is None:
            raise SdpError("SDP has no o= line")
        if not sd.times:
            sd.times = [("0 0", [])]   # tolerated: some phones omit t=
        return sd

    # -- views
    @property
    def version(self) -> int:
        """The session version (``o=`` field), bumped by every changed re-offer/answer."""
        return self.origin.version

    @property
    def direction(self) -> Optional[str]:
        """The session-level direction attribute (None when not given)."""
        found = None
        for n, _v in self.attributes:
            if n in DIRECTIONS:
                found = n
        return found

    def media_direction(self, m: MediaDescription) -> str:
        """Direction of ``m``: media level, else session level, else sendrecv."""
        return m.direction or self.direction or "sendrecv"

    def media_connection(self, m: MediaDescription) -> Optional[Connection]:
        return m.connection or self.connection

    def copy(self) -> "SessionDescription":
        return copy.deepcopy(self)

    # -- text
    def lines(self) -> list[str]:
        out = ["v=0", f"o={self.origin}", f"s={self.session_name}"]
        out += [f"{t}={v}" for t, v in self.other if t in "iuep"]
        if self.connection is not None:
            out.append(f"c={self.connection}")
        out += [f"b={b}" for b in self.bandwidths]
        for tv, rs in self.times:
            out.append(f"t={tv}")
            out += [f"r={r}" for r in rs]
        out += [f"{t}={v}" for t, v in self.other if t in "zk"]
        out += [f"{t}={v}" for t, v in self.other if t not in "iuepzk"]
        out += [f"a={n}" if v is None else f"a={n}:{v}" for n, v in self.attributes]
        for m in self.media:
            out += m.lines()
        return out

    def __str__(self) -> str:
        return "\r\n".join(self.lines()) + "\r\n"

    def encode(self) -> bytes:
        return str(self).encode("utf-8")


def _parse_a(value: str) -> tuple[str, Optional[str]]:
    name, sep, val = value.partition(":")
    return (name.strip(), val if sep else None)


def _parse_m(value: str, where: str) -> MediaDescription:
    f = value.split()
    if len(f) < 4:
        raise SdpError(f"{where}: m= needs media, port, proto and at least one format")
    port_text, _, count_text = f[1].partition("/")
    try:
        port = int(port_text)
        count = int(count_text) if count_text else None
        if not 0 <= port <= 65535 or (count is not None and count < 1):
            raise ValueError
    except ValueError:
        raise SdpError(f"{where}: bad port {f[1]!r} (expected a number 0-65535)") from None
    m = MediaDescription(f[0], port, f[2], f[3:], port_count=count)
    if m.proto.upper().startswith("RTP/"):
        for fmt in m.formats:
            if not fmt.isdigit() or not 0 <= int(fmt) <= 127:
                raise SdpError(f"{where}: bad RTP payload type {fmt!r} (expected 0-127)")
    return m


def _media_line(m: MediaDescription, t: str, value: str, where: str) -> None:
    if t == "a":
        name, val = _parse_a(value)
        if name == "rtpmap" and val is not None:
            RtpMap.parse(val, where)            # validates
        m.attributes.append((name, val))
    elif t == "c":
        if m.connection is None:            # further c= (multicast layers): first wins
            m.connection = Connection.parse(value, where)
    elif t == "b":
        m.bandwidths.append(value)
    elif t == "i":
        m.title = value
    elif t in "osvtrz":
        raise SdpError(f"{where}: {t}= is not allowed inside a media section")
    else:
        m.other.append((t, value))


# -------------------------------------------------------------------------------------
# offer / answer

@dataclass(frozen=True)
class Codec:
    """The audio codec chosen: encoding name (upper case), payload type, RTP clock (Hz)."""

    name: str
    pt: int
    clock_rate: int = 8000


@dataclass(frozen=True, kw_only=True)
class MediaParams:
    """What the RTP leg needs after offer/answer.

    ``direction`` is the box's: ``sendrecv``, ``sendonly`` (box sends only),
    ``recvonly`` or ``inactive``. ``ptime`` is the packet time (ms) the far end asked
    for (20 when it did not say). ``rtcp_port`` is the far end's RTCP port (RFC 3605
    ``a=rtcp`` or RTP port + 1).
    """

    codec: Codec
    dtmf_pt: Optional[int]
    remote_addr: str
    remote_port: int
    direction: str
    ptime: int = 20
    remote_hold: bool = False
    rtcp_port: Optional[int] = None


@dataclass(frozen=True, kw_only=True)
class Answer(MediaParams):
    """Result of :func:`negotiate`: the answer to send (``sdp``) plus the media params."""

    sdp: SessionDescription


def _as_sd(sdp: Union[str, bytes, SessionDescription]) -> SessionDescription:
    return sdp if isinstance(sdp, SessionDescription) else SessionDescription.parse(sdp)


def _check_codecs(codecs: Sequence[str]) -> list[str]:
    names = [c.upper() for c in codecs]
    for c in names:
        if c not in _STATIC_BY_NAME or c == "CN":
            known = ", ".join(n for n in _STATIC_BY_NAME if n != "CN")
            raise ValueError(f"unknown codec {c!r} (known: {known})")
    if not names:
        raise ValueError("at least one codec is needed")
    return names


def _new_session_id() -> str:
    return str(secrets.randbelow(2**62) + 1)


def make_offer(addr: str, port: int, codecs: Sequence[str] = ("PCMA", "PCMU"),
               dtmf: bool = True, direction: str = "sendrecv", *,
               session_id: Optional[str] = None, version: int = 1, ptime: int = 20,
               dtmf_pt: int = 101, username: str = "hotline") -> SessionDescription:
    """An offer with one audio stream at ``addr:port`` (RTP), codecs in preference order,
    RFC 4733 ``telephone-event`` at ``dtmf_pt`` when ``dtmf``."""
    names = _check_codecs(codecs)
    _check_direction(direction)
    if not 0 < port <= 65535:
        raise ValueError(f"RTP port {port} is out of range 1-65535")
    m = MediaDescription("audio", port, "RTP/AVP", [str(_STATIC_BY_NAME[n]) for n in names])
    for n in names:
        m.attributes.append(("rtpmap", str(RtpMap(_STATIC_BY_NAME[n], n, 8000))))
    if dtmf:
        m.formats.append(str(dtmf_pt))
        m.attributes.append(("rtpmap", f"{dtmf_pt} telephone-event/8000"))
        m.attributes.append(("fmtp", f"{dtmf_pt} 0-16"))
    m.attributes.append(("ptime", str(ptime)))
    m.attributes.append((direction, None))
    return SessionDescription(
        origin=Origin(username, session_id or _new_session_id(), version, "IN",
                      _addrtype(addr), addr),
        session_name="Hotline", connection=Connection.for_address(addr), media=[m])


def make_reoffer(previous: SessionDescription, direction: str) -> SessionDescription:
    """The box's next offer in the same session (hold: ``sendonly``/``inactive``,
    resume: ``sendrecv``): ``previous`` with the version bumped and the direction of
    every active stream set."""
    _check_direction(direction)
    sd = previous.copy()
    sd.origin.version += 1
    sd.attributes = [(n, v) for n, v in sd.attributes if n not in DIRECTIONS]
    for m in sd.media:
        if m.port != 0:
            m.direction = direction
    return sd


def _pick_audio(m: MediaDescription, names: list[str],
                prefer_local: bool, what: str) -> tuple[Codec, Optional[int], Optional[str]]:
    maps = m.rtpmaps()
    candidates = []
    for pt, rm in maps.items():
        if rm.name in names and rm.clock_rate == 8000:
            candidates.append((names.index(rm.name) if prefer_local else 0,
                               m.payload_types.index(pt), Codec(rm.name, pt, 8000)))
    dtmf_pt, dtmf_fmtp = None, None
    for pt, rm in maps.items():
        if rm.name == "TELEPHONE-EVENT" and rm.clock_rate == 8000:
            dtmf_pt, dtmf_fmtp = pt, m.fmtp(pt)
            break
    if not candidates:
        offered = [rm.encoding for rm in maps.values() if rm.name != "TELEPHONE-EVENT"]
        unknown = [f for f in m.payload_types if f not in maps]
        listed = ", ".join(offered + [f"pt {u}" for u in unknown]) or "no codecs"
        raise NoCommonCodec(f"no common codec: the {what} has {listed}; "
                            f"this box supports {', '.join(names)}")
    candidates.sort(key=lambda c: (c[0], c[1]))
    return candidates[0][2], dtmf_pt, dtmf_fmtp


def negotiate(offer: Union[str, bytes, SessionDescription], local_codecs: Sequence[str],
              addr: str, port: int, *, direction: str = "sendrecv", ptime: int = 20,
              prefer_local: bool = False, session_id: Optional[str] = None,
              version: int = 1, previous: Optional[SessionDescription] = None,
              username: str = "hotline") -> Answer:
    """Answer an offer (RFC 3264 §6) with the box's RTP at ``addr:port``.

    The first usable audio stream (RTP/AVP or RTP/AVPF) is accepted with one codec — the
    offerer's most preferred one among ``local_codecs`` (or ours first with
    ``prefer_local``) — plus ``telephone-event`` when offered, keeping the offerer's
    payload type numbers; every other m= line is rejected with port 0. ``direction``
    is what the box wants; the answer mirrors the offer (sendonly ↔ recvonly).
    ``previous`` is the box's last SDP in this dialog (re-INVITE): its session id is
    kept and its version bumped only if the answer changed.

    Raises :class:`NoCommonCodec` (answer 488) or :class:`SdpError` (malformed).
    """
    _check_direction(direction)
    names = _check_codecs(local_codecs)
    sd = _as_sd(offer)
    if not sd.media:
        raise NoCommonCodec("the offer has no m= line (no media to answer)")
    chosen: Optional[tuple[int, Codec, Optional[int], Optional[str]]] = None
    problems: list[str] = []
    for i, m in enumerate(sd.media):
        if m.media.lower() != "audio" or m.port == 0 or chosen is not None:
            continue
        if m.proto.upper() not in _RTP_PROTOS:
            problems.append(f"the audio stream asks for {m.proto}"
                            + (" (SRTP)" if "SAVP" in m.proto.upper() else "")
                            + ", which this box does not support")
            continue
        try:
            codec, dpt, dfmtp = _pick_audio(m, names, prefer_local, "offer")
        except NoCommonCodec as e:
            problems.append(str(e))
            continue
        chosen = (i, codec, dpt, dfmtp)
    if chosen is None:
        if problems:
            raise NoCommonCodec("; ".join(problems))
        raise NoCommonCodec("the offer has no active audio stream")
    idx, codec, dtmf_pt, dtmf_fmtp = chosen
    om = sd.media[idx]
    conn = sd.media_connection(om)
    if conn is None:
        raise SdpError(f"the offer's audio stream (m= line {idx + 1}) has no c= line "
                       f"and there is no session-level c=")
    offer_dir = sd.media_direction(om)
    remote_hold = offer_dir in ("sendonly", "inactive") or conn.is_null
    # what the far end does: it sends if it said so; it receives only at a real address
    peer_sends = _sends(offer_dir)
    peer_recvs = _recvs(offer_dir) and not conn.is_null
    my_dir = _dir(_sends(direction) and peer_recvs, _recvs(direction) and peer_sends)

    am = MediaDescription("audio", port, om.proto, [str(codec.pt)])
    am.attributes.append(("rtpmap", str(RtpMap(codec.pt, codec.name, 8000))))
    if dtmf_pt is not None:
        am.formats.append(str(dtmf_pt))
        am.attributes.append(("rtpmap", f"{dtmf_pt} telephone-event/8000"))
        am.attributes.append(("fmtp", f"{dtmf_pt} {dtmf_fmtp or '0-15'}"))
    am.attributes.append(("ptime", str(ptime)))
    am.attributes.append((my_dir, None))
    media = []
    for i, m in enumerate(sd.media):
        if i == idx:
            media.append(am)
        else:
            media.append(MediaDescription(m.media, 0, m.proto, list(m.formats)))
    sid = previous.origin.session_id if previous is not None else (
        session_id or _new_session_id())
    ver = previous.origin.version if previous is not None else version
    answer = SessionDescription(
        origin=Origin(username, sid, ver, "IN", _addrtype(addr), addr),
        session_name="Hotline", connection=Connection.for_address(addr), media=media)
    if previous is not None and str(answer) != str(previous):
        answer.origin.version += 1
    rtcp = om.rtcp
    return Answer(sdp=answer, codec=codec, dtmf_pt=dtmf_pt, remote_addr=conn.host,
                  remote_port=om.port, direction=my_dir, ptime=om.ptime or 20,
                  remote_hold=remote_hold,
                  rtcp_port=rtcp[0] if rtcp else om.port + 1)


def read_answer(offer: Union[str, bytes, SessionDescription],
                answer: Union[str, bytes, SessionDescription]) -> MediaParams:
    """The media params from the far end's answer to the box's ``offer``.

    Raises :class:`SdpError` when the answer does not fit the offer (other number of
    m= lines, no c=) and :class:`NoCommonCodec` when it rejected the audio stream or
    chose no codec the box offered.
    """
    off, ans = _as_sd(offer), _as_sd(answer)
    if len(ans.media) != len(off.media):
        raise SdpError(f"the answer has {len(ans.media)} m= lines, the offer had "
                       f"{len(off.media)} (RFC 3264 wants the same number)")
    for i, (om, am) in enumerate(zip(off.media, ans.media)):
        if om.media.lower() != "audio" or om.port == 0:
            continue
        if am.media.lower() != om.media.lower():
            raise SdpError(f"m= line {i + 1} of the answer is {am.media}, "
                           f"the offer had {om.media}")
        if am.port == 0:
            raise NoCommonCodec("the far end rejected the audio stream (port 0)")
        names = [rm.name for rm in om.rtpmaps().values() if rm.name != "TELEPHONE-EVENT"]
        codec, dtmf_pt, _ = _pick_audio(am, names, False, "answer")
        conn = ans.media_connection(am)
        if conn is None:
            raise SdpError(f"the answer's audio stream (m= line {i + 1}) has no c= line "
                           f"and there is no session-level c=")
        ans_dir = ans.media_direction(am)
        my_offer_dir = off.media_direction(om)
        peer_sends = _sends(ans_dir)
        peer_recvs = _recvs(ans_dir) and not conn.is_null
        my_dir = _dir(_sends(my_offer_dir) and peer_recvs, _recvs(my_offer_dir) and peer_sends)
        rtcp = am.rtcp
        return MediaParams(codec=codec, dtmf_pt=dtmf_pt, remote_addr=conn.host,
                           remote_port=am.port, direction=my_dir, ptime=am.ptime or 20,
                           remote_hold=_sends(my_offer_dir) and not peer_recvs,
                           rtcp_port=rtcp[0] if rtcp else am.port + 1)
    raise SdpError("the offer has no active audio stream")
