# cython: language_level=3
"""Binary FSK modem for caller ID: Bell 202 and ITU-T V.23, 1200 baud, async (UART) framing.

Standards (``STANDARDS``; frequencies in Hz):

* ``bell202``: mark (binary 1) 1200 Hz, space (binary 0) 2200 Hz, 1200 baud.
* ``v23``: mark 1300 Hz, space 2100 Hz, 1200 baud (V.23 forward channel, ETSI EN 300 659).

Modulator (``FskModulator``): phase-continuous FSK from a 32-bit phase accumulator and a
4096-entry sine table; bit timing from a fractional baud accumulator (6.67 samples per
bit at 1200 baud, so bits are 6 or 7 samples long and never drift).  ``modulate_bits``
sends raw bits, ``modulate_bytes`` UART-frames each byte (start bit 0, 8 data bits
LSB first, stop bit(s) 1), ``seizure``/``mark`` build the caller-ID preamble.  State
carries over between calls, so a message can be generated piecewise.

Demodulator (``FskDemodulator``): per tone, a quadrature correlator over one bit period
(7 samples Bell 202, 8 samples V.23 to null the other tone), kept as an exact integer sliding sum (no drift on endless
audio); the soft decision is mark energy minus space energy.  Carrier detect is a
smoothed power gate with hysteresis (on at ``cd_on_dbm0``, default -47 dBm0, off 3 dB
lower).  The UART framer finds the start-bit edge (mark->space zero crossing of the
soft decision, interpolated to a fraction of a sample) and samples the following bits
at their centres; each character re-synchronises on its own start bit.  Every
character is also checked for *frequency*: the phase rotation of each correlator while
its tone dominates gives the offset of the received tone from nominal, and a character
whose mark or space tone is more than ``max_offset_hz`` (default 50 Hz) away is dropped
(so a Bell 202 receiver does not decode V.23 audio, 100 Hz away), and a character
whose bits were decided with a small mean margin |Em - Es| / (Em + Es) is dropped too
(noise gives few bytes).  ``inverted=True`` swaps mark and space (some Chinese equipment).

``FskDemodulatorBank`` runs many channels (channels x samples array) in one call.
Everything works for any block size: the same bytes come out for blocks of 1 or 8000.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int16_t, int32_t, uint8_t, uint32_t
from libc.stdlib cimport malloc, calloc, free
from libc.math cimport sin, cos, M_PI, lrint, lrintf

from dsp.audio import as_int16
from dsp.levels import sine_amplitude, rms_for_dbm0

cnp.import_array()

STANDARDS = {
    "bell202": {"mark_hz": 1200, "space_hz": 2200, "baud": 1200, "window": 7, "min_margin": 0.75},
    "v23": {"mark_hz": 1300, "space_hz": 2100, "baud": 1200, "window": 8, "min_margin": 0.62},
}
"""FSK caller-ID standards: mark/space frequency (Hz), baud rate, and the least mean
decision margin |Em - Es| / (Em + Es) of an accepted character (clean signal: Bell 0.95,
V.23 0.8 (its tones are closer); white noise averages 0.5)."""

cdef enum:
    MAXWIN = 32               # longest correlator window (samples)
    SINE_BITS = 12            # sine table of 4096 entries
    RATE = 8000               # samples per second
    MIN_IDLE = 32             # idle samples measured before characters are accepted
    # UART states: ST_DATA + k while waiting for data bit k (k = 0..7)
    ST_IDLE = 0
    ST_START = 1
    ST_DATA = 2
    ST_STOP = 10
    CHUNK_SAMPLES = 16000     # samples demodulated per output buffer
    CHUNK_BYTES = 320         # > CHUNK_SAMPLES / 60 (characters are >= 60 samples apart)

cdef float IDLE_LEAK = 0.984375   # 1 - 1/64: the idle-tone frequency estimate spans ~8 ms

cdef float _sine[1 << SINE_BITS]
cdef int _i
for _i in range(1 << SINE_BITS):
    _sine[_i] = sin(2.0 * M_PI * _i / (1 << SINE_BITS))


def _standard(standard):
    try:
        return STANDARDS[standard]
    except KeyError:
        raise ValueError(f"unknown FSK standard {standard!r}; choose from {', '.join(STANDARDS)}") from None


cdef int _gcd(int a, int b) noexcept nogil:
    while b:
        a, b = b, a % b
    return a


# ---------------------------------------------------------------- receiver core (C level)

cdef struct fsk_tables_t:
    int period                # samples in one common cycle of both tones
    int win                   # correlator window (samples)
    float bit_len             # samples per bit (float, e.g. 6.667)
    float cd_on, cd_off       # carrier-detect thresholds (mean square, linear^2)
    float pow_coef            # one-pole smoothing of the power
    float max_tan             # tan of the largest accepted phase step per sample
    float min_margin          # least mean decision margin of an accepted character
    int16_t *mc               # mark cos / sin, space cos / sin, Q12, length period
    int16_t *ms
    int16_t *sc
    int16_t *ss


cdef struct uart_t:
    int inverted              # this UART reads the decision with mark and space swapped
    float prev_d              # previous soft decision (as this UART sees it)
    int state
    float until               # samples from the current one to the next bit centre
    int byte
    float margin              # sum over the character's bits of |em - es| / (em + es)
    float last_margin
    # frequency check of the idle (mark) tone: leaky sum of S[n] * conj(S[n-1]) over
    # steady idle stretches; its angle is the tone's offset from nominal (rad/sample)
    float wi_re, wi_im
    int wi_n                  # samples accumulated (saturates)
    int idle_run              # consecutive idle-level samples outside characters
    int32_t p_re, p_im        # idle-tone correlator at the previous sample


cdef struct fsk_rx_t:
    fsk_tables_t *t
    int nuart                 # 1, or 2 when both polarities are framed
    int phase                 # index into the tables
    int pos                   # ring position
    int32_t ring[4][MAXWIN]
    int32_t s[4]              # sliding sums: mark re, mark im, space re, space im
    float pw                  # smoothed power
    int carrier
    uart_t u[2]               # u[0] primary polarity, u[1] the opposite one


cdef void _uart_reset(uart_t *u) noexcept nogil:
    u.prev_d = 0.0
    u.state = ST_IDLE
    u.until = 0.0
    u.byte = 0
    u.margin = 0.0
    u.wi_re = u.wi_im = 0.0
    u.wi_n = 0
    u.idle_run = 0
    u.p_re = u.p_im = 0


cdef void _rx_reset(fsk_rx_t *r) noexcept nogil:
    cdef int k, i
    r.phase = 0
    r.pos = 0
    for k in range(4):
        r.s[k] = 0
        for i in range(MAXWIN):
            r.ring[k][i] = 0
    r.pw = 0.0
    r.carrier = 0
    _uart_reset(&r.u[0])
    _uart_reset(&r.u[1])


cdef void _rx_setup(fsk_rx_t *r, fsk_tables_t *t, bint inverted, bint both) noexcept nogil:
    r.t = t
    r.nuart = 2 if both else 1
    r.u[0].inverted = inverted
    r.u[1].inverted = not inverted
    _rx_reset(r)


cdef inline bint _tone_ok(float re, float im, float max_tan) noexcept nogil:
    """True when the accumulated rotation re + j im is a small positive-real phase step."""
    if re <= 0.0:
        return False
    if im < 0.0:
        im = -im
    return im <= max_tan * re


cdef inline int _uart_step(uart_t *u, const fsk_tables_t *t, const int32_t *s, int carrier,
                           float d, float em, float es) noexcept nogil:
    """One sample of the UART framer; returns a completed byte, or -1."""
    cdef int32_t cre, cim
    cdef int bit, res = -1
    cdef float fr
    if u.inverted:
        d = -d
        cre = s[2]
        cim = s[3]
    else:
        cre = s[0]
        cim = s[1]
    # frequency of the idle tone, measured where the window lies in steady idle
    if d > 0.0 and carrier and u.state == ST_IDLE:
        u.idle_run += 1
        if u.idle_run > 2 * t.win:
            u.wi_re = u.wi_re * IDLE_LEAK + (<float>cre * <float>u.p_re + <float>cim * <float>u.p_im)
            u.wi_im = u.wi_im * IDLE_LEAK + (<float>cim * <float>u.p_re - <float>cre * <float>u.p_im)
            if u.wi_n < 1000000:
                u.wi_n += 1
    else:
        u.idle_run = 0
    u.p_re = cre
    u.p_im = cim
    if u.state != ST_IDLE:
        if u.until < 0.5:
            bit = d > 0.0
            u.until += t.bit_len
            u.margin += (d if bit else -d) / (em + es + 1.0)
            if u.state == ST_START:
                if bit:
                    u.state = ST_IDLE      # glitch, not a start bit
                else:
                    u.state = ST_DATA
                    u.byte = 0
            elif u.state < ST_STOP:
                u.byte |= bit << (u.state - ST_DATA)
                u.state += 1
            else:
                # stop bit: a good character has a mark here, clear decisions and an idle
                # tone on frequency
                if (bit and u.wi_n >= MIN_IDLE and u.margin >= 10.0 * t.min_margin
                        and _tone_ok(u.wi_re, u.wi_im, t.max_tan)):
                    res = u.byte
                u.last_margin = u.margin * 0.1
                u.state = ST_IDLE
    elif carrier and u.prev_d > 0.0 and d <= 0.0:
        # mark -> space edge: a start bit begins between the previous sample and this one
        fr = u.prev_d / (u.prev_d - d)
        u.until = fr - 1.0 + 0.5 * t.bit_len
        u.state = ST_START
        u.margin = 0.0
    u.until -= 1.0
    u.prev_d = d
    return res


cdef Py_ssize_t fsk_rx_block(fsk_rx_t *r, const int16_t *x, Py_ssize_t n,
                             uint8_t *out, uint8_t *out2, Py_ssize_t maxout,
                             Py_ssize_t *nout2) noexcept nogil:
    """Demodulate ``n`` samples.  Bytes of the primary polarity go to ``out``, those of
    the opposite one (only when both are framed) to ``out2``, at most ``maxout`` each;
    returns the primary count and stores the other in ``nout2``."""
    cdef fsk_tables_t *t = r.t
    cdef Py_ssize_t i, nout = 0, no2 = 0
    cdef int32_t v, a0, a1, a2, a3
    cdef int ph = r.phase, pos = r.pos, period = t.period, win = t.win
    cdef float fv, em, es, d, mre, mim, sre, sim
    cdef float pw = r.pw, coef = t.pow_coef
    cdef int res
    for i in range(n):
        v = x[i]
        a0 = v * t.mc[ph]
        a1 = v * t.ms[ph]
        a2 = v * t.sc[ph]
        a3 = v * t.ss[ph]
        ph += 1
        if ph >= period:
            ph = 0
        r.s[0] += a0 - r.ring[0][pos]
        r.s[1] += a1 - r.ring[1][pos]
        r.s[2] += a2 - r.ring[2][pos]
        r.s[3] += a3 - r.ring[3][pos]
        r.ring[0][pos] = a0
        r.ring[1][pos] = a1
        r.ring[2][pos] = a2
        r.ring[3][pos] = a3
        pos += 1
        if pos >= win:
            pos = 0
        fv = <float>v
        pw += coef * (fv * fv - pw)
        mre = <float>r.s[0]
        mim = <float>r.s[1]
        sre = <float>r.s[2]
        sim = <float>r.s[3]
        em = mre * mre + mim * mim
        es = sre * sre + sim * sim
        d = em - es
        # carrier detect with hysteresis
        if r.carrier:
            if pw < t.cd_off:
                r.carrier = 0
                _uart_reset(&r.u[0])
                _uart_reset(&r.u[1])
        elif pw > t.cd_on:
            r.carrier = 1
        res = _uart_step(&r.u[0], t, r.s, r.carrier, d, em, es)
        if res >= 0 and nout < maxout:
            out[nout] = <uint8_t>res
            nout += 1
        if r.nuart == 2:
            res = _uart_step(&r.u[1], t, r.s, r.carrier, d, em, es)
            if res >= 0 and no2 < maxout:
                out2[no2] = <uint8_t>res
                no2 += 1
    r.phase = ph
    r.pos = pos
    r.pw = pw
    nout2[0] = no2
    return nout


cdef class _Tables:
    """Correlator tables and thresholds of one standard (shared by a bank's channels)."""
    cdef fsk_tables_t t
    cdef readonly object standard

    def __cinit__(self, standard, float cd_on_dbm0, float max_offset_hz, min_margin):
        spec = _standard(standard)
        self.standard = standard
        cdef int fm = spec["mark_hz"], fs_ = spec["space_hz"], baud = spec["baud"]
        cdef int g = _gcd(RATE, _gcd(fm, fs_))
        cdef int period = RATE // g
        cdef int k
        self.t.period = period
        self.t.win = min(MAXWIN, max(2, spec["window"]))
        self.t.bit_len = RATE / <float>baud
        on = rms_for_dbm0(cd_on_dbm0) ** 2
        self.t.cd_on = on
        self.t.cd_off = on * 10.0 ** (-0.3)
        self.t.pow_coef = 1.0 / 16.0
        self.t.max_tan = np.tan(2.0 * np.pi * max_offset_hz / RATE)
        self.t.min_margin = spec["min_margin"] if min_margin is None else min_margin
        self.t.mc = <int16_t *>malloc(4 * period * sizeof(int16_t))
        if self.t.mc == NULL:
            raise MemoryError()
        self.t.ms = self.t.mc + period
        self.t.sc = self.t.mc + 2 * period
        self.t.ss = self.t.mc + 3 * period
        for k in range(period):
            self.t.mc[k] = <int16_t>lrint(4096.0 * cos(2.0 * M_PI * fm * k / RATE))
            self.t.ms[k] = <int16_t>lrint(4096.0 * sin(2.0 * M_PI * fm * k / RATE))
            self.t.sc[k] = <int16_t>lrint(4096.0 * cos(2.0 * M_PI * fs_ * k / RATE))
            self.t.ss[k] = <int16_t>lrint(4096.0 * sin(2.0 * M_PI * fs_ * k / RATE))

    def __dealloc__(self):
        free(self.t.mc)


cdef inline cnp.ndarray _int16_1d(object samples):
    if (type(samples) is np.ndarray and (<cnp.ndarray>samples).dtype.num == cnp.NPY_INT16
            and cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>samples)
            and (<cnp.ndarray>samples).ndim == 1):
        return <cnp.ndarray>samples
    return as_int16(samples)


