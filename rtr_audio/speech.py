"""Text for ears: captions text, what the speech engine receives, sentences, and the lexicon.

Three views of one paragraph flow through here:

* ``clean_markup`` gives the text a listener reads in captions and transcripts (Markdown and
  HTML gone, typography kept).
* ``Lexicon.apply`` swaps in the writer's pronunciations, then ``to_spoken`` rewrites numbers,
  dates, abbreviations, acronyms and symbols into plain words so espeak-ng says them the way a
  person would. The engine only ever sees letters, spaces and ``.,?!;:'()-``.
* ``split_sentences`` cuts a paragraph into short utterances, because the pyttsx3/espeak driver
  misbehaves on long ones.

Context rules (documented here because they are guesses a writer may need to steer):

* ``H:MM`` is a time unless it is a ratio: the first number is above 24, the second is not
  exactly two digits or is 60 or more, or a ratio word (``ratio``, ``odds``, ``mix``, ``parts``,
  ``score``…) is within three words. ``3:1`` → "three to one", ``7:30`` → "seven thirty".
* A plain four-digit number from 1000 to 2099 is read as a year ("nineteen ninety", "fifteen
  hundred"): that is also how people say such counts aloud. Write ``2,050`` to force a cardinal.
* ``St.``/``Dr.`` after a number or a capitalised word that does not start the sentence are
  "Street"/"Drive"; otherwise "Saint"/"Doctor" when a capitalised word follows.
* All-caps words of 2–5 letters are spelled ("P T S D") unless they are in
  ``WORDS_IN_CAPITALS`` (acronyms said as words, and common words written in capitals for
  emphasis) or next to another all-caps word (a shouted line or heading: "GO SLOW").
* espeak-ng reads a lone "A" before another letter as the article "uh", so a spelled ``A`` is
  joined to the next letter with a hyphen: ``a.m.`` → "A-M", ``FAQ`` → "F A-Q".
* ``a/b`` is a fraction when proper with a denominator of 2–9 ("three quarters"), a score over
  10 or 100 ("seven out of ten"), else two numbers ("24/7" → "twenty-four seven").
* ``3-5`` is a range when both sides have at most three digits (or are both years) and rise;
  other hyphenated digit groups are read digit by digit like phone numbers.
* Weekday abbreviations ("Thurs.", "Sun") become days only next to a date or in a range, since
  "the Sun, the Moon" must stay as written.

Numbers a listener would hear differently (a helpline "988", "116 123") belong in the lexicon:
``"988": nine eight eight``.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

from rtr_audio.errors import Problem, cut
from rtr_audio.files import read_text
from rtr_audio.yamlsrc import load_mapping

__all__ = [
    "MAX_WORDS",
    "WORDS_IN_CAPITALS",
    "Lexicon",
    "clean_markup",
    "number_words",
    "ordinal_words",
    "split_sentences",
    "to_spoken",
    "year_words",
]

# Longest utterance handed to the engine; espeak through pyttsx3 drops or truncates long ones.
MAX_WORDS = 40

# ``Lexicon.apply`` wraps each replacement in these private-use characters so ``to_spoken`` can
# leave the writer's pronunciation exactly as written (no acronym spelling inside "nuh-SAH").
_LEX_OPEN, _LEX_CLOSE = "\ue000", "\ue001"
# While ``to_spoken`` works, each protected replacement becomes one character of plane 15's
# private-use area: no rule matches it, so context rules around it still see a "word".
_SLOT_BASE = 0xF0000

_Repl = Callable[[re.Match[str]], str]

# A written number: "5", "1,200", "2.5". Commas only as thousands separators, so a list
# "$5, $10" keeps its comma.
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"


def _word_list(text: str) -> tuple[str, ...]:
    """Word tables written as one string, so they read as prose and stay short."""
    return tuple(text.split())


# --------------------------------------------------------------------------- numbers as words

_ONES = _word_list(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_IRREGULAR_ORDINALS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth",
    "eight": "eighth", "nine": "ninth", "twelve": "twelfth",
}  # fmt: skip


def number_words(n: int) -> str:
    """Cardinal in words, US style without "and": 1200 → "one thousand two hundred"."""
    if n < 0:
        return f"minus {number_words(-n)}"
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")
    for value, name in _SCALES:
        if n >= value:
            high, rest = divmod(n, value)
            return f"{number_words(high)} {name}" + (f" {number_words(rest)}" if rest else "")
    raise AssertionError("unreachable")


def _ordinal_of_word(word: str) -> str:
    if word in _IRREGULAR_ORDINALS:
        return _IRREGULAR_ORDINALS[word]
    if word.endswith("y"):
        return word[:-1] + "ieth"
    return word + "th"


def ordinal_words(n: int) -> str:
    """Ordinal in words: 23 → "twenty-third"; only the last word changes form."""
    words = number_words(n)
    cut = max(words.rfind(" "), words.rfind("-")) + 1
    return words[:cut] + _ordinal_of_word(words[cut:])


def year_words(n: int) -> str:
    """A year as people say it: 1990 "nineteen ninety", 2005 "two thousand five", 1905
    "nineteen oh five", 2026 "twenty twenty-six"."""
    if n % 1000 == 0 or 2000 <= n <= 2009 or not 1000 <= n <= 9999:
        return number_words(n)
    high, low = divmod(n, 100)
    if low == 0:
        return f"{number_words(high)} hundred"
    if low < 10:
        return f"{number_words(high)} oh {number_words(low)}"
    return f"{number_words(high)} {number_words(low)}"


def _digits_words(digits: str) -> str:
    return " ".join(_ONES[int(d)] for d in digits)


def _plural_words(words: str) -> str:
    """Decades and plurals of numbers: "nineteen ninety" → "nineteen nineties"."""
    if words.endswith("y"):
        return words[:-1] + "ies"
    if words.endswith("x"):
        return words + "es"
    return words + "s"


def _number_token_words(token: str) -> str:
    """One written number (``1,200``, ``2.5``, ``007``, ``1990``) in words."""
    whole, _, decimals = token.replace(",", "").partition(".")
    if decimals:
        head = number_words(int(whole)) if whole else ""
        return f"{head} point {_digits_words(decimals)}".strip()
    if (len(whole) > 1 and whole.startswith("0")) or len(whole) > 15:
        return _digits_words(whole)  # codes and serials: "007" is "zero zero seven"
    value = int(whole)
    if "," not in token and len(whole) == 4 and 1000 <= value <= 2099:
        return year_words(value)
    return number_words(value)


_FRACTION_NAMES = {2: ("half", "halves"), 4: ("quarter", "quarters")}


def _fraction_words(num: int, den: int, article: bool = False) -> str:
    """3/4 → "three quarters"; with ``article`` 1/2 → "a half" (for "one and a half")."""
    singular, plural = _FRACTION_NAMES.get(den, (ordinal_words(den), ordinal_words(den) + "s"))
    if num == 1:
        return f"{'a' if article else 'one'} {singular}"
    return f"{number_words(num)} {plural}"


# --------------------------------------------------------------------------- helpers for rules


def _sub(pattern: str, repl: str | _Repl, flags: int = 0) -> Callable[[str], str]:
    """A step that applies one regex substitution (compiled once)."""
    compiled = re.compile(pattern, flags)
    return lambda text: compiled.sub(repl, text)


# Context looks only this far around a match: enough for a few words, and it keeps long
# paragraphs linear instead of rescanning everything before each match.
_WINDOW = 80
_SENTENCE_FOLLOWS = re.compile(r"\s*$|\s+[\"'“‘(]*[A-Z](?![A-Z])")
_NEXT_WORD = re.compile(r"\s+[\"'“‘(]*(\S+)")
_LAST_WORD = re.compile(r"(\S+)$")
_WORD_THEN_SPACE = re.compile(r"(\S+)\s+$")


def _ends_sentence(text: str, end: int) -> bool:
    """Whether an abbreviation's period at ``end`` is probably also the sentence's period:
    the text ends, or a capitalised word follows that is not itself all capitals ("EST")."""
    return _SENTENCE_FOLLOWS.match(text, end) is not None


def _period_if_final(m: re.Match[str]) -> str:
    return "." if _ends_sentence(m.string, m.end()) else ""


def _word_before(text: str, start: int) -> tuple[str, bool]:
    """The word before ``start`` and whether that word begins its sentence."""
    window = text[max(0, start - _WINDOW) : start]
    m = _WORD_THEN_SPACE.search(window)
    if not m:
        return "", False
    before = window[: m.start()].rstrip()
    initial = not before or before[-1] in ".!?:" or before[-1] in "\"'“‘("
    return m.group(1).strip("\"'“”‘’(),;"), initial


def _word_after(text: str, end: int) -> str:
    m = _NEXT_WORD.match(text, end)
    return m.group(1) if m else ""


def _capitalised(word: str) -> bool:
    return bool(word) and word[0].isupper()


def _keep_case(original: str, spoken: str) -> str:
    """Sentence-initial "E.g." becomes "For example"."""
    return spoken[:1].upper() + spoken[1:] if original[:1].isupper() else spoken


# --------------------------------------------------------------------------- clean_markup

_EMOJI = re.compile(
    "["
    "\U0001f000-\U0001faff"  # pictographs, emoticons, transport, flags' letters, symbols
    "\u2600-\u27bf"  # miscellaneous symbols and dingbats (☀ ✔ ❤)
    "\u2b00-\u2bff"  # arrows and stars (⭐)
    "\u2300-\u23ff"  # technical (⌚ ⏰)
    "\ufe00-\ufe0f"  # variation selectors that turn text into emoji
    "\u200d"  # zero-width joiner gluing emoji sequences
    "\u20e3"  # combining keycap
    "\U000e0020-\U000e007f"  # tag characters of subdivision flags
    "]+"
)
_ZERO_WIDTH = re.compile("[\u200b\u200c\u2060\ufeff\u00ad]")
_CUE = re.compile(r"\[\s*(?:pause\b[^\]]*|bell)\s*\]", re.IGNORECASE)

_MARKUP_STEPS: tuple[Callable[[str], str], ...] = (
    _sub(r"<!--.*?(?:-->|$)", " ", re.DOTALL),
    _sub(r"<((?:https?://|mailto:)[^>\s]+|[^>\s@]+@[^>\s]+)>", r"\1"),  # autolinks keep text
    _sub(r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>", " "),
    _sub(r"!\[[^\]]*\]\([^)]*\)", " "),  # images are not narration
    _sub(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)", r"\1"),
    _sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1"),
    _sub(r"(`+)(.+?)\1", lambda m: m.group(2).strip()),
    _sub(r"(?<!\\)(\*\*\*|___)(?=\S)(.+?)(?<=\S)(?<!\\)\1", r"\2"),
    _sub(r"(?<!\\)(\*\*|__)(?=\S)(.+?)(?<=\S)(?<!\\)\1", r"\2"),
    _sub(r"(?<![\\\w*])\*(?=[^\s*])(.+?)(?<=[^\s\\*])\*(?![\w*])", r"\1"),
    _sub(r"(?<![\\\w])_(?=[^\s_])(.+?)(?<=[^\s\\_])_(?!\w)", r"\1"),
    _sub(r"~~(?=\S)(.+?)(?<=\S)~~", r"\1"),
    _sub(r"(?m)^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d{1,2}[.)][ \t]+)", ""),
    _sub(r"\\([\\`*_{}\[\]()#+\-.!<>~|])", r"\1"),
    html.unescape,
    lambda text: _CUE.sub(" ", text),
    lambda text: _EMOJI.sub(" ", text),
    lambda text: _ZERO_WIDTH.sub("", text),
    _sub(f"[{_LEX_OPEN}{_LEX_CLOSE}]", ""),
    lambda text: " ".join(text.split()),
    _sub(r"(?<=\S) +([,.;:!?])(?=\s|$)", r"\1"),  # a removed emoji left "word ."
)


def clean_markup(text: str) -> str:
    """Text as captions and transcripts show it: no Markdown, HTML, emoji or cues."""
    for step in _MARKUP_STEPS:
        text = step(text)
    return text.strip()


# --------------------------------------------------------------------------- typography

_VULGAR = {"½": "1/2", "⅓": "1/3", "⅔": "2/3", "¼": "1/4", "¾": "3/4", "⅛": "1/8"}


def _ellipsis(m: re.Match[str]) -> str:
    """A trailing ellipsis is a full stop; one inside a sentence is a comma-sized pause."""
    return ". " if _ends_sentence(m.string, m.end()) else ", "


_TYPOGRAPHY_STEPS: tuple[Callable[[str], str], ...] = (
    lambda text: "".join(" " if unicodedata.category(c) == "Zs" else c for c in text),
    _sub("[‘’‚‛′]", "'"),
    _sub(r"(?<=\d)'\s?(\d{1,2})(?:\"|″|'')?(?!\d)", r" feet \1"),  # 5'10" is feet and inches
    # A bare 6' could close a quotation ('call at 5'), so only before a word of size.
    _sub(r"(?<=\d)'(?=\s(?:tall|high|long|wide|deep|away)\b)", " feet"),
    _sub(r"~\s?(?=[$£€]?\d)", "about "),
    _sub('[“”„‟″"«»]', " "),  # espeak pauses around quotes; the listener hears none
    _sub(r"(?:(?<=\d)\s*)?([½⅓⅔¼¾⅛])", lambda m: f" {_VULGAR[m.group(1)]}"),  # 1½ → 1 1/2
    _sub(r"^\s*(?:…|\.{3,})\s*", ""),
    _sub(r"\s*(?:…|\.{3,})", _ellipsis),
    _sub(r"(?:^|(?<=\s))[•◦▪‣·]\s*", ", "),  # inline bullets separate items
    _sub(r"[•◦▪‣·]", " "),
)


# --------------------------------------------------------------------------- links


def _url_words(m: re.Match[str]) -> str:
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", m.group(), flags=re.IGNORECASE)
    host = host.split("/")[0].rstrip(".")
    return " dot ".join(host.split("."))


def _email_words(m: re.Match[str]) -> str:
    user, host = m.group(1), m.group(2)
    return f"{user} at {' dot '.join(host.split('.'))}"


_LINK_STEPS = (
    _sub(r"\b([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)\b", _email_words),
    _sub(
        r"\bhttps?://[^\s]+?(?=[.,;:!?)]*(?:\s|$))|\bwww\.[^\s]+?(?=[.,;:!?)]*(?:\s|$))",
        _url_words,
        re.IGNORECASE,
    ),
)


# --------------------------------------------------------------------------- dates

_MONTHS = _word_list(
    "January February March April May June July August September October November December"
)
_MONTH_BY_NAME = {name.lower(): i + 1 for i, name in enumerate(_MONTHS)}
_MONTH_BY_NAME |= {name[:3].lower(): i + 1 for i, name in enumerate(_MONTHS)}
_MONTH_BY_NAME["sept"] = 9
_MONTH_WORD = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"
)


def _date_words(month: int, day: int, year: str | None, day_first: bool = False) -> str | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    name = _MONTHS[month - 1]
    said = f"the {ordinal_words(day)} of {name}" if day_first else f"{name} {ordinal_words(day)}"
    return f"{said}, {year_words(int(year))}" if year else said


def _iso_date(m: re.Match[str]) -> str:
    said = _date_words(int(m.group(2)), int(m.group(3)), m.group(1))
    return said or m.group()


def _slash_date(m: re.Match[str]) -> str:
    first, second = int(m.group(1)), int(m.group(2))
    # en-us writes month/day; a first number above 12 can only be a day (day/month).
    month, day = (second, first) if first > 12 else (first, second)
    return _date_words(month, day, m.group(3)) or m.group()


def _month_day(m: re.Match[str]) -> str:
    month = _MONTH_BY_NAME[m.group("month").lower()]
    return _date_words(month, int(m.group("day")), m.group("year")) or m.group()


def _day_month(m: re.Match[str]) -> str:
    month = _MONTH_BY_NAME[m.group("month").lower()]
    said = _date_words(month, int(m.group("day")), m.group("year"), day_first=True)
    return said or m.group()


_WEEKDAYS = _word_list("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
_WEEKDAY_BY_NAME = {"tues": "Tuesday", "thur": "Thursday", "thurs": "Thursday"}
_WEEKDAY_BY_NAME |= {day[:3].lower(): day for day in _WEEKDAYS}
_WEEKDAY_WORD = r"(?:Mon|Tues|Tue|Wed|Thurs|Thur|Thu|Fri|Sat|Sun)"
_NAMED_DAY = rf"(?:{_WEEKDAY_WORD}|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"


def _weekday(m: re.Match[str]) -> str:
    return _WEEKDAY_BY_NAME[m.group(1).lower()]


def _full_name(name: str) -> str:
    key = name.lower()
    if key in _WEEKDAY_BY_NAME:
        return _WEEKDAY_BY_NAME[key]
    return _MONTHS[_MONTH_BY_NAME[key] - 1] if key in _MONTH_BY_NAME else name


def _name_range(m: re.Match[str]) -> str:
    ending = _period_if_final(m) if m.group().endswith(".") else ""
    return f"{_full_name(m.group(1))} to {_full_name(m.group(2))}{ending}"


_DATE_STEPS = (
    # "Mon–Fri" and "Jan–Mar" are ranges; a lone dash between names stays a pause.
    _sub(rf"\b({_NAMED_DAY})\.?\s*[–—-]\s*({_NAMED_DAY})\b\.?", _name_range),
    _sub(rf"\b({_MONTH_WORD})\.?\s*[–—-]\s*({_MONTH_WORD})\b\.?", _name_range),
    # "Sun" and "Wed" are words too: expand only where a date or range makes them days.
    _sub(
        rf"\b({_WEEKDAY_WORD})\b(?:\.(?=,)|\.?(?=,?\s+(?:\d|{_MONTH_WORD}\b)))",
        _weekday,
    ),
    _sub(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])", _iso_date),
    _sub(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])", _slash_date),
    _sub(
        rf"\b(?P<month>{_MONTH_WORD})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:])"
        r"(?:,?\s+(?P<year>\d{4})\b)?",
        _month_day,
    ),
    _sub(
        r"(?<![\d.,/])\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+"
        r"(?P<month>January|February|March|April|May|June|July|August|September|October"
        r"|November|December|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.)"
        r"(?:,?\s+(?P<year>\d{4})\b)?",
        _day_month,
    ),
)


# --------------------------------------------------------------------------- ranges


def _hyphen_numbers(m: re.Match[str]) -> str:
    """``3-5`` and ``1990-1995`` are ranges; ``555-1234`` or ``1-800-273-8255`` are read
    digit by digit like phone numbers."""
    groups = m.group().split("-")
    if len(groups) == 2:
        low, high = (int(g) for g in groups)
        short = all(len(g) <= 3 for g in groups)
        years = all(len(g) == 4 and 1000 <= int(g) <= 2099 for g in groups)
        if low < high and (short or years):
            return f"{groups[0]} to {groups[1]}"
    return ", ".join(_digits_words(g) for g in groups)


_DASH_RANGE = _sub(r"(?<=\d)\s*[–—]\s*(?=[$£€]?\d)", " to ")
_RANGE_STEPS = (
    _sub(r"(?<=\d) - (?=[$£€]?\d)", " to "),
    _sub(r"(?<![\w.,-])\d+(?:-\d+)+(?![\w-])", _hyphen_numbers),
)


# --------------------------------------------------------------------------- times and ratios

_RATIO_WORDS = frozenset(
    _word_list("ratio ratios odds mix mixture parts proportion proportions scale aspect score")
)


def _spell(letters: Sequence[str]) -> str:
    """Letters said one by one; see the module notes for why "A" is hyphenated."""
    out = ""
    for i, letter in enumerate(letters):
        out += letter
        if i < len(letters) - 1:
            out += "-" if letter == "A" else " "
    return out


def _minutes_words(minutes: int) -> str:
    return f"oh {_ONES[minutes]}" if minutes < 10 else number_words(minutes)


def _clock_with_meridiem(m: re.Match[str]) -> str:
    hour, minutes = int(m.group(1)), int(m.group(2) or 0)
    meridiem = _spell("AM" if m.group(3).lower() == "a" else "PM")
    said = number_words(hour) + (f" {_minutes_words(minutes)}" if minutes else "")
    ending = _period_if_final(m) if m.group().endswith(".") else ""
    return f"{said} {meridiem}{ending}"


def _near_ratio_word(text: str, start: int, end: int) -> bool:
    before = re.findall(r"[A-Za-z]+", text[max(0, start - _WINDOW) : start])[-3:]
    after = re.findall(r"[A-Za-z]+", text[end : end + _WINDOW])[:3]
    return any(word.lower() in _RATIO_WORDS for word in before + after)


def _clock_or_ratio(m: re.Match[str]) -> str:
    first, second = m.group(1), m.group(2)
    hour, minutes = int(first), int(second)
    if (
        hour > 24
        or len(second) != 2
        or minutes >= 60
        or _near_ratio_word(m.string, m.start(), m.end())
    ):
        return f"{number_words(hour)} to {number_words(minutes)}"
    if minutes:
        return f"{number_words(hour)} {_minutes_words(minutes)}"
    return f"{number_words(hour)} o'clock" if hour <= 12 else f"{number_words(hour)} hundred"


_TIME_STEPS = (
    _sub(
        r"(?<![\d:.,])(\d{1,2})(?:[:.](\d{2}))?\s?([ap])\.?m\b\.?",
        _clock_with_meridiem,
        re.IGNORECASE,
    ),
    _sub(r"(?<![\d:.,])(\d+):(\d+)(?![\d:])", _clock_or_ratio),
)


# --------------------------------------------------------------------------- abbreviations

# abbreviation: (before a name, after a name or number, when neither is clear)
_TITLE_OR_PLACE = {"Dr": ("Doctor", "Drive", "Doctor"), "St": ("Saint", "Street", "Street")}


def _title_or_place(m: re.Match[str]) -> str:
    """``Dr.``/``St.`` before a name are titles; after a name or house number, roads."""
    title, road, unclear = _TITLE_OR_PLACE[m.group(1)]
    ending = _period_if_final(m) if m.group().endswith(".") else ""
    before, initial = _word_before(m.string, m.start())
    if before and (before[0].isdigit() or (_capitalised(before) and not initial)):
        return road + ending
    if _capitalised(_word_after(m.string, m.end())):
        return title
    return unclear + (ending if unclear == road else "")


_TITLES = {"Mr": "Mister", "Mrs": "Missus", "Ms": "Miz", "Prof": "Professor", "Mt": "Mount"}
_AFTER_NAMES = {"Jr": "Junior", "Sr": "Senior"}
_LATIN = {
    r"e\.\s?g\.": "for example",
    r"i\.\s?e\.": "that is",
    r"a\.k\.a\.": "also known as",
    r"cf\.": "compare",
    r"vs\.?": "versus",
    r"approx\.": "approximately",
}
_UNITS = {
    "min": "minute",
    "mins": "minute",
    "hr": "hour",
    "hrs": "hour",
    "sec": "second",
    "secs": "second",
    "km": "kilometer",
    "kg": "kilogram",
    "mg": "milligram",
    "ml": "milliliter",
    "cm": "centimeter",
    "lb": "pound",
    "lbs": "pound",
    "oz": "ounce",
    "mph": "miles per hour",
}


def _unit(m: re.Match[str]) -> str:
    """``5 min`` → "5 minutes"; ``1 min`` and the adjective ``5-min`` stay singular."""
    number, joiner, word = m.group(1), m.group(2), _UNITS[m.group(3).lower()]
    if joiner != "-" and number != "1" and " " not in word:
        word += "s"
    ending = _period_if_final(m) if m.group().endswith(".") else ""
    return f"{number}{'-' if joiner == '-' else ' '}{word}{ending}"


def _latin_step(pattern: str, spoken: str, can_end: bool = False) -> Callable[[str], str]:
    """``can_end``: the abbreviation's period may also end the sentence ("bowls, etc.")."""
    return _sub(
        rf"(?<![\w.]){pattern}(?!\w)",
        lambda m: _keep_case(m.group(), spoken) + (_period_if_final(m) if can_end else ""),
        re.IGNORECASE,
    )


