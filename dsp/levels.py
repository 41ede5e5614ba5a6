"""Signal levels: dBm0 <-> linear 16-bit amplitudes.

0 dBm0 is 3.14 dB below the full-scale sine of the G.711 laws (ITU-T G.711,
the convention spandsp uses too): a 0 dBm0 sine has a peak of 22 821 and an RMS
of 16 137 in 16-bit linear samples.
"""
from __future__ import annotations

import math

FULL_SCALE = 32767.0
"""Peak of a full-scale sine in 16-bit linear samples."""

DBM0_MAX_SINE_POWER = 3.14
"""Level of a full-scale sine, in dBm0."""

SINE_PEAK_0DBM0 = FULL_SCALE * 10.0 ** (-DBM0_MAX_SINE_POWER / 20.0)
"""Peak amplitude (linear) of a 0 dBm0 sine."""

RMS_0DBM0 = SINE_PEAK_0DBM0 / math.sqrt(2.0)
"""RMS (linear) of any signal at 0 dBm0."""


def sine_amplitude(dbm0: float) -> float:
    """Peak amplitude (linear) of a sine at ``dbm0`` dBm0."""
    return SINE_PEAK_0DBM0 * 10.0 ** (dbm0 / 20.0)


def rms_for_dbm0(dbm0: float) -> float:
    """RMS (linear) of a signal at ``dbm0`` dBm0."""
    return RMS_0DBM0 * 10.0 ** (dbm0 / 20.0)


def dbm0_of_rms(rms: float) -> float:
    """Level in dBm0 of a signal with the given RMS (linear); -inf for silence."""
    if rms <= 0.0:
        return float("-inf")
    return 20.0 * math.log10(rms / RMS_0DBM0)