cdef class FskDemodulator:
    """FSK receiver with carrier detect and UART framing for one channel.

    ``standard``: 'bell202' or 'v23'.  ``inverted``: swap mark and space.
    ``both``: also frame the opposite polarity (one set of correlators feeds two
    UARTs; see ``process_both``) -- cheaper than a second receiver.
    ``cd_on_dbm0``: carrier-detect threshold (dBm0; off 3 dB lower).
    ``max_offset_hz``: largest accepted offset of a received tone from nominal (Hz).
    ``min_margin``: least mean decision margin of a character (default per standard).
    ``process(samples) -> bytes``: the characters completed in this block.
    """
    cdef _Tables tables
    cdef fsk_rx_t rx
    cdef readonly object standard
    cdef readonly bint inverted
    cdef readonly bint both

    def __init__(self, standard: str = "bell202", inverted: bool = False, *,
                 both: bool = False, cd_on_dbm0: float = -47.0,
                 max_offset_hz: float = 50.0, min_margin=None):
        self.standard = standard
        self.inverted = inverted
        self.both = both
        self.tables = _Tables(standard, cd_on_dbm0, max_offset_hz, min_margin)
        _rx_setup(&self.rx, &self.tables.t, inverted, both)

    def reset(self) -> None:
        """Forget all state (as if just created)."""
        _rx_reset(&self.rx)

    @property
    def carrier(self) -> bool:
        """True while a carrier above the detect threshold is present."""
        return bool(self.rx.carrier)

    @property
    def last_margin(self) -> float:
        """Mean decision margin (0..1) of the last character that reached its stop bit."""
        return self.rx.u[0].last_margin

    @property
    def in_character(self) -> bool:
        """True while the UART is inside a character (start bit seen, stop bit pending)."""
        return self.rx.u[0].state != ST_IDLE

    cdef tuple _run(self, object samples):
        cdef cnp.ndarray a = _int16_1d(samples)
        cdef Py_ssize_t n = a.shape[0], done = 0, step, k, k2
        cdef const int16_t *p = <const int16_t *>cnp.PyArray_DATA(a)
        cdef uint8_t buf[CHUNK_BYTES]
        cdef uint8_t buf2[CHUNK_BYTES]
        cdef object out = b"", out2 = b""
        while done < n:
            step = min(n - done, CHUNK_SAMPLES)
            with nogil:
                k = fsk_rx_block(&self.rx, p + done, step, buf, buf2, CHUNK_BYTES, &k2)
            if k:
                out = out + buf[:k]
            if k2:
                out2 = out2 + buf2[:k2]
            done += step
        return out, out2

    def process(self, samples) -> bytes:
        """Demodulate a block of 8 kHz int16 samples; return the bytes completed in it."""
        return self._run(samples)[0]

    def process_both(self, samples) -> tuple:
        """(bytes of the primary polarity, bytes of the opposite one) completed in this
        block; the second is always empty unless created with ``both=True``."""
        return self._run(samples)


