"""Domain errors. The core raises these; the CLI turns them into one clear line each."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

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
