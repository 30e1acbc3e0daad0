"""Typography before the classes: quotes, primes (5'10"), ellipses, bullets, vulgar fractions
(½ → 1/2), "~5" → "about 5", unusual spaces; and words in other scripts transliterated.

Words in another script ("שלום", "Привет", "你好") are transliterated with ``anyascii`` (see
README, "Dependencies, and why each") so the engine never spells letter names; ``rtr-audio
check`` warns about them, since the lexicon gives the writer the exact reading.
"""

from __future__ import annotations

import re
import unicodedata

from rtr_audio.normalize.rules import ends_sentence, sub

_VULGAR = {"½": "1/2", "⅓": "1/3", "⅔": "2/3", "¼": "1/4", "¾": "3/4", "⅛": "1/8"}
# Letters of scripts espeak-ng (en) reads as character names: any letter that is not Latin.
# Number forms (½, ², Ⅳ) are word characters too, and are read by their own classes.
_OTHER_SCRIPT = re.compile(
    r"(?:(?![A-Za-z\u00aa-\u00be\u00c0-\u024f\u1e00-\u1eff\u2070-\u218f\u2460-\u24ff"
    r"\U000f0000-\U000fffff])[^\W\d_])+"
)


def other_script_words(text: str) -> list[str]:
    """Words of ``text`` in a script other than Latin (what ``transliterate`` changes)."""
    return _OTHER_SCRIPT.findall(text)


def transliterate(text: str) -> str:
    """Non-Latin letters in Latin letters: "Привет" → "Privet", "你好" → "Ni Hao"."""
    if not _OTHER_SCRIPT.search(text):
        return text
    # Imported here: only text in another script needs it (~8 ms of a cold start otherwise).
    from anyascii import anyascii

    return _OTHER_SCRIPT.sub(lambda m: _latin(anyascii(m.group())), text)


def _latin(text: str) -> str:
    """anyascii writes Chinese syllables run together in capitals ("NiHao"): split them."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)


def _plain_spaces(text: str) -> str:
    """No-break, thin and other Unicode spaces (category Zs) become plain spaces."""
    if text.isascii():
        return text
    return "".join(" " if unicodedata.category(c) == "Zs" else c for c in text)


def _ellipsis(m: re.Match[str]) -> str:
    """A trailing ellipsis is a full stop; one inside a sentence is a comma-sized pause."""
    return ". " if ends_sentence(m.string, m.end()) else ", "


STEPS = (
    _plain_spaces,
    transliterate,
    sub("[‘’‚‛′]", "'"),
    sub(r"(?<=\d)º", "°"),  # the ordinal indicator typed for a degree sign
    sub(r"(?<=\d)'\s?(\d{1,2})(?:\"|″|'')?(?!\d)", r" feet \1"),  # 5'10" is feet and inches
    # A bare 6' could close a quotation ('call at 5'), so only before a word of size.
    sub(r"(?<=\d)'(?=\s(?:tall|high|long|wide|deep|away)\b)", " feet"),
    sub(r"~\s?(?=[$£€]?\d)", "about "),
    sub('[“”„‟″"«»]', " "),  # espeak pauses around quotes; the listener hears none
    sub(r"(?:(?<=\d)\s*)?([½⅓⅔¼¾⅛])", lambda m: f" {_VULGAR[m.group(1)]}"),  # 1½ → 1 1/2
    sub(r"^\s*(?:…|\.{3,})\s*", ""),
    sub(r"\s*(?:…|\.{3,})", _ellipsis),
    sub(r"(?:^|(?<=\s))[•◦▪‣·]\s*", ", "),  # inline bullets separate items
    sub(r"[•◦▪‣·]", " "),
)
