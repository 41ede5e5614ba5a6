"""Feature codes: what a phone dials to turn a feature on or off (``*78`` DND on...).

The codes are one setting, ``settings.feature_codes`` (name -> code); any code may be
changed, a code set to "" is switched off.  Codes marked *takes a number* are followed
by a number (``*72`` + ``803`` forwards to 803; ``**`` + ``801`` picks up 801); the number
ends when the dial plan knows it or with ``#``.  docs/feature-codes.md lists them.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any, Mapping

from firmware.config.errors import ConfigError


@dataclass(frozen=True)
class FeatureCode:
    name: str
    default: str
    takes_number: bool
    description: str
    until_hash: bool = False     #: what follows is free digits ended by # (or the inter-digit timeout)


FEATURE_CODES: tuple[FeatureCode, ...] = (
    FeatureCode("pickup", "*8", False, "Group pickup: answer a call ringing another phone of your pickup group"),
    FeatureCode("directed_pickup", "**", True, "Directed pickup: answer the call ringing extension <number>"),
    FeatureCode("dnd_on", "*78", False, "Do not disturb on (callers hear busy; busy-forward applies)"),
    FeatureCode("dnd_off", "*79", False, "Do not disturb off"),
    FeatureCode("cfu_on", "*72", True, "Forward all calls to <number>"),
    FeatureCode("cfu_off", "*73", False, "Cancel forward-all"),
    FeatureCode("cfb_on", "*90", True, "Forward when busy to <number>"),
    FeatureCode("cfb_off", "*91", False, "Cancel forward-when-busy"),
    FeatureCode("cfna_on", "*52", True, "Forward when not answered to <number>"),
    FeatureCode("cfna_off", "*53", False, "Cancel forward-when-not-answered"),
    FeatureCode("followme_on", "*21", False, "Follow-me on (ring your mobile too, as configured)"),
    FeatureCode("followme_off", "*22", False, "Follow-me off"),
    FeatureCode("day_night", "*28", False, "Day/night override: force the other mode; dial again to return to the schedule"),
    FeatureCode("record_toggle", "*1", False, "During a call: start / stop recording it (calls whose "
                                              "recording policy is on demand; docs/recording.md)"),
    FeatureCode("agent_login", "*61", True, "Agent login at this phone: *61 <agent number> * <PIN> #", True),
    FeatureCode("agent_logout", "*62", False, "Agent logout (the agent logged in at this phone)"),
    FeatureCode("agent_pause", "*63", True, "Agent pause (not ready), optionally with a reason code: *63 <code> #",
                True),
    FeatureCode("agent_unpause", "*64", False, "Agent ready again after a pause"),
    FeatureCode("agent_wrapup", "*65", False, "Agent: 30 s more wrap-up time (after-call work)"),
    FeatureCode("agent_survey", "*60", False, "Agent: hand the queue caller to the satisfaction survey "
                                               "(flash, *60, hang up)"),
    FeatureCode("voicemail", "*98", False, "Voicemail: listen to your own mailbox (PIN asked unless the mailbox "
                                           "says own_phone_pin off)"),
    FeatureCode("record_prompt", "*77", True, "Record a prompt from this phone: *77 <prompt number> # "
                                              "(beep, speak, #; 1 save, 2 again, 3 cancel)", True),
    FeatureCode("voicemail_main", "*97", False, "Voicemail from any phone: asks for the mailbox number and PIN"),
    FeatureCode("supervise_listen", "*66", True, "Supervisor: listen to agent/extension <number> # (silent monitor)", True),
    FeatureCode("supervise_whisper", "*67", True, "Supervisor: whisper to agent/extension <number> # (the caller "
                                                  "does not hear)", True),
    FeatureCode("supervise_barge", "*68", True, "Supervisor: barge in on agent/extension <number> # (three-way)", True),
    FeatureCode("supervise_takeover", "*69", True, "Supervisor: take over the call of agent/extension <number> #", True),
)
DEFAULT_FEATURE_CODES: Mapping[str, str] = {f.name: f.default for f in FEATURE_CODES}
BY_NAME: Mapping[str, FeatureCode] = {f.name: f for f in FEATURE_CODES}

_CODE_RE = re.compile(r"^[*#][0-9*#]{0,5}$|^$")


def validate_feature_codes(value: Any) -> dict[str, str]:
    """Defaults filled in; each code starts with * or # (at most 6 keys); no code may be
    the same as another, and a code may not start with a code that takes no number
    (``*7`` would shadow ``*78``)."""
    f = "settings.feature_codes"
    if not isinstance(value, Mapping):
        raise ConfigError(f, f"{value!r} is not a list of name: code")
    out = dict(DEFAULT_FEATURE_CODES)
    for name, code in value.items():
        if name not in BY_NAME:
            raise ConfigError(f"{f}.{name}", f"unknown feature (known: {', '.join(BY_NAME)})")
        if not isinstance(code, str) or not _CODE_RE.match(code):
            raise ConfigError(f"{f}.{name}", f"{code!r} is not a feature code (starts with * or #, "
                                             "then up to 5 digits, * or #; empty = off)")
        out[name] = code
    items = [(n, c) for n, c in out.items() if c]
    for (n1, c1), (n2, c2) in itertools.combinations(items, 2):
        if n1 in value and n2 not in value:          # name the code the user is changing
            (n1, c1), (n2, c2) = (n2, c2), (n1, c1)
        if c1 == c2:
            raise ConfigError(f"{f}.{n2}", f"{c2} is already the code of {n1}")
        for (na, ca), (nb, cb) in (((n1, c1), (n2, c2)), ((n2, c2), (n1, c1))):
            if cb.startswith(ca) and not BY_NAME[na].takes_number:
                culprit = na if na in value else nb
                raise ConfigError(f"{f}.{culprit}", f"{cb} ({nb}) starts with {ca} ({na}), "
                                                    f"so {nb} could never be dialled")
    return out
