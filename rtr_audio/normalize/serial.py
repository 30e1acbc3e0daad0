"""Serials and codes: letters and digits mixed in one token ("B2A23C", "ab9453", "MP3") are
split into runs; a digit run inside a code that is also spelled is read digit by digit when it
is longer than two digits ("ab9453" → "ab nine four five three"), else as a number
("C24" → "C twenty-four").
"""

from __future__ import annotations

import re

from rtr_audio.normalize.cardinal import digits_words, number_words
from rtr_audio.normalize.rules import sub


def _code(m: re.Match[str]) -> str:
    runs = re.findall(r"\d+|[^\W\d_]+", m.group())
    out = []
    for run in runs:
        if run.isdigit():
            out.append(digits_words(run) if len(run) > 3 or (run.startswith("0") and
                       len(run) > 1) else number_words(int(run)))
        else:
            out.append(run)
    return " ".join(out)


def _hyphenated(m: re.Match[str]) -> str:
    """"133-ABC", "1-413-te-b": a code's numbers are said without "and"."""
    return "-".join(
        (digits_words(part) if len(part) > 3 or (part.startswith("0") and len(part) > 1)
         else number_words(int(part), use_and=False)) if part.isdigit() else part
        for part in m.group().split("-"))


STEPS = (
    # Hyphen-joined parts, some letters and some digits: a code, not a range or a sum.
    sub(r"(?<![\w.-])(?=[\w-]*[^\W\d_])(?=[\w-]*\d)\w{1,12}(?:-\w{1,12}){1,8}(?![\w-])",
        _hyphenated),
    # "401(k)" is "four oh one k".
    sub(r"\b401\s?\(k\)", "four oh one k"),
    sub(r"(?<![\w.])(?=[^\W_]*\d)(?=[^\W_]*[^\W\d_])[^\W_]{2,30}(?![\w])", _code),
)
