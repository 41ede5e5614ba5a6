"""Listening to messages: the leg behind ``*98`` (own mailbox), ``*97`` and the voicemail
main number (any mailbox: number, then PIN), like Asterisk's VoiceMailMain.

States (one transition function, :meth:`RetrievalLeg.handle`)::

    MAILBOX --#--> PIN --ok--> [NEW_PIN --> NEW_PIN_AGAIN, when no PIN was ever set] --> MAIN
              wrong 3x: "incorrect", goodbye, hang up (logged as a refusal, kind "voicemail")
    MAIN: 1 new messages, 2 saved messages, 0 mailbox options, # goodbye
    MESSAGE (envelope: number, time received, caller; then the audio; keys work at once):
          1 repeat, 2 save, 3 delete, 4 call back the caller, 5 forward, # next, * main menu
    FORWARD: mailbox number + # --> copied, back to the message menu
    OPTIONS: 1 busy greeting, 2 unavailable greeting, 3 temporary greeting (an empty one
          removes it), 4 change PIN, * main menu
    RECORD_GREETING: beep, record until # / silence / 60 s --> OPTIONS
    GOODBYE --> hang up

A message is marked heard (moved to "saved") when it starts playing, which updates the
message-waiting lamps.  "Call back" hands the caller to the message's caller number with
:meth:`Call.redirect` (outside numbers through the dial plan with the mailbox owner's
outbound rights) and records the attempt for the follow-up list.
"""
from __future__ import annotations

import enum
import logging
from typing import TYPE_CHECKING, Any, Optional

from firmware.voicemail.leg import BEEP, VoicemailLeg, LegIn

if TYPE_CHECKING:
    from firmware.voicemail.service import VoicemailService
    from firmware.voicemail.store import Message

log = logging.getLogger("hotline.voicemail")

LOGIN_ATTEMPTS = 3
ENTRY_TIMEOUT_MS = 8000          #: digits of a number / PIN: time for the next key
MENU_TIMEOUT_MS = 10_000         #: after a menu prompt, before it is said again
MENU_REPEATS = 3                 #: menu said this often without a key: goodbye
GREETING_MAX_MS = 60_000
CALLBACK_WATCH_MS = 1000


class RState(str, enum.Enum):
    MAILBOX = "mailbox"
    PIN = "pin"
    NEW_PIN = "new_pin"
    NEW_PIN_AGAIN = "new_pin_again"
    MAIN = "main"
    MESSAGE = "message"
    FORWARD = "forward"
    OPTIONS = "options"
    RECORD_GREETING = "record_greeting"
    GOODBYE = "goodbye"
    GONE = "gone"


_ENTRY = (RState.MAILBOX, RState.PIN, RState.NEW_PIN, RState.NEW_PIN_AGAIN, RState.FORWARD)
_GREETING_KEYS = {"1": "busy", "2": "unavailable", "3": "temp"}


