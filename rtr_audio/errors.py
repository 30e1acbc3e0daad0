"""Domain errors. The core raises these; the CLI turns them into one clear line each."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in an input file, printed as ``path:line: message``."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.message}"


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
