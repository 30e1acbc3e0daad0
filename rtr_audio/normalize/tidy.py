"""Tidying after the classes: dashes as pauses, "his/her" → "his or her", every character
the engine would name (symbols left over) removed, spacing and punctuation runs cleaned.

The engine only ever sees letters, spaces and ``.,?!;:'()-``.
"""

from __future__ import annotations

import re
import unicodedata

from rtr_audio.normalize.rules import sub

# Private-use slots stand for lexicon replacements (``speech``): kept as they are.
SLOT_BASE = 0xF0000


def _drop_unpaired(text: str, opening: str, closing: str) -> str:
    """Remove brackets without a partner ("1) breath"), which would only confuse phrasing."""
    chars, stack = list(text), []
    for i, ch in enumerate(chars):
        if ch == opening:
            stack.append(i)
        elif ch == closing:
            if stack:
                stack.pop()
            else:
                chars[i] = " "
    for i in stack:
        chars[i] = " "
    return "".join(chars)


def _keep_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM" or ch in " .,?!;:'()-" or ord(ch) >= SLOT_BASE


# Text that is only ASCII letters and the kept punctuation needs no per-character look.
_PLAIN = re.compile(r"[A-Za-z .,?!;:'()-]*")


def _keep_speakable(text: str) -> str:
    """Every character the engine would name (a symbol left over) becomes a space."""
    if _PLAIN.fullmatch(text):
        return text
    return "".join(ch if _keep_char(ch) else " " for ch in text)


STEPS = (
    sub(r"\s*(?:--+|[—–―]|\s-\s)\s*", ", "),
    # A slash between words is "or", every one of a chain and spaced ones too ("him/her/them",
    # "he / she"); "and/or" is said "and or".
    sub(r"(?<![^\W\d_])(?i:and)/(?=(?i:or)\b)", "and "),
    sub(r"(?<=[^\W\d_]) ?/ ?(?=[^\W\d_])", " or "),
    sub(r"_", " "),
    lambda text: _keep_speakable(text),
    lambda text: " ".join(text.split()),
    sub(r"\(\s*\)", ""),
    lambda text: _drop_unpaired(text, "(", ")"),
    sub(r"\( ", "("),
    sub(r" +([.,?!;:)])", r"\1"),
    sub(r"(?<![A-Z])([.!?])(?:\s*[,;:])+", r"\1"),  # "rest. — Then" → "rest. Then"
    sub(r"([,;:])(?:\s*[,;:])+", r"\1"),
    sub(r",(\s*[.?!])", r"\1"),
    sub(r"([?!])[.?!]+", r"\1"),
    sub(r"\.{2,}", "."),
    sub(r"([,;:])(?=[^\s\d])", r"\1 "),
    # A trailing ",;:" stays: it gives the rising "more to come" tune ("such as:").
    sub(r"^[\s,.;:!?]+|[\s-]+$", ""),
    sub(r"(?<![\w'])'(?![\w])", ""),  # stray apostrophes left by removed quotes
    lambda text: " ".join(text.split()),
)
