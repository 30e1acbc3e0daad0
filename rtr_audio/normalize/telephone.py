"""Telephone numbers, short codes and other digit strings read digit by digit, in groups:
"116 123" → "one one six, one two three", "+44 20 7946 0958", "(555) 123-4567",
"call 911" → "call nine one one", "Text HOME to 741741", IP addresses "10.0.0.1".

Helplines are why this class exists: a listener must be able to dial what they hear. A number
is read as digits when it is written like a phone number (a leading ``+``, brackets around an
area code, three or more digit groups, two groups of three or more digits separated by spaces,
hyphens or dots), or when it follows a word that dials (call, text, dial, phone, ring, sms,
"card ending in"…): ``call 911``, ``call or text 988``, ``Text HOME to 741741``.
"""

from __future__ import annotations

import re

import rtr_audio.normalize.vocab as vocab
from rtr_audio.normalize.cardinal import digits_words
from rtr_audio.normalize.letters import is_initialism
from rtr_audio.normalize.rules import Step, alternation, sub, word_after, word_before

# Words after which a number is dialled or typed, so it is read digit by digit.
DIAL_WORDS = (r"(?:call(?:ing)?|text(?:ing)?|dial(?:ling)?|phone|ring|sms|txt|fax|helpline"
              r"|hotline|ending\s+in|pin|code|tel|telephone|ph|mobile|cell|whatsapp"
              r"|free(?:phone|fone|call))")
_GROUP_JOIN = ", "


def groups_words(text: str) -> str:
    """Digit groups of ``text`` read digit by digit, a comma-pause between groups."""
    groups = re.findall(r"\d+", text)
    said = _GROUP_JOIN.join(digits_words(g) for g in groups)
    return ("plus " if text.lstrip().startswith("+") else "") + said


def _phone(m: re.Match[str]) -> str:
    return groups_words(m.group())


def _dotted(m: re.Match[str]) -> str:
    return " dot ".join(digits_words(g) for g in m.group().split("."))


_NUMBER_AFTER_KEYWORD = r"\d{2,15}(?:[ -]\d{2,6}){0,3}"
_LISTED = re.compile(rf"(?<!\d){_NUMBER_AFTER_KEYWORD}")


def _after_keyword(m: re.Match[str]) -> str:
    """Every number of a list after the dialling word: "call 111 or 999", "999, 112 or 911"."""
    return m.group("lead") + _LISTED.sub(_phone, m.group("number"))


def _service_number(m: re.Match[str]) -> str:
    return m.group("lead") + groups_words(m.group("number")) + m.group("tail")


def _service_steps() -> tuple[Step, ...]:
    """A number beside the name of a telephone service (``data/helpline_words.txt``) is
    dialled: "NHS 111", "Lifeline: 988", "the number is 116123", "the 988 Lifeline",
    "988 is the Suicide and Crisis Lifeline" (up to four capitalised words between)."""
    names = alternation(list(vocab.words("helpline_words"))).replace("_", r"\s+")
    name = rf"(?i:{names})\b"
    number = r"\d{3,15}(?:[ -]\d{2,6}){0,3}(?![\d,.]\d|\w)"
    return (
        sub(rf"(?P<lead>\b(?:{name}|(?i:number)\s+is|(?i:number):)(?:\s+(?:on|is))?:?\s+)"
            rf"(?P<number>{number})(?P<tail>)", _service_number),
        sub(rf"(?P<lead>)(?<![\w.,/+-])(?P<number>{number})(?P<tail>\s+(?:(?:is|was)\s+"
            rf"(?:the|a|an|your)\s+)?(?:(?:[A-Z][\w'’]*|&|and)\s+){{0,4}}{name})",
            _service_number),
    )


def _short_code(m: re.Match[str]) -> str:
    """A short code standing alone (``data/short_codes.txt``) is dialled unless a counting or
    year word comes before it ("page 111", "in 1737") or a word it counts after it."""
    before, _ = word_before(m.string, m.start())
    before = before.lower().rstrip(".")
    after = word_after(m.string, m.end())
    counted = after[:1].islower() and after.strip(".,;:!?)") not in vocab.words(
        "short_code_followers")
    if before in vocab.words("counted_by_roman") | _COUNT_WORDS | _YEAR_WORDS or counted:
        return m.group()
    return digits_words(m.group())


