"""Inline markup of a script's text: speech, ``[pause …]`` and ``[bell]`` parts, and the
delivery spans (``[slow]…[/slow]``, ``[rate N]…[/rate]``, ``[soft]…[/soft]``, ``[voice NAME]``)
that say how the speech between them is delivered.

A bracketed word that is neither a directive nor a near miss of one (`[pase]` → did you mean
[pause]?) is ordinary text, spoken as written.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from rtr_audio.durations import parse_duration
from rtr_audio.errors import Problem
from rtr_audio.settings import MAX_RATE, MIN_RATE

DEFAULT_PAUSE = 2.0
_DIRECTIVE = re.compile(r"\[\s*(/?)\s*([A-Za-z]+)\b([^\]\[]*)\](?!\()")
SLOW_SCALE = 0.8  # [slow]: the rate times this (every word about 25 % longer)


@dataclass(frozen=True)
class Delivery:
    """How a stretch of speech is delivered, from the spans and ``[voice]`` around it.

    ``rate`` is a ``[rate N]`` in words per minute (None: the script's rate), ``scale``
    multiplies the rate (``[slow]``: 0.8), ``soft`` is ``[soft]`` and ``voice`` a
    ``[voice NAME]`` (None: the episode's voice).
    """

    rate: int | None = None
    scale: float = 1.0
    soft: bool = False
    voice: str | None = None


PLAIN = Delivery()


@dataclass(frozen=True)
class Speech:
    """Text to be spoken, as written (markup is cleaned later, in the speech stage)."""

    text: str
    line: int
    delivery: Delivery = PLAIN


@dataclass(frozen=True)
class Pause:
    seconds: float
    line: int


@dataclass(frozen=True)
class Bell:
    line: int


Part = Speech | Pause | Bell


def parse_parts(text: str, path: Path, line: int) -> tuple[list[Part], list[Problem]]:
    """Split one line of text into speech, ``[pause …]`` and ``[bell]`` parts (with spans)."""
    problems: list[Problem] = []
    parts = Markup(path).parse_block([(line, text)], problems)
    return parts, problems


@dataclass
class _Open:
    """A delivery span still open: its tag name, argument and line."""

    name: str
    argument: str
    line: int


@dataclass
class Markup:
    """Reads the directives of a script body, keeping the spans and the voice in force."""

    path: Path
    voice: str | None = None
    spans: list[_Open] = field(default_factory=list)

    def parse_block(self, lines: list[tuple[int, str]], problems: list[Problem]) -> list[Part]:
        """The parts of one block, given as (file line, text) pairs; spans must close in it."""
        parts: list[Part] = []
        words: list[tuple[str, int]] = []  # speech so far, with its line, under current spans

        def speak() -> None:
            text = " ".join(t for t, _ in words)
            if words:
                _add_speech(parts, text, words[0][1], self.delivery())
            words.clear()

        for number, text in lines:
            position = 0
            for match in _DIRECTIVE.finditer(text):
                closing, name = bool(match.group(1)), match.group(2).lower()
                argument = match.group(3).strip()
                if not closing and name not in _SPAN_NAMES and name != "voice":
                    directive = _directive(name, argument, self.path, number, problems)
                    if directive is _NOT_A_DIRECTIVE:
                        continue
                    words.append((text[position:match.start()], number))
                    speak()
                    if directive is not None:
                        parts.append(directive)
                else:
                    words.append((text[position:match.start()], number))
                    speak()
                    self._span(closing, name, argument, number, problems)
                position = match.end()
            words.append((text[position:], number))
        speak()
        for span in self.spans:
            problems.append(Problem(self.path, span.line, f"unclosed [{span.name}]: close it "
                                                          f"with [/{span.name}] in the same "
                                                          "paragraph"))
        self.spans.clear()
        return parts

    def delivery(self) -> Delivery:
        rate, scale, soft = None, 1.0, False
        for span in self.spans:  # outermost first: an inner [rate N] replaces an outer pace
            if span.name == "slow":
                scale *= SLOW_SCALE
            elif span.name == "rate" and span.argument:
                rate, scale = int(span.argument), 1.0
            elif span.name == "soft":
                soft = True
        return Delivery(rate=rate, scale=round(scale, 4), soft=soft, voice=self.voice)

    def _span(self, closing: bool, name: str, argument: str, line: int,
              problems: list[Problem]) -> None:
        def bad(message: str) -> None:
            problems.append(Problem(self.path, line, message))

        if name == "voice":
            if closing:
                bad("[/voice] is not a tag: [voice] alone switches back to the episode's voice")
            else:
                self.voice = argument or None
            return
        if closing:
            if argument:
                bad(f"[/{name}] takes no argument, got {argument!r}")
            open_names = [span.name for span in self.spans]
            if name not in open_names:
                bad(f"[/{name}] without an opening [{name}]")
            elif open_names[-1] != name:
                inner = self.spans[-1]
                bad(f"[/{name}] closes [{name}] while [{inner.name}] (line {inner.line}) is still "
                    f"open inside it: close [/{inner.name}] first")
                # Only that span ends, so its partner's close is not reported a second time.
                del self.spans[len(open_names) - 1 - open_names[::-1].index(name)]
            else:
                self.spans.pop()
            return
        if name == "rate":
            rate = int(argument) if argument.isdigit() else None
            if rate is None:
                bad(f"[rate {argument}]: expected a whole number of words per minute, like "
                    "[rate 120]")
            elif not MIN_RATE <= rate <= MAX_RATE:
                bad(f"[rate {argument}]: {rate} is out of range ({MIN_RATE}–{MAX_RATE} words "
                    "per minute)")
                rate = None
            self.spans.append(_Open(name, str(rate or ""), line))
            return
        if argument:
            bad(f"[{name}] takes no argument, got {argument!r}")
        self.spans.append(_Open(name, "", line))


_NOT_A_DIRECTIVE = object()
_SPAN_NAMES = ("slow", "rate", "soft")
DIRECTIVES = ("pause", "bell", *_SPAN_NAMES, "voice")


def _directive(name: str, argument: str, path: Path, line: int, problems: list[Problem]):
    if name == "pause":
        if not argument:
            return Pause(DEFAULT_PAUSE, line)
        try:
            return Pause(parse_duration(argument), line)
        except ValueError as exc:
            problems.append(Problem(path, line, f"[pause {argument}]: {exc}"))
            return None
    if name == "bell":
        if argument:
            problems.append(Problem(path, line, f"[bell] takes no argument, got {argument!r}"))
        return Bell(line)
    close = difflib.get_close_matches(name, DIRECTIVES, n=1, cutoff=0.6)
    if close:
        problems.append(Problem(path, line, f"unknown directive [{name}{' ' if argument else ''}"
                                            f"{argument}]; did you mean [{close[0]}]?"))
        return None
    return _NOT_A_DIRECTIVE  # ordinary bracketed text, spoken as written


def _add_speech(parts: list[Part], text: str, line: int, delivery: Delivery) -> None:
    text = " ".join(text.split())
    if text and re.search(r"\w", text):
        parts.append(Speech(text, line, delivery))
