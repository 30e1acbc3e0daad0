"""Ordinal numbers: "23rd" → "twenty-third", "1,000th" → "one thousandth".

A suffix that does not belong to the number ("4rd", "11st") is not an ordinal: the number is
read as a cardinal and the letters as written ("four rd"), as NeMo does.
"""

from __future__ import annotations

import re

from rtr_audio.normalize.cardinal import number_words
from rtr_audio.normalize.rules import sub

_IRREGULAR = {
    "one": "first", "two": "second", "three": "third", "five": "fifth",
    "eight": "eighth", "nine": "ninth", "twelve": "twelfth",
}  # fmt: skip


def _ordinal_of_word(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("y"):
        return word[:-1] + "ieth"
    return word + "th"


def ordinal_words(n: int) -> str:
    """Ordinal in words: 23 → "twenty-third"; only the last word changes form."""
    words = number_words(n, use_and=False)
    cut = max(words.rfind(" "), words.rfind("-")) + 1
    return words[:cut] + _ordinal_of_word(words[cut:])


def suffix_of(n: int) -> str:
    """The English ordinal suffix of ``n``: 1 "st", 12 "th", 22 "nd"."""
    if n % 100 in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _ordinal(m: re.Match[str]) -> str:
    n = int(m.group(1).replace(",", ""))
    suffix = m.group(2)
    if suffix.lower() != suffix_of(n):
        return f"{number_words(n)} {suffix}"
    return ordinal_words(n)


STEPS = (
    sub(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d{1,21})(st|nd|rd|th)\b", _ordinal, re.IGNORECASE),
)
