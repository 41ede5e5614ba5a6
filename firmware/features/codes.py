"""What a dialled feature code does (the codes themselves: settings.feature_codes,
firmware.config.featurecodes, docs/feature-codes.md).

``FeatureCodes.run(chan, name, arg)`` carries the feature out for the phone ``chan`` and
returns the outcome the phone plays: ``on`` / ``off`` (confirmation), ``invalid``
(unknown or unusable code: info tone), ``refused`` (not allowed: e.g. a forward to a
number the extension may not dial) or ``picked_up`` (the phone is now in a call: a
picked-up call, or voicemail ``*98`` / ``*97``).
Settings changed by codes (DND, forwards, follow-me, day/night) are written to the
configuration store, so they survive a restart and show in the web UI.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Optional

from firmware.calls.call import CallState
from firmware.features import prompt_recording
from firmware.features.supervise import FEATURES as SUPERVISE_FEATURES
from firmware.routing.dialplan import Match, TargetKind
from firmware.routing.timeconditions import scheduled_mode

if TYPE_CHECKING:
    from firmware.calls.control import CallControl
    from firmware.channels.base import Channel

log = logging.getLogger("hotline.features")

_FORWARDS = {"cfu_on": "cfu", "cfb_on": "cfb", "cfna_on": "cfna"}
_FORWARDS_OFF = {"cfu_off": "cfu", "cfb_off": "cfb", "cfna_off": "cfna"}


class FeatureCodes:
    def __init__(self, ctl: "CallControl") -> None:
        self.ctl = ctl

    def run(self, chan: "Channel", name: str, arg: str = "") -> str:
        ext = getattr(chan, "extension", None)
        if ext is None:
            return "invalid"
        number = ext.number
        log.info("%s (%s) feature %s %s", chan.name, number, name, arg)
        if name == "dnd_on":
            return self._set(number, "on", dnd=True)
        if name == "dnd_off":
            return self._set(number, "off", dnd=False)
        if name in _FORWARDS:
            return self._forward(ext, _FORWARDS[name], arg)
        if name in _FORWARDS_OFF:
            return self._set(number, "off", **{_FORWARDS_OFF[name]: ""})
        if name == "followme_on":
            if not ext.followme:
                return "invalid"          # no number configured for follow-me
            return self._set(number, "on", followme_mode="after" if ext.followme_mode == "off" else ext.followme_mode)
        if name == "followme_off":
            return self._set(number, "off", followme_mode="off")
        if name == "pickup":
            return self._pickup(chan, group=ext.pickup_group)
        if name == "directed_pickup":
            return self._pickup(chan, target=arg) if arg else "invalid"
        if name == "day_night":
            return self._day_night()
        if name in SUPERVISE_FEATURES:
            sup = getattr(self.ctl, "supervision", None)
            return sup.from_phone(chan, SUPERVISE_FEATURES[name], arg) if sup is not None and arg else "invalid"
        if name.startswith("agent_") and getattr(self.ctl, "acd", None) is not None:
            return self.ctl.acd.feature(chan, name, arg)
        if name == "record_prompt":
            return prompt_recording.start(self.ctl, chan, arg)
        if name in ("voicemail", "voicemail_main") and self.ctl.voicemail is not None:
            return self.ctl.voicemail.start_retrieval(chan, self.ctl.config.feature_code(name),
                                                      own=name == "voicemail")
        return "invalid"                  # unknown, or voicemail not running

    # -- helpers
    def _set(self, number: str, outcome: str, **fields: Any) -> str:
        self.ctl.update_config(lambda store: store.update_extension(number, **fields))
        self.ctl.publish("extension.features", {"extension": number, **fields})
        return outcome

    def _forward(self, ext: Any, kind: str, target: str) -> str:
        if not target or target == ext.number:
            return "invalid"
        cfg = self.ctl.config
        if cfg.destination_kind(target) is None:
            look = self.ctl.dialplan.lookup(target + "#")
            t = look.target if look.match == Match.COMPLETE else None
            if t is None or t.kind != TargetKind.OUTBOUND:
                return "invalid"
            code, reason = self.ctl.tollguard.check(ext, t.call_class, pin_ok=True)
            if code == "class":
                self.ctl.tollguard.refuse(ext.number, target, f"forward refused: {reason}")
                return "refused"
        return self._set(ext.number, "on", **{kind: target})

    def _pickup(self, chan: "Channel", *, group: Optional[str] = None, target: Optional[str] = None) -> str:
        best = None
        for call in self.ctl.calls.values():
            if call.state != CallState.ALERTING or call.a is chan:
                continue
            for rc in call.ringing:
                e = getattr(rc, "extension", None)
                if e is None:
                    continue
                if (target is not None and e.number == target) or \
                        (group is not None and e.pickup_group == group and e.number != getattr(chan, "number", "")):
                    if best is None or call.start < best.start:
                        best = call
        if best is None:
            return "invalid"
        best.picked_up_by(chan)
        return "picked_up" if best.b is chan else "invalid"

    def _day_night(self) -> str:
        """Toggle the override of every time condition: schedule -> the opposite of what
        the schedule says now; override -> back to the schedule."""
        cfg = self.ctl.config
        if not cfg.time_conditions:
            return "invalid"
        now = self.ctl.local_time()
        forced = any(tc.override != "auto" for tc in cfg.time_conditions)

        def change(store: Any) -> None:
            for tc in cfg.time_conditions:
                if forced:
                    mode = "auto"
                else:
                    mode = "night" if scheduled_mode(tc, cfg.holidays, now) == "day" else "day"
                store.update_time_condition(tc.name, override=mode)
        self.ctl.update_config(change)
        self.ctl.publish("timecondition.override", {"forced": not forced})
        return "off" if forced else "on"