class RetrievalLeg(VoicemailLeg):
    """Log in to ``mailbox`` (None: ask which) and run the menu."""

    def __init__(self, vm: "VoicemailService", mailbox: Optional[str], own_phone: bool = False) -> None:
        super().__init__(vm, mailbox or "main")
        self.fixed = mailbox                    #: the mailbox is known (own phone)
        self.mailbox: Optional[str] = mailbox
        self.own_phone = own_phone
        self.state = RState.MAILBOX
        self.buf = ""
        self.attempts = 0
        self.repeats = 0
        self.new_pin = ""
        self.folder = "new"
        self.msgs: list["Message"] = []
        self.idx = 0
        self.greeting_kind = ""
        self._after: Any = None                #: where a confirmation leads (a state, or "next")
        self._beeped = False

    # ------------------------------------------------------------------ helpers
    @property
    def mb(self) -> Any:
        return self.ctl.config.mailbox(self.mailbox) if self.mailbox else None

    def _lib(self) -> Any:
        return self.ctl._prompt_library()

    def _ask(self, state: RState, *prompt: str) -> None:
        """Say ``prompt`` and collect digits ending with #."""
        self.state = state
        self.buf = ""
        self.say(*prompt)
        self.arm(ENTRY_TIMEOUT_MS + 6000, "entry")

    def _menu(self, state: RState, *prompt: Any) -> None:
        self.state = state
        self.say(*prompt)
        self.arm(MENU_TIMEOUT_MS + 15_000, "menu")

    def _then(self, state_after: RState, *prompt: Any) -> None:
        """Say a short confirmation, then go on at ``state_after``."""
        self._after = state_after
        self.disarm()
        self.say(*prompt)

    def _login(self) -> None:
        mb = self.mb
        if mb is not None and mb.enabled and not (self.own_phone and not mb.own_phone_pin):
            self._ask(RState.PIN, "mailbox_enter_pin")
        elif mb is not None and mb.enabled:
            self._logged_in()
        else:
            self._ask(RState.MAILBOX, "mailbox_enter_number")

    def _check_pin(self, pin: str) -> None:
        mb = self.mb
        ok = mb is not None and mb.enabled and pin == (mb.pin or mb.number)
        if ok:
            self._logged_in()
            return
        self.attempts += 1
        who = self.call.src if self.call is not None else "?"
        log.warning("voicemail login to mailbox %s from %s failed (%d of %d)", self.mailbox, who,
                    self.attempts, LOGIN_ATTEMPTS)
        if self.attempts >= LOGIN_ATTEMPTS:
            self.ctl.tollguard.refuse(who, self.mailbox or "", f"voicemail: wrong PIN {LOGIN_ATTEMPTS} times "
                                                                  f"for mailbox {self.mailbox}", kind="voicemail")
            self.ctl.publish("voicemail.login_failed", {"mailbox": self.mailbox, "from": who})
            self.state = RState.GOODBYE
            self.say("mailbox_login_incorrect", "goodbye")
            return
        if self.fixed:
            self._ask(RState.PIN, "mailbox_login_incorrect", "mailbox_enter_pin")
        else:
            self.mailbox = None
            self._ask(RState.MAILBOX, "mailbox_login_incorrect", "mailbox_enter_number")

    def _logged_in(self) -> None:
        mb = self.mb
        self.attempts = 0
        log.info("voicemail: mailbox %s logged in from %s", mb.number, self.call.src if self.call else "?")
        if not mb.pin:
            self._ask(RState.NEW_PIN, "mailbox_enter_new_pin")    # first login: set a PIN first
            return
        self._main(intro=True)

    def _main(self, intro: bool = False) -> None:
        self.repeats = 0 if intro else self.repeats
        items: list[Any] = []
        if intro:
            new, old = self.vm.store.counts(self.mailbox)
            lib = self._lib()
            if new == 0 and old == 0:
                items.append("mailbox_no_messages")
            else:
                items.append("mailbox_you_have")
                if lib is not None:
                    items += lib.number(new, measure=True)
                items.append("mailbox_new_message" if new == 1 else "mailbox_new_messages")
                if old:
                    if lib is not None:
                        items += ["word_and", *lib.number(old, measure=True)]
                    items.append("mailbox_old_message" if old == 1 else "mailbox_old_messages")
        items.append("mailbox_main_menu")
        self._menu(RState.MAIN, *items)

    def _open_folder(self, folder: str) -> None:
        self.folder = folder
        self.msgs = self.vm.store.messages(self.mailbox, folder)
        self.idx = 0
        if not self.msgs:
            self._then(RState.MAIN, "mailbox_no_messages")
            return
        self._play_message()

    def _current(self) -> Optional["Message"]:
        return self.msgs[self.idx] if 0 <= self.idx < len(self.msgs) else None

    def _play_message(self) -> None:
        m = self._current()
        if m is None:
            self._then(RState.MAIN, "mailbox_no_more_messages")
            return
        lib = self._lib()
        items: list[Any] = []
        if lib is not None:
            items += ["mailbox_message", *lib.number(self.idx + 1), "mailbox_message_suffix"]
            if m.urgent:
                items.append("mailbox_urgent")
            items += ["mailbox_received", *lib.time_of_day(m.received.astimezone(self.ctl.local_time().tzinfo))]
            digits = "".join(c for c in m.caller if c.isdigit())
            if digits:
                items += ["mailbox_from", *lib.digits(digits)]
        try:
            items.append(self.vm.read_audio(m.path))
        except Exception as e:                               # the file is gone
            log.warning("voicemail message %d: %s", m.id, e)
        items.append("mailbox_message_menu")
        self.vm.mark_read(m)
        self._menu(RState.MESSAGE, *items)

    def _next(self) -> None:
        self.idx += 1
        self._play_message()

    def _call_back(self) -> None:
        m, call = self._current(), self.call
        if m is None or call is None or not m.caller:
            self._then(RState.MESSAGE, "error")
            return
        owner = self.ctl.config.extension(self.mb.owners[0]) if self.mb and self.mb.owners else None
        rights = getattr(call.a, "extension", None) or owner
        cb = self.vm.record_callback(m, "menu", False, call.id)
        self.quiet()
        self.disarm()
        for number in self._dialable(m.caller):
            if call.redirect(self, number, note=f"voicemail {self.mailbox}: call back {m.caller}", rights_of=rights):
                self.state = RState.GONE
                if cb is not None:
                    self._watch_callback(call, cb, 0)
                return
        self._then(RState.MESSAGE, "number_not_in_service")

    def _dialable(self, caller: str) -> list[str]:
        """The caller's number as it can be dialled: as is (internal), then behind each
        outbound route's prefix (outside callers)."""
        cfg = self.ctl.config
        out = [caller]
        for r in cfg.outbound_routes:
            if r.prefix and r.prefix + caller not in out:
                out.append(r.prefix + caller)
        return out

    def _watch_callback(self, call: Any, cb: int, waited: int) -> None:
        """Mark the call-back answered when the caller's number picks up."""
        if call.state.value == "answered" and call.b is not None and call.b is not self:
            self.vm.store.set_callback_answered(cb)
            return
        if call.state.value == "ended" or waited > 180_000:
            return
        self.ctl.clock.call_later(CALLBACK_WATCH_MS,
                                     lambda: self._watch_callback(call, cb, waited + CALLBACK_WATCH_MS))

    def _forward(self, to: str) -> None:
        m = self._current()
        done = self.vm.forward(m, to) if m is not None else None
        self._then(RState.MESSAGE, "mailbox_forwarded" if done is not None else "error")

    def _record_greeting(self, kind: str) -> None:
        self.greeting_kind = kind
        self.state = RState.RECORD_GREETING
        self._after = None
        self.say("mailbox_record_greeting")
        self.disarm()

    def _greeting_done(self, trim_ms: int = 0) -> None:
        self.disarm()
        rec = self.stop_recording(trim_ms)
        if rec is None:
            return
        if rec.voiced_ms < 500:
            rec.path.unlink(missing_ok=True)
            if self.greeting_kind == "temp" and self.vm.store.delete_greeting(self.mailbox, "temp"):
                self._then(RState.OPTIONS, "feature_off")            # empty temp greeting: removed
            else:
                self._then(RState.OPTIONS, "mailbox_message_too_short")
            return
        self.vm.store.set_greeting(self.mailbox, self.greeting_kind, rec.path)
        self.ctl.publish("voicemail.greeting", {"mailbox": self.mailbox, "kind": self.greeting_kind})
        self._then(RState.OPTIONS, "mailbox_greeting_saved")

    def _save_pin(self, pin: str) -> None:
        number = self.mailbox
        self.ctl.update_config(lambda store: store.update_mailbox(number, pin=pin))
        log.info("voicemail: mailbox %s PIN changed", number)
        self._then(RState.MAIN, "mailbox_pin_changed")

    def _entry_digit(self, d: str) -> Optional[str]:
        """Collect a digit; the whole entry when it ends (#), else None."""
        if d == "#":
            got, self.buf = self.buf, ""
            return got
        if d.isdigit():
            if not self.buf:
                self.quiet()
            self.buf += d
            self.arm(ENTRY_TIMEOUT_MS, "entry")
        return None

    def _entry_done(self, got: str) -> None:
        s = self.state
        if s == RState.MAILBOX:
            self.mailbox = got or None
            self._ask(RState.PIN, "mailbox_enter_pin")     # asked even for a wrong number: no hint
        elif s == RState.PIN:
            self._check_pin(got)
        elif s == RState.NEW_PIN:
            if not (4 <= len(got) <= 8):
                self._ask(RState.NEW_PIN, "error", "mailbox_enter_new_pin")
            else:
                self.new_pin = got
                self._ask(RState.NEW_PIN_AGAIN, "mailbox_reenter_new_pin")
        elif s == RState.NEW_PIN_AGAIN:
            if got == self.new_pin:
                self._save_pin(got)
            else:
                self._ask(RState.NEW_PIN, "mailbox_pins_dont_match", "mailbox_enter_new_pin")
        elif s == RState.FORWARD:
            self._forward(got)

    def _goodbye(self) -> None:
        self.disarm()
        self.state = RState.GOODBYE
        self.say("goodbye", fallback="!450/300")

    # ------------------------------------------------------------------ the transition function
    def handle(self, inp: LegIn, **data: Any) -> None:
        s = self.state
        if s == RState.GONE:
            return
        if inp == LegIn.HANGUP:
            self.state = RState.GONE
            self.disarm()
            rec = self.stop_recording()
            if rec is not None:
                rec.path.unlink(missing_ok=True)
            return
        if inp == LegIn.ANSWERED:
            if self.fixed:
                self._login()
            else:
                self._ask(RState.MAILBOX, "mailbox_enter_number")
            return
        d = data.get("d", "")
        if inp == LegIn.PLAYED and self._after is not None:          # a confirmation ended
            after, self._after = self._after, None
            if after == RState.MAIN:
                self._main()
            elif after == RState.MESSAGE:
                self._menu(RState.MESSAGE, "mailbox_message_menu")
            elif after == RState.OPTIONS:
                self._menu(RState.OPTIONS, "mailbox_options_menu")
            elif after == "next":
                self._play_message()
            return
        if s == RState.GOODBYE:
            if inp == LegIn.PLAYED:
                self.state = RState.GONE
                self.hang_up()
            return
        if s in _ENTRY:
            if inp == LegIn.PLAYED and not self.buf:
                self.arm(ENTRY_TIMEOUT_MS, "entry")
            elif inp == LegIn.DIGIT:
                got = self._entry_digit(d)
                if got is not None:
                    self._entry_done(got)
            elif inp == LegIn.TIMEOUT:
                if self.buf:
                    got, self.buf = self.buf, ""
                    self._entry_done(got)
                elif s == RState.FORWARD:
                    self._menu(RState.MESSAGE, "mailbox_message_menu")
                else:
                    self.repeats += 1
                    if self.repeats >= MENU_REPEATS:
                        self._goodbye()
                    else:
                        self._ask(s, "mailbox_enter_number" if s == RState.MAILBOX else
                                  "mailbox_enter_pin" if s == RState.PIN else "mailbox_enter_new_pin")
            return
        if s == RState.RECORD_GREETING:
            if inp == LegIn.PLAYED and self.recording is None:
                if not self._beeped:
                    self._beeped = True
                    self.tone(BEEP)
                    return
                self._beeped = False
                self.start_recording(self.vm.store.temp_path(self.mailbox, f"greet-{self.greeting_kind}"), 5000)
                self.arm(GREETING_MAX_MS, "greeting")
            elif self.recording is not None and inp == LegIn.DIGIT and d == "#":
                self._greeting_done(trim_ms=300)
            elif self.recording is not None and inp in (LegIn.SILENCE, LegIn.TIMEOUT):
                self._greeting_done()
            return
        # menus: MAIN, MESSAGE, OPTIONS
        if inp == LegIn.TIMEOUT:
            self.repeats += 1
            if self.repeats >= MENU_REPEATS:
                self._goodbye()
            elif s == RState.MAIN:
                self._main()
            elif s == RState.MESSAGE:
                self._menu(RState.MESSAGE, "mailbox_message_menu")
            else:
                self._menu(RState.OPTIONS, "mailbox_options_menu")
            return
        if inp == LegIn.PLAYED:
            self.arm(MENU_TIMEOUT_MS, "menu")                       # the menu was said: wait for a key
            return
        if inp != LegIn.DIGIT:
            return
        self.repeats = 0
        self.quiet()
        if s == RState.MAIN:
            if d == "1":
                self._open_folder("new")
            elif d == "2":
                self._open_folder("old")
            elif d == "0":
                self._menu(RState.OPTIONS, "mailbox_options_menu")
            elif d == "#":
                self._goodbye()
            else:
                self._main()
        elif s == RState.MESSAGE:
            m = self._current()
            if d == "1":
                self._play_message()
            elif d == "2" and m is not None:
                self.idx += 1
                self._then_next("mailbox_saved")
            elif d == "3" and m is not None:
                self.vm.delete(m.id)
                self.idx += 1
                self._then_next("mailbox_deleted")
            elif d == "4":
                self._call_back()
            elif d == "5":
                self._ask(RState.FORWARD, "mailbox_forward_to")
            elif d == "#":
                self._next()
            elif d == "*":
                self._main()
            else:
                self._menu(RState.MESSAGE, "mailbox_message_menu")
        elif s == RState.OPTIONS:
            if d in _GREETING_KEYS:
                self._record_greeting(_GREETING_KEYS[d])
            elif d == "4":
                self._ask(RState.NEW_PIN, "mailbox_enter_new_pin")
            elif d in ("*", "#"):
                self._main()
            else:
                self._menu(RState.OPTIONS, "mailbox_options_menu")

    def _then_next(self, prompt: str) -> None:
        """Say ``prompt``, then play the next message (or "no more messages")."""
        self.state = RState.MESSAGE
        self.disarm()
        if self._current() is None:
            self._then(RState.MAIN, prompt, "mailbox_no_more_messages")
            return
        self._after = "next"
        self.say(prompt)

    def status(self) -> dict[str, Any]:
        return {"mailbox": self.mailbox or "", "state": self.state.value,
                "caller": self.call.src if self.call else ""}
