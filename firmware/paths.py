"""Where a box keeps its files: one data directory per box.

``hotline run --data DIR`` and ``hotline ctl --data DIR`` agree on the layout below, so
several boxes can run side by side (tests do). The default data dir is ``$HOTLINE_DATA``
if set, else ``$XDG_DATA_HOME/hotline`` (``~/.local/share/hotline``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional


def default_data_dir() -> Path:
    env = os.environ.get("HOTLINE_DATA")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(xdg) / "hotline"


@dataclass(frozen=True)
class DataDir:
    """The files of one box under ``root``."""
    root: Path

    @classmethod
    def at(cls, root: Optional[str | os.PathLike] = None) -> "DataDir":
        return cls(Path(root) if root is not None else default_data_dir())

    @property
    def config_db(self) -> Path:
        return self.root / "config.db"          #: configuration (firmware.config)

    @property
    def cdr_db(self) -> Path:
        return self.root / "cdr.db"             #: call records (firmware.cdr)

    @property
    def acd_db(self) -> Path:
        return self.root / "acd.db"             #: queue_log, agent_events, supervision_log (firmware.acd)

    @property
    def socket(self) -> Path:
        return self.root / "hotline.sock"       #: management API (firmware.mgmt)

    @property
    def pidfile(self) -> Path:
        return self.root / "hotline.pid"

    @property
    def sounds(self) -> Path:
        return self.root / "sounds"             #: prompts, music on hold (WAV)

    @property
    def recordings(self) -> Path:
        return self.root / "recordings"

    @property
    def recordings_db(self) -> Path:
        return self.root / "recordings.db"      #: recordings index + access log (firmware.recording)

    @property
    def voicemail(self) -> Path:
        return self.root / "voicemail"          #: voicemail messages and greetings (WAV)

    @property
    def voicemail_db(self) -> Path:
        return self.root / "voicemail.db"       #: voicemail index (firmware.voicemail.store)

    @property
    def log(self) -> Path:
        return self.root / "hotline.log"

    @property
    def logs(self) -> Path:
        return self.root / "logs"               #: the daemon's rotating log, logs/hotline.log (firmware.logbook)

    @property
    def sip_db(self) -> Path:
        return self.root / "sip.db"             #: where registered SIP phones are (firmware.sip.locations)

    @property
    def notices_db(self) -> Path:
        return self.root / "notices.db"         #: supervisor notices for agents (firmware.mgmt.notices)

    def create(self) -> "DataDir":
        """Make the directories (idempotent)."""
        for d in (self.root, self.sounds, self.recordings, self.voicemail):
            d.mkdir(parents=True, exist_ok=True)
        return self
