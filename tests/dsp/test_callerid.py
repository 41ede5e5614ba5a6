"""Caller ID (dsp.callerid): SDMF/MDMF/MWI over Bell 202 and V.23, DTMF caller ID,
the streaming FXO decoder."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from dsp import callerid as cid
from dsp import fsk, g711
from dsp.levels import rms_for_dbm0, sine_amplitude

WHEN = dt.datetime(dt.datetime.now().year, 3, 14, 9, 26)
STDS = ("bell202", "v23")


def _place(sig: np.ndarray, offset: int, tail: int = 800) -> np.ndarray:
    return np.concatenate([np.zeros(offset, np.int16), sig, np.zeros(tail, np.int16)])


def _noisy(sig: np.ndarray, level: float, snr_db: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = sig.astype(float) + rng.normal(0, rms_for_dbm0(level - snr_db), len(sig))
    return np.clip(np.rint(out), -32768, 32767).astype(np.int16)


# ---------------------------------------------------------------- message layer

def test_checksum_makes_the_sum_zero():
    raw = cid.build_callerid("5551234", "ALICE", WHEN)
    assert sum(raw) % 256 == 0
    assert raw[0] == 0x80 and raw[1] == len(raw) - 3


def test_message_layouts():
    assert cid.build_callerid("5551234", when=WHEN, message="sdmf")[:10] == b"\x04\x0f03140926"
    assert cid.build_callerid(None, when=WHEN, number_reason="private",
                              message="sdmf")[2:-1] == b"03140926P"
    assert cid.build_mwi(True, message="sdmf")[:5] == b"\x06\x03\x42\x42\x42"
    assert cid.build_mwi(False, message="sdmf")[:5] == b"\x06\x03\x6f\x6f\x6f"
    assert cid.build_mwi(True)[:5] == b"\x82\x03\x0b\x01\xff"
    assert cid.build_mwi(False)[:5] == b"\x82\x03\x0b\x01\x00"
    mdmf = cid.build_callerid(None, None, None, number_reason="unavailable", name_reason="private")
    assert mdmf[2:-1] == b"\x04\x01O\x08\x01P"


def test_parse_rejects_bad_checksum_and_bad_structure():
    raw = bytearray(cid.build_callerid("5551234", "BOB", WHEN))
    assert cid.parse_message(bytes(raw))["number"] == "5551234"
    bad = bytearray(raw)
    bad[-1] ^= 0x01
    assert cid.parse_message(bytes(bad)) is None
    bad = bytearray(raw)
    bad[5] ^= 0x10
    assert cid.parse_message(bytes(bad)) is None
    # correct checksum but a parameter length running past the body
    body = b"\x02\x09555"
    assert cid.parse_message(bytes([0x80, len(body)]) + body
                             + bytes([cid.checksum(bytes([0x80, len(body)]) + body)])) is None


# ---------------------------------------------------------------- FSK round trips

CONTENTS = {
    "full": dict(number="13800138000", name="ZHANG SAN", when=WHEN),
    "number_only": dict(number="5551234", name=None, when=None),
    "private": dict(number=None, name=None, when=WHEN, number_reason="private",
                    name_reason="private"),
    "unavailable": dict(number=None, name=None, when=WHEN, number_reason="unavailable"),
}


def _expect(msg, content, message):
    assert msg is not None
    assert msg["kind"] == "callerid"
    assert msg["number"] == content["number"]
    assert msg["number_reason"] == content.get("number_reason")
    if message == "mdmf":
        assert msg["name"] == content["name"]
        assert msg["name_reason"] == content.get("name_reason")
        assert msg["datetime"] == content["when"]
    else:
        assert msg["name"] is None
        if content["when"] is not None:
            assert msg["datetime"] == content["when"]


@pytest.mark.parametrize("std", STDS)
@pytest.mark.parametrize("message", ["sdmf", "mdmf"])
@pytest.mark.parametrize("what", list(CONTENTS))
def test_fsk_round_trip(std, message, what):
    content = CONTENTS[what]
    sig = cid.encode_fsk(content["number"], content["name"], content["when"], std,
                         message=message, number_reason=content.get("number_reason"),
                         name_reason=content.get("name_reason"))
    msg = cid.decode_fsk(_place(sig, 777), std)
    _expect(msg, content, message)
    assert msg["format"] == message and msg["standard"] == std and not msg["inverted"]


@pytest.mark.parametrize("std", STDS)
@pytest.mark.parametrize("message", ["sdmf", "mdmf"])
@pytest.mark.parametrize("active", [True, False])
def test_mwi_round_trip(std, message, active):
    msg = cid.decode_fsk(cid.encode_mwi(active, std, message), "auto")
    assert msg["kind"] == "mwi" and msg["mwi"] is active and msg["number"] is None


@pytest.mark.parametrize("std", STDS)
@pytest.mark.parametrize("level", [-40.0, -30.0, -13.5, -8.0, -5.0])
@pytest.mark.parametrize("snr", [None, 20.0, 15.0])
@pytest.mark.parametrize("law", [None, "alaw", "ulaw"])
def test_fsk_levels_noise_and_companding(std, level, snr, law):
    seed = int(-level * 10) + (0 if snr is None else int(snr)) + (law == "alaw") * 1000
    rng = np.random.default_rng(seed)
    content = CONTENTS["full"]
    sig = cid.encode_fsk(content["number"], content["name"], WHEN, std, level_dbm0=level)
    sig = _place(sig, int(rng.integers(0, 4000)))
    if snr is not None:
        sig = _noisy(sig, level, snr, seed)
    if law is not None:
        sig = g711.decode(g711.encode(sig, law), law)
    _expect(cid.decode_fsk(sig, std), content, "mdmf")


def test_auto_picks_the_right_standard():
    for std in STDS:
        msg = cid.decode_fsk(cid.encode_fsk("123", "X", WHEN, std), "auto")
        assert msg["standard"] == std and msg["number"] == "123"


@pytest.mark.parametrize("std,other", [("bell202", "v23"), ("v23", "bell202")])
def test_wrong_standard_gives_none(std, other):
    sig = cid.encode_fsk("5551234", "JOHN", WHEN, other)
    assert cid.decode_fsk(sig, std) is None


@pytest.mark.parametrize("where", ["checksum", "body"])
def test_corrupted_message_gives_none(where):
    raw = bytearray(cid.build_callerid("5551234", "JOHN", WHEN))
    raw[-1 if where == "checksum" else 6] ^= 0x04
    mod = fsk.FskModulator("bell202")
    sig = np.concatenate([mod.seizure(300), mod.mark(180), mod.modulate_bytes(bytes(raw)),
                          mod.mark(5)])
    assert cid.decode_fsk(sig, "auto") is None
    assert cid.CallerIdDecoder(dtmf=False).process(sig) == []


@pytest.mark.parametrize("std", STDS)
def test_inverted_mark_space_decodes(std):
    """Chinese equipment with mark/space swapped: found by the inverted receiver."""
    raw = cid.build_callerid("13912345678", "LI SI", WHEN)
    bits = np.concatenate([np.arange(300) & 1, np.ones(180), fsk.uart_bits(raw),
                           np.ones(5)]).astype(np.uint8)
    sig = fsk.FskModulator(std).modulate_bits(1 - bits)
    msg = cid.decode_fsk(_place(sig, 321), "auto")
    assert msg["number"] == "13912345678" and msg["inverted"] and msg["standard"] == std
    assert cid.decode_fsk(sig, std)["name"] == "LI SI"


def test_noise_and_silence_give_none():
    rng = np.random.default_rng(11)
    assert cid.decode_fsk(np.zeros(16000, np.int16)) is None
    noise = np.rint(rng.normal(0, rms_for_dbm0(-15), 8000 * 5)).astype(np.int16)
    assert cid.decode_fsk(noise) is None


# ---------------------------------------------------------------- streaming decoder

def _line_audio(cid_signal: np.ndarray, seed: int = 0) -> np.ndarray:
    """First ring (as heard through the FXO: a clipped 25 Hz burst), silence, CID,
    silence, second ring, silence; with a little line noise."""
    t = np.arange(8000 * 2) / 8000
    ring = np.clip(3 * sine_amplitude(-10) * np.sin(2 * np.pi * 25 * t), -20000, 20000)
    sig = np.concatenate([np.zeros(1200), ring, np.zeros(4000), cid_signal.astype(float),
                          np.zeros(8000), ring, np.zeros(4000)])
    return _noisy(sig.astype(np.int16), -13.5, 40.0, seed)


@pytest.mark.parametrize("block", [1, 7, 160, 8000])
def test_streaming_reports_exactly_one_message(block):
    sig = _line_audio(cid.encode_fsk("5551234", "JOHN DOE", WHEN, "bell202"))
    dec = cid.CallerIdDecoder("auto", dtmf=False)
    msgs = []
    for i in range(0, len(sig), block):
        msgs += dec.process(sig[i:i + block])
    assert len(msgs) == 1
    assert msgs[0]["number"] == "5551234" and msgs[0]["name"] == "JOHN DOE"


def test_streaming_two_calls_and_reset():
    dec = cid.CallerIdDecoder("v23", dtmf=False)
    first = dec.process(_line_audio(cid.encode_fsk("111", None, WHEN, "v23")))
    second = dec.process(_line_audio(cid.encode_mwi(True, "v23"), seed=1))
    assert [m["number"] for m in first] == ["111"]
    assert [m["kind"] for m in second] == ["mwi"]
    dec.reset()
    assert dec.process(np.zeros(1600, np.int16)) == []


def test_streaming_accepts_bytes():
    sig = cid.encode_fsk("42", None, None, "bell202")
    assert cid.CallerIdDecoder(dtmf=False).process(sig.tobytes())[0]["number"] == "42"


# ---------------------------------------------------------------- DTMF caller ID

def test_dtmf_digit_strings():
    assert cid.dtmf_cid_digits("13800138000") == "A13800138000C"
    assert cid.dtmf_cid_digits("123", fmt="D..C") == "D123C"
    assert cid.dtmf_cid_digits(reason="private") == "B10C"
    assert cid.dtmf_cid_digits(reason="unavailable") == "B00C"
    assert cid.dtmf_cid_digits("123", fmt="A..#") == "A123#"
    assert cid.dtmf_cid_digits("123", fmt="..#") == "123#"
    assert cid.dtmf_cid_digits(reason="private", fmt="A..#") == "D1#"
    assert cid.dtmf_cid_digits("123", redirecting="456") == "A123CD456C"


@pytest.mark.parametrize("digits,number,reason", [
    ("A13800138000C", "13800138000", None), ("D5551234C", "5551234", None),
    ("B00C", None, "unavailable"), ("B10C", None, "private"), ("A4512345678#", "4512345678", None),
    ("D1#", None, "private"), ("D3#", None, "unavailable"), ("12345678#", "12345678", None)])
def test_parse_dtmf_formats(digits, number, reason):
    msg = cid.parse_dtmf_cid(digits)
    assert msg["number"] == number and msg["number_reason"] == reason
    assert msg["raw"] == digits.encode()


@pytest.mark.parametrize("digits", ["", "A123", "B55C", "C", "AC"])
def test_parse_dtmf_rejects(digits):
    assert cid.parse_dtmf_cid(digits) is None


def test_parse_dtmf_redirecting():
    msg = cid.parse_dtmf_cid("A123CD456C")
    assert msg["number"] == "123" and msg["redirecting"] == "456"


try:
    import dsp.dtmf  # noqa: F401
    HAVE_DTMF = True
except ImportError:
    HAVE_DTMF = False
needs_dtmf = pytest.mark.skipif(not HAVE_DTMF, reason="dsp.dtmf not built")


@needs_dtmf
@pytest.mark.parametrize("fmt", cid.DTMF_FORMATS)
def test_dtmf_round_trip(fmt):
    msg = cid.decode_dtmf_cid(_place(cid.encode_dtmf_cid("13800138000", fmt=fmt), 500))
    assert msg["number"] == "13800138000" and msg["format"] == "dtmf"
    for reason in ("private", "unavailable"):
        assert cid.decode_dtmf_cid(cid.encode_dtmf_cid(None, reason, fmt))["number_reason"] == reason


@needs_dtmf
@pytest.mark.parametrize("law", ["alaw", "ulaw"])
def test_dtmf_after_companding_and_noise(law):
    sig = _noisy(_place(cid.encode_dtmf_cid("5551234"), 300), -10.0, 20.0, 3)
    sig = g711.decode(g711.encode(sig, law), law)
    assert cid.decode_dtmf_cid(sig)["number"] == "5551234"


@needs_dtmf
@pytest.mark.parametrize("block", [7, 160])
def test_streaming_dtmf_cid_before_ring(block):
    """DTMF caller ID before the first ring, then the ring: one message."""
    sig = _line_audio(np.zeros(0, np.int16))
    sig = np.concatenate([np.zeros(800, np.int16), cid.encode_dtmf_cid("13800138000"), sig])
    dec = cid.CallerIdDecoder("auto", dtmf=True)
    assert dec.dtmf_enabled
    msgs = []
    for i in range(0, len(sig), block):
        msgs += dec.process(sig[i:i + block])
    assert [m["number"] for m in msgs] == ["13800138000"]
    assert msgs[0]["standard"] == "dtmf"


# ---------------------------------------------------------------- interoperability with spandsp

_SP_CDEF = """
int sp_tx(int standard, const uint8_t *msg, int len, int16_t *out, int maxlen);
int sp_rx(int standard, const int16_t *amp, int n, uint8_t *msg, int maxlen);
"""
_SP_SRC = """
static uint8_t got[512]; static int gotlen = -1;
static void put_msg(void *user, const uint8_t *msg, int len)
{ if (len > 0 && len < 512) { memcpy(got, msg, len); gotlen = len; } }
int sp_tx(int standard, const uint8_t *msg, int len, int16_t *out, int maxlen)
{ adsi_tx_state_t *s = adsi_tx_init(NULL, standard);
  adsi_tx_put_message(s, msg, len);
  int n = 0, k;
  while (n < maxlen && (k = adsi_tx(s, out + n, maxlen - n > 160 ? 160 : maxlen - n)) > 0) n += k;
  adsi_tx_free(s); return n; }
