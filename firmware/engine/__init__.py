"""The tick-driven switch: legs (rows of audio), bridges, conferences, players, recorders,
and the batched DSP chain (echo cancellation, DTMF, call progress, caller ID) per tick."""
