"""The order of the semiotic classes: the one place that decides which rule sees text first.

Why this order: typography makes characters plain; electronic addresses, numeric dates and
telephone numbers are taken whole before any class reads their digits and dots; dates before
ranges ("Nov. 20–22") and fractions (2016/07/03); times before ranges ("2pm-5pm"); signs,
money and measures before plain numbers so units agree in number; fractions before ordinals
("1/4th"); roman numerals and initialisms last among words, after abbreviations have removed
their periods; cardinals read whatever digits are left.
"""

from __future__ import annotations

import re
from functools import cache

# Each class by its module path: `from rtr_audio.normalize import cardinal` would read the
# package's __init__, which imports this module (an import cycle; see tools/imports.py).
import rtr_audio.normalize.abbreviations as abbreviations
import rtr_audio.normalize.address as address
import rtr_audio.normalize.cardinal as cardinal
import rtr_audio.normalize.date as date
import rtr_audio.normalize.decimal as decimal
import rtr_audio.normalize.electronic as electronic
import rtr_audio.normalize.fraction as fraction
import rtr_audio.normalize.letters as letters
import rtr_audio.normalize.measure as measure
import rtr_audio.normalize.money as money
import rtr_audio.normalize.ordinal as ordinal
import rtr_audio.normalize.range as range
import rtr_audio.normalize.roman as roman
import rtr_audio.normalize.serial as serial
import rtr_audio.normalize.symbols as symbols
import rtr_audio.normalize.telephone as telephone
import rtr_audio.normalize.tidy as tidy
import rtr_audio.normalize.time as time
import rtr_audio.normalize.typography as typography
from rtr_audio.normalize.rules import Step

# A class's rules run only when its trigger is found: most sentences of narration have no
# digits, symbols or capitals, and skipping whole classes keeps a series under 0.3 s cold.
_DIGIT = re.compile(r"\d")
_TRIGGERS: dict[str, re.Pattern[str] | None] = {
    "always": None,
    "electronic": electronic.TRIGGER,
    "date": re.compile(r"\d|[–—-]"),
    "digits": _DIGIT,
    "symbols": re.compile(r"[&%+=*@$€£¥₩#/-]"),
    "roman": re.compile(r"\b[IVXLCDM]+\b|[\u2160-\u217f]"),
    "capitals": re.compile(r"[A-Z]{2}"),
}


@cache
def stages(language: str = "en-us") -> tuple[tuple[re.Pattern[str] | None, tuple[Step, ...]], ...]:
    """The classes in order, each as (trigger, rules) for ``language`` (BCP 47: en-us, en-gb)."""
    day_first = language.lower() in date.DAY_FIRST
    order: tuple[tuple[str, tuple[Step, ...]], ...] = (
        ("always", typography.STEPS),
        ("electronic", electronic.STEPS),
        ("digits", (range.DASH_STEP,)),  # "Nov. 20–22" keeps its day
        ("date", date.steps(day_first)),
        ("digits", telephone.STEPS),
        ("digits", time.STEPS),
        ("digits", cardinal.SIGN_STEPS),
        ("digits", money.STEPS),
        ("digits", range.STEPS),
        ("digits", address.STEPS),
        ("always", date.lone_month_steps()),  # "in Sept." has no digit
        ("always", abbreviations.STEPS),
        ("roman", roman.STEPS),
        ("digits", measure.STEPS),
        ("always", money.RANGE_STEPS),  # digits are words by now
        ("digits", fraction.STEPS),
        ("digits", ordinal.STEPS),
        ("digits", decimal.STEPS),
        ("digits", serial.STEPS),
        ("symbols", symbols.STEPS),
        ("digits", cardinal.STEPS),
        ("capitals", letters.STEPS),
        ("always", tidy.STEPS),
    )
    return tuple((_TRIGGERS[trigger], rules) for trigger, rules in order)


def steps(language: str = "en-us") -> tuple[Step, ...]:
    """Every rule in order, triggers aside (for tests and profiling)."""
    return tuple(step for _trigger, rules in stages(language) for step in rules)


def normalize(text: str, language: str = "en-us") -> str:
    """Written text → what the engine says: numbers, dates, abbreviations, symbols and
    initialisms in words. Each step is linear in the length of ``text``."""
    found: dict[re.Pattern[str], bool] = {}  # trigger results while the text is unchanged
    for trigger, rules in stages(language):
        if trigger is not None:
            if trigger not in found:
                found[trigger] = trigger.search(text) is not None
            if not found[trigger]:
                continue
        before = text
        for step in rules:
            text = step(text)
        if text != before:
            found.clear()
    return text
