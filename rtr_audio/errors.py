"""Domain errors. The core raises these; the CLI turns them into one clear line each."""

from __future__ import annotations

import re
import reprlib
from dataclasses import dataclass
from pathlib import Path

# Values echoed in messages are cut: a hostile or mistaken input (a megabyte-long title, a
# YAML alias bomb) must give one readable line, not megabytes of terminal output.
SHOWN_CHARS = 40
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxtuple, _SHORT.maxdict, _SHORT.maxset = 2, 4, 4, 4, 4
_SHORT.maxstring = _SHORT.maxother = _SHORT.maxlong = SHOWN_CHARS


def cut(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` for a message (between backticks), cut to ``limit`` characters with ``…``."""
    return text if len(text) <= limit else text[:limit] + "…"


def shown(value: object) -> str:
    """``repr(value)`` cut to about SHOWN_CHARS characters (``'abc…xyz'``), for messages."""
    if isinstance(value, int) and value.bit_length() > 128:
        return "a number of more than 38 digits"  # repr() of a huge int is slow or refused
    text = _SHORT.repr(value)
    return text if len(text) <= SHOWN_CHARS + 8 else text[:SHOWN_CHARS] + "…"

# C0 and C1 controls (ESC, CR, newline, BEL…), DEL, and the bidirectional overrides that can make
# a file name read backwards: none of them reaches the terminal raw from a name or a value.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                          "\u2066-\u2069\ufeff]")


def printable(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\n``), so a
    file name holding terminal escape codes or a newline stays one harmless line."""
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in an input file, printed as ``path:line: message``."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return printable(f"{where}: {self.message}")


class RtrError(Exception):
    """Base of every error the CLI reports as one line."""


class InputError(RtrError):
    """Scripts, show settings or lexicon have problems; nothing was rendered."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (str(p.path), p.line or 0))
        super().__init__("\n".join(str(p) for p in self.problems))


class EngineError(RtrError):
    """The speech engine could not produce audio."""


class ToolMissing(RtrError):
    """A system program (espeak-ng, ffmpeg) is not installed."""


class BuildLocked(RtrError):
    """Another build is writing to the same output folder."""


class PublishError(RtrError):
    """The show could not be published (bad DEST, rclone failure, nothing built)."""
