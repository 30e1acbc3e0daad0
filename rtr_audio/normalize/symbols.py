"""Symbols: "%" → "percent", "R&D" → "R and D", "2+3" → "two plus three", "1-2=5" → "one minus
two equals five", and a symbol standing alone ("$ and %", "#mytext#") by its name
(``data/symbols.tsv``).
"""

from __future__ import annotations

import re
from functools import cache

import rtr_audio.normalize.vocab as vocab
from rtr_audio.normalize.rules import sub


def _letters_and(m: re.Match[str]) -> str:
    """``R&D`` → "R and D"; ``A&E`` → "A-and-E", else espeak says "uh and E"."""
    first, second = m.groups()
    return f"{first}{'-and-' if first == 'A' else ' and '}{second}"


@cache
def _names() -> dict[str, str]:
    return vocab.mapping("symbols")


def _named(m: re.Match[str]) -> str:
    return " " + " ".join(_names()[ch] for ch in m.group()) + " "


STEPS = (
    sub(r"\b([A-Z])\s?&\s?([A-Z])\b", _letters_and),
    sub(r"\s?&\s?", " and "),
    sub(r"(?<=\d)\s?%", " percent"),
    # Arithmetic between numbers and single letters: "1-2=5", "y=x +1", "2+3".
    sub(r"(?<=[\d\s])-(?=\s?\d+\s?=)", " minus "),
    sub(r"(?<=[\w\s])\s?=\s?(?=[\w\s+-])", " equals "),
    sub(r"(?<=[\d\s])\+\s?(?=\d|[a-z]\b)", " plus "),
    sub(r"(?<=\d)\s?\+(?!\d)", " plus "),
    sub(r"(?<![\w+])\+\s?(?=\d)", " plus "),
    sub(r"(?<=\w)\+\+", " plus plus"),
    sub(r"(?<=\d)\*(?=\d)", " asterisk "),
    sub(r"@", " at "),
    # Whatever symbol is left standing alone is said by name.
    sub(r"[$€£¥₩#%]+", _named),
)
