"""Decimals: "2.050" → "two point zero five zero", ".5" → "point five", "1.5 million",
and version-like dotted runs "1.2.3" → "one point two point three".

The plain decimal itself is read by ``cardinal.number_token_words``; this class handles the
forms around it.
"""

from __future__ import annotations

import re

from rtr_audio.normalize.cardinal import NUMBER, number_token_words
from rtr_audio.normalize.rules import sub

_SCALE_WORDS = r"(?:thousand|million|billion|trillion)"


def _dotted(m: re.Match[str]) -> str:
    return " " + " point ".join(number_token_words(part) for part in m.group().split("."))


def _scaled(m: re.Match[str]) -> str:
    return f"{number_token_words(m.group(1), use_and=False)} {m.group(2)}"


STEPS = (
    sub(r"(?<![\d.])\d+(?:\.\d+){2,}(?![\d.])", _dotted),
    sub(rf"({NUMBER}|(?<![\d.])\.\d+)\s+({_SCALE_WORDS})\b", _scaled),
)
