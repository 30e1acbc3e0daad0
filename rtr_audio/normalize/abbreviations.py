"""Abbreviations: "e.g." → "for example", "Ph.D." → "P H D", "Mrs." → "misses", "Dr." →
"Doctor"/"Drive", "St." → "Saint"/"Street", "a.m.", "U.S.", "Jan."…

Readings live in ``data/abbreviations.tsv``. An abbreviation's period never ends a sentence
unless the sentence really ends there (the text ends, or a capitalised word follows that is not
an initialism); ``speech.split_sentences`` makes the same decision for cutting clips.
"""

from __future__ import annotations

import re
from functools import cache

import rtr_audio.normalize.vocab as vocab
from rtr_audio.normalize.rules import (
    alternation,
    capitalised,
    keep_case,
    period_if_final,
    spell,
    starts_sentence,
    sub,
    word_after,
    word_before,
)

# abbreviation: (before a name, after a name or number, when neither is clear)
_TITLE_OR_PLACE = {"Dr": ("Doctor", "Drive", "Doctor"), "St": ("Saint", "Street", "Street")}


def _title_or_place(m: re.Match[str]) -> str:
    """``Dr.``/``St.`` before a name are titles; after a name or house number, roads."""
    title, road, unclear = _TITLE_OR_PLACE[m.group(1).capitalize()]
    before, initial = word_before(m.string, m.start())
    after = "" if m.string[m.end() : m.end() + 1] == "," else word_after(m.string, m.end())
    named_before = capitalised(before) and not initial
    if capitalised(after) and not named_before:
        return title  # "Dr. Evil", "701 St. Anns Avenue", "North St Andrew Lane"
    if before and (before[0].isdigit() or named_before):
        return road + period_if_final(m)
    return unclear + (period_if_final(m) if unclear == road else "")


@cache
def _table() -> dict[str, str]:
    return vocab.mapping("abbreviations")


@cache
def _folded() -> dict[str, str]:
    """Readings by lower-case written form (the first row wins: "Mr." before "mr.")."""
    folded: dict[str, str] = {}
    for written, said in _table().items():
        folded.setdefault(written.lower(), said)
    return folded


def _expand(m: re.Match[str]) -> str:
    written = m.group()
    said = _table().get(written) or _folded()[written.lower()]
    # A title's period never ends the sentence: the name follows ("Mrs. Jones").
    title = said in vocab.words("titles")
    ending = period_if_final(m) if written.endswith(".") and not title else ""
    return keep_case(written, said) + ending


@cache
def _pattern() -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.])(?:{alternation(list(_table()))})(?![\w])(?!\.\w)",
                      re.IGNORECASE)


def _abbreviations(text: str) -> str:
    return _pattern().sub(_expand, text)


def _initial(m: re.Match[str]) -> str:
    """An initial before a name ("C. S. Lewis", "Peter A. Levine") has no full stop: the
    engine would pause inside the name. A lone "A" is joined to the name, as ``spell`` does,
    so that it is the letter and not the article. Before a sentence starter it is a stop."""
    if starts_sentence(word_after(m.string, m.end() - 1)):
        return m.group()
    return f"{m.group(1)}-" if m.group(1) == "A" else f"{m.group(1)} "


STEPS = (
    sub(r"\b(Dr|St)\b\.?(?=\s|,|$)", _title_or_place),
    _abbreviations,
    sub(r"(?<![\w.])([ap])\.m\.(?=\s|$)", lambda m: spell(m.group(1).upper() + "M")
        + period_if_final(m), re.IGNORECASE),
    sub(r"\bNo\.\s?(?=\d)|#(?=\d)", "number "),
    # "p. 45", "pp. 12-15": only before a number, so the initial in "P. Levine" stays a letter.
    sub(r"(?<![\w.])(p)(p?)\.\s?(?=\d)", lambda m: "pages " if m.group(2) else "page "),
    # Dotted initialisms not in the table ("U.N.", "M.D.", "J.K."): always letters, never a
    # word ("U.N." is not "un"), the last period a full stop only where the sentence ends.
    sub(r"(?<![\w.])((?:[A-Z]\.){2,})(?!\w)",
        lambda m: spell(m.group(1).replace(".", "")) + period_if_final(m)),
    # Initials "C. S. Lewis" → "C S Lewis": a period after a lone capital is not a stop.
    sub(r"\b([A-Z])\.(?=\s?[A-Z]\b)", r"\1"),
    sub(r"(?<![\w.])([A-HJ-Z])\.\s+(?=[A-Z][a-z]|[a-z])", _initial),
)
