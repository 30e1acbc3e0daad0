"""Declarative keys: show.yml and front matter described once, for loading, errors and docs.

Each key is an :class:`Option` that knows its type, default, range or choices and help text,
in the manner of MkDocs' ``config/config_options.py`` (an option object per key whose
validation raises an error with a message; a schema validates a whole mapping and collects every
error). Here an error is a :class:`~rtr_audio.errors.Problem` at the key's ``path:line``, an
unknown key gets a did-you-mean, and the same options render the README's key tables
(``python -m rtr_audio.settings_doc``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rtr_audio.durations import parse_duration
from rtr_audio.errors import Problem, shown
from rtr_audio.urls import web_url_problem
from rtr_audio.yamlsrc import Located, unknown_key_problems


class Invalid(ValueError):
    """A value an option refuses; the message names the key and says what is expected."""


@dataclass(frozen=True)
class Where:
    """Where a value was written: the file (relative paths resolve against its folder) and line."""

    path: Path
    line: int | None


def did_you_mean(value: object, choices: Sequence[str]) -> str:
    """``; did you mean `x`?`` when ``value`` is close to one of ``choices``, else ``""``."""
    if not isinstance(value, str) or len(value) > 100:  # difflib on huge text is wasted work
        return ""
    close = difflib.get_close_matches(value, list(choices), n=1)
    return f"; did you mean `{close[0]}`?" if close else ""


@dataclass(frozen=True, kw_only=True)
class Option:
    """One key. ``convert`` returns the typed value or raises :class:`Invalid`.

    ``default`` is what the record holds when the key is absent (``None``: not set);
    ``default_doc`` overrides how the README shows it; ``attr`` is the record's field name when
    it differs from the key.
    """

    help: str
    default: Any = None
    required: bool = False
    attr: str | None = None
    default_doc: str | None = None

    kind = "any"

    def convert(self, key: str, value: object, where: Where) -> Any:
        return value

    def fields(self, key: str, value: Any) -> dict[str, Any]:
        """The record fields this key sets (most set one; ``category`` sets two)."""
        return {self.attr or key: value}

    def type_doc(self) -> str:
        return self.kind

    def default_text(self) -> str:
        if self.default_doc is not None:
            return self.default_doc
        if self.required:
            return "required"
        if self.default is None or self.default == "":
            return "—"
        if isinstance(self.default, bool):
            return str(self.default).lower()
        if isinstance(self.default, float):
            return f"`{self.default:g}`"
        return f"`{self.default}`"


@dataclass(frozen=True, kw_only=True)
class Text(Option):
    kind = "text"

    def convert(self, key: str, value: object, where: Where) -> str:
        if not isinstance(value, str) or not value.strip():
            raise Invalid(f"`{key}` must be non-empty text")
        control = _CONTROL.search(value)
        if control:
            # Escape codes would reach terminals, the page and players' title lines.
            raise Invalid(f"`{key}` holds the control character U+{ord(control.group()):04X}; "
                          "remove it")
        return value.strip()


# C0 controls but tab and line ends, DEL and C1 controls: never meant in a title or notes.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True, kw_only=True)
class Pattern(Option):
    """Text matching ``pattern``; ``example`` names the expected form in the message."""

    pattern: re.Pattern[str]
    example: str
    lower: bool = False
    kind = "text"

    def convert(self, key: str, value: object, where: Where) -> str:
        if not isinstance(value, str) or not self.pattern.match(value):
            raise Invalid(f"`{key}` must be {self.example}, got {shown(value)}")
        return value.lower() if self.lower else value


@dataclass(frozen=True, kw_only=True)
class Flag(Option):
    kind = "true/false"

    def convert(self, key: str, value: object, where: Where) -> bool:
        if not isinstance(value, bool):
            raise Invalid(f"`{key}` must be true or false, got {shown(value)}")
        return value


@dataclass(frozen=True, kw_only=True)
class Whole(Option):
    """A whole number in ``minimum``…``maximum`` (``maximum`` None: no upper bound)."""

    minimum: int
    maximum: int | None = None
    unit: str = ""
    kind = "whole number"

    def convert(self, key: str, value: object, where: Where) -> int:
        unit = f" {self.unit}" if self.unit else ""
        number = isinstance(value, int) and not isinstance(value, bool)
        if self.maximum is None:
            if not number or value < self.minimum:  # type: ignore[operator]
                raise Invalid(f"`{key}` must be a whole number ≥ {self.minimum}, "
                              f"got {shown(value)}")
            return value  # type: ignore[return-value]
        if not number:
            raise Invalid(f"`{key}` must be a whole number of{unit}, got {shown(value)}")
        if not self.minimum <= value <= self.maximum:  # type: ignore[operator]
            raise Invalid(f"`{key}` {shown(value)} is out of range "
                          f"({self.minimum}–{self.maximum}{unit})")
        return value  # type: ignore[return-value]

    def type_doc(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.maximum is None:
            return f"whole number ≥ {self.minimum}"
        return f"whole number, {self.minimum}–{self.maximum}{unit}"


@dataclass(frozen=True, kw_only=True)
class Number(Option):
    """A number in ``minimum``…``maximum``; ``what`` says what it measures, with its unit."""

    minimum: float
    maximum: float
    what: str
    unit: str = ""
    kind = "number"

    def convert(self, key: str, value: object, where: Where) -> float:
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not self.minimum <= value <= self.maximum):
            raise Invalid(f"`{key}` must be {self.what} between {self.minimum:g} and "
                          f"{self.maximum:g}, got {shown(value)}")
        return float(value)

    def type_doc(self) -> str:
        return f"number, {self.minimum:g} to {self.maximum:g} {self.unit}".rstrip()


@dataclass(frozen=True, kw_only=True)
class Choice(Option):
    choices: tuple[str, ...]
    kind = "choice"

    def convert(self, key: str, value: object, where: Where) -> str:
        if value not in self.choices:
            raise Invalid(f"`{key}` must be one of {', '.join(self.choices)}, got {shown(value)}"
                          f"{did_you_mean(value, self.choices)}")
        return value  # `in self.choices` narrowed it to str

    def type_doc(self) -> str:
        return " \\| ".join(f"`{c}`" for c in self.choices)


@dataclass(frozen=True, kw_only=True)
class Url(Option):
    """An absolute http(s) URL (no ``javascript:`` or ``file:``: they end up as links), by the
    one rule ``--base-url`` also follows (urls.web_url_problem). ``base``: the address the
    output is published at (no query or fragment)."""

    base: bool = False
    kind = "http(s) URL"

    def convert(self, key: str, value: object, where: Where) -> str:
        message = web_url_problem(value, f"`{key}`", base=self.base)
        if message:
            raise Invalid(message)
        return value  # type: ignore[return-value]


@dataclass(frozen=True, kw_only=True)
class Uuid(Option):
    hint: str = ""
    kind = "UUID"

    def convert(self, key: str, value: object, where: Where) -> str:
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            raise Invalid(f"`{key}` must be a UUID like 917393e3-1b1e-5cef-ace4-edaa54e1f810, "
                          f"got {shown(value)}{self.hint}") from None


@dataclass(frozen=True, kw_only=True)
class Duration(Option):
    """Seconds, written ``5s``, ``2.5s``, ``800ms`` or a bare number (see durations.py)."""

    kind = "duration (`2s`, `800ms`)"

    def convert(self, key: str, value: object, where: Where) -> float:
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise Invalid(f"`{key}`: {exc}") from None

    def default_text(self) -> str:
        return self.default_doc or f"`{self.default:g}s`"


_GRACE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(d|h|m|s)\s*$", re.IGNORECASE)
_GRACE_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


@dataclass(frozen=True, kw_only=True)
class Period(Option):
    """A span of days to minutes: ``7d``, ``12h``, ``30m`` or ``0`` (none), at most ``maximum``."""

    maximum: dt.timedelta
    kind = "period (`7d`, `12h`, `0`)"

    def convert(self, key: str, value: object, where: Where) -> dt.timedelta:
        text = value.strip() if isinstance(value, str) and len(value) < 40 else None
        if text == "0" or (type(value) is int and value == 0):
            return dt.timedelta(0)
        match = _GRACE.match(text) if text is not None else None
        if not match:
            raise Invalid(f"`{key}` must be a period like 7d, 12h, 30m or 0, got {shown(value)}")
        seconds = float(match.group(1)) * _GRACE_UNITS[match.group(2).lower()]
        # Compared as seconds first: a timedelta of 10**14 days overflows before any check.
        if seconds > self.maximum.total_seconds():
            raise Invalid(f"`{key}` {text} is longer than the "
                          f"{self.maximum.days}-day limit")
        return dt.timedelta(seconds=seconds)

    def default_text(self) -> str:
        if self.default_doc:
            return self.default_doc
        return f"`{self.default.days}d`" if self.default else "`0`"


@dataclass(frozen=True, kw_only=True)
class Custom(Option):
    """A key whose check is a function ``(key, value, where) -> value`` raising Invalid."""

    check: Callable[[str, object, Where], Any]
    kind_doc: str = "text"
    split: Callable[[Any], dict[str, Any]] | None = None

    def convert(self, key: str, value: object, where: Where) -> Any:
        return self.check(key, value, where)

    def fields(self, key: str, value: Any) -> dict[str, Any]:
        return self.split(value) if self.split else super().fields(key, value)

    def type_doc(self) -> str:
        return self.kind_doc


@dataclass(frozen=True)
class Schema:
    """The keys of one kind of mapping (``what``: ``show.yml`` or ``front matter``)."""

    what: str
    options: dict[str, Option]
    missing_suffix: str = ""  # appended to "missing required key `x`"

    def __getitem__(self, key: str) -> Option:
        return self.options[key]

    def defaults(self) -> dict[str, Any]:
        """Record field → default, for every key (the record's dataclass defaults use these)."""
        out: dict[str, Any] = {}
        for key, option in self.options.items():
            if not option.required:
                out.update(option.fields(key, option.default))
        return out

    def validate(
        self, located: Located, path: Path, missing_line: int | None = None
    ) -> tuple[dict[str, Any], list[Problem]]:
        """Typed record fields for the keys present, and a Problem per bad, unknown or missing
        key at its line (a missing key at ``missing_line``, else where the mapping starts)."""
        problems = unknown_key_problems(located, list(self.options), path, self.what)
        out: dict[str, Any] = {}
        for key, option in self.options.items():
            if key not in located.values:
                if option.required:
                    problems.append(Problem(path, missing_line or located.line,
                                            f"missing required key `{key}`{self.missing_suffix}"))
                continue
            line = located.lines.get(key, located.line)
            try:
                value = option.convert(key, located.values[key], Where(path, line))
            except Invalid as exc:
                problems.append(Problem(path, line, str(exc)))
                continue
            out.update(option.fields(key, value))
        return out, problems

    def table(self) -> str:
        """The keys as a Markdown table (key, type, default, what it does) for the README."""
        rows = ["| key | type | default | what it does |", "| --- | --- | --- | --- |"]
        for key, option in self.options.items():
            rows.append(f"| `{key}` | {option.type_doc()} | {option.default_text()} | "
                        f"{option.help} |")
        return "\n".join(rows)