_ABBREVIATION_STEPS = (
    _sub(r"\b(Dr|St)\b\.?(?=\s|$)", _title_or_place),
    *(_sub(rf"\b{short}\.(?=\s)|\b{short}(?=\s+[A-Z])", long) for short, long in _TITLES.items()),
    *(
        _sub(
            rf"\b{short}\b\.?",
            lambda m, long=long: long + (_period_if_final(m) if m.group().endswith(".") else ""),
        )
        for short, long in _AFTER_NAMES.items()
    ),
    *(_latin_step(pattern, spoken) for pattern, spoken in _LATIN.items()),
    _latin_step(r"etc\.?", "et cetera", can_end=True),
    _sub(
        r"(?<![\w.])([ap])\.m\.",
        lambda m: _spell(m.group(1).upper() + "M") + _period_if_final(m),
        re.IGNORECASE,
    ),
    _sub(rf"(?<![\d.,])({_NUMBER})(\s?|-)({'|'.join(_UNITS)})\b\.?", _unit, re.IGNORECASE),
    _sub(r"\bNo\.\s?(?=\d)|#(?=\d)", "number "),
)


# --------------------------------------------------------------------------- money and symbols

_CURRENCIES = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
    "¥": ("yen", "yen", "", ""),
}


def _letters_and(m: re.Match[str]) -> str:
    """``R&D`` → "R and D"; ``A&E`` → "A-and-E", else espeak says "uh and E"."""
    first, second = m.groups()
    return f"{first}{'-and-' if first == 'A' else ' and '}{second}"


