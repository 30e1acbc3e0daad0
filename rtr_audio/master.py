"""Mastering: loudness gain, MP3 encoding with ffmpeg, ID3 tags and chapters.

The gain comes from the loudness measured on the timeline (see ``assemble.episode_loudness``), so
the episode is encoded in one pass, streaming PCM into ffmpeg's stdin; an edited episode only in
the segments the edit touched (``segments``). The Xing/LAME header is written by ``mp3frames``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rtr_audio import pcm
from rtr_audio.assemble import Timeline, episode_loudness, stream_pcm
from rtr_audio.cache import ClipStore
from rtr_audio.errors import RtrError
from rtr_audio.ffmpeg import feed, require_ffmpeg

if TYPE_CHECKING:
    from rtr_audio.bed import Bed

# 64 kbps CBR mono: transparent for a single speaking voice, ~29 MB per hour — kind to phones on
# mobile data; CBR because VBR seeks inaccurately in Apple's and ExoPlayer-based players.
BITRATE = "64k"
OUTPUT_RATE = 44100
# LAME's quality knob: 7 encodes about twice as fast as the default for no audible difference in
# speech at this bitrate (measured in bench/).
LAME_QUALITY = 7
# LAME at speech bitrates drops a little high-frequency energy, which K-weighting counts:
# measured about 0.4 LU on espeak-ng speech, so the episode gain makes up for it.
ENCODE_LOSS_LU = 0.4
# An edit keeps the episode's previous gain while the new one differs by no more than this: the
# episode then stays within ±1 LU of the target (SPEC), with room for the encode's own spread.
KEEP_GAIN_LU = 0.5
MAX_GAIN_DB = 12.0  # never amplify more than this (an episode of bells only, say)



class EncodeError(RtrError):
    """ffmpeg failed to encode an episode."""


@dataclass(frozen=True)
class Mastered:
    path: Path
    gain_db: float
    loudness_before: float
    segments_encoded: int = 0
    segment_keys: tuple[str, ...] = ()


def episode_gain(timeline: Timeline, store: ClipStore, target: float,
                 previous: float | None = None) -> tuple[float, float]:
    """The gain (dB) for the episode, and its measured integrated loudness (LUFS).

    ``previous``: the gain of the episode's last encode. It is kept while the episode, with
    it, still lands within ``KEEP_GAIN_LU`` of the target: a small edit then changes no sample
    outside the segments it touched, and those segments' frames are reused.
    """
    measured = episode_loudness(timeline, store)
    if not math.isfinite(measured):
        return 0.0, measured
    gain = max(-MAX_GAIN_DB, min(MAX_GAIN_DB, target - measured + ENCODE_LOSS_LU))
    if previous is not None and abs(previous - gain) <= KEEP_GAIN_LU:
        return previous, measured
    return round(gain, 3), measured


def encoder_settings() -> tuple[object, ...]:
    """All that decides an encode's frames besides its samples and gain (segment keys)."""
    return (BITRATE, LAME_QUALITY, OUTPUT_RATE, _lame_identity())


