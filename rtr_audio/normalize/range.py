"""Ranges: "3-5" → "3 to 5", "1980-1986", "1960-80" → "nineteen sixty to eighty",
"1960s-80s", "Nov. 20–22", "2x8" → "two by eight".

A hyphen between two numbers is a range when both sides have at most three digits, or both
are years, and the second is larger (unlike NeMo, which reads a bare "2-5" as "two, five":
"to" is what a listener understands). Other hyphenated digit groups are left to
``telephone`` (three or more groups) or read as two numbers with a pause.
"""

from __future__ import annotations

import re

from rtr_audio.normalize.cardinal import number_token_words, year_words
from rtr_audio.normalize.rules import sub


def _is_year(group: str) -> bool:
    return len(group) == 4 and 1000 <= int(group) <= 2099


def _hyphen(m: re.Match[str]) -> str:
    low, high = m.group(1), m.group(2)
    if _is_year(low) and len(high) == 2 and int(high) > int(low[2:]):
        return f"{year_words(int(low))} to {number_token_words(high)}"  # "1960-80"
    if m.string[m.end() : m.end() + 3].lstrip().startswith("="):
        return f"{low} minus {high}"  # "1-2=5"
    rising = int(low) < int(high)
    if rising and (max(len(low), len(high)) <= 3 or (_is_year(low) and _is_year(high))):
        return f"{low} to {high}"
    if m.group("unit") is not None:
        return f"{low} to {high}"  # "1234-123kg": quantities on both sides
    return f"{number_token_words(low)}, {number_token_words(high)}"


DASH_STEP = sub(r"(?<=\d)\s*[–—]\s*(?=[$£€]?\d)", " to ")
STEPS = (
    sub(r"(?<=\d) - (?=[$£€]?\d)", " to "),
    sub(r"(?<=\d)s\s?[-–—]\s?(?='?\d+s\b)", "s to "),
    sub(r"(?<![\w.,/-])(\d{1,4})-(\d{1,4})(?![\d/-]|[.,]\d)(?P<unit>(?=\s?[a-zA-Z°%]))?", _hyphen),
    sub(r"(?<![\w.])(\d+)\s?x\s?(?=\d)", r"\1 by "),
)
