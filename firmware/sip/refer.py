"""Call transfer helpers: REFER (RFC 3515), Replaces (RFC 3891), Referred-By (RFC 3892),
Refer-Sub (RFC 4488) and the ``message/sipfrag`` progress reports (RFC 3420).

Sans-IO text helpers, no dialog state:

* the transferor's side (a phone, or the box transferring a SIP party):
  :func:`make_refer_to` builds the Refer-To value, with an embedded ``?Replaces=`` for
  an attended transfer; :func:`parse_sipfrag` reads the progress NOTIFYs.
* the transferee's side (the box receiving a REFER): :func:`parse_refer` reads the
  Refer-To / Referred-By / Refer-Sub headers, :func:`parse_replaces` an INVITE's
  Replaces header, and :func:`refer_notify_fields` / :func:`sipfrag` give the headers
  and body of each progress NOTIFY (Event: refer).

Errors are :class:`ReferError` with ``reason`` in plain words and the ``status`` to
answer the request with (400 unless said otherwise).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union
from urllib.parse import quote, unquote

from firmware.sip.headers import Address
from firmware.sip.message import REASONS, SipRequest
from firmware.sip.uri import Params, SipParseError, SipUri, digits_only

__all__ = ["ReferError", "Replaces", "ReferTo", "parse_refer", "parse_replaces", "sipfrag",
           "parse_sipfrag", "refer_notify_fields", "make_refer_to", "SIPFRAG_TYPE"]

SIPFRAG_TYPE = "message/sipfrag;version=2.0"   #: Content-Type of REFER progress NOTIFYs

# characters left unescaped in a URI header value (RFC 3261 §25.1 unreserved marks)
_HVALUE_SAFE = "-_.!~*'()"


class ReferError(ValueError):
    """A REFER, Refer-To or Replaces that cannot be used: ``reason`` says what is wrong
    (naming the header and value), ``status`` is the response to send (400 by default)."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Replaces:
    """The dialog an INVITE replaces (RFC 3891): its Call-ID and the two tags *as seen
    by the party receiving the INVITE* (``to_tag`` is that party's own tag in the
    dialog), and ``early_only`` (replace only if the dialog is not yet confirmed)."""

    call_id: str
    to_tag: str
    from_tag: str
    early_only: bool = False

    def __str__(self) -> str:
        """The Replaces header value: ``callid;to-tag=a;from-tag=b[;early-only]``."""
        out = f"{self.call_id};to-tag={self.to_tag};from-tag={self.from_tag}"
        return out + (";early-only" if self.early_only else "")


@dataclass(frozen=True)
class ReferTo:
    """What a REFER asks for.

    ``target``: the URI to contact, its ``?headers`` part removed; ``method``: the
    request to send there (``method=`` URI parameter, INVITE by default; the parameter
    is removed from ``target``); ``replaces``: set for an attended transfer;
    ``headers``: the other URI headers, unescaped, to copy into that request;
    ``referred_by``: the Referred-By address or None; ``subscribe``: False when the
    referrer sent ``Refer-Sub: false`` (RFC 4488: then no progress NOTIFYs are sent and
    the 202 carries ``Refer-Sub: false``).
    """

    target: SipUri
    replaces: Optional[Replaces] = None
    referred_by: Optional[Address] = None
    method: str = "INVITE"
    headers: tuple[tuple[str, str], ...] = ()
    subscribe: bool = True


def parse_replaces(header_value: str) -> Replaces:
    """Read a Replaces value ``callid;to-tag=..;from-tag=..[;early-only]`` (the
    header of an INVITE, or the unescaped ``?Replaces=`` of a Refer-To). Both tags are
    mandatory; unknown parameters are ignored. Raises :class:`ReferError` (400)."""
    text = header_value.strip()
    call_id, _, ptext = text.partition(";")
    call_id = call_id.strip()
    if not call_id or any(c.isspace() for c in call_id):
        raise ReferError(f"Replaces {text!r}: the Call-ID before ';' is empty or has spaces")
    try:
        params = Params.parse(ptext)
    except SipParseError as e:
        raise ReferError(f"Replaces {text!r}: {e.reason}") from None
    tags: dict[str, str] = {}
    for name in ("to-tag", "from-tag"):
        value = params.get(name)
        if not value:
            raise ReferError(f"Replaces {text!r} has no {name} parameter (both tags are required)")
        tags[name] = value
    return Replaces(call_id, tags["to-tag"], tags["from-tag"], "early-only" in params)


def _referred_by(request: SipRequest) -> Optional[Address]:
    values = request.get_list("Referred-By")
    if not values:
        return None
    if len(values) > 1:
        raise ReferError("more than one Referred-By header value")
    try:
        return Address.parse(values[0], "Referred-By")
    except SipParseError as e:
        raise ReferError(e.reason) from None


