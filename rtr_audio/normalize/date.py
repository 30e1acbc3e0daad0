"""Dates: "2016/07/03" → "July third, twenty sixteen", "15-01-2020" → "the fifteenth of
January, twenty twenty", "Jan. 15" → "January fifteenth", "25 July 2012", "the 1980s".

Month and weekday names live in ``data/months.tsv`` and ``data/weekdays.tsv``. A numeric date
whose order is ambiguous (both numbers 12 or less) follows the show's language: month first for
en-us (and any language not listed in ``DAY_FIRST``), day first for en-gb, en-au, en-ie...
"""

from __future__ import annotations

import re
from functools import cache

import rtr_audio.normalize.vocab as vocab
from rtr_audio.normalize.cardinal import number_words, plural_words, year_words
from rtr_audio.normalize.ordinal import ordinal_words
from rtr_audio.normalize.rules import Step, alternation, period_if_final, sub, word_before

# Languages that write the day first in numeric dates (15/01/2020).
DAY_FIRST = frozenset({"en-gb", "en-au", "en-nz", "en-ie", "en-in", "en-za", "fr", "de", "es"})


@cache
def month_by_name() -> dict[str, int]:
    """Lower-case month names and abbreviations → 1–12."""
    found: dict[str, int] = {}
    for i, row in enumerate(vocab.table("months")):
        found[row[0].lower()] = i + 1
        for short in (row[1] if len(row) > 1 else "").split():
            found[short] = i + 1
    return found


@cache
def weekday_by_name() -> dict[str, str]:
    found: dict[str, str] = {}
    for row in vocab.table("weekdays"):
        found[row[0].lower()] = row[0]
        for short in row[1].split():
            found[short] = row[0]
    return found


def month_name(n: int) -> str:
    return vocab.table("months")[n - 1][0]