_SHORT_SCALES = {"k": "thousand", "K": "thousand", "m": "million", "M": "million", "bn": "billion"}


def _money(m: re.Match[str]) -> str:
    """``$5`` → "five dollars", ``$5.50`` → "five dollars and fifty cents", ``$2 million`` →
    "two million dollars"."""
    one, many, sub_one, sub_many = _CURRENCIES[m.group("symbol")]
    amount = m.group("amount").replace(",", "")
    scale = m.group("scale") or _SHORT_SCALES.get(m.group("short") or "")
    sign = "minus " if m.group("sign") else ""
    whole, _, cents = amount.partition(".")
    if scale:
        return f"{sign}{_number_token_words(amount)} {scale} {many}"
    if cents and (len(cents) != 2 or not sub_one):
        return f"{sign}{_number_token_words(amount)} {many}"
    units = int(whole or 0)
    parts = [f"{number_words(units)} {one if units == 1 else many}"] if units or not cents else []
    if cents and int(cents):
        parts.append(f"{number_words(int(cents))} {sub_one if int(cents) == 1 else sub_many}")
    return sign + " and ".join(parts or [f"zero {many}"])


_SYMBOL_STEPS = (
    _sub(
        r"(?P<sign>[-−])?(?P<symbol>[$£€¥])\s?(?P<amount>" + _NUMBER + ")"
        r"(?:\s?(?P<scale>thousand|million|billion|trillion)\b|(?P<short>[kKmM]|bn)\b)?",
        _money,
    ),
    _sub(r"\s?%", " percent"),
    _sub(r"\b([A-Z])\s?&\s?([A-Z])\b", _letters_and),
    _sub(r"\s?&\s?", " and "),
    _sub(r"(?<=\d)\s?°\s?C\b", " degrees Celsius"),
    _sub(r"(?<=\d)\s?°\s?F\b", " degrees Fahrenheit"),
    _sub(r"\s?°", " degrees"),
    _sub(r"(?<=\d)\s?\+(?!\d)", " plus"),
    _sub(r"(?<![\w+])\+\s?(?=\d)", " plus "),
    _sub(r"(?<![\w=])=\s?(?=\d)", " equals "),
    _sub(r"@", " at "),
)