cdef class FskDemodulatorBank:
    """``channels`` independent FSK receivers of one standard, fed a channels x samples array.

    ``process(block) -> list[bytes]``: per channel, the bytes completed in this block.
    ``both=True`` also frames the opposite polarity (``process_both``).
    ``reset(channel=None)`` resets one channel or all.
    """
    cdef _Tables tables
    cdef fsk_rx_t *rx
    cdef readonly int channels
    cdef readonly object standard
    cdef readonly bint inverted
    cdef readonly bint both

    def __init__(self, standard: str = "bell202", channels: int = 1, inverted: bool = False, *,
                 both: bool = False, cd_on_dbm0: float = -47.0, max_offset_hz: float = 50.0,
                 min_margin=None):
        if channels < 1:
            raise ValueError("channels must be >= 1")
        self.standard = standard
        self.inverted = inverted
        self.both = both
        self.tables = _Tables(standard, cd_on_dbm0, max_offset_hz, min_margin)
        self.channels = channels
        self.rx = <fsk_rx_t *>calloc(channels, sizeof(fsk_rx_t))
        if self.rx == NULL:
            raise MemoryError()
        cdef int c
        for c in range(channels):
            _rx_setup(&self.rx[c], &self.tables.t, inverted, both)

    def __dealloc__(self):
        free(self.rx)

    def reset(self, channel=None) -> None:
        cdef int c
        if channel is None:
            for c in range(self.channels):
                _rx_reset(&self.rx[c])
        else:
            if not 0 <= channel < self.channels:
                raise IndexError(channel)
            _rx_reset(&self.rx[<int>channel])

    def carriers(self) -> np.ndarray:
        """Carrier-detect state of every channel (bool array)."""
        return np.array([self.rx[c].carrier for c in range(self.channels)], dtype=bool)

    cdef list _run(self, object block, int mode):
        # mode 0: list of bytes per channel; 1: sparse (channel, bytes);
        # 2: sparse (channel, inverted, bytes) for both polarities
        cdef cnp.ndarray a
        if (type(block) is np.ndarray and (<cnp.ndarray>block).dtype.num == cnp.NPY_INT16
                and cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>block)):
            a = <cnp.ndarray>block
        else:
            a = np.ascontiguousarray(block, dtype=np.int16)
        if a.ndim != 2 or a.shape[0] != self.channels:
            raise ValueError(f"expected a ({self.channels}, samples) int16 array")
        cdef Py_ssize_t n = a.shape[1]
        cdef Py_ssize_t maxout = n // 50 + 2
        cdef int chans = self.channels
        cdef uint8_t *o = <uint8_t *>malloc(2 * chans * maxout + 1)
        cdef Py_ssize_t *counts = <Py_ssize_t *>malloc(2 * chans * sizeof(Py_ssize_t) + 1)
        if o == NULL or counts == NULL:
            free(o)
            free(counts)
            raise MemoryError()
        cdef const int16_t *p = <const int16_t *>cnp.PyArray_DATA(a)
        cdef int c
        cdef list result
        try:
            with nogil:
                for c in range(chans):
                    counts[c] = fsk_rx_block(&self.rx[c], p + c * n, n, o + c * maxout,
                                             o + (chans + c) * maxout, maxout, &counts[chans + c])
            if mode == 0:
                result = [b""] * chans
                for c in range(chans):
                    if counts[c]:
                        result[c] = (o + c * maxout)[:counts[c]]
            elif mode == 1:
                result = [(c, (o + c * maxout)[:counts[c]]) for c in range(chans) if counts[c]]
            else:
                result = []
                for c in range(chans):
                    if counts[c]:
                        result.append((c, bool(self.inverted), (o + c * maxout)[:counts[c]]))
                    if counts[chans + c]:
                        result.append((c, not self.inverted,
                                       (o + (chans + c) * maxout)[:counts[chans + c]]))
        finally:
            free(o)
            free(counts)
        return result

    def process(self, block, sparse: bool = False) -> list:
        """Demodulate one block per channel (int16 array, channels x samples).

        Returns the bytes of every channel, or with ``sparse=True`` only
        ``(channel, bytes)`` pairs of the channels that produced bytes.
        """
        return self._run(block, 1 if sparse else 0)

    def process_both(self, block) -> list:
        """Like ``process(block, sparse=True)`` for both polarities: a list of
        ``(channel, inverted, bytes)`` (only with ``both=True`` is the opposite polarity
        framed)."""
        return self._run(block, 2)


