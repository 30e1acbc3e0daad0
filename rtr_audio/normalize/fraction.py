"""Fractions: "3/4" → "three quarters", "3 1/2" → "three and a half", "31/32" → "thirty-one
thirty-seconds", "1/4th" → "one quarter", "2 142/1" → "two and one hundred forty-two over one".

Scores out of 10 or 100 are "out of" ("7/10"); ``24/7`` and ``9/11`` stay two numbers. A
slash between a quantity and a unit is "per" (``measure``); dates come before this class.
"""

from __future__ import annotations

import re

from rtr_audio.normalize.cardinal import number_words
from rtr_audio.normalize.ordinal import ordinal_words
from rtr_audio.normalize.rules import sub

_NAMES = {2: ("half", "halves"), 4: ("quarter", "quarters")}
_AS_NUMBERS = frozenset({"24/7", "9/11", "50/50"})


def fraction_words(num: int, den: int, article: bool = False) -> str:
    """3/4 → "three quarters"; with ``article`` 1/2 → "a half" (for "one and a half")."""
    if den == 1:
        return f"{number_words(num, False)} over one"
    singular, plural = _NAMES.get(den, (ordinal_words(den), ordinal_words(den) + "s"))
    if num == 1:
        return f"{'a' if article else 'one'} {singular}"
    return f"{number_words(num, False)} {plural}"


def _fraction(m: re.Match[str]) -> str:
    whole, num, den = m.group("whole"), int(m.group("num")), int(m.group("den"))
    if not whole and m.group("num") + "/" + m.group("den") in _AS_NUMBERS:
        return f"{number_words(num)} {number_words(den)}"
    if den == 0:
        return f"{number_words(num)} slash zero"
    if not m.group("suffix") and den in (10, 100) and num <= den and not whole:
        return f"{number_words(num)} out of {number_words(den)}"
    said = fraction_words(num, den, article=bool(whole) and num == 1 and den in _NAMES)
    return f"{number_words(int(whole))} and {said}" if whole else said


STEPS = (
    sub(
        r"(?<![\d/.,])(?:(?P<whole>\d{1,6})\s)?(?P<num>\d{1,6})\s?/\s?(?P<den>\d{1,6})"
        r"(?P<suffix>st|nd|rd|th)?(?![\d/])",
        _fraction,
        re.IGNORECASE,
    ),
)