# --------------------------------------------------------------------------- number forms


def _ordinal(m: re.Match[str]) -> str:
    return ordinal_words(int(m.group(1).replace(",", "")))


def _decade(m: re.Match[str]) -> str:
    digits = m.group(1)
    value = int(digits)
    words = year_words(value) if len(digits) == 4 else number_words(value)
    return _plural_words(words)


def _fraction(m: re.Match[str]) -> str:
    """Proper fractions with a small denominator are said as fractions (3/4); scores out of
    10 or 100 as "out of" (7/10); anything else as two numbers, like "24/7" or "9/11"."""
    whole, num, den = m.group("whole"), int(m.group("num")), int(m.group("den"))
    head = f"{number_words(int(whole))} " if whole else ""
    if 2 <= den <= 9 and 0 < num < den:
        said = _fraction_words(num, den, article=bool(whole))
        return f"{head}and {said}" if whole else said
    if den in (10, 100) and num <= den:
        return f"{head}{number_words(num)} out of {number_words(den)}"
    return f"{head}{number_words(num)} {number_words(den)}"


def _clock_with_seconds(m: re.Match[str]) -> str:
    hours, minutes, seconds = (int(g) for g in m.groups())
    return f"{number_words(hours)} {_minutes_words(minutes)} and {number_words(seconds)} seconds"


