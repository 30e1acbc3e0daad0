"""Letters and initialisms: "PTSD" → "P T S D", "RTR" → "R T R", but capitals used for
emphasis are words: "Let it GO", "Be KIND to yourself", "Text HOME to 741741".

The decision is by dictionary, not length: a word in capitals is read as a word when its
lower-case form is an English word (the ``web2`` list of the ``english-words`` package, loaded
on first use) or is in ``data/capitals_words.txt`` (acronyms said as words: NASA, NATO); it is
spelled when it is in ``data/initialisms.txt`` (US, TV, ID: words that are also initialisms)
or is not a word. Six letters or more with a vowel and no dictionary entry (a name in
capitals, "NVIDIA") is left for the engine to pronounce.
"""

from __future__ import annotations

import re
from functools import cache

import rtr_audio.normalize.vocab as vocab
from rtr_audio.normalize.rules import spell


@cache
def _dictionary() -> frozenset[str]:
    # Imported here: only capitalised words need the dictionary, and importing english_words
    # costs ~10 ms of the normaliser's cold start.
    from english_words import get_english_words_set

    # web2 (Webster's 1934) alone lacks everyday words ("hang", "okay", "goodbye"); GCIDE adds
    # them. Inflections ("TEXTING") are found through their stem in _is_word.
    return frozenset(get_english_words_set(["web2", "gcide"], lower=True, alpha=True))


def _is_word(lower: str) -> bool:
    """Whether ``lower`` is an English word, or a regular inflection of one."""
    words = _dictionary()
    if lower in words:
        return True
    for suffix, add in (("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("es", ""),
                        ("s", ""), ("ies", "y")):
        stem = lower.removesuffix(suffix)
        if stem != lower and len(stem) >= 3 and stem + add in words:
            return True
    return False


def is_initialism(word: str) -> bool:
    """Whether an all-capitals ``word`` is spelled out rather than said as a word."""
    if word in vocab.words("initialisms"):
        return True
    if word in vocab.words("capitals_words"):
        return False
    lower = word.lower()
    if not re.search("[aeiouy]", lower):
        return True  # "HR", "PHD", "NP": GCIDE lists some as entries, but no one says them
    if len(word) >= 6 and re.search("[aeiouy]", lower):
        return not _is_word(lower) and not _pronounceable(lower)
    return not _is_word(lower)


def _pronounceable(lower: str) -> bool:
    """No run of four consonants and no word-initial pair English does not start with."""
    return (not re.search(r"[^aeiouy]{4}", lower) and not re.match(
        r"[^aeiouy](?![hlrw])[^aeiouy]", lower)) or lower[:2] in {"st", "sp", "sc", "sk", "sm",
                                                                 "sn", "sw", "tw", "qu"}


# An all-caps word, or all-caps parts joined by hyphens ("C-PTSD"), with an optional plural.
_CAPS_TOKEN = re.compile(
    r"(?<![\w-])(?<!\w['’])([A-Z]{1,10}(?:-[A-Z]{1,10})*)(s|['’]s)?(?!['’]?\w|-[A-Z])")


def _units(part: str) -> list[str]:
    """Letters of an initialism; a word in capitals in lower case ("GO" → "go"), so that no
    engine takes it for letters (the capitals' emphasis is not something espeak-ng can say)."""
    if len(part) <= 1:
        return [part]
    if is_initialism(part):
        return list(part)
    if part in vocab.words("capitals_words"):
        return [part]  # "NASA", "OK": engines say these as words
    return [part.lower() if _is_word(part.lower()) else part.capitalize()]


def _spell_token(m: re.Match[str]) -> str:
    parts, suffix = m.group(1).split("-"), m.group(2) or ""
    if all(len(part) == 1 for part in parts):
        return m.group()  # a letter, or letters already spelled ("A-M")
    units = [unit for part in parts for unit in _units(part)]
    if len(units) == len(parts):
        return "-".join(units) + suffix  # words: "go", "NASA", "c-section"
    # espeak reads "P D Fs" as "P D F S" but "P D F's" as "P D F-s": plurals get 's.
    return spell(units) + ("'s" if suffix else "")


def _letters(text: str) -> str:
    return _CAPS_TOKEN.sub(_spell_token, text)


STEPS = (_letters,)
