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

from rtr_audio.normalize.cardinal import digits_words
from rtr_audio.normalize.rules import sub

# Words after which a number is dialled or typed, so it is read digit by digit.
DIAL_WORDS = (r"(?:call(?:ing)?|text(?:ing)?|dial(?:ling)?|phone|ring|sms|txt|fax|helpline"
              r"|hotline|ending\s+in|pin|code)")
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


def _after_keyword(m: re.Match[str]) -> str:
    return m.group("lead") + groups_words(m.group("number"))


_SEP = r"(?:[ .-]|\)\s?-?)"
STEPS = (
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
    sub(r"(?<![\w.,/-])\d{3,5} \d{3,5}(?![\w/-]|[.,]\d)", _phone),
    # After a dialling word: "call 911", "call or text 988", "Text HOME to 741741".
    sub(
        rf"(?P<lead>\b{DIAL_WORDS}\b(?:\s+(?:or|and)\s+{DIAL_WORDS}\b)?"
        r"(?:\s+(?:us|them|me|on|at|free|now|[A-Z]{2,10}\s+to))*\s+)"
        r"(?P<number>\d{2,15}(?:[ -]\d{2,6}){0,3})(?![\d,.]\d|\w)",
        _after_keyword,
        re.IGNORECASE,
    ),
)
