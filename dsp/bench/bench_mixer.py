"""Conference mixing and level metering throughput (spandsp has no equivalent)."""
from __future__ import annotations

import numpy as np

from dsp import mixer
from dsp.bench.core import Case


def cases(quick: bool) -> list[Case]:
    rng = np.random.default_rng(2)
    out = []
    for parties in ((3, 16) if quick else (3, 16, 64)):
        frames = rng.normal(0, 3000, (parties, 160)).clip(-32768, 32767).astype(np.int16)
        buf = np.empty_like(frames)
        out.append(Case("conference mix (per party)", f"{parties} parties", parties, 0.02,
                        ours=lambda f=frames, b=buf: mixer.mix_conference(f, out=b),
                        ref_note="no spandsp equivalent"))
        gains = [0.0] * parties
        out.append(Case("conference mix with gains", f"{parties} parties", parties, 0.02,
                        ours=lambda f=frames, b=buf, g=gains: mixer.mix_conference(f, g, out=b),
                        ref_note="no spandsp equivalent"))
    meter = mixer.LevelMeter()
    frame = rng.normal(0, 3000, 160).astype(np.int16)
    out.append(Case("level meter", "1 ch, 20 ms", 1, 0.02, ours=lambda: meter.process(frame),
                    ref_note="no spandsp equivalent"))
    return out