def _number(m: re.Match[str]) -> str:
    return _number_token_words(m.group())


_NUMBER_STEPS = (
    _sub(r"(?<![\d.])\d+(?:\.\d+){2,}(?![\d.])", lambda m: " point ".join(m.group().split("."))),
    _sub(r"(?<![\d:])(\d{1,2}):(\d{2}):(\d{2})(?![\d:])", _clock_with_seconds),
    _sub(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:st|nd|rd|th)\b", _ordinal, re.IGNORECASE),
    _sub(r"(?<![\w.])(\d{4})s\b", _decade),
    _sub(r"(?<![\w.])'?(\d0)s\b", _decade),
    _sub(r"(?<![\d/.,])(?:(?P<whole>\d+)\s)?(?P<num>\d+)/(?P<den>\d+)(?![\d/])", _fraction),
    _sub(r"(?<![\w.,)])[-−](?=\.?\d)", "minus "),
    _sub(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)", " "),  # "5km", "MP3"
    _sub(rf"(?<![\d,]){_NUMBER}|(?<!\d)\.\d+", _number),
    _sub(r"\d", lambda m: f" {_ONES[int(m.group())]} "),  # anything that slipped through
)


# --------------------------------------------------------------------------- words in capitals

# Read as words, not spelled: acronyms people pronounce, and common words a writer puts in
# capitals for emphasis ("breathe, and HOLD"). Kept short on purpose; the lexicon handles more.
WORDS_IN_CAPITALS = frozenset(
    _word_list(
        "NASA NATO UNICEF UNESCO AIDS COVID SARS SCUBA LASER RADAR OK "
        "NOT NO NOW YES STOP HOLD WAIT ALL YOU YOUR ARE THIS THAT HERE JUST VERY MUST NEVER "
        "EVER ONLY AND BUT THE IS AM WILL CAN DO BE WE ME MY SO OR FEEL BODY SAFE REST"
    )
)