def _lame_identity() -> str:
    # The ffmpeg binary (and with it libmp3lame) by size and mtime: a new one may encode
    # differently, and frames of two LAME versions are best not mixed.
    try:
        stat = Path(require_ffmpeg()).stat()
    except OSError:
        return "?"
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def encode(timeline: Timeline, store: ClipStore, target_lufs: float, dest: Path,
           segment_cache: Path, previous_gain: float | None = None,
           reuse: bool = True, bed: Bed | None = None) -> Mastered:
    """Encode the timeline to ``dest`` (an MP3 without tags), reusing cached segments.

    Segments (see ``segments``) whose frames are in ``segment_cache`` are reused (unless
    ``reuse`` is False); the others are encoded, consecutive ones in one ffmpeg run. If a join
    between old and new frames cannot be made, the whole episode is encoded in one run. The
    Info frame (Xing/LAME header) is written here: frame count, byte count, TOC, encoder delay
    and padding for the timeline's exact duration (``timeline.total`` samples at ``pcm.RATE``).
    Raises ``EncodeError`` when ffmpeg fails.

    With a ``bed`` mixed under the voice the episode is encoded whole, in one ffmpeg run
    (``_encode_with_bed``): the bed's loop phase and its ducker run from the episode's start,
    so a segment's samples would depend on everything before it (see ``segments``).
    """
    from rtr_audio import mp3frames, segments  # numpy-free, but only an encode needs them

    gain, measured = episode_gain(timeline, store, target_lufs, previous_gain)
    if bed is not None:
        return _encode_with_bed(timeline, store, gain, measured, dest, bed)
    encoder = segments.Encoder(require_ffmpeg(), BITRATE, LAME_QUALITY, OUTPUT_RATE)
    segs = segments.segments(timeline, gain, encoder_settings())
    seg_store = segments.SegmentStore(segment_cache)
    samples = timeline.total * OUTPUT_RATE // pcm.RATE
    kbps = int(BITRATE.rstrip("k"))
    try:
        # Runs are read back from the segment store one at a time while they are joined, so
        # memory stays bounded however long the episode (a damaged one is found there).
        missing = [i for i, s in enumerate(segs)
                   if not reuse or not seg_store.path(s.key).is_file()]
        segments.encode_runs(timeline, store, segs, missing, gain, encoder, seg_store)
        try:
            segments.write_episode(segments.load_all(segs, seg_store), samples, kbps, dest)
        except mp3frames.FrameError:
            # Old and new frames do not join here (or a stored segment was damaged): one run of
            # the whole episode always joins (rare, so its memory is paid only then).
            segments.encode_runs(timeline, store, segs, list(range(len(segs))), gain,
                                 encoder, seg_store, max_run=None)
            segments.write_episode(segments.load_all(segs, seg_store), samples, kbps, dest)
    except segments.NoOutput as exc:
        dest.unlink(missing_ok=True)
        # A broken or stub ffmpeg on the PATH: it exited without an error but wrote nothing.
        raise EncodeError(f"{encoder.ffmpeg} exited without an error but wrote no MP3 for "
                          f"{dest.name}; check that it is a working ffmpeg with libmp3lame"
                          ) from exc
    except (segments.EncodeFailed, mp3frames.FrameError) as exc:
        dest.unlink(missing_ok=True)
        raise EncodeError(f"ffmpeg could not encode {dest.name}: {exc}") from exc
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return Mastered(dest, gain, measured, len(missing), tuple(s.key for s in segs))


def _encode_with_bed(timeline: Timeline, store: ClipStore, gain: float, measured: float,
                     dest: Path, bed: Bed) -> Mastered:
    """Encode the timeline to ``dest`` (an MP3 without tags) in one ffmpeg run, with ``bed``
    mixed under it: the voice is scaled by ``gain`` (dB) and the ducked bed added here, block
    by block (``bed.mix``), and ffmpeg is given float32, so the bed's quiet tail keeps its
    resolution. ``bed_level`` is the bed's own level in the finished episode. The Xing/LAME
    header is ffmpeg's."""
    from rtr_audio.bed import mix  # numpy: only an episode with a bed needs it here

    placements = ((p.start, p.length, p.key) for p in timeline.placements)
    source = mix(stream_pcm(timeline, store), gain, bed, placements, timeline.total)
    command = [
        require_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "f32le", "-ar", str(pcm.RATE), "-ac", "1",
        "-i", "pipe:0", "-af", f"aresample={OUTPUT_RATE}",
        "-ac", "1", "-ar", str(OUTPUT_RATE),
        "-codec:a", "libmp3lame", "-b:a", BITRATE, "-compression_level", str(LAME_QUALITY),
        "-write_xing", "1", "-id3v2_version", "0", "-map_metadata", "-1",
        "-f", "mp3", str(dest),
    ]
    status, reason = feed(command, source)
    if status != 0:
        dest.unlink(missing_ok=True)
        raise EncodeError(f"ffmpeg could not encode {dest.name}: {reason or 'unknown error'}")
    if not dest.is_file() or dest.stat().st_size == 0:  # a broken or stub ffmpeg on the PATH
        raise EncodeError(f"{command[0]} exited without an error but wrote no MP3 for "
                          f"{dest.name}; check that it is a working ffmpeg with libmp3lame")
    return Mastered(dest, gain, measured)
