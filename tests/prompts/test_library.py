"""PromptLibrary: where prompts are found, PromptMissing, read-out sequences, the
sequence player. Uses small generated WAVs (no espeak-ng needed)."""
import datetime as dt

import numpy as np
import pytest

from firmware.engine.media import SamplesPlayer, write_wav
from firmware.prompts import readout
from firmware.prompts.catalogue import LANGUAGES, PROMPTS
from firmware.prompts.library import PromptLibrary, PromptMissing, SequencePlayer


def tone(value: int, n: int) -> np.ndarray:
    return np.full(n, value, np.int16)


@pytest.fixture
def dirs(tmp_path):
    """(sounds dir of a box, built-in dir) with 'please_hold' built in for zh and en."""
    sounds, builtin = tmp_path / "data" / "sounds", tmp_path / "builtin"
    for lang in LANGUAGES:
        write_wav(builtin / lang / "please_hold.wav", tone(100, 800))
        write_wav(builtin / lang / "goodbye.wav", tone(200, 400))
    return sounds, builtin


# ----------------------------------------------------------------------------- files
def test_builtin_prompt_is_found_and_cached(dirs):
    sounds, builtin = dirs
    lib = PromptLibrary(sounds, "zh", builtin_dir=builtin)
    assert lib.path("please_hold") == builtin / "zh" / "please_hold.wav"
    x = lib.samples("please_hold")
    assert x.size == 800 and (x == 100).all()
    assert lib.samples("please_hold") is x                  # cached
    assert not lib.is_custom("please_hold")


def test_installer_recording_wins_and_is_picked_up_without_restart(dirs):
    sounds, builtin = dirs
    lib = PromptLibrary(sounds, "en", builtin_dir=builtin)
    assert (lib.samples("please_hold") == 100).all()
    write_wav(sounds / "prompts" / "en" / "please_hold.wav", tone(-300, 1600))
    assert lib.path("please_hold") == sounds / "prompts" / "en" / "please_hold.wav"
    assert lib.is_custom("please_hold")
    x = lib.samples("please_hold")
    assert x.size == 1600 and (x == -300).all()
    # the other language still plays its built-in one
    assert not PromptLibrary(sounds, "zh", builtin_dir=builtin).is_custom("please_hold")


def test_a_custom_prompt_outside_the_catalogue_can_be_played(dirs):
    sounds, builtin = dirs
    write_wav(sounds / "prompts" / "zh" / "welcome_acme.wav", tone(5, 160))
    lib = PromptLibrary(sounds, "zh", builtin_dir=builtin)
    assert lib.samples("welcome_acme").size == 160


def test_prompt_missing_names_the_prompt_and_both_places(dirs):
    sounds, builtin = dirs
    lib = PromptLibrary(sounds, "zh", builtin_dir=builtin)
    with pytest.raises(PromptMissing) as e:
        lib.path("conference_full")
    msg = str(e.value)
    assert "'conference_full'" in msg and "(zh)" in msg
    assert str(sounds / "prompts" / "zh" / "conference_full.wav") in msg
    assert str(builtin / "zh" / "conference_full.wav") in msg
    assert "hotline prompts build" in msg
    assert e.value.looked == lib.candidates("conference_full")
    assert not lib.exists("conference_full")


def test_player_looks_prompts_up_when_it_is_made(dirs):
    sounds, builtin = dirs
    lib = PromptLibrary(None, "en", builtin_dir=builtin)   # no data dir: built-ins only
    with pytest.raises(PromptMissing):
        lib.player("please_hold", "not_there")


def test_bad_language_and_bad_names_are_refused(dirs):
    sounds, builtin = dirs
    with pytest.raises(ValueError, match="'fr'"):
        PromptLibrary(sounds, "fr")
    lib = PromptLibrary(sounds, "en", builtin_dir=builtin)
    for bad in ("../config", "a/b", "", ".hidden"):
        with pytest.raises(ValueError, match="not a prompt name"):
            lib.path(bad)


