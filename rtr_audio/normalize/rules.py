"""Helpers shared by the semiotic classes: compiled substitutions and bounded context.

Every rule must be linear in its input: a pattern that starts with a repeated class (``\\d+``,
``[\\w.]+``) is anchored with a look-behind so it is tried only at the start of a run, and
context is looked up in a window of ``WINDOW`` characters, never in the whole text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import rtr_audio.normalize.vocab as vocab

Step = Callable[[str], str]
Repl = Callable[[re.Match[str]], str]

# Context looks only this far around a match: enough for a few words.
WINDOW = 80
# After the period: closing brackets or quotes ("etc.) Then"), then the end or a new sentence.
_SENTENCE_FOLLOWS = re.compile(r"[)\]\"'”’]*(?:\s*$|\s+[\"'“‘(]*[A-Z](?![A-Z]))")
_NEXT_WORD = re.compile(r"\s+[\"'“‘(]*(\S+)")
_WORD_THEN_SPACE = re.compile(r"(\S+)\s+$")


def sub(pattern: str, repl: str | Repl, flags: int = 0) -> Step:
    """A step that applies one regex substitution (compiled once)."""
    compiled = re.compile(pattern, flags)
    return lambda text: compiled.sub(repl, text)


def ends_sentence(text: str, end: int) -> bool:
    """Whether an abbreviation's period at ``end`` is probably also the sentence's period:
    the text ends, or a capitalised word follows that is not itself all capitals ("EST")."""
    return _SENTENCE_FOLLOWS.match(text, end) is not None


def starts_sentence(word: str) -> bool:
    """Whether ``word`` begins a new sentence after a mid-sentence abbreviation ("Then",
    "She"; not "Army", nor "in"): capitalised and in ``data/sentence_starters.txt``."""
    word = word.strip("\"'“‘([")
    return word[:1].isupper() and word.lower() in vocab.words("sentence_starters")


_DOTTED_INITIALISM = re.compile(r"(?:[A-Z]\.)+[A-Z]\.?")  # capitals: "a.m." is a time


def is_midsentence(abbreviation: str) -> bool:
    """Whether an abbreviation usually sits inside a sentence: those of
    ``data/midsentence_abbreviations.txt`` and every dotted initialism ("U.N.", "M.D.")."""
    key = abbreviation.lower().removesuffix(".")
    return key in vocab.words("midsentence_abbreviations") or bool(
        _DOTTED_INITIALISM.fullmatch(abbreviation))


def abbreviation_ends_sentence(abbreviation: str, text: str, end: int) -> bool:
    """Whether the period of ``abbreviation`` ("U.S.", "e.g.") ending at ``end`` also ends the
    sentence. One usually inside a sentence (``data/midsentence_abbreviations.txt``) ends it
    only at the end of the text or before a sentence starter ("the U.S. Army" goes on, "the
    U.S. Then she…" does not); ``speech.split_sentences`` decides the same way."""
    if is_midsentence(abbreviation):
        after = _NEXT_WORD.match(text, end)
        return not text[end:].strip(" )]\"'”’") or (
            after is not None and starts_sentence(after.group(1)))
    return ends_sentence(text, end)


def period_if_final(m: re.Match[str]) -> str:
    """"." when the match ends in a period that also ends the sentence, else ""."""
    if not m.group().endswith("."):
        return ""
    return "." if abbreviation_ends_sentence(m.group(), m.string, m.end()) else ""


def word_before(text: str, start: int) -> tuple[str, bool]:
    """The word before ``start`` and whether that word begins its sentence."""
    window = text[max(0, start - WINDOW) : start]
    m = _WORD_THEN_SPACE.search(window)
    if not m:
        return "", False
    before = window[: m.start()].rstrip()
    initial = not before or before[-1] in ".!?:" or before[-1] in "\"'“‘("
    return m.group(1).strip("\"'“”‘’(),;"), initial


def word_after(text: str, end: int) -> str:
    m = _NEXT_WORD.match(text, end)
    return m.group(1) if m else ""


def capitalised(word: str) -> bool:
    return bool(word) and word[0].isupper()


def keep_case(original: str, spoken: str) -> str:
    """Sentence-initial "E.g." becomes "For example"."""
    return spoken[:1].upper() + spoken[1:] if original[:1].isupper() else spoken


def spell(letters: Sequence[str]) -> str:
    """Letters said one by one. espeak-ng reads a lone "A" before another letter as the
    article "uh", so a spelled ``A`` is joined to the next letter with a hyphen."""
    out = ""
    for i, letter in enumerate(letters):
        out += letter
        if i < len(letters) - 1:
            out += "-" if letter == "A" else " "
    return out


def alternation(words: Sequence[str]) -> str:
    """Regex alternation of literal words, longest first (so "Sept" wins over "Sep")."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))