# "An IV drip" starts with a capital but "An" is no king's name.
_DETERMINERS = frozenset(_word_list("a an the my your his her its our their this that one no"))
_ROMAN = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})")
_COUNTED_BY_ROMAN = frozenset(
    _word_list(
        "war part chapter book volume vol act scene phase stage step level type class section "
        "season episode round article grade category appendix unit module lesson"
    )
)


def _roman_value(token: str) -> int:
    values = {"I": 1, "V": 5, "X": 10}
    total = 0
    for i, ch in enumerate(token):
        later = values[token[i + 1]] if i + 1 < len(token) else 0
        total += -values[ch] if values[ch] < later else values[ch]
    return total


def _roman(m: re.Match[str]) -> str:
    """``World War II`` → "two", ``Henry VIII`` → "the eighth"; only after a capitalised word,
    so "an IV drip" stays an acronym."""
    token = m.group(1)
    if not _ROMAN.fullmatch(token):
        return token
    before, _ = _word_before(m.string, m.start(1))
    if before.lower() in _COUNTED_BY_ROMAN:
        return number_words(_roman_value(token))
    if _capitalised(before) and not before.isupper() and before.lower() not in _DETERMINERS:
        return f"the {ordinal_words(_roman_value(token))}"
    return token


# An all-caps word, or all-caps parts joined by hyphens ("C-PTSD"), with an optional plural.
_CAPS_TOKEN = r"(?<![\w-])(?<!\w['’])([A-Z]{1,5}(?:-[A-Z]{1,5})*)(s|['’]s)?(?!['’]?[\w-])"
_SHOUTED_RUN = re.compile(r"(?<![\w-])[A-Z][A-Z'’]+(?:[ \t]+[A-Z][A-Z'’]+)+(?![\w-])")


def _spoken_units(word: str) -> list[str]:
    """The word kept whole when it is said as a word, else its letters."""
    return [word] if word in WORDS_IN_CAPITALS or len(word) == 1 else list(word)


def _acronyms(text: str) -> str:
    shouted = [m.span() for m in _SHOUTED_RUN.finditer(text)]

    def spell(m: re.Match[str]) -> str:
        parts, suffix = m.group(1).split("-"), m.group(2) or ""
        if all(len(part) == 1 for part in parts):
            return m.group()  # a letter, or letters already spelled ("A-M")
        if any(a <= m.start() < b for a, b in shouted):
            return m.group()
        units = [unit for part in parts for unit in _spoken_units(part)]
        if len(units) == 1:
            return m.group()  # "NASA", "OK"
        # espeak reads "P D Fs" as "P D F S" but "P D F's" as "P D F-s": plurals get 's.
        return _spell(units) + ("'s" if suffix else "")

    return re.sub(_CAPS_TOKEN, spell, text)


_WORD_STEPS = (
    _sub(r"(?<=\S )([IVX]{2,6})(?![\w'’-])", _roman),
    _acronyms,
)


# --------------------------------------------------------------------------- dashes and tidy-up


def _slash(m: re.Match[str]) -> str:
    left, right = m.group(1), m.group(2)
    return f"{left} {right}" if left.lower() == "and" else f"{left} or {right}"


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
    return unicodedata.category(ch)[0] in "LM" or ch in " .,?!;:'()-" or ord(ch) >= _SLOT_BASE