# ---------------------------------------------------------------- transmitter

cdef struct fsk_tx_t:
    uint32_t phase
    uint32_t inc[2]           # phase increment for space (0) and mark (1)
    float amp
    int baud
    int acc                   # baud accumulator (units: baud per sample, wraps at RATE)


cdef Py_ssize_t fsk_tx_bits(fsk_tx_t *s, const uint8_t *bits, Py_ssize_t nbits,
                            int16_t *out) noexcept nogil:
    """Modulate ``nbits`` bits (0/1 bytes); return samples written (<= nbits * ceil(RATE/baud))."""
    cdef Py_ssize_t b, k = 0
    cdef uint32_t inc, ph = s.phase
    cdef int acc = s.acc, baud = s.baud
    cdef float amp = s.amp
    for b in range(nbits):
        inc = s.inc[bits[b] != 0]
        while True:
            out[k] = <int16_t>lrintf(amp * _sine[ph >> (32 - SINE_BITS)])
            k += 1
            ph += inc
            acc += baud
            if acc >= RATE:
                acc -= RATE
                break
    s.phase = ph
    s.acc = acc
    return k


cdef class FskModulator:
    """Phase-continuous FSK transmitter (8 kHz int16 output).

    ``standard``: 'bell202' or 'v23'; ``level_dbm0``: transmit level (dBm0);
    ``baud``: bit rate (default 1200).  State (phase, bit timing) carries over calls.
    """
    cdef fsk_tx_t tx
    cdef readonly object standard
    cdef readonly double level_dbm0

    def __init__(self, standard: str = "bell202", level_dbm0: float = -13.5, baud: int = 1200):
        spec = _standard(standard)
        if not 50 <= baud <= RATE // 2:
            raise ValueError("baud out of range")
        self.standard = standard
        self.level_dbm0 = level_dbm0
        self.tx.inc[1] = <uint32_t>(spec["mark_hz"] * 4294967296.0 / RATE + 0.5)
        self.tx.inc[0] = <uint32_t>(spec["space_hz"] * 4294967296.0 / RATE + 0.5)
        self.tx.amp = sine_amplitude(level_dbm0)
        if self.tx.amp > 32767.0:
            raise ValueError("level too high")
        self.tx.baud = baud
        self.reset()

    def reset(self) -> None:
        """Restart phase and bit timing."""
        self.tx.phase = 0
        self.tx.acc = 0

    def modulate_bits(self, bits) -> np.ndarray:
        """Modulate a sequence of bits (iterable/array of 0/1, 1 = mark) -> int16 samples."""
        cdef uint8_t[::1] b = np.ascontiguousarray(np.asarray(bits, dtype=np.uint8))
        cdef Py_ssize_t nb = b.shape[0]
        cdef int per = (RATE + self.tx.baud - 1) // self.tx.baud + 1
        out = np.empty(nb * per + 1, np.int16)
        cdef int16_t[::1] o = out
        cdef Py_ssize_t k = 0
        if nb:
            with nogil:
                k = fsk_tx_bits(&self.tx, &b[0], nb, &o[0])
        return out[:k]

    def modulate_bytes(self, data, stop_bits: int = 1) -> np.ndarray:
        """UART-frame and modulate bytes: start bit 0, 8 data bits LSB first, stop bit(s) 1."""
        return self.modulate_bits(uart_bits(data, stop_bits))

    def modulate(self, data) -> np.ndarray:
        """``bytes``/``bytearray``: UART characters; anything else: raw bits (0/1)."""
        if isinstance(data, (bytes, bytearray)):
            return self.modulate_bytes(data)
        return self.modulate_bits(data)

    def seizure(self, nbits: int = 300) -> np.ndarray:
        """Channel seizure: ``nbits`` alternating bits 0101... (samples)."""
        return self.modulate_bits(np.arange(nbits, dtype=np.uint8) & 1)

    def mark(self, nbits: int = 180) -> np.ndarray:
        """``nbits`` of steady mark (samples)."""
        return self.modulate_bits(np.ones(nbits, np.uint8))


def uart_bits(data, stop_bits: int = 1) -> np.ndarray:
    """Async framing of bytes: per byte 0, b0..b7 (LSB first), then ``stop_bits`` ones (uint8 0/1)."""
    d = np.frombuffer(bytes(data), dtype=np.uint8)
    per = 9 + stop_bits
    out = np.ones((len(d), per), np.uint8)
    out[:, 0] = 0
    out[:, 1:9] = (d[:, None] >> np.arange(8, dtype=np.uint8)) & 1
    return out.reshape(-1)
