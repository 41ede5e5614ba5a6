"""Numbers, digit strings, times of day and durations as sequences of prompt names.

Pure functions of the language: ``number(105, "zh")`` -> ``["num_1", "num_hundred",
"num_0", "num_5"]`` (一百零五), ``number(105, "en")`` -> ``["num_1", "num_hundred",
"word_and", "num_5"]`` ("one hundred and five"). The names are those of
:mod:`firmware.prompts.catalogue`; :class:`firmware.prompts.library.PromptLibrary` turns
them into audio.

Mandarin rules followed: 十二 (not 一十二) at the start of a number, 一百一十 inside one;
one 零 for any run of zeros (一百零五, 一万零三百); 两 for a 2 before 千, 万, 亿 and a
leading 2 before 百 (两千, 两百), and for a lone 2 counted with a measure word (两点,
两分钟); 幺 for 1 when a digit string is read out (工号八零幺), as telephone operators do.
"""
from __future__ import annotations

import datetime as _dt

from firmware.prompts.catalogue import LANGUAGES

#: Largest number read out (999 999 999): zh up to 亿, en up to millions.
MAX_NUMBER = 999_999_999


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} has no read-out rules (have: {', '.join(LANGUAGES)})")


def number(n: int, language: str, measure: bool = False) -> list[str]:
    """Prompt names reading the whole number ``n`` (0 .. 999 999 999).

    ``measure``: the number counts something named next (zh 两点, 两分钟: a lone 2 is 两);
    English ignores it.
    """
    _check_language(language)
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"number read-out needs a whole number, not {n!r}")
    if n < 0 or n > MAX_NUMBER:
        raise ValueError(f"number {n} cannot be read out (0 to {MAX_NUMBER})")
    if language == "zh":
        if measure and n == 2:
            return ["num_two_liang"]
        return _zh_number(n)
    return _en_number(n)


# --------------------------------------------------------------------------- Mandarin
_ZH_UNITS = (("num_thousand", 1000), ("num_hundred", 100), ("num_10", 10), (None, 1))


def _zh_section(x: int, leading: bool) -> list[str]:
    """1..9999 inside a number; ``leading``: it starts the whole number (十二, 两千, 两百)."""
    out: list[str] = []
    started = zero = False
    for unit, size in _ZH_UNITS:
        d = (x // size) % 10
        if d == 0:
            zero = started
            continue
        if zero:
            out.append("num_0")
            zero = False
        if unit == "num_10" and d == 1 and leading and not started:
            out.append("num_10")                       # 十二, not 一十二
        else:
            liang = d == 2 and (unit == "num_thousand" or (unit == "num_hundred" and leading and not started))
            out.append("num_two_liang" if liang else f"num_{d}")
            if unit:
                out.append(unit)
        started = True
    return out


def _zh_number(n: int) -> list[str]:
    if n == 0:
        return ["num_0"]
    out: list[str] = []
    started = gap = False
    for unit, size in (("num_yi", 10 ** 8), ("num_wan", 10 ** 4), (None, 1)):
        g = (n // size) % 10 ** 4
        if g == 0:
            gap = gap or started
            continue
        if started and (gap or g < 1000):
            out.append("num_0")                        # 一万零三百, 一亿零五
        if unit and g == 2:
            out.append("num_two_liang")                # 两万, 两亿
        else:
            out.extend(_zh_section(g, leading=not started))
        if unit:
            out.append(unit)
        started, gap = True, False
    return out


# --------------------------------------------------------------------------- English
def _en_below_100(x: int) -> list[str]:
    if x < 20:
        return [f"num_{x}"]
    tens, units = divmod(x, 10)
    return [f"num_{tens * 10}"] + ([f"num_{units}"] if units else [])


def _en_below_1000(x: int) -> list[str]:
    hundreds, rest = divmod(x, 100)
    out = [f"num_{hundreds}", "num_hundred"] if hundreds else []
    if rest:
        if hundreds:
            out.append("word_and")
        out += _en_below_100(rest)
    return out


def _en_number(n: int) -> list[str]:
    if n == 0:
        return ["num_0"]
    millions, thousands, rest = n // 10 ** 6, (n // 1000) % 1000, n % 1000
    out: list[str] = []
    if millions:
        out += _en_below_1000(millions) + ["num_million"]
    if thousands:
        out += _en_below_1000(thousands) + ["num_thousand"]
    if rest:
        if out and rest < 100:
            out.append("word_and")                     # two thousand and five
        out += _en_below_1000(rest)
    return out


# --------------------------------------------------------------------------- digits
_KEYS = {"*": "key_star", "#": "key_hash"}
_SKIPPED = " -()."


def digits(text: str, language: str, yao: bool = True) -> list[str]:
    """Prompt names reading ``text`` digit by digit ("801" -> eight zero one / 八零幺).

    ``*`` and ``#`` are read as star / hash; spaces, ``-``, ``(``, ``)``, ``.`` are skipped.
    ``yao``: Mandarin reads 1 as 幺 (the telephone habit); False reads 一.
    """
    _check_language(language)
    out: list[str] = []
    for ch in str(text):
        if ch in _SKIPPED:
            continue
        if ch in _KEYS:
            out.append(_KEYS[ch])
        elif "0" <= ch <= "9":
            out.append("digit_1_yao" if ch == "1" and yao and language == "zh" else f"num_{ch}")
        else:
            raise ValueError(f"cannot read out {ch!r} in {text!r}: only digits, * and # are read")
    return out


# --------------------------------------------------------------------------- time
def _zh_period(hour: int) -> str:
    if hour < 6:
        return "time_early_morning"        # 凌晨
    if hour < 12:
        return "time_morning"              # 上午
    if hour < 13:
        return "time_noon"                 # 中午
    if hour < 18:
        return "time_afternoon"            # 下午
    return "time_evening"                  # 晚上


def time_of_day(t: _dt.time | _dt.datetime, language: str) -> list[str]:
    """Prompt names reading the clock time ``t`` (hours and minutes; seconds ignored).

    zh: 下午三点零五分, 上午九点整, 中午十二点三十分, 凌晨零点十分.
    en (12-hour): "three oh five p m", "nine a m", "twelve thirty p m", "twelve ten a m".
    """
    _check_language(language)
    hour, minute = t.hour, t.minute
    if language == "zh":
        h12 = hour if hour <= 12 else hour - 12
        out = [_zh_period(hour)] + number(h12, "zh", measure=True) + ["time_hour_point"]
        if minute == 0:
            return out + ["time_sharp"]
        if minute < 10:
            out.append("num_0")
        return out + number(minute, "zh") + ["time_minute_point"]
    h12 = hour % 12 or 12
    out = number(h12, "en")
    if minute:
        if minute < 10:
            out.append("word_oh")
        out += number(minute, "en")
    return out + ["time_am" if hour < 12 else "time_pm"]


def duration(seconds: float, language: str) -> list[str]:
    """Prompt names reading a duration: "two minutes five seconds" / 两分钟五秒.

    Whole seconds (rounded); zero parts are left out; 0 reads "zero seconds" / 零秒.
    """
    _check_language(language)
    total = int(round(seconds))
    if total < 0:
        raise ValueError(f"duration {seconds} s cannot be read out: it is negative")
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    out: list[str] = []
    for value, one, many in ((h, "hour", "hours"), (m, "minute", "minutes"), (s, "second", "seconds")):
        if value or (total == 0 and one == "second"):
            out += number(value, language, measure=True) + [one if value == 1 else many]
    return out
