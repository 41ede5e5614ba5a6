"""G.711 bit-exactness: all 65 536 inputs and all 256 codes, both laws.

References: Python's ``audioop`` (audioop-lts on Python >= 3.13) and an
independent transcription of the ITU-T G.191 STL reference encoder below.
"""
import warnings

import numpy as np
import pytest

from dsp import g711

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

ALL_INPUTS = np.arange(-32768, 32768, dtype=np.int16)
ALL_CODES = bytes(range(256))


def g191_alaw_compress(x: int) -> int:
    """ITU-T G.191 STL alaw_compress for one 16-bit sample (12 MSBs + sign used)."""
    ix = (~x) >> 4 if x < 0 else x >> 4
    if ix > 15:
        iexp = 1
        while ix > 16 + 15:
            ix >>= 1
            iexp += 1
        ix -= 16
        ix += iexp << 4
    if x >= 0:
        ix |= 0x80
    return ix ^ 0x55


def g191_ulaw_compress(x: int) -> int:
    """ITU-T G.191 STL ulaw_compress for one 16-bit sample (14 MSBs used)."""
    absno = ((~x) >> 2) + 33 if x < 0 else (x >> 2) + 33
    absno = min(absno, 0x1FFF)
    i = absno >> 6
    segno = 1
    while i:
        segno += 1
        i >>= 1
    high = 8 - segno
    low = 0x0F - ((absno >> segno) & 0x0F)
    code = (high << 4) | low
    if x >= 0:
        code |= 0x80
    return code


def test_alaw_encode_matches_audioop_for_all_inputs():
    assert g711.alaw_encode(ALL_INPUTS) == audioop.lin2alaw(ALL_INPUTS.tobytes(), 2)


def test_alaw_encode_matches_g191_for_all_inputs():
    ours = np.frombuffer(g711.alaw_encode(ALL_INPUTS), np.uint8)
    ref = np.array([g191_alaw_compress(int(v)) for v in ALL_INPUTS], np.uint8)
    assert np.array_equal(ours, ref)


def test_ulaw_encode_matches_g191_for_all_inputs():
    ours = np.frombuffer(g711.ulaw_encode(ALL_INPUTS), np.uint8)
    ref = np.array([g191_ulaw_compress(int(v)) for v in ALL_INPUTS], np.uint8)
    assert np.array_equal(ours, ref)


def test_ulaw_encode_matches_audioop_except_its_negative_rounding():
    ours = np.frombuffer(g711.ulaw_encode(ALL_INPUTS), np.uint8)
    ref = np.frombuffer(audioop.lin2ulaw(ALL_INPUTS.tobytes(), 2), np.uint8)
    nonneg = ALL_INPUTS >= 0
    assert np.array_equal(ours[nonneg], ref[nonneg])
    # audioop rounds negative 14-bit magnitudes up; where it differs it is the adjacent code
    differ = np.nonzero(ours != ref)[0]
    assert differ.size < 600 and np.all(ALL_INPUTS[differ] < 0)
    assert np.all(np.abs(ours[differ].astype(int) - ref[differ].astype(int)) == 1)


@pytest.mark.parametrize("law", ["alaw", "ulaw"])
def test_decode_matches_audioop_for_all_codes(law):
    ours = getattr(g711, f"{law}_decode")(ALL_CODES)
    ref = getattr(audioop, f"{law}2lin")(ALL_CODES, 2)
    assert ours.dtype == np.int16
    assert ours.tobytes() == ref


@pytest.mark.parametrize("law", ["alaw", "ulaw"])
def test_reencoding_a_decoded_value_gives_the_same_code(law):
    enc, dec = getattr(g711, f"{law}_encode"), getattr(g711, f"{law}_decode")
    codes = np.frombuffer(ALL_CODES, np.uint8)
    back = np.frombuffer(enc(dec(ALL_CODES)), np.uint8)
    if law == "ulaw":  # 0x7F (-0) decodes to 0, which encodes as +0 (0xFF)
        codes = codes.copy()
        codes[codes == 0x7F] = 0xFF
    assert np.array_equal(back, codes)


@pytest.mark.parametrize("law", ["alaw", "ulaw"])
def test_symmetry_of_the_law(law):
    enc = getattr(g711, f"{law}_encode")
    pos = np.frombuffer(enc(np.arange(0, 32767, dtype=np.int16)), np.uint8)
    neg = np.frombuffer(enc(-1 - np.arange(0, 32767, dtype=np.int16)), np.uint8)
    assert np.array_equal(pos & 0x7F, neg & 0x7F)
    assert np.all((pos ^ neg) & 0x80)


def test_accepts_bytes_and_arrays_of_any_shape():
    frame = (np.arange(320, dtype=np.int16) * 97).reshape(2, 160)
    as_bytes = g711.alaw_encode(frame.tobytes())
    assert as_bytes == g711.alaw_encode(frame)
    arr = g711.alaw_encode_array(frame)
    assert arr.shape == (2, 160) and arr.dtype == np.uint8
    assert arr.tobytes() == as_bytes
    assert np.array_equal(g711.alaw_decode_array(arr), g711.alaw_decode(as_bytes).reshape(2, 160))
    assert g711.encode(frame, "ulaw") == g711.ulaw_encode(frame)


def test_empty_input():
    assert g711.alaw_encode(b"") == b""
    assert g711.ulaw_decode(b"").size == 0


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="even number of bytes"):
        g711.alaw_encode(b"\x00\x01\x02")
    with pytest.raises(TypeError, match="numpy array or bytes"):
        g711.alaw_encode("hello")
    with pytest.raises(ValueError, match="unknown companding law"):
        g711.encode(ALL_INPUTS, "glaw")
