"""Voicemail tests: a whole box on the simulated board (the ``hx`` fixture of
tests/firmware) with mailboxes configured."""
from __future__ import annotations

import numpy as np
import pytest

from dsp.audio import read_wav
from firmware.box import Box
from firmware.paths import DataDir
from hal.clock import VirtualClock
from tests.firmware.conftest import Harness, rms, tone_power  # noqa: F401 - rms used by the tests


@pytest.fixture
def hx(tmp_path) -> Harness:
    """A whole box on the simulated board and a virtual clock (as in tests/firmware)."""
    clock = VirtualClock()
    box = Box(DataDir.at(tmp_path / "data"), clock)
    yield Harness(box, clock)
    box.close()


def setup_mailboxes(hx, **fields) -> None:
    """Mailbox 801 (PIN 1234) and a short ring time, so unanswered calls reach voicemail soon."""
    hx.box.store.set_setting("ring_timeout_ms", 5000)
    hx.box.store.add_mailbox(number="801", pin="1234", **fields)
    hx.box.reload()


def wav_tone(path, freq: float) -> float:
    x = read_wav(path)
    return tone_power(x[1600:-1600] if x.size > 6400 else x, freq)


def leave_message(hx, caller_port: str = "fxs2", number: str = "801", freq: int = 700,
                  speak_ms: int = 3000) -> None:
    """``caller_port`` calls ``number`` (nobody answers), waits for the beep, says a tone
    for ``speak_ms`` and hangs up."""
    from tests.firmware.features import dial
    dial(hx, caller_port, number, settle_ms=200)
    vm = hx.box.voicemail
    assert hx.until(lambda: any(getattr(leg, "state", None) is not None and leg.state.value == "recording"
                                for leg in vm.legs), 40_000), "voicemail never started recording"
    p = hx.phone(caller_port)
    p.play_tone(str(freq))
    hx.run(speak_ms)
    p.stop_playing()
    p.on_hook()
    hx.run(1500)


def stutter(x: np.ndarray) -> bool:
    frames = x[: 800 * 8].reshape(-1, 160).astype(np.float64)
    e = np.sqrt((frames ** 2).mean(axis=1))
    return bool((e < 50).sum() >= 3 and (e > 500).sum() >= 3)
