"""The order of the semiotic classes: the one place that decides which rule sees text first.

Why this order: typography makes characters plain; electronic addresses, numeric dates and
telephone numbers are taken whole before any class reads their digits and dots; dates before
ranges ("Nov. 20–22") and fractions (2016/07/03); times before ranges ("2pm-5pm"); signs,
money and measures before plain numbers so units agree in number; fractions before ordinals
("1/4th"); roman numerals and initialisms last among words, after abbreviations have removed
their periods; cardinals read whatever digits are left.
"""

from __future__ import annotations

from functools import cache

from rtr_audio.normalize import (
    abbreviations,
    address,
    cardinal,
    date,
    decimal,
    electronic,
    fraction,
    letters,
    measure,
    money,
    ordinal,
    range,
    roman,
    serial,
    symbols,
    telephone,
    tidy,
    time,
    typography,
)
from rtr_audio.normalize.rules import Step


@cache
def steps(language: str = "en-us") -> tuple[Step, ...]:
    """Every rule in order for ``language`` (a BCP 47 code such as en-us or en-gb)."""
    return (
        *typography.STEPS,
        *electronic.STEPS,
        range.DASH_STEP,  # "Nov. 20–22" keeps its day
        *date.steps(language.lower() in date.DAY_FIRST),
        *telephone.STEPS,
        *time.STEPS,
        *cardinal.SIGN_STEPS,
        *money.STEPS,
        *range.STEPS,
        *address.STEPS,
        *abbreviations.STEPS,
        *roman.STEPS,
        *measure.STEPS,
        *money.RANGE_STEPS,
        *fraction.STEPS,
        *ordinal.STEPS,
        *decimal.STEPS,
        *serial.STEPS,
        *symbols.STEPS,
        *cardinal.STEPS,
        *letters.STEPS,
        *tidy.STEPS,
    )


def normalize(text: str, language: str = "en-us") -> str:
    """Written text → what the engine says: numbers, dates, abbreviations, symbols and
    initialisms in words. Each step is linear in the length of ``text``."""
    for step in steps(language):
        text = step(text)
    return text
