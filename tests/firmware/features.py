"""Helpers shared by the PBX-feature tests (driven only through simulated phones/lines)."""
from __future__ import annotations

import numpy as np

from tests.firmware.conftest import rms, tone_power


def dial(hx, port: str, digits: str, settle_ms: int = 1500) -> None:
    """Off-hook, wait for dial tone (any kind), dial, let it settle."""
    p = hx.phone(port)
    p.off_hook()
    assert hx.until(lambda: hx.state(port) == "dialtone", 2000), f"{port}: no dial tone state"
    hx.run(300)
    p.dial(digits)
    hx.run(200 * len(digits) + settle_ms)          # each DTMF digit: 100 ms tone + 100 ms gap


def talk(hx, a: str, b: str) -> None:
    """``a`` calls extension on ``b``'s port number and ``b`` answers."""
    number = hx.ctl.channel(b).number
    dial(hx, a, number, settle_ms=200)
    assert hx.until(lambda: hx.state(b) == "ringing", 6000), f"{b} does not ring"
    hx.phone(b).off_hook()
    assert hx.until(lambda: hx.state(a) == "talking" and hx.state(b) == "talking", 2000)


def hears_tone(hx, listener, speaker, freq: float, ms: int = 1200) -> bool:
    """Does ``listener`` (a phone/remote) hear ``speaker``'s tone at ``freq``?"""
    listener.start_capture()
    speaker.play_tone(str(int(freq)))
    hx.run(ms)
    speaker.stop_playing()
    x = listener.captured()[2400:]
    return tone_power(x, freq) > 0.5 and rms(x) > 300


def flash(hx, port: str) -> None:
    hx.phone(port).flash()
    hx.run(1000)


def hang_up(hx, port: str) -> None:
    hx.phone(port).on_hook()
    hx.run(1500)


def has_gaps(x: np.ndarray, ms: int = 600) -> bool:
    """Interrupted tone (stutter): some 20 ms frames of the first ``ms`` are near-silent
    while others are loud."""
    frames = x[: ms * 8].reshape(-1, 160).astype(np.float64)
    e = np.sqrt((frames ** 2).mean(axis=1))
    return bool((e < 50).sum() >= 3 and (e > 500).sum() >= 3)
