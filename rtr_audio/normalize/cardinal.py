"""Cardinal numbers: "123" → "one hundred and twenty-three", "-2" → "minus two".

Also the number words every other class builds on (``number_words``, ``digits_words``,
``year_words``). Reading follows NeMo-text-processing's English grammars: the final group of a
cardinal takes "and" after "hundred"/"thousand" ("one hundred and five"). Unlike NeMo, a plain
"13000" is an amount (thirteen thousand): narration writes counts that way; codes are read as
digits by context (``telephone``, ``serial``). A bare run of ten digits or more without
separators is digits (a phone or account number); in money and measures, over 15.
"""

from __future__ import annotations

import re

import rtr_audio.normalize.vocab as vocab
from rtr_audio.normalize.rules import sub

ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = (
    (10**18, "quintillion"), (10**15, "quadrillion"), (10**12, "trillion"),
    (10**9, "billion"), (10**6, "million"), (1000, "thousand"),
)  # fmt: skip
# Longest number said as an amount; longer digit runs are read digit by digit (and int() of a
# 5,000-digit string would raise: Python limits it).
MAX_DIGITS = 21

# A written number: "5", "1,200", "2.5". Commas only as thousands separators, so a list
# "$5, $10" keeps its comma. The look-behind makes it start only at the start of a digit run.
NUMBER = r"(?<![\d,])(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"


def _under_thousand(n: int, final_and: bool) -> str:
    if n < 20:
        return ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{ONES[ones]}" if ones else "")
    hundreds, rest = divmod(n, 100)
    if not rest:
        return f"{ONES[hundreds]} hundred"
    return f"{ONES[hundreds]} hundred {'and ' if final_and else ''}{_under_thousand(rest, False)}"


def number_words(n: int, use_and: bool = True) -> str:
    """Cardinal in words: 1205 → "one thousand two hundred and five" (``use_and=False``:
    "one thousand two hundred five", as ordinals, fractions and years are said)."""
    if n < 0:
        return f"minus {number_words(-n, use_and)}"
    words: list[str] = []
    for value, name in _SCALES:
        if n >= value:
            high, n = divmod(n, value)
            words.append(f"{_under_thousand(high, False)} {name}")
    if n or not words:
        last_and = use_and and bool(words) and n < 100 and value_is_thousands(words)
        part = _under_thousand(n, use_and)
        words.append(f"and {part}" if last_and else part)
    return " ".join(words)


def value_is_thousands(words: list[str]) -> bool:
    """"eighteen thousand and eighty-one", but "one million twelve" (NeMo's reading)."""
    return words[-1].endswith("thousand")


def digits_words(digits: str) -> str:
    """"007" → "zero zero seven"."""
    return " ".join(ONES[int(d)] for d in digits if d.isdigit())


def year_words(n: int) -> str:
    """A year as people say it: 1990 "nineteen ninety", 2005 "two thousand five", 1905
    "nineteen oh five", 2026 "twenty twenty-six", 340 "three forty"."""
    if n % 1000 == 0 or 2000 <= n <= 2009 or not 100 <= n <= 9999:
        return number_words(n, use_and=False)
    high, low = divmod(n, 100)
    if low == 0:
        return f"{number_words(high)} hundred"
    if low < 10:
        return f"{number_words(high)} oh {ONES[low]}"
    return f"{number_words(high)} {number_words(low)}"


def plural_words(words: str) -> str:
    """Decades and plurals of numbers: "nineteen ninety" → "nineteen nineties"."""
    if words.endswith("y"):
        return words[:-1] + "ies"
    if words.endswith("x"):
        return words + "es"
    return words + "s"


def whole_words(whole: str, use_and: bool = True) -> str:
    """An integer as written (no commas): an amount up to ``MAX_DIGITS`` digits, else digits;
    a leading zero makes it a code ("007")."""
    if len(whole) > MAX_DIGITS or (len(whole) > 1 and whole.startswith("0")):
        return digits_words(whole)
    return number_words(int(whole), use_and)


def number_token_words(token: str, use_and: bool = True) -> str:
    """One written number (``1,200``, ``2.5``, ``.5``, ``007``, ``1990``, ``13000``) in words."""
    grouped = "," in token
    whole, _, decimals = token.replace(",", "").partition(".")
    if decimals:
        head = whole_words(whole.lstrip("0") or "0", use_and) if whole else ""
        return f"{head} point {digits_words(decimals)}".strip()
    if not grouped and len(whole) == 4 and 1000 <= int(whole) <= 2099:
        return year_words(int(whole))  # also how people say such counts aloud
    if not grouped and len(whole) > 15:
        return digits_words(whole)  # a card or account number, not an amount
    return whole_words(whole, use_and)


# A bare count of ten digits or more, written without separators, is a phone or account
# number ("iCall: 9152987821"): nobody writes "nine billion…" that way in prose. Amounts of
# money and measures keep their reading (``money``, ``measure`` call ``number_token_words``).
PLAIN_DIGITS_FROM = 10


def _number(m: re.Match[str]) -> str:
    token = m.group()
    if token.isdigit() and len(token) >= PLAIN_DIGITS_FROM:
        return digits_words(token)
    return number_token_words(token)


SIGN_STEPS = (sub(r"(?<![\w.,)])[-−](?=\.?\d)", "minus "),)
def _counted(m: re.Match[str]) -> str:
    """"Chapter 01" is "Chapter one": after a counting word a zero pad is typography."""
    if m.group(1).lower() not in vocab.words("counted_by_roman"):
        return m.group()
    return f"{m.group(1)} {number_words(int(m.group(2)))}"


STEPS = (
    sub(r"\b([A-Za-z]+)\s+(0+\d{1,3})\b(?![.,:/]\d)", _counted),
    sub(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)", " "),  # "4.4x", "MP3"
    sub(rf"{NUMBER}|(?<![\d.])\.\d+", _number),
    sub(r"\d", lambda m: f" {ONES[int(m.group())]} "),  # anything that slipped through
)
