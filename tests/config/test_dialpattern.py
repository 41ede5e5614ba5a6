import pytest

from firmware.config.dialpattern import DialPatternError, Match, parse_pattern


@pytest.mark.parametrize("pattern,digits,expected", [
    ("XXX", "123", Match.FULL), ("XXX", "12", Match.PARTIAL), ("XXX", "1234", Match.NO),
    ("NXX", "123", Match.NO), ("ZXX", "023", Match.NO), ("ZXX", "923", Match.FULL),
    ("[2-9]XX", "199", Match.NO), ("[135]X", "59", Match.FULL), ("[1-35-7]", "6", Match.FULL),
    ("[1-35-7]", "4", Match.NO), ("0X.", "0", Match.PARTIAL), ("0X.", "01", Match.PARTIAL),
    ("0X.", "010", Match.FULL_MORE), ("0X.", "1", Match.NO), ("1X!", "1", Match.PARTIAL),
    ("1X!", "12", Match.FULL_MORE), ("_9X", "91", Match.FULL), ("*X#", "*5#", Match.FULL),
])
def test_match(pattern, digits, expected):
    assert parse_pattern(pattern).match(digits) is expected


@pytest.mark.parametrize("bad", ["", "X.[", "X.X", "[]", "[9-1]", "[1-]", "X A", "[a]"])
def test_invalid(bad):
    with pytest.raises(DialPatternError):
        parse_pattern(bad)
