"""Measures: "12kg" → "twelve kilograms", "1°C" → "one degree Celsius", "41 km³" → "forty-one
cubic kilometers", "6 breaths/min" → "six breaths per minute", "3 mbps".

Units live in ``data/units.tsv`` (written form, singular, plural). A unit is read only after a
number, so "in" and "m" elsewhere stay words and letters. A slash between a quantity and a unit
is "per".
"""

from __future__ import annotations

import re
from functools import cache

import rtr_audio.normalize.vocab as vocab
from rtr_audio.normalize.cardinal import NUMBER, number_token_words, number_words
from rtr_audio.normalize.fraction import fraction_words
from rtr_audio.normalize.rules import alternation, period_if_final, sub


@cache
def _units() -> dict[str, tuple[str, str]]:
    return {row[0]: (row[1], row[2]) for row in vocab.table("units")}


@cache
def _folded() -> dict[str, tuple[str, str]]:
    return {key.lower(): value for key, value in _units().items()}


def unit_names(written: str) -> tuple[str, str] | None:
    """(singular, plural) of a written unit, exact case first ("M" is not "m")."""
    return _units().get(written) or _folded().get(written.lower())


def per_unit(written: str) -> str:
    """The singular name after "per": "hr" → "hour"; an unknown unit is spelled."""
    names = unit_names(written)
    if names:
        return names[0]
    return " ".join(written.upper()) if len(written) <= 3 else written


# Units that are also common words or letters are read as units only when written right after
# the number or in a compound (no space): "5 in the box", "I have 2 m" stay as written.
_AMBIGUOUS = frozenset({"in", "m", "s", "d", "h", "g", "l", "w", "mo", "cal"})
# Letters read as units only with a space or "per": "4s" is "four S", "5d" a code.
_LETTER_ONLY = frozenset({"s", "d", "h"})


def _measure(m: re.Match[str]) -> str:
    number, space, written = m.group("number"), m.group("space"), m.group("unit")
    if written.lower() in _AMBIGUOUS and space.isspace() and not m.group("per"):
        return m.group()
    if written.lower() in _LETTER_ONLY and not space:
        return m.group()
    names = unit_names(written)
    if names is None:
        return m.group()
    singular, plural = names
    value = number.replace(",", "")
    one = value in ("1", "1.0") or (space == "-" and not m.group("per"))
    if "/" in number:
        head, _, frac = number.rpartition(" ")
        whole = f"{number_words(int(head))} and " if head else ""
        num, den = (int(x) for x in frac.split("/"))
        amount = whole + fraction_words(num, den, article=bool(head) and num == 1)
    else:
        amount = number_token_words(value if m.group("scale") else number)
        amount += f" {m.group('scale')}" if m.group("scale") else ""
    joiner = "-" if space == "-" else " "  # "a 10-min practice": an adjective
    said = f"{amount}{joiner}{singular if one else plural}"
    if m.group("per"):
        said += f" per {per_unit(m.group('per'))}"
    return said + period_if_final(m)


@cache
def _pattern() -> re.Pattern[str]:
    units = alternation(list(_units()))
    return re.compile(
        rf"(?P<number>(?<![\d/])(?:\d+\s)?\d+/\d+|{NUMBER})"
        r"(?:\s(?P<scale>thousand|million|billion|trillion))?"
        rf"(?P<space>\s?|-)(?P<unit>{units})(?![\w²³])"
        r"(?:/(?P<per>[A-Za-z]{1,4})\b)?\.?",
        re.IGNORECASE,
    )


def _measure_step(text: str) -> str:
    return _pattern().sub(_measure, text)


def _per(m: re.Match[str]) -> str:
    return f"{m.group(1)} per {per_unit(m.group(2))}"


_SCALE_LETTERS = {"k": "thousand", "m": "million", "mn": "million", "b": "billion",
                  "bn": "billion"}
# Words ending in "s" that do not count anything: "5m across" is a length.
_NOT_COUNTED = frozenset({"across", "towards", "upwards", "downwards", "backwards", "forwards",
                          "sideways", "always", "is", "was", "has", "does", "as", "us", "thus",
                          "this", "his", "its", "yes", "plus", "less", "unless", "minus"})
_COUNTED = frozenset({"people", "children", "men", "women", "adults"})


def _scale(m: re.Match[str]) -> str:
    """"2.5m people" is two and a half million people, "10k steps" ten thousand steps: a scale
    letter before a counted plural; before anything else it is a unit ("2m tall")."""
    noun = m.group("noun")
    if noun in _COUNTED or (noun.endswith("s") and not noun.endswith("ss")
                            and noun not in _NOT_COUNTED):
        scale = _SCALE_LETTERS[m.group("scale").lower()]
        return f"{number_token_words(m.group('number'))} {scale}"
    return m.group()


STEPS = (
    sub(rf"(?P<number>{NUMBER})(?P<scale>[kK]|[mM]n?|[bB]n?)(?=\s+(?P<noun>[a-z]+)\b)", _scale),
    _measure_step,
    # "6 breaths/min", "12/kg": a count, a slash and a known unit.
    sub(r"(?<![\w/])(\d+(?:\s[a-z]+)?)/([A-Za-z]{1,4})\b(?!/)",
        lambda m: _per(m) if unit_names(m.group(2)) or len(m.group(2)) == 1 else m.group()),
)
