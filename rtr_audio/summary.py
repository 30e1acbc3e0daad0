"""What a build did: the record its last line is printed from, and the up-to-date stamp keeps.

Its own module, with nothing heavy imported, because the up-to-date check (which must not
import the build) reports a previous build's summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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

    def line(self) -> str:
        return (f"{self.episodes} episodes, {self.audio_seconds / 60:.1f} min of audio; "
                f"clips rendered {self.clips_rendered}, reused {self.clips_reused}; "
                f"episodes mastered {self.episodes_mastered}; {self.seconds:.1f}s")