def test_a_wav_in_the_wrong_format_says_what_is_wrong(dirs):
    import wave
    sounds, builtin = dirs
    p = sounds / "prompts" / "en" / "goodbye.wav"
    p.parent.mkdir(parents=True)
    with wave.open(str(p), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(b"\0\0" * 100)
    with pytest.raises(ValueError, match="16000 Hz"):
        PromptLibrary(sounds, "en", builtin_dir=builtin).samples("goodbye")


# ----------------------------------------------------------------------------- player
def drain(player, limit=1000):
    """Frames until the player is done (inclusive)."""
    frames = []
    for _ in range(limit):
        out = np.full(160, 9999, np.int16)
        player.read_into(out)
        frames.append(out)
        if player.done:
            return frames
    raise AssertionError("player never finished")


def test_sequence_player_plays_items_with_gaps_then_is_done(dirs):
    sounds, builtin = dirs
    lib = PromptLibrary(sounds, "zh", builtin_dir=builtin)
    calls = []
    extra = tone(7, 50)
    pl = lib.player("please_hold", extra, "goodbye", gap_ms=20, then=lambda: calls.append(1))
    assert isinstance(pl, SequencePlayer) and not pl.done
    heard = np.concatenate(drain(pl))
    expected = np.concatenate([tone(100, 800), np.zeros(160, np.int16), extra,
                               np.zeros(160, np.int16), tone(200, 400)])
    assert expected.size == 1570
    assert np.array_equal(heard[:expected.size], expected)
    assert (heard[expected.size:] == 0).all()
    assert len(heard) == 1600                       # done at the tick the audio ends
    assert np.array_equal(pl.samples, expected)
    assert calls == [1]
    out = np.ones(160, np.int16)
    pl.read_into(out)                               # after the end: silence, no second call
    assert (out == 0).all() and pl.done and calls == [1]
    assert "please_hold" in pl.describe() and "goodbye" in pl.describe()


def test_sequence_player_continues_with_a_then_player(dirs):
    sounds, builtin = dirs
    lib = PromptLibrary(sounds, "en", builtin_dir=builtin)
    music = SamplesPlayer(tone(42, 100), loop=True, name="moh")
    pl = lib.player("goodbye", then=music)          # 400 samples, then music forever
    frames = [np.zeros(160, np.int16) for _ in range(5)]
    for f in frames:
        pl.read_into(f)
        assert not pl.done                          # a looping follow-up never ends
    heard = np.concatenate(frames)
    assert (heard[:400] == 200).all() and (heard[400:] == 42).all()
    assert "moh" in pl.describe()


def test_sequence_needs_something_and_a_sane_gap(dirs):
    sounds, builtin = dirs
    lib = PromptLibrary(sounds, "en", builtin_dir=builtin)
    with pytest.raises(ValueError):
        lib.player()
    with pytest.raises(ValueError, match="gap_ms"):
        lib.sequence("goodbye", gap_ms=-1)
    assert lib.sequence("goodbye", "goodbye", gap_ms=0).size == 800


# ----------------------------------------------------------------------------- read-out
ZH_NUMBERS = {
    0: "零", 7: "七", 10: "十", 12: "十二", 20: "二十", 105: "一百零五", 110: "一百一十",
    2000: "两千", 10300: "一万零三百", 22: "二十二", 200: "两百", 1200: "一千二百",
    12000: "一万两千", 20000: "两万", 100000: "十万", 10010: "一万零一十", 2005: "两千零五",
    100000005: "一亿零五", 220000000: "两亿两千万",
}
EN_NUMBERS = {
    0: "zero", 7: "seven", 10: "ten", 12: "twelve", 20: "twenty", 105: "one hundred and five",
    110: "one hundred and ten", 2000: "two thousand", 10300: "ten thousand three hundred",
    21: "twenty one", 2005: "two thousand and five", 1000000: "one million",
    999: "nine hundred and ninety nine",
}


def said(names, lang):
    assert all(n in PROMPTS for n in names), names
    return ("" if lang == "zh" else " ").join(PROMPTS[n].text(lang) for n in names)


@pytest.mark.parametrize("n,text", sorted(ZH_NUMBERS.items()))
def test_zh_numbers(n, text):
    assert said(readout.number(n, "zh"), "zh") == text


@pytest.mark.parametrize("n,text", sorted(EN_NUMBERS.items()))
def test_en_numbers(n, text):
    assert said(readout.number(n, "en"), "en") == text


def test_exact_name_sequences_for_the_brief_numbers():
    lib_zh = PromptLibrary(None, "zh")
    lib_en = PromptLibrary(None, "en")
    assert lib_zh.number(12) == ["num_10", "num_2"]
    assert lib_zh.number(105) == ["num_1", "num_hundred", "num_0", "num_5"]
    assert lib_zh.number(2000) == ["num_two_liang", "num_thousand"]
    assert lib_zh.number(10300) == ["num_1", "num_wan", "num_0", "num_3", "num_hundred"]
    assert lib_en.number(105) == ["num_1", "num_hundred", "word_and", "num_5"]
    assert lib_en.number(10300) == ["num_10", "num_thousand", "num_3", "num_hundred"]


def test_measure_word_two_is_liang_in_zh_only():
    assert readout.number(2, "zh") == ["num_2"]                 # 第二位
    assert readout.number(2, "zh", measure=True) == ["num_two_liang"]   # 两分钟
    assert readout.number(12, "zh", measure=True) == ["num_10", "num_2"]
    assert readout.number(2, "en", measure=True) == ["num_2"]


def test_every_read_out_uses_catalogue_prompts():
    for lang in LANGUAGES:
        for n in list(range(0, 3000)) + [10 ** k + d for k in range(4, 9) for d in (0, 1, 10, 300, 2000)]:
            seq = readout.number(n, lang)
            assert seq and all(name in PROMPTS for name in seq), (lang, n, seq)


def test_numbers_out_of_range_are_refused():
    with pytest.raises(ValueError, match="cannot be read out"):
        readout.number(-1, "en")
    with pytest.raises(ValueError, match="cannot be read out"):
        readout.number(10 ** 9, "zh")
    with pytest.raises(TypeError):
        readout.number(1.5, "zh")


def test_digits_read_one_by_one_with_yao_in_zh():
    assert said(PromptLibrary(None, "zh").digits("801"), "zh") == "八零幺"
    assert said(PromptLibrary(None, "zh", yao=False).digits("801"), "zh") == "八零一"
    assert said(PromptLibrary(None, "en").digits("80-1#*"), "en") == "eight zero one hash star"
    with pytest.raises(ValueError, match="'x'"):
        readout.digits("80x", "en")


def test_agent_announcement_sequence():
    lib = PromptLibrary(None, "zh")
    assert said(["agent_number", *lib.digits("801"), "is_serving_you"], "zh") == "工号八零幺为您服务"


@pytest.mark.parametrize("hm,zh,en", [
    ((15, 5), "下午三点零五分", "three oh five p m"),
    ((9, 0), "上午九点整", "nine a m"),
    ((12, 30), "中午十二点三十分", "twelve thirty p m"),
    ((0, 10), "凌晨零点十分", "twelve ten a m"),
    ((14, 2), "下午两点零二分", "two oh two p m"),
    ((20, 45), "晚上八点四十五分", "eight forty five p m"),
])
def test_time_of_day(hm, zh, en):
    t = dt.datetime(2024, 5, 1, *hm, 59)
    assert said(PromptLibrary(None, "zh").time_of_day(t), "zh") == zh
    assert said(PromptLibrary(None, "en").time_of_day(t.time()), "en") == en


@pytest.mark.parametrize("s,zh,en", [
    (0, "零秒", "zero seconds"),
    (1, "一秒", "one second"),
    (60, "一分钟", "one minute"),
    (125, "两分钟五秒", "two minutes five seconds"),
    (3720, "一小时两分钟", "one hour two minutes"),
    (7322.4, "两小时两分钟两秒", "two hours two minutes two seconds"),
])
def test_duration(s, zh, en):
    assert said(readout.duration(s, "zh"), "zh") == zh
    assert said(readout.duration(s, "en"), "en") == en
    with pytest.raises(ValueError, match="negative"):
        readout.duration(-5, "en")


def test_queue_position_announcement():
    lib = PromptLibrary(None, "en")
    seq = ["you_are_number", *lib.number(12), "in_queue", "expected_wait", *lib.duration(120)]
    assert said(seq, "en") == "you are number twelve in the queue the expected waiting time is two minutes"
    lib = PromptLibrary(None, "zh")
    seq = ["you_are_number", *lib.number(12), "in_queue", "expected_wait", *lib.duration(120)]
    assert said(seq, "zh") == "您现在排在第十二位预计等待时间两分钟"


# ----------------------------------------------------------------------------- CLI
def test_cli_play_test_renders_the_sequence(dirs, tmp_path, capsys):
    from dsp.audio import read_wav
    from firmware.prompts import cli
    sounds, builtin = dirs
    out = tmp_path / "t.wav"
    rc = cli.main(["play-test", "--data", str(sounds.parent), "--builtin", str(builtin), "--lang", "en",
                   "--gap", "10", "-o", str(out), "please_hold", "goodbye"])
    assert rc == 0
    assert "en: please_hold goodbye" in capsys.readouterr().out
    assert read_wav(out).size == 800 + 80 + 400


def test_cli_play_test_says_what_is_missing(dirs, tmp_path, capsys):
    from firmware.prompts import cli
    sounds, builtin = dirs
    rc = cli.main(["play-test", "--data", str(sounds.parent), "--builtin", str(builtin), "--lang", "zh",
                   "-o", str(tmp_path / "t.wav"), "agent_number", "digits:801"])
    assert rc == 1
    assert "'agent_number' (zh) not found" in capsys.readouterr().err
    rc = cli.main(["play-test", "--builtin", str(builtin), "--lang", "zh", "number:12x"])
    assert rc == 1 and "not a whole number" in capsys.readouterr().err


def test_cli_list_shows_source_and_uses_the_box_language(dirs, capsys):
    from firmware.config.store import ConfigStore
    from firmware.prompts import cli
    sounds, builtin = dirs
    data = sounds.parent
    data.mkdir(parents=True, exist_ok=True)
    ConfigStore(data / "config.db", country="us").close()          # a US box speaks English
    write_wav(sounds / "prompts" / "en" / "goodbye.wav", tone(1, 160))
    assert cli.main(["list", "--data", str(data), "--builtin", str(builtin)]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "built-in" in rows["please_hold"] and "please hold" in rows["please_hold"]
    assert "custom" in rows["goodbye"]
    assert "MISSING" in rows["agent_number"] and "agent number" in rows["agent_number"]
    assert len(rows) == len(PROMPTS)
