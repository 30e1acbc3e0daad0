"""Assembly: lay a plan's clips and silences on a timeline and stream the samples.

Nothing here holds a whole episode in memory: the timeline is a list of placements, and
``stream_pcm`` yields one clip or one second of silence at a time, so a three-hour episode costs
no more memory than a three-minute one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rtr_audio import pcm
from rtr_audio.cache import Clip, ClipStore
from rtr_audio.errors import RtrError
from rtr_audio.model import Chapter, Cue
from rtr_audio.plan import ChapterItem, EpisodePlan, SilenceItem, SpeechItem

CHAPTER_LEAD = 0.5  # seconds
# The MP3 frame grid in timeline samples: 1152 samples at 44.1 kHz (see ``segments``).
GRID = 576
assert GRID * 44100 == 1152 * pcm.RATE
# A silence at least this long holds a segment boundary (paragraph, heading, [pause]); not a
# sentence gap (0.7 s by default), so a segment is a paragraph or more.
JOIN_SILENCE = 1.2  # seconds
_SILENCE_CHUNK = bytes(2 * pcm.RATE)  # one second of int16 silence


class ClipMissing(RtrError):
    """A clip the plan needs is not (or no longer validly) in the cache."""


@dataclass(frozen=True)
class Placement:
    start: int  # sample offset in the episode
    length: int
    key: str | None  # None for silence


@dataclass(frozen=True)
class Timeline:
    placements: tuple[Placement, ...]
    cues: tuple[Cue, ...]
    chapters: tuple[Chapter, ...]
    total: int  # samples
    boundaries: tuple[int, ...] = (0,)  # segment starts, samples, on the frame grid

    @property
    def duration(self) -> float:
        return self.total / pcm.RATE


def layout(plan: EpisodePlan, lengths: dict[str, int]) -> Timeline:
    """Place every item; ``lengths`` gives each clip's length in samples.

    Every silence of ``JOIN_SILENCE`` or more after the start holds a segment boundary: its
    middle, moved to the nearest point of the frame grid (``GRID`` samples): the silence is
    that much longer or shorter (at most 13 ms), so a segment's content sits at the same place
    relative to its boundary whatever comes before it.
    """
    boundaries = [0]
    placements: list[Placement] = []
    cues: list[Cue] = []
    chapters: list[Chapter] = []
    position = 0
    for item in plan.items:
        if isinstance(item, ChapterItem):
            # The first chapter starts the episode; others a moment before their heading.
            start = 0.0 if not chapters else max(0.0, position / pcm.RATE - CHAPTER_LEAD)
            chapters.append(Chapter(round(start, 3), item.title))
            continue
        if isinstance(item, SilenceItem):
            length, key = round(item.seconds * pcm.RATE), None
            if position > 0 and item.seconds >= JOIN_SILENCE:
                middle = position + length // 2
                boundary = (middle + GRID // 2) // GRID * GRID  # the nearest grid point
                length += boundary - middle
                boundaries.append(boundary)
        else:
            key = item.key
            length = lengths[key]
        if isinstance(item, SpeechItem):
            cues.append(Cue(position / pcm.RATE, (position + length) / pcm.RATE, item.caption))
        placements.append(Placement(position, length, key))
        position += length
    return Timeline(tuple(placements), tuple(cues), tuple(chapters), position, tuple(boundaries))


def episode_loudness(timeline: Timeline, store: ClipStore) -> float:
    """Integrated loudness of the assembled episode, from the clips' cached loudness frames."""
    # Here, not at the top: numpy (a tenth of a second to import) only when an episode is
    # measured, never in a build that reuses every episode or in a preview.
    from rtr_audio.loudness import placed_loudness

    return placed_loudness(timeline.total, ((p.start, _load(store, p.key).energies)
                                            for p in timeline.placements if p.key is not None))


def stream_pcm(timeline: Timeline, store: ClipStore) -> Iterator[bytes]:
    """The episode's samples as little-endian int16 bytes, one clip or second at a time."""
    for placement in timeline.placements:
        if placement.key is None:
            remaining = placement.length
            while remaining > 0:
                step = min(remaining, pcm.RATE)
                yield _SILENCE_CHUNK[: 2 * step]
                remaining -= step
        else:
            yield _load(store, placement.key).samples.tobytes()


def stream_window(timeline: Timeline, store: ClipStore, start: int, end: int) -> Iterator[bytes]:
    """The samples ``start``..``end`` of the episode, as ``stream_pcm`` gives them."""
    for placement in timeline.placements:
        lo = max(start, placement.start)
        hi = min(end, placement.start + placement.length)
        if hi <= lo:
            if placement.start >= end:
                return
            continue
        if placement.key is None:
            remaining = hi - lo
            while remaining > 0:
                step = min(remaining, pcm.RATE)
                yield _SILENCE_CHUNK[: 2 * step]
                remaining -= step
        else:
            samples = _load(store, placement.key).samples
            yield samples[lo - placement.start:hi - placement.start].tobytes()


def _load(store: ClipStore, key: str) -> Clip:
    clip = store.load(key)
    if clip is None:
        raise ClipMissing(f"cache entry {key[:12]} is missing or damaged")
    return clip