def _refer_sub(request: SipRequest) -> bool:
    value = request.get("Refer-Sub")
    if value is None:
        return True
    word = value.split(";")[0].strip().lower()
    if word not in ("true", "false"):
        raise ReferError(f"Refer-Sub {value.strip()!r} is neither 'true' nor 'false'")
    return word == "true"


def parse_refer(request: SipRequest) -> ReferTo:
    """Read the transfer a REFER asks for (RFC 3515 §2.4.2: exactly one Refer-To).

    Raises :class:`ReferError`: 400 for zero or several Refer-To values, an unreadable
    address, a Refer-To URI that is not sip/sips/tel, a bad ``?Replaces=`` or
    Referred-By, or a Refer-Sub that is not true/false.
    """
    values = request.get_list("Refer-To")
    if not values:
        raise ReferError("REFER has no Refer-To header")
    if len(values) > 1:
        raise ReferError(f"REFER has {len(values)} Refer-To values; exactly one is allowed")
    try:
        addr = Address.parse(values[0], "Refer-To")
    except SipParseError as e:
        raise ReferError(e.reason) from None
    target = addr.uri.copy()
    replaces: Optional[Replaces] = None
    extra: list[tuple[str, str]] = []
    for name, value in addr.uri.headers.items():
        text = unquote(value)
        if name.lower() == "replaces":
            if replaces is not None:
                raise ReferError("Refer-To carries Replaces twice")
            replaces = parse_replaces(text)
        else:
            extra.append((name, text))
    target.headers = {}
    method = (target.params.pop("method") or "INVITE").upper()
    if replaces is not None and method != "INVITE":
        raise ReferError(f"Refer-To asks for {method} but carries Replaces (only INVITE can replace)")
    return ReferTo(target=target, replaces=replaces, referred_by=_referred_by(request),
                   method=method, headers=tuple(extra), subscribe=_refer_sub(request))


def make_refer_to(uri: Union[SipUri, str], replaces: Optional[Replaces] = None) -> str:
    """A Refer-To value ``<uri>`` or ``<uri?Replaces=...>`` (the Replaces value
    percent-escaped, RFC 3891 §6.1) for a blind or an attended transfer.

    For an attended transfer ``replaces`` names the transferor's dialog *with the
    transfer target* as the target sees it: ``to_tag`` = the target's tag,
    ``from_tag`` = the transferor's tag.
    """
    target = uri.copy() if isinstance(uri, SipUri) else SipUri.parse(uri)
    if replaces is not None:
        target.headers = dict(target.headers)
        target.headers["Replaces"] = quote(str(replaces), safe=_HVALUE_SAFE)
    return f"<{target}>"


def sipfrag(status: int, reason: Optional[str] = None) -> bytes:
    """The status line of a response as a ``message/sipfrag`` body:
    ``b"SIP/2.0 180 Ringing\\r\\n"`` (reason defaults to the standard phrase)."""
    if not 100 <= int(status) <= 699:
        raise ValueError(f"sipfrag status {status} is not a SIP status code (100-699)")
    if reason is None:
        reason = REASONS.get(int(status), "Unknown")
    if "\r" in reason or "\n" in reason:
        raise ValueError(f"sipfrag reason {reason!r} contains a line break")
    return f"SIP/2.0 {int(status)} {reason}\r\n".encode("utf-8")


def parse_sipfrag(body: bytes) -> tuple[int, str]:
    """(status, reason) from the first line of a sipfrag body (the transferor reading
    progress NOTIFYs). Raises :class:`ReferError` when it is not a status line."""
    line = bytes(body).split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    parts = line.split(" ", 2)
    if len(parts) < 2 or parts[0].upper() != "SIP/2.0" or len(parts[1]) != 3 \
            or not digits_only(parts[1]) or not 100 <= int(parts[1]) <= 699:
        raise ReferError(f"sipfrag body {line[:60]!r} is not a 'SIP/2.0 <code> <reason>' line")
    return int(parts[1]), parts[2] if len(parts) > 2 else ""


def refer_notify_fields(status: int, final: bool, expires_s: int = 60,
                        reason: Optional[str] = None,
                        refer_id: Optional[int] = None) -> tuple[list[tuple[str, str]], bytes]:
    """Headers and body of one REFER progress NOTIFY (RFC 3515 §2.4.5).

    ``status`` is the latest response of the triggered request; ``final`` is True for
    the last report (the implicit subscription then ends: ``terminated;reason=
    noresource``), else the state is ``active;expires=<expires_s>`` (seconds left).
    ``refer_id`` is the REFER's CSeq number, put in ``Event: refer;id=`` when a dialog
    carries more than one REFER. Returns ``([(name, value)...], body)``.
    """
    event = "refer" if refer_id is None else f"refer;id={int(refer_id)}"
    state = "terminated;reason=noresource" if final else f"active;expires={max(0, int(expires_s))}"
    headers = [("Event", event), ("Subscription-State", state), ("Content-Type", SIPFRAG_TYPE)]
    return headers, sipfrag(status, reason)
