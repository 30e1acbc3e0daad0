"""Clock times: "7:30" → "seven thirty", "7 a.m." → "seven AM", "12:00:01am" → "twelve hours
zero minutes and one second AM", "2pm-5pm" → "two PM to five PM", "3:15 EST".

``H:MM`` is a ratio, not a time, when the first number is above 24, the second is not exactly
two digits or is 60 or more, or a ratio word (``data``: ratio, odds, score…) is within three
words: ``3:1`` → "three to one". Time zones (``data/time_zones.txt``) are spelled.
"""

from __future__ import annotations

import re

import rtr_audio.normalize.vocab as vocab
from rtr_audio.normalize.cardinal import ONES, number_words
from rtr_audio.normalize.date import month_by_name, weekday_by_name
from rtr_audio.normalize.rules import WINDOW, period_if_final, spell, sub, word_after

_RATIO_WORDS = frozenset(
    {"ratio", "ratios", "odds", "mix", "mixture", "parts", "proportion", "proportions", "scale",
     "aspect", "score"}
)
_MERIDIEM = r"(?P<ap>[ap])\.?\s?m\b\.?"


def _minutes_words(minutes: int) -> str:
    return f"oh {ONES[minutes]}" if minutes < 10 else number_words(minutes)


def _unit(n: int, name: str) -> str:
    return f"{number_words(n)} {name}{'' if n == 1 else 's'}"


def _zone(m: re.Match[str]) -> str:
    zone = (m.group("zone") or "").replace(".", "").upper()
    return f" {spell(zone)}" if zone else ""


def _clock(m: re.Match[str]) -> str:
    hour, minutes, seconds = int(m.group("h")), m.group("m"), m.group("s")
    meridiem = f" {spell(m.group('ap').upper() + 'M')}" if m.group("ap") else ""
    if seconds is not None:
        said = (f"{_unit(hour, 'hour')} {_unit(int(minutes), 'minute')} and "
                f"{_unit(int(seconds), 'second')}")
    elif minutes and int(minutes):
        said = f"{number_words(hour)} {_minutes_words(int(minutes))}"
    elif meridiem:
        said = number_words(hour)
    elif hour <= 12:
        said = f"{number_words(hour)} o'clock"
    else:
        said = f"{number_words(hour)} hundred"  # "twenty-two hundred", not "o'clock"
    ending = period_if_final(m) if not m.group("zone") and not _day_follows(m) else ""
    return f"{said}{meridiem}{_zone(m)}{ending}"


def _day_follows(m: re.Match[str]) -> bool:
    """"at 7 a.m. Monday": a day or month after the time does not start a sentence."""
    word = word_after(m.string, m.end()).strip(".,;:").lower()
    return word in weekday_by_name() or word in month_by_name()


def _near_ratio_word(text: str, start: int, end: int) -> bool:
    before = re.findall(r"[A-Za-z]+", text[max(0, start - WINDOW) : start])[-3:]
    after = re.findall(r"[A-Za-z]+", text[end : end + WINDOW])[:3]
    return any(word.lower() in _RATIO_WORDS for word in before + after)


def _clock_or_ratio(m: re.Match[str]) -> str:
    first, second = m.group("h"), m.group("m")
    if m.group("ap") or m.group("s") is not None:
        return _clock(m)
    hour, minutes = int(first), int(second)
    if hour > 24 or len(second) != 2 or minutes >= 60 or _near_ratio_word(
            m.string, m.start(), m.end()):
        return f"{number_words(hour)} to {number_words(minutes)}"
    return _clock(m)


def _zones() -> str:
    return "|".join(sorted(vocab.words("time_zones"), key=len, reverse=True))


def _time_steps() -> tuple:
    zone = rf"(?:\s?(?P<zone>(?i:{_zones()})|[ecmp]\.s\.t\.?)\b)?"
    time = r"\d{1,2}(?:[:.]\d{2})?"
    return (
        # A hyphen between times is "to": "7-9pm", "9:30-11am", "9:00-17:00".
        sub(rf"(?<![\d:.,-])({time})\s?-\s?(?=(?:{time}\s?[ap]\.?\s?m\b|\d{{1,2}}:\d{{2}}\b))",
            r"\1 to ", re.IGNORECASE),
        sub(rf"(?<![\d:.,])(?P<h>\d{{1,2}})(?:[:.](?P<m>\d{{2}})(?::(?P<s>\d{{2}}))?)?\s?"
            rf"{_MERIDIEM}{zone}", _clock, re.IGNORECASE),
        sub(rf"(?<![\d:.,])(?P<h>\d{{1,2}}):(?P<m>\d{{1,2}})(?::(?P<s>\d{{2}}))?"
            rf"(?![\d:])(?P<ap>){zone}", _clock_or_ratio),
        # "2pm-5pm", "4 AM - 8:12 PM": a range of times.
        # Only before another hour ("five P M", "midnight"): "10 a.m.—we rest" is a pause.
        sub(rf"(?<=[AP]-M|[AP] M)\s?[-–—]\s?(?=(?:{'|'.join(ONES[1:13])}|midnight|noon)\b)",
            " to "),
    )


STEPS = _time_steps()