def date_words(month: int, day: int, year: str | None, day_first: bool = False) -> str | None:
    """"July third, twenty sixteen"; None when month or day is out of range."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    name = month_name(month)
    said = f"the {ordinal_words(day)} of {name}" if day_first else f"{name} {ordinal_words(day)}"
    if not year:
        return said
    return f"{said}, {year_words(int(year)) if len(year) == 4 else _short_year(year)}"


def _short_year(year: str) -> str:
    return f"zero {number_words(int(year))}" if year.startswith("0") else number_words(int(year))


def _numeric(m: re.Match[str], day_first: bool) -> str:
    if m.groupdict().get("y1"):
        said = date_words(int(m.group("a")), int(m.group("b")), m.group("y1"))
        return said or m.group()
    first, second, year = int(m.group("a")), int(m.group("b")), m.group("y2")
    if first > 12 or (day_first and second <= 12):
        return date_words(second, first, year, day_first=True) or m.group()
    return date_words(first, second, year) or m.group()


def _named(m: re.Match[str]) -> str:
    month = month_by_name()[m.group("month").lower().rstrip(".")]
    year = m.group("year")
    if m.groupdict().get("day_first"):
        said = date_words(month, int(m.group("day_first")), year, day_first=True)
        if said and m.group("the"):
            said = said.removeprefix("the ")
        # "on 12 May." — the month's optional abbreviation dot may be the sentence's full stop.
        return (m.group("the") or "") + (said + period_if_final(m) if said else m.group())
    return date_words(month, int(m.group("day")), year) or m.group()


# Words before a month on its own ("in Sept.", "since Feb.", "from Jan. to Mar."): after them
# an abbreviation with a period is the month, not a name ("I met Jan.").
_BEFORE_MONTH = frozenset({"in", "since", "until", "till", "by", "from", "to", "of", "early",
                           "late", "mid", "before", "after", "through", "during", "this", "last",
                           "next", "and", "or"})


def _lone_month(m: re.Match[str]) -> str:
    before, _ = word_before(m.string, m.start())
    if before.lower() not in _BEFORE_MONTH:
        return m.group()
    return month_name(month_by_name()[m.group(1).lower()]) + period_if_final(m)


def _decade(m: re.Match[str]) -> str:
    digits = m.group(1)
    words = year_words(int(digits)) if len(digits) == 4 else number_words(int(digits))
    return plural_words(words)


def _era(m: re.Match[str]) -> str:
    letters = m.group(2).replace(".", "")
    return f"{year_words(int(m.group(1)))} {' '.join(letters)}{period_if_final(m)}"


def _weekday(m: re.Match[str]) -> str:
    return weekday_by_name()[m.group(1).lower()]


def _name_range(m: re.Match[str]) -> str:
    def full(name: str) -> str:
        key = name.lower()
        days = weekday_by_name()
        return days[key] if key in days else month_name(month_by_name()[key])

    return f"{full(m.group(1))} to {full(m.group(2))}{period_if_final(m)}"


def _quarter(m: re.Match[str]) -> str:
    return f"the {ordinal_words(int(m.group(1)))} quarter of {number_words(int(m.group(2)))}"


@cache
def steps(day_first: bool) -> tuple[Step, ...]:
    """The date rules, with ``day_first`` for ambiguous numeric dates."""
    months = alternation(list(month_by_name()))
    shorts = alternation([k for k in weekday_by_name() if len(k) <= 5])
    days = alternation(list(weekday_by_name()))
    month = rf"(?P<month>(?i:{months}))\.?"
    return (
        sub(rf"\b((?i:{days}))\.?\s*[–—-]\s*((?i:{days}))\b\.?", _name_range),
        sub(rf"\b((?i:{months}))\.?\s*[–—-]\s*((?i:{months}))\b\.?", _name_range),
        # "Sun" and "Wed" are words too: expand only where a date makes them days.
        sub(rf"\b((?i:{shorts}))\b(?:\.(?=,)|\.?(?=,?\s+(?:\d|(?i:{months})\b)))", _weekday),
        sub(r"(?<![\d/.-])(?P<y1>\d{4})([-/.])(?P<a>\d{1,2})\2(?P<b>\d{1,2})(?![\d/-]|\.\d)",
            lambda m: _numeric(m, day_first)),
        sub(r"(?<![\d/.-])(?P<a>\d{1,2})([-/.])(?P<b>\d{1,2})\2(?P<y2>\d{4}|\d{2})(?![\d/-]|\.\d)",
            lambda m: _numeric(m, day_first)),
        sub(rf"(?<![\w.]){month}[\s-]+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:.,]\d|\w)"
            r"(?:(?:,?\s+|-)(?P<year>\d{4})\b)?", _named),
        sub(rf"(?<![\w.,/])(?P<the>the\s+)?(?P<day_first>\d{{1,2}})(?:st|nd|rd|th)?\s+"
            rf"(?:of\s+)?{month}(?!\w)(?:,?\s+(?P<year>\d{{4}})\b)?", _named),
        sub(r"(?<=\d)s\s?[-–—]\s?(?='?\d+s\b)", "s to "),
        sub(r"(?<![\w.])(\d{1,4})\s?((?:A\.?D|B\.?C|B?C\.?E)\b\.?)", _era),
        sub(r"(?<![\w.])(\d{4})\s?'?s\b", _decade),
        sub(r"(?<![\w.])'?(\d0)'?s\b", _decade),
        sub(r"(?<![\w.])([1-4])Q(\d{2})\b", _quarter),
    )


@cache
def lone_month_steps() -> tuple[Step, ...]:
    """"in Sept.", "from Jan. to Mar.": a month's abbreviation with its period and no day,
    after a word that introduces a time (run on every sentence: there are no digits)."""
    shortened = alternation([k for k in month_by_name() if len(k) <= 4 and k != "may"])
    return (sub(rf"(?<![\w.])((?i:{shortened}))\.(?=[\s,;:)]|$)", _lone_month),)
