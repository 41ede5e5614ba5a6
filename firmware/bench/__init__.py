"""Benchmarks of the firmware (the engine); DSP benchmarks live in dsp/bench."""