int sp_rx(int standard, const int16_t *amp, int n, uint8_t *msg, int maxlen)
{ adsi_rx_state_t *s = adsi_rx_init(NULL, standard, put_msg, NULL);
  gotlen = -1;
  for (int i = 0; i < n; i += 160) adsi_rx(s, amp + i, n - i < 160 ? n - i : 160);
  adsi_rx_free(s);
  if (gotlen > 0 && gotlen <= maxlen) memcpy(msg, got, gotlen);
  return gotlen; }
"""


@pytest.fixture(scope="module")
def spandsp():
    from dsp.bench import spandsp_ref
    lib = spandsp_ref.load("cid_interop", _SP_CDEF, _SP_SRC)
    if lib is None:
        pytest.skip(spandsp_ref.unavailable_reason or "spandsp unavailable")
    return lib, spandsp_ref.ffi_of(lib)


@pytest.mark.parametrize("std,adsi_standard", [("bell202", 1), ("v23", 2)])   # CLASS, CLIP
def test_interoperates_with_spandsp_adsi(spandsp, std, adsi_standard):
    lib, ffi = spandsp
    raw = cid.build_callerid("5551234", "JOHN DOE", WHEN)
    # spandsp's transmitter -> our decoder (spandsp appends the checksum itself)
    out = np.zeros(40000, np.int16)
    n = lib.sp_tx(adsi_standard, raw[:-1], len(raw) - 1, ffi.from_buffer("int16_t[]", out), len(out))
    msg = cid.decode_fsk(out[:n], std)
    assert msg is not None and msg["raw"] == raw and msg["name"] == "JOHN DOE"
    # our transmitter -> spandsp's receiver (which strips the verified checksum)
    sig = np.concatenate([cid.encode_fsk("5551234", "JOHN DOE", WHEN, std), np.zeros(800, np.int16)])
    buf = np.zeros(512, np.uint8)
    k = lib.sp_rx(adsi_standard, ffi.from_buffer("int16_t[]", sig), len(sig),
                  ffi.from_buffer("uint8_t[]", buf), 512)
    assert bytes(buf[:max(k, 0)]) == raw[:-1]


def test_decoder_bank_matches_single_decoders():
    sigs = [_line_audio(cid.encode_fsk("5551234", "JOHN", WHEN, "bell202")),
            _line_audio(cid.encode_mwi(True, "v23", "sdmf"), seed=2),
            _line_audio(np.zeros(0, np.int16), seed=3)]
    if HAVE_DTMF:
        sigs[2] = np.concatenate([cid.encode_dtmf_cid("8675309"), sigs[2]])
    n = max(len(s) for s in sigs)
    block = np.zeros((len(sigs), n), np.int16)
    for c, s in enumerate(sigs):
        block[c, :len(s)] = s
    bank = cid.CallerIdDecoderBank(len(sigs))
    got = [[] for _ in sigs]
    for i in range(0, n, 160):
        for c, msgs in enumerate(bank.process(block[:, i:i + 160])):
            got[c] += msgs
    for c in range(len(sigs)):
        single = cid.CallerIdDecoder()
        want = []
        for i in range(0, n, 160):
            want += single.process(block[c, i:i + 160])
        assert got[c] == want
    assert got[0][0]["number"] == "5551234" and got[1][0]["mwi"] is True
    assert len(got[0]) == 1 and len(got[1]) == 1
    if HAVE_DTMF:
        assert [m["number"] for m in got[2]] == ["8675309"]
