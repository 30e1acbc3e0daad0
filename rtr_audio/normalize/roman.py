"""Roman numerals: "Chapter IV" → "Chapter four", "Henry VIII" → "Henry the eighth",
"Part I", "Act I, Scene X", "World War I", and numeral characters such as "Ⅳ".

A numeral is a count after a counting word (``data/counted_by_roman.txt``: part, chapter,
war, act, scene…) and an ordinal after another capitalised name ("Sam II" → "Sam the
second"). A single letter is read only after a counting word, so "Sam and I" keeps its "I".
"""

from __future__ import annotations

import re
import unicodedata

import rtr_audio.normalize.vocab as vocab
from rtr_audio.normalize.cardinal import number_words
from rtr_audio.normalize.ordinal import ordinal_words
from rtr_audio.normalize.rules import capitalised, sub, word_before

# "An IV drip" starts with a capital but "An" is no king's name.
_DETERMINERS = frozenset({"a", "an", "the", "my", "your", "his", "her", "its", "our", "their",
                          "this", "that", "one", "no"})
_ROMAN = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_value(token: str) -> int:
    total = 0
    for i, ch in enumerate(token):
        later = _VALUES[token[i + 1]] if i + 1 < len(token) else 0
        total += -_VALUES[ch] if _VALUES[ch] < later else _VALUES[ch]
    return total


def _numeral_chars(text: str) -> str:
    """Unicode numeral characters (Ⅳ, ⅻ) as Latin letters, which the rules below read."""
    out = []
    for ch in text:
        if "\u2160" <= ch <= "\u217f":
            out.append(unicodedata.normalize("NFKC", ch).upper())
        else:
            out.append(ch)
    return "".join(out)


def _roman(m: re.Match[str]) -> str:
    token = m.group(1)
    if not token or not _ROMAN.fullmatch(token):
        return m.group()
    before, _ = word_before(m.string, m.start(1))
    if before.lower() in vocab.words("counted_by_roman"):
        return m.group(0).replace(token, number_words(roman_value(token)), 1)
    regnal = before in vocab.words("regnal_names")
    named = capitalised(before) and not before.isupper() and before.lower() not in _DETERMINERS
    if (len(token) > 1 or regnal) and set(token) <= set("IVX") and named:
        return m.group(0).replace(token, f"the {ordinal_words(roman_value(token))}", 1)
    return m.group()


STEPS = (
    _numeral_chars,
    sub(r"(?<=\S )([IVXLCDM]{1,7})(?![\w'’-])", _roman),
)
