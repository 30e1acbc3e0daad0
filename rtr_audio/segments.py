"""Segmented encoding: an episode's MP3 is made of segments whose frames are kept in the cache
and reused while their samples are unchanged, so an edit encodes only what it touched.

How a segment is cut (see ``assemble.layout``): a boundary sits in the middle of every silence
of at least ``JOIN_SILENCE`` seconds (paragraph, heading and ``[pause]`` silences), moved by at
most half a frame (13 ms) so that it falls on the MP3 frame grid (1152 samples at 44.1 kHz,
``GRID`` samples of the timeline). Since the silence before a segment absorbs that rounding,
a segment's samples depend only on its own content: an earlier edit shifts later segments by
whole frames, and their frames are reused as they are.

How the frames stay valid where segments from different encodes meet:

- *MDCT overlap and filterbank*: a run of segments is encoded with ``PRE_FRAMES`` frames of the
  timeline before it and ``POST_FRAMES`` after it, on the same frame grid as a whole-episode
  encode; only the frames of the segments themselves are kept. A boundary lies in a silence, so
  the granules on both sides of a join are long blocks (``mp3frames.join`` checks it).
- *Bit reservoir*: the first frames of a segment may point back (``main_data_begin``) into
  frames of its own encode that are not kept; ``KEEP_BEFORE`` frames of that encode are stored
  with the segment, and ``mp3frames.join`` copies those bytes into the unused tail of the
  segment before it (or moves the main data forward).
- Where a join still cannot be made, the whole episode is encoded in one run, which always
  joins.

A bed under the voice (mixed before segmenting) must keep a segment's samples a function of
the segment's own content, or every edit that moves later audio re-encodes all of it: its loop
phase taken from the position relative to the segment's boundary (not the episode's start),
its ducking from the voice within the segment's window, and its parameters in the key.

The cache: ``.cache/segments/<key[:2]>/<key>.seg``, keyed by everything that decides the
frames (the samples of the encoded window as clip keys and offsets, the gain, the encoder's
settings), so a key that matches is safe to reuse.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rtr_audio import mp3frames, pcm
from rtr_audio.assemble import GRID, Timeline, stream_window
from rtr_audio.cache import ClipStore, digest
from rtr_audio.ffmpeg import feed
from rtr_audio.files import atomic_write

SEGMENT_FORMAT = 1  # bump when segmenting or encoding changes, so segments are encoded again
PRE_FRAMES = 4  # context before a run: MDCT window, filterbank, psychoacoustic history
POST_FRAMES = 2  # context after: LAME's look-ahead (576 samples) and the MDCT overlap
MAX_RUN = 600 * pcm.RATE  # samples: one ffmpeg run's output is held in memory while sliced
KEEP_BEFORE = 3  # frames of the encode kept before a segment: ≥ 511 bytes of reservoir
_READ = 1 << 16


@dataclass(frozen=True)
class Segment:
    start: int  # timeline samples (pcm.RATE), on the frame grid
    end: int
    key: str

    @property
    def first_frame(self) -> int:
        return self.start // GRID


def segments(timeline: Timeline, gain_db: float, settings: tuple[object, ...]) -> list[Segment]:
    """The episode's segments, each with the key of its frames (``settings``: the encoder's)."""
    starts = list(timeline.boundaries)
    ends = [*starts[1:], timeline.total]
    result = []
    placements = timeline.placements
    lo = 0
    for start, end in zip(starts, ends, strict=True):
        w_start, w_end = _window(start, end, timeline.total)
        while lo < len(placements) and placements[lo].start + placements[lo].length <= w_start:
            lo += 1
        inside = []
        i = lo
        while i < len(placements) and placements[i].start < w_end:
            p = placements[i]
            lo, hi = max(p.start, w_start), min(p.start + p.length, w_end)
            # Clipped to the window: a silence that begins before it counts only from its
            # start, so the rounding of the boundary before changes no key.
            inside.append((lo - w_start, hi - lo, p.key, lo - p.start if p.key else 0))
            i += 1
        key = digest("segment", SEGMENT_FORMAT, settings, f"{gain_db:.3f}", start - w_start,
                     end - start, w_end - w_start, end == timeline.total, inside)
        result.append(Segment(start, end, key))
    return result


def _window(start: int, end: int, total: int) -> tuple[int, int]:
    """The samples encoded for segments from ``start`` to ``end``: with context both sides."""
    return max(0, start - PRE_FRAMES * GRID), min(total, end + POST_FRAMES * GRID)


class SegmentStore:
    """Segments' frames on disk; ``load`` returns ``None`` for a missing or damaged one.

    Each episode's list of segment keys (``<slug>.keys``) says which ones are in use: ``prune``
    removes the others (left by earlier versions of an edited episode).
    """

    def __init__(self, root: Path):
        self.root = root

    def record(self, slug: str, keys: list[str]) -> None:
        """The segments ``slug``'s published MP3 is made of."""
        atomic_write(self.root / f"{slug}.keys", "\n".join(keys).encode())

    def prune(self, slugs: list[str]) -> int:
        """Remove segments no episode in ``slugs`` uses, and lists of other episodes; returns
        how many segments went. Only our own ``.seg`` and ``.keys`` files are touched."""
        used: set[str] = set()
        for manifest in self.root.glob("*.keys"):
            if manifest.stem not in slugs:
                manifest.unlink(missing_ok=True)
                continue
            try:
                used.update(manifest.read_text().split())
            except OSError:
                return 0  # unreadable: better to keep everything than to drop what is used
        removed = 0
        for path in self.root.glob("??/*.seg"):
            if path.stem not in used:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.seg"

    def load(self, key: str) -> mp3frames.Run | None:
        try:
            data = self.path(key).read_bytes()
            size = int.from_bytes(data[:4], "little")
            meta = json.loads(data[4:4 + size])
            frames = data[4 + size:]
            parsed = mp3frames.parse(frames)
            run = mp3frames.Run(frames, parsed, int(meta["first"]), int(meta["end"]))
        except (OSError, ValueError, KeyError, TypeError, mp3frames.FrameError):
            return None
        if not 0 <= run.first < run.end <= len(parsed) or len(parsed) != meta.get("frames"):
            return None
        return run

    def save(self, key: str, run: mp3frames.Run) -> None:
        lo = run.frames[0].offset
        last = run.frames[-1]
        meta = json.dumps({"first": run.first, "end": run.end,
                           "frames": len(run.frames)}).encode()
        body = run.data[lo:last.offset + last.size]
        atomic_write(self.path(key), len(meta).to_bytes(4, "little") + meta + body)


