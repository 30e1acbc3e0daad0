"""Money: "$5.50" → "five dollars fifty cents", "£2.01" → "two pounds one penny",
"¥30b" → "thirty billion yen", "$150/hr" → "one hundred and fifty dollars per hour".

Currencies live in ``data/currencies.tsv``. Amounts with more than two decimals that are not
zeros are read as decimals ("$1.234" → "one point two three four dollars"), and amounts too long
to say as a number (over ``cardinal.MAX_DIGITS`` digits) digit by digit.
"""

from __future__ import annotations

import re
from functools import cache

import rtr_audio.normalize.vocab as vocab
from rtr_audio.normalize.cardinal import MAX_DIGITS, NUMBER, number_token_words, number_words
from rtr_audio.normalize.measure import per_unit
from rtr_audio.normalize.rules import alternation, sub

_SHORT_SCALES = {"k": "thousand", "m": "million", "mm": "million", "b": "billion",
                 "bn": "billion", "t": "trillion", "tn": "trillion"}


@cache
def _currencies() -> dict[str, tuple[str, ...]]:
    return {row[0]: tuple((*row[1:], "", "", "", "")[:4]) for row in vocab.table("currencies")}


def _amount_words(symbol: str, amount: str, scale: str) -> str:
    one, many, sub_one, sub_many = _currencies()[symbol]
    amount = amount.replace(",", "")
    whole, _, cents = amount.partition(".")
    if scale:
        return f"{number_token_words(amount, use_and=False)} {scale} {many}"
    if len(whole) > MAX_DIGITS or (cents and set(cents[2:]) - {"0"}):
        return f"{number_token_words(amount)} {many}"  # "$1.234": a decimal amount
    cents = (cents + "00")[:2] if cents else ""
    if cents and not sub_one:
        return f"{number_token_words(amount)} {many}"
    units = int(whole or 0)
    parts = []
    if units or not cents or not int(cents):
        parts.append(f"{number_words(units)} {one if units == 1 else many}")
    if cents and int(cents):
        parts.append(f"{number_words(int(cents))} {sub_one if int(cents) == 1 else sub_many}")
    return " ".join(parts)


def _money(m: re.Match[str]) -> str:
    scale = m.group("scale") or _SHORT_SCALES.get((m.group("short") or "").lower(), "")
    said = _amount_words(m.group("symbol"), m.group("amount"), scale.lower())
    if m.group("unit"):
        said += f" per {per_unit(m.group('unit'))}"
    return ("minus " if m.group("sign") else "") + said


@cache
def _pattern() -> str:
    symbols = alternation(list(_currencies()))
    return (
        rf"(?P<sign>(?<![\w.])[-−])?(?P<symbol>{symbols})\s?(?P<amount>{NUMBER}|(?<!\d)\.\d+)"
        r"(?:\s?(?P<scale>thousand|million|billion|trillion)\b"
        r"|\s?(?P<short>bn|tn|mm|[kKmMbBtT])(?![\w]))?"
        r"(?:/(?P<unit>[A-Za-z]{1,4})\b)?"
    )


def _money_step(text: str) -> str:
    return re.sub(_pattern(), _money, text)


def _currency_range(m: re.Match[str]) -> str:
    return f"{m.group(1)} to {m.group(2)}"


STEPS = (_money_step,)
RANGE_STEPS = (
    # "$250-$300" after money was read: "... dollars-three hundred dollars".
    sub(r"((?:dollars?|pounds?|pence|penny|cents?|euros?|yen|won|rupees?))\s?[-–—]\s?"
        r"(?=(?:minus\s)?[a-z])", r"\1 to "),
)