# Words before a number that count or locate rather than dial ("p. 111", "Route 988").
_COUNT_WORDS = frozenset({"p", "pp", "page", "pages", "nos", "route", "highway", "room", "bus",
                         "flight", "verse", "verses", "chapters", "psalms", "the", "a", "of"})


def _short_code_step() -> Step:
    codes = alternation(sorted(vocab.words("short_codes")))
    return sub(rf"(?<![\w$£€¥.,/+-])(?:{codes})(?![\d.,]\d|\w|%|°|-\w)", _short_code)


_SEP = r"(?:[ .-]|\)\s?-?)"
# Words before a year ("in 1800", "since 1300"): the number after them is not dialled.
_YEAR_WORDS = frozenset({"in", "since", "by", "until", "till", "from", "around", "circa", "of",
                         "before", "after", "year"})


def _phoneword(m: re.Match[str]) -> str:
    """"1800 RESPECT" → "one eight zero zero respect"; a year before an initialism ("in 1800
    NASA", "1990 PTSD") is left alone: a phoneword is a word, not an initialism."""
    before, _ = word_before(m.string, m.start())
    if is_initialism(m.group("word")) or before.lower() in _YEAR_WORDS:
        return m.group()
    return f"{groups_words(m.group('digits'))} {m.group('word')}"


STEPS = (
    # Phonewords: a toll-free prefix, then letters to dial ("1800 RESPECT", "1-800-273-TALK").
    sub(r"(?<![\w+-])(?P<digits>(?:1[ -]8\d\d|1800|1300|0800|0808)(?:[ -]\d{2,4})?)[ -]?"
        r"(?P<word>[A-Z]{3,}\b)(?!-)", _phoneword),
    # International: +44 20 7946 0958, +1-123-123-5678, +1 (123) 123-5678.
    sub(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){1,5}(?:[ .-]\d{2,4})(?![\d])", _phone),
    # (555) 123-4567, (123)-123-5678.
    sub(r"(?<![\w(])\(\d{2,5}\)[ -]?\d{2,4}(?:[ .-]\d{2,4}){0,2}(?!\d)", _phone),
    # IP addresses: four dotted groups.
    sub(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])", _dotted),
    # 555-123-4567, 555.555.5555, 0800 1111 11: three or more groups.
    sub(r"(?<![\w.,/-])\d{1,5}(?:([ .-])\d{2,5})\1\d{2,5}(?:\1\d{1,5})*(?![\w/]|[.-]\d)", _phone),
    # 116 123, 020 7946: two space-separated groups of three or more digits.
    # A full stop or comma after them ends the sentence or clause ("on 116 123."); only one
    # followed by a digit continues a number.
    # A trunk prefix "0" also allows six digits after it: a UK mobile "07700 900123".
    sub(r"(?<![\w.,/-])(?:\d{3,5} \d{3,5}|0\d{2,4} \d{6})(?![\w/-]|[.,]\d)", _phone),
    # After a dialling word: "call 911", "call or text 988", "Text HOME to 741741".
    sub(
        rf"(?P<lead>\b{DIAL_WORDS}\b(?:\s+(?:or|and)\s+{DIAL_WORDS}\b)?"
        # "Phone: 988", "Tel. 0800 1111", "Text 'SHOUT' to 85258".
        r"\.?:?(?:\s+(?:us|them|me|on|at|free|now|'?[A-Z]{2,10}'?\s+to))*\s+)"
        # A list of numbers is dialled alike: "call 111 or 999", "dial 999, 112 or 911".
        rf"(?P<number>{_NUMBER_AFTER_KEYWORD}(?:(?:,\s*|,?\s+(?:or|and)\s+)"
        rf"{_NUMBER_AFTER_KEYWORD})*)(?![\d,.]\d|\w)",
        _after_keyword,
        re.IGNORECASE,
    ),
    *_service_steps(),
    _short_code_step(),
)