@dataclass(frozen=True)
class Encoder:
    """How ffmpeg encodes: its command up to the input, and the filter after the gain."""

    ffmpeg: str
    bitrate: str
    quality: int
    output_rate: int


def encode_runs(timeline: Timeline, store: ClipStore, segs: list[Segment],
                wanted: list[int], gain_db: float, encoder: Encoder,
                seg_store: SegmentStore, max_run: int | None = MAX_RUN) -> None:
    """Encode the segments ``wanted`` (indices into ``segs``), consecutive ones in one ffmpeg
    run of at most ``max_run`` samples (None: unbounded), and save each in ``seg_store``.
    Nothing is kept in memory past its run: a 3-hour episode costs what 10 minutes do."""
    groups = _runs(wanted) if max_run is None else _bounded(_runs(wanted), segs, max_run)
    for first, last in groups:
        start, end = segs[first].start, segs[last].end
        w_start, w_end = _window(start, end, timeline.total)
        data = _ffmpeg(timeline, store, w_start, w_end, gain_db, encoder)
        frames = mp3frames.parse(data)
        base = w_start // GRID  # the encode's frame 0 is this frame of the episode
        for index in range(first, last + 1):
            seg = segs[index]
            lo = seg.first_frame - base
            hi = (seg.end // GRID - base) if seg.end < timeline.total else len(frames)
            keep_lo, keep_hi = max(0, lo - KEEP_BEFORE), min(len(frames), hi + 1)
            run = _slice(data, frames, keep_lo, keep_hi, lo - keep_lo, hi - keep_lo)
            seg_store.save(seg.key, run)


def load_all(segs: list[Segment], seg_store: SegmentStore) -> Iterator[mp3frames.Run]:
    """The segments' runs from ``seg_store``, one at a time, in order. Raises
    ``mp3frames.FrameError`` for one that is missing or damaged (the caller encodes again)."""
    for seg in segs:
        run = seg_store.load(seg.key)
        if run is None:
            raise mp3frames.FrameError(f"segment {seg.key} is missing or damaged")
        yield run


def _bounded(groups: Iterator[tuple[int, int]], segs: list[Segment], max_run: int
             ) -> Iterator[tuple[int, int]]:
    """Each group of consecutive segments split so that no run exceeds ``max_run`` samples."""
    for first, last in groups:
        start = first
        for index in range(first, last + 1):
            if index > start and segs[index].end - segs[start].start > max_run:
                yield start, index - 1
                start = index
        yield start, last


def _slice(data: bytes, frames: list[mp3frames.Frame], lo: int, hi: int, first: int,
           end: int) -> mp3frames.Run:
    base = frames[lo].offset
    last = frames[hi - 1]
    part = data[base:last.offset + last.size]
    moved = [dataclasses.replace(f, offset=f.offset - base) for f in frames[lo:hi]]
    return mp3frames.Run(part, moved, first, end)


def _runs(indices: list[int]) -> Iterator[tuple[int, int]]:
    """Consecutive indices grouped: [1, 2, 3, 7] -> (1, 3), (7, 7)."""
    start = prev = None
    for i in indices:
        if prev is not None and i == prev + 1:
            prev = i
            continue
        if start is not None and prev is not None:
            yield start, prev
        start = prev = i
    if start is not None and prev is not None:
        yield start, prev


class EncodeFailed(RuntimeError):
    """ffmpeg exited with an error; the message is its last line."""


class NoOutput(EncodeFailed):
    """ffmpeg exited without an error but wrote no frames (a broken or stub ffmpeg)."""


def _ffmpeg(timeline: Timeline, store: ClipStore, start: int, end: int, gain_db: float,
            encoder: Encoder) -> bytes:
    """MP3 frames (no Info frame, no tags) of the timeline's samples ``start``..``end``."""
    with tempfile.TemporaryFile() as out:
        command = [
            encoder.ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "s16le", "-ar", str(pcm.RATE), "-ac", "1", "-i", "pipe:0",
            "-af", f"volume={gain_db:.3f}dB:precision=float,aresample={encoder.output_rate}",
            "-ac", "1", "-ar", str(encoder.output_rate),
            "-codec:a", "libmp3lame", "-b:a", encoder.bitrate,
            "-compression_level", str(encoder.quality),
            "-write_xing", "0", "-id3v2_version", "0", "-map_metadata", "-1",
            "-f", "mp3", "pipe:1",
        ]
        status, reason = feed(command, stream_window(timeline, store, start, end), out)
        if status != 0:
            raise EncodeFailed(reason or "unknown error")
        out.seek(0)
        data = out.read()
    if not data:
        raise NoOutput("no MP3 frames")
    return data


def write_episode(runs: Iterator[mp3frames.Run], samples: int, kbps: int, dest: Path) -> int:
    """Join ``runs`` into ``dest`` behind its Info frame (``samples``: at 44.1 kHz); returns
    the number of audio frames. Raises ``mp3frames.FrameError`` if a join cannot be made."""
    info_size = 144 * kbps * 1000 // mp3frames.SAMPLE_RATE
    with dest.open("wb") as out:
        out.write(bytes(info_size))
        sink = _Sink(out)
        mp3frames.join_to(runs, sink)
        frames = len(sink.offsets)
        audio_bytes = sink.size
        out.seek(0)
        out.write(mp3frames.info_frame_from(sink.crc, sink.offsets, audio_bytes, frames,
                                            samples, kbps))
    return frames


class _Sink:
    """Receives the joined audio in pieces: writes it, and keeps its CRC and frame offsets."""

    def __init__(self, out: object):
        self.out = out
        self.crc = 0
        self.size = 0
        self.offsets = array("q")

    def __call__(self, data: bytes, offsets: list[int]) -> None:
        self.out.write(data)  # type: ignore[attr-defined]
        self.crc = mp3frames.crc16(data, self.crc)
        self.offsets.extend(self.size + o for o in offsets)
        self.size += len(data)