_TIDY_STEPS = (
    _sub(r"\s*(?:--+|[—–―]|\s-\s)\s*", ", "),
    _sub(r"([^\W\d_]+)/([^\W\d_]+)", _slash),
    _sub(r"_", " "),
    lambda text: "".join(ch if _keep_char(ch) else " " for ch in text),
    lambda text: " ".join(text.split()),
    _sub(r"\(\s*\)", ""),
    lambda text: _drop_unpaired(text, "(", ")"),
    _sub(r"\( ", "("),
    _sub(r" +([.,?!;:)])", r"\1"),
    _sub(r"(?<![A-Z])([.!?])(?:\s*[,;:])+", r"\1"),  # "rest. — Then" → "rest. Then"
    _sub(r"([,;:])(?:\s*[,;:])+", r"\1"),
    _sub(r",(\s*[.?!])", r"\1"),
    _sub(r"([?!])[.?!]+", r"\1"),
    _sub(r"\.{2,}", "."),
    _sub(r"([,;:])(?=[^\s\d])", r"\1 "),
    # A trailing ",;:" stays: it gives the rising "more to come" tune ("such as:").
    _sub(r"^[\s,.;:!?]+|[\s-]+$", ""),
    _sub(r"(?<![\w'])'(?![\w])", ""),  # stray apostrophes left by removed quotes
    lambda text: " ".join(text.split()),
)

_SPOKEN_STEPS: tuple[Callable[[str], str], ...] = (
    *_TYPOGRAPHY_STEPS,
    *_LINK_STEPS,
    _DASH_RANGE,  # before dates, so "Nov. 20–22" keeps its day
    *_DATE_STEPS,
    *_RANGE_STEPS,
    *_TIME_STEPS,
    *_ABBREVIATION_STEPS,
    *_SYMBOL_STEPS,
    *_NUMBER_STEPS,
    *_WORD_STEPS,
    *_TIDY_STEPS,
)


# "10 000" with a no-break or thin space groups thousands (a plain space may separate numbers).
_THOUSANDS_SPACE = re.compile(r"(?<=\d)[\u00a0\u202f\u2009](?=\d{3}(?!\d))")


def _protect(text: str) -> tuple[str, list[str]]:
    """Replace each lexicon replacement with one placeholder character."""
    kept: list[str] = []

    def slot(m: re.Match[str]) -> str:
        kept.append(" ".join(m.group(1).split()))
        return chr(_SLOT_BASE + len(kept) - 1)

    pattern = f"{_LEX_OPEN}([^{_LEX_OPEN}{_LEX_CLOSE}]*){_LEX_CLOSE}"
    return re.sub(pattern, slot, text), kept


def _restore(text: str, kept: list[str]) -> str:
    for i, value in enumerate(kept):
        text = text.replace(chr(_SLOT_BASE + i), value)
    return text


def to_spoken(text: str) -> str:
    """What the engine receives: ``clean_markup`` text with numbers, dates, abbreviations,
    acronyms and symbols written out as words, and lexicon replacements left as written.

    Returns "" when nothing speakable is left (e.g. a line of emoji)."""
    text, kept = _protect(text)
    text = _THOUSANDS_SPACE.sub(",", text)  # before clean_markup turns the space into " "
    text = clean_markup(text)
    for step in _SPOKEN_STEPS:
        text = step(text)
    return _restore(text, kept)


# --------------------------------------------------------------------------- sentences

# Abbreviations whose period never ends a sentence before a capitalised word (titles, Latin).
_NEVER_FINAL = frozenset(_word_list("dr mr mrs ms prof st mt e.g i.e vs cf approx a.k.a"))
# Abbreviations that precede numbers: "Nov. 20", "No. 5", "p. 12", "vol. 2".
_BEFORE_NUMBERS = frozenset(
    _word_list("jan feb mar apr jun jul aug sep sept oct nov dec no nos p pp vol ch fig")
)
_SENTENCE_NEXT = re.compile(r"\s+[\"'“‘(\[]*(\S)")
_CANDIDATE_END = re.compile(r"(?:[.!?]+|…)[\"'”’)\]]*(?=\s)")


def _is_sentence_end(text: str, m: re.Match[str]) -> bool:
    following = _SENTENCE_NEXT.match(text, m.end())
    if not following:
        return True
    first = following.group(1)
    if not (first.isupper() or first.isdigit()):
        return False  # "e.g. this", "a.m. then", "I wonder… maybe"
    mark = m.group().rstrip("\"'”’)]")
    if mark != ".":
        return True
    word = _LAST_WORD.search(text[max(0, m.start() - _WINDOW) : m.start()])
    if not word:
        return True
    token = word.group(1).lstrip("\"'“‘([").lower()
    if token in _NEVER_FINAL or (first.isdigit() and token in _BEFORE_NUMBERS):
        return False
    return not re.fullmatch(r"[A-Z]", word.group(1).lstrip("\"'“‘(["))  # "J. K. Rowling"


def _chunk(sentence: str, max_words: int) -> list[str]:
    """Split an over-long sentence at clause punctuation, else evenly at word boundaries."""
    chunks: list[str] = []
    current: list[str] = []
    for clause in re.split(r"(?<=[,;:—–])\s+", sentence):
        words = clause.split()
        if len(words) > max_words:
            chunks.extend(_flush(current))
            current = []
            pieces = math.ceil(len(words) / max_words)
            size = math.ceil(len(words) / pieces)
            chunks.extend(" ".join(words[i : i + size]) for i in range(0, len(words), size))
        elif len(current) + len(words) > max_words:
            chunks.extend(_flush(current))
            current = words
        else:
            current += words
    chunks.extend(_flush(current))
    return chunks


