"""Hotline's own SIP stack (RFC 3261), asyncio and sans-IO, one module per concern.

Bottom up: ``uri`` (SIP/SIPS/tel URIs and parameter lists), ``headers`` (Via,
name-addr, CSeq, compact header names), ``message`` (requests/responses, parsing,
serialising, stream framing), ``transport`` (UDP and TCP on asyncio), ``transaction``
(the four RFC 3261 §17 state machines on the hal clock). See docs/sip.md.

Import the submodules directly (``from firmware.sip.message import parse``); this
package imports none of them.
"""
