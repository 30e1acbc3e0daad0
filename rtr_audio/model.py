"""Small typed records that flow between the pipeline's stages after audio exists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rtr_audio.layout import EpisodeFiles
from rtr_audio.script import Script

__all__ = ["BuiltEpisode", "Chapter", "Cue", "EpisodeFiles"]


@dataclass(frozen=True)
class Cue:
    """One caption: the text of one spoken sentence and where it sits in the episode (seconds)."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Chapter:
    """A chapter from a script heading; ``start`` in seconds from the episode's beginning."""

    start: float
    title: str


@dataclass(frozen=True)
class BuiltEpisode:
    """An episode whose audio is mastered: what the feed, the page and the transcripts need."""

    script: Script
    guid: str
    files: EpisodeFiles
    audio_bytes: int
    duration: float
    chapters: tuple[Chapter, ...]
    cues: tuple[Cue, ...]
    published: dt.datetime  # timezone-aware
    notes: str  # the script's description plus the show's footer

    @property
    def title(self) -> str:
        return self.script.title
