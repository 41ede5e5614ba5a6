"""Telephony signal processing for Hotline (Cython cores with thin Python faces).

Everything works on 8 kHz, 16-bit signed linear audio.  Modules:

* ``dsp.g711``      A-law / µ-law companding (bit-exact G.711)
* ``dsp.dtmf``      DTMF generation and detection (Q.24)
* ``dsp.tones``     country tone profiles, tone generation, call-progress detection
* ``dsp.callerid``  FSK (Bell 202 / V.23) and DTMF caller ID, MWI
* ``dsp.echo``      line echo canceller
* ``dsp.mixer``     conference mixing and level metering
* ``dsp.audio``     input conversion shared by the faces
* ``dsp.levels``    dBm0 <-> linear conversions

This package imports nothing else of the project (see DESIGN.md).
"""

SAMPLE_RATE = 8000
"""Samples per second everywhere inside the box."""

FRAME_SAMPLES = 160
"""One 20 ms frame, in samples."""
