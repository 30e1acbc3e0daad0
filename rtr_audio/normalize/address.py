"""Addresses: "2788 San Tomas Expy, Santa Clara, CA 95051" → "twenty-seven eighty-eight San Tomas
Expressway, Santa Clara, California nine five zero five one".

A house number before a capitalised street name is read in pairs, as a year is; a state code
(``data/states.tsv``) after "City, " is the state's name; a ZIP code after it is digits.
Street types (Ave, Ct, Expy…) are in ``data/abbreviations.tsv``.
"""

from __future__ import annotations

import re
from functools import cache

import rtr_audio.normalize.vocab as vocab
from rtr_audio.normalize.cardinal import digits_words, number_words, year_words
from rtr_audio.normalize.rules import alternation, sub

_STREET = r"(?:St|Ave|Ct|Expy|hwy|Hwy|Blvd|Rd|Ln|Dr|Avenue|Street|Road|Lane|Court|Drive)\b"


def house_number_words(digits: str) -> str:
    n = int(digits)
    if len(digits) == 3 and n % 100 < 10:
        return digits_words(digits)  # "708" is "seven zero eight"
    if len(digits) == 3:
        return f"{number_words(n // 100)} {number_words(n % 100, False)}"
    if len(digits) == 4 and n % 100:
        return year_words(n)
    return number_words(n, use_and=False)


_NAME_WORD = r"(?:(?:[A-Z][a-z]+\.?|\d{1,3}(?:st|nd|rd|th))\s)"
_DIRECTIONS = {"N": "North", "S": "South", "E": "East", "W": "West"}


def _house(m: re.Match[str]) -> str:
    street = m.group(2)
    if street[:2] in {"N ", "S ", "E ", "W "}:
        street = f"{_DIRECTIONS[street[0]]}{street[1:]}"
    return f"{house_number_words(m.group(1))} {street}"


def _state(m: re.Match[str]) -> str:
    said = vocab.mapping("states")[m.group(2)]
    zip_code = f" {digits_words(m.group(3))}" if m.group(3) else ""
    return f"{m.group(1)}{said}{zip_code}"


@cache
def _state_step() -> re.Pattern[str]:
    codes = alternation(list(vocab.mapping("states")))
    return re.compile(rf"(,\s)({codes})\b,?(?:\s(\d{{5}}))?(?=\W*$|,)")


STEPS = (
    sub(rf"(?<![\w.,])(\d{{3,4}})\s((?:[NSEW]\s)?{_NAME_WORD}{{1,3}}{_STREET})", _house),
    lambda text: _state_step().sub(_state, text),
)