def _flush(words: list[str]) -> list[str]:
    return [" ".join(words)] if words else []


def split_sentences(text: str, max_words: int = MAX_WORDS) -> list[str]:
    """Sentences of a paragraph, each at most ``max_words`` words, never empty."""
    text = " ".join(text.split())
    sentences: list[str] = []
    start = 0
    for m in _CANDIDATE_END.finditer(text):
        if _is_sentence_end(text, m):
            sentences.append(text[start : m.end()])
            start = m.end()
    sentences.append(text[start:])
    out: list[str] = []
    for sentence in (s.strip() for s in sentences):
        if sentence:
            too_long = len(sentence.split()) > max_words
            out.extend(_chunk(sentence, max_words) if too_long else [sentence])
    return out


# --------------------------------------------------------------------------- lexicon

_YAML_TYPE_NAMES = {
    "tag:yaml.org,2002:bool": "a yes/no value",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:null": "empty (null)",
    "tag:yaml.org,2002:timestamp": "a date",
}


def _key_pattern(key: str) -> str:
    """Regex for one key: any whitespace between words, either apostrophe."""
    words = [re.escape(word).replace("'", "['’]") for word in key.split()]
    body = r"\s+".join(words)
    return f"(?i:{body})" if key == key.lower() else body


@dataclass(frozen=True)
class Lexicon:
    """Writer's pronunciations, ``word: how to say it``.

    A key with any capital matches exactly ("RTR" matches "RTR" and "RTR's", not "rtr" or
    "RTRX"); an all-lowercase key matches the word in any capitalisation ("Shalom" at a
    sentence start). Longer keys win, so "Peter Levine" beats "Levine"."""

    entries: tuple[tuple[str, str], ...] = ()

    @classmethod
    def load(cls, path: Path) -> tuple[Lexicon, list[Problem]]:
        """Read ``path``; a missing file is an empty lexicon. Bad entries are reported and
        left out."""
        if not path.exists():
            return cls(), []
        text, problems = read_text(path)  # UTF-8 and NUL checks with a line, BOM and CRLF
        if text is None:
            return cls(), problems
        located, problems = load_mapping(text, path)
        if located is None:
            return cls(), problems
        bad_keys = _typed_key_problems(text, path)
        problems += bad_keys.values()
        entries: dict[str, str] = {}
        for key, value in located.values.items():
            line = located.lines[key]
            if line in bad_keys:
                continue
            problem = _entry_problem(key, value)
            words = " ".join(key.split())  # "Peter  Levine" and "Peter Levine" are one key
            if not problem and words in entries:
                problem = f"duplicate key `{cut(words)}`"
            if problem:
                problems.append(Problem(path, line, problem))
            else:
                entries[words] = " ".join(value.split())
        return cls(tuple(entries.items())), sorted(problems, key=lambda p: p.line or 0)

    @cached_property
    def _table(self) -> tuple[dict[str, str], dict[str, str]]:
        exact = {key: key for key, _ in self.entries if key != key.lower()}
        folded = {key.lower(): key for key, _ in self.entries if key == key.lower()}
        return exact, folded

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        if not self.entries:
            return None
        # Longest first so multi-word keys win; exact-case keys before folded ones of equal
        # length so "US" and "us" can both be entries.
        keys = sorted((key for key, _ in self.entries), key=lambda k: (-len(k), k == k.lower(), k))
        alternatives = "|".join(_key_pattern(key) for key in keys)
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")

    def apply(self, text: str) -> tuple[str, tuple[str, ...]]:
        """Replace whole-word matches; return the new text and the sorted keys used.

        Replacements are wrapped in invisible markers so ``to_spoken`` keeps them verbatim
        (``clean_markup`` removes the markers if this text ever reaches captions)."""
        if self._pattern is None:
            return text, ()
        values = dict(self.entries)
        exact, folded = self._table
        used: set[str] = set()

        def replace(m: re.Match[str]) -> str:
            found = " ".join(m.group().replace("’", "'").split())
            key = exact.get(found) or folded.get(found.lower())
            if key is None:  # a case match .lower() cannot map back ("İ"); leave it
                return m.group()
            used.add(key)
            return f"{_LEX_OPEN}{values[key]}{_LEX_CLOSE}"

        return self._pattern.sub(replace, text), tuple(sorted(used))

    def digest(self, used: tuple[str, ...]) -> str:
        """Short stable hash of the used entries, for render cache keys. A key no longer in
        the lexicon hashes differently from any value it had."""
        values = dict(self.entries)
        pairs = [[key, values.get(key)] for key in sorted(set(used))]
        payload = json.dumps(pairs, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _typed_key_problems(text: str, path: Path) -> dict[int, Problem]:
    """Keys YAML reads as something other than text (``yes:``, ``1984:``), by line.

    ``load_mapping`` turns keys into strings, so the node tags are re-read here."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    found: dict[int, Problem] = {}
    if not isinstance(node, yaml.MappingNode):
        return found
    for key_node, _ in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            found[line] = Problem(path, line, "a lexicon key must be a word or phrase")
        elif key_node.tag in _YAML_TYPE_NAMES:
            what = _YAML_TYPE_NAMES[key_node.tag]
            shown_key = cut(key_node.value)
            message = f'key `{shown_key}` is read as {what}; quote it: "{shown_key}"'
            found[line] = Problem(path, line, message)
    return found


def _entry_problem(key: str, value: object) -> str | None:
    if not key.strip():
        return "a lexicon key is empty or only whitespace"
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"`{cut(key)}` has no pronunciation; write `{cut(key)}: how to say it`"
    if not isinstance(value, str):
        kind = "a yes/no value" if isinstance(value, bool) else type(value).__name__
        return f"`{cut(key)}`: the pronunciation must be text, not {kind}; quote it"
    return None
