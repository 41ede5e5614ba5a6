"""Voicemail: mailboxes, leaving messages, listening to them, message-waiting indication
(analog lamp + stutter dial tone, SIP NOTIFY), email with the WAV attached, and the
call-back follow-up list.  docs/voicemail.md is the guide.

* :mod:`firmware.voicemail.store` — the message index (SQLite) and the WAV files;
* :mod:`firmware.voicemail.deposit` — the leg that greets a caller and records a message;
* :mod:`firmware.voicemail.retrieval` — the leg that logs in and plays the menu;
* :mod:`firmware.voicemail.mwi` — message-waiting lamps / FSK on analog phones;
* :mod:`firmware.voicemail.email` — SMTP on a worker thread, retried;
* :mod:`firmware.voicemail.service` — the whole, as the box runs it;
* :mod:`firmware.voicemail.commands` — the `voicemail.*` management commands.
"""
