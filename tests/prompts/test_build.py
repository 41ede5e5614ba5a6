"""The prompt build: espeak-ng -> 8 kHz WAVs at a set level, incremental, clear errors.
Needs espeak-ng and sox (installed by `make test`)."""
import json
import subprocess

import numpy as np
import pytest

from dsp.audio import read_wav
from firmware.prompts import build
from firmware.prompts.catalogue import LANGUAGES, PROMPTS, Prompt
from firmware.prompts.library import PromptLibrary

NAMES = ["num_2", "num_two_liang", "agent_number", "is_serving_you", "please_hold", "time_pm"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("prompts")
    reports = build.build(out, LANGUAGES, names=NAMES)
    return out, reports


def test_first_build_writes_every_requested_prompt(built):
    out, reports = built
    assert [r.language for r in reports] == list(LANGUAGES)
    for r in reports:
        assert sorted(r.built) == sorted(NAMES) and r.skipped == []
        assert sorted(p.stem for p in (out / r.language).glob("*.wav")) == sorted(NAMES)
        assert not list((out / r.language).glob("*.part"))       # temp files renamed away


@pytest.mark.parametrize("lang", LANGUAGES)
def test_built_files_are_8khz_mono_speech_at_the_target_level(built, lang):
    out, _ = built
    for name in NAMES:
        x = read_wav(out / lang / f"{name}.wav")                 # raises unless 8 kHz mono 16-bit
        assert 0.15 * 8000 < x.size < 5 * 8000, (name, x.size)
        level = build.active_level_dbm0(x)
        assert -17.0 <= level <= -15.0, (name, level)
        assert np.abs(x.astype(np.int32)).max() <= build.PEAK_CEILING
        # faded in and out: the first and last ms are quiet next to the speech
        edge = max(np.abs(x[:8].astype(np.int32)).max(), np.abs(x[-8:].astype(np.int32)).max())
        assert edge < np.abs(x.astype(np.int32)).max() / 8, name


def test_languages_really_differ(built):
    out, _ = built
    zh = read_wav(out / "zh" / "agent_number.wav")
    en = read_wav(out / "en" / "agent_number.wav")
    assert zh.size != en.size or not np.array_equal(zh, en)


def test_manifest_makes_a_second_build_skip_and_force_rebuilds(built):
    out, _ = built
    manifest = json.loads((out / "zh" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["voice"] == build.VOICES["zh"].name
    assert manifest["prompts"]["agent_number"]["text"] == "工号"
    again = build.build_language("zh", out, names=NAMES)
    assert again.built == [] and sorted(again.skipped) == sorted(NAMES)
    forced = build.build_language("zh", out, names=["please_hold"], force=True)
    assert forced.built == ["please_hold"] and forced.skipped == []


def test_changed_text_or_lost_file_rebuilds_only_that_prompt(tmp_path):
    prompts = {"a": Prompt("a", "你好", "hello", "test"), "b": Prompt("b", "再见", "goodbye", "test")}
    first = build.build_language("en", tmp_path, prompts=prompts)
    assert sorted(first.built) == ["a", "b"]
    before = read_wav(tmp_path / "en" / "b.wav")
    prompts["b"] = Prompt("b", "再见", "see you tomorrow", "test")
    second = build.build_language("en", tmp_path, prompts=prompts)
    assert second.built == ["b"] and second.skipped == ["a"]
    assert read_wav(tmp_path / "en" / "b.wav").size > before.size
    (tmp_path / "en" / "a.wav").unlink()
    assert build.build_language("en", tmp_path, prompts=prompts).built == ["a"]
    # a prompt gone from the catalogue: its file goes on a full build
    del prompts["a"]
    third = build.build_language("en", tmp_path, prompts=prompts)
    assert third.removed == ["a"] and not (tmp_path / "en" / "a.wav").exists()


def test_missing_voice_fails_with_a_clear_message(tmp_path):
    with pytest.raises(build.BuildError) as e:
        build.build_language("zh", tmp_path, names=["num_1"], voice=build.Voice("xx-no-such-voice"))
    msg = str(e.value)
    assert "'xx-no-such-voice'" in msg and "'zh'" in msg and "espeak-ng" in msg
    assert not list(tmp_path.rglob("*.wav"))


def test_configured_voices_exist():
    known = build.available_voices()
    for lang, voice in build.VOICES.items():
        build.check_voice(lang, voice, known)        # raises BuildError if not


def test_every_mandarin_text_is_read_as_mandarin():
    """espeak-ng switches to English for characters it cannot read: no prompt may do that."""
    texts = [p.spoken("zh") for p in PROMPTS.values()]
    r = subprocess.run(["espeak-ng", "-q", "-x", "-v", build.VOICES["zh"].name, "-b", "1",
                        "\n".join(t + "。" for t in texts)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "(en)" not in r.stdout, r.stdout


def test_unknown_names_and_languages_are_refused(tmp_path):
    with pytest.raises(build.BuildError, match="'nope'"):
        build.build_language("en", tmp_path, names=["nope"])
    with pytest.raises(build.BuildError, match="'fr'"):
        build.build_language("fr", tmp_path)
    with pytest.raises(ValueError, match="--lang"):
        build.parse_languages("zh,fr")


def test_command_line_builds_and_library_plays_the_result(tmp_path, capsys):
    assert build.main(["--out", str(tmp_path), "--lang", "en", "goodbye", "num_8"]) == 0
    assert "en: 2 built, 0 unchanged" in capsys.readouterr().out
    assert build.main(["--out", str(tmp_path), "--lang", "en", "goodbye", "num_8"]) == 0
    assert "en: 0 built, 2 unchanged" in capsys.readouterr().out
    assert build.main(["--out", str(tmp_path), "--lang", "en", "--force", "goodbye"]) == 0
    assert "en: 1 built, 0 unchanged" in capsys.readouterr().out
    lib = PromptLibrary(tmp_path / "data" / "sounds", "en", builtin_dir=tmp_path)
    assert lib.samples("goodbye").size > 1000
    assert build.main(["--out", str(tmp_path), "--lang", "de"]) == 1
    assert "--lang 'de'" in capsys.readouterr().err


def test_normalise_respects_the_peak_ceiling():
    x = np.zeros(8000, np.int16)
    x[4000] = 1000                                   # one click in silence: huge crest factor
    x[:2000] = (50 * np.sin(np.arange(2000) * 0.3)).astype(np.int16)
    y = build.normalise(x)
    assert np.abs(y.astype(np.int32)).max() <= build.PEAK_CEILING


def test_trimmed_speech_is_shorter_than_what_espeak_said():
    raw = build.synthesise("please hold", build.VOICES["en"])
    done = build.render(PROMPTS["please_hold"], "en", build.VOICES["en"])
    assert 0.3 * 8000 < done.size < raw.size - 0.1 * 8000     # espeak adds >100 ms of silence


def test_trim_silence_keeps_a_small_margin():
    x = np.zeros(8000, np.int16)
    x[3000:4000] = (3000 * np.sin(np.arange(1000) * 0.5)).astype(np.int16)
    y = build.trim_silence(x)
    pad = 8 * build.TRIM_PAD_MS
    assert 1000 <= y.size <= 1000 + 2 * pad + 80
    assert build.trim_silence(np.zeros(800, np.int16)).size == 0
