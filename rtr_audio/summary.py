"""What a build did: the record its last line is printed from, and the up-to-date stamp keeps.

Its own module, with nothing heavy imported, because the up-to-date check (which must not
import the build) reports a previous build's summary.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from rtr_audio import clock


@dataclass(frozen=True)
class Scheduled:
    """An episode dated in the future: ``path`` of its script, its ``title``, and ``at``, when
    it is due (timezone-aware)."""

    path: str
    title: str
    at: dt.datetime

    def line(self) -> str:
        return f"Scheduled: {self.path} \"{self.title}\" goes out {clock.shown(self.at)}"

    def record(self) -> list[str]:
        """As kept in the up-to-date stamp (``from_record`` reads it back)."""
        return [self.path, self.title, clock.stamp(self.at)]

    @classmethod
    def from_record(cls, record: list[str]) -> Scheduled:
        path, title, at = record
        moment = clock.parse(at)
        if moment is None:
            raise ValueError(f"not a date-time: {at!r}")
        return cls(path, title, moment)


@dataclass
class BuildSummary:
    """What a build did, for its last line (and, kept in the stamp, for a build with nothing
    to do). ``audio_seconds`` and ``seconds`` (the build's wall-clock time) are in seconds."""

    episodes: int = 0
    audio_seconds: float = 0.0
    clips_rendered: int = 0
    clips_reused: int = 0
    episodes_mastered: int = 0
    seconds: float = 0.0
    feed: Path | None = None
    scheduled: list[Scheduled] = field(default_factory=list)  # soonest first

    def line(self) -> str:
        return (f"{self.episodes} episodes, {self.audio_seconds / 60:.1f} min of audio; "
                f"clips rendered {self.clips_rendered}, reused {self.clips_reused}; "
                f"episodes mastered {self.episodes_mastered}; {self.seconds:.1f}s")
