"""Mastering: loudness gain, MP3 encoding with ffmpeg, ID3 tags and chapters.

The gain comes from the loudness measured on the timeline (see ``assemble.episode_loudness``), so
the episode is encoded once, in one pass, streaming PCM into ffmpeg's stdin. The MP3 is written to
a real file (not a pipe) because ffmpeg only writes the Xing/LAME header when it can seek back.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from rtr_audio import pcm
from rtr_audio.assemble import Timeline, episode_loudness, stream_pcm
from rtr_audio.cache import ClipStore
from rtr_audio.errors import RtrError, ToolMissing

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
MAX_GAIN_DB = 12.0  # never amplify more than this (an episode of bells only, say)

FFMPEG_HINT = ("ffmpeg is not installed: run `make build` (installs it), or "
               "`sudo apt-get install ffmpeg` (macOS: `brew install ffmpeg`)")


class EncodeError(RtrError):
    """ffmpeg failed to encode an episode."""


@dataclass(frozen=True)
class Mastered:
    path: Path
    gain_db: float
    loudness_before: float


def require_ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    if not found:
        raise ToolMissing(FFMPEG_HINT)
    return found


def episode_gain(timeline: Timeline, store: ClipStore, target: float) -> tuple[float, float]:
    measured = episode_loudness(timeline, store)
    if not math.isfinite(measured):
        return 0.0, measured
    return max(-MAX_GAIN_DB, min(MAX_GAIN_DB, target - measured + ENCODE_LOSS_LU)), measured


def encode(timeline: Timeline, store: ClipStore, target_lufs: float, dest: Path) -> Mastered:
    """Encode the timeline to ``dest`` (an MP3 without tags)."""
    gain, measured = episode_gain(timeline, store, target_lufs)
    command = [
        require_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "s16le", "-ar", str(pcm.RATE), "-ac", "1", "-i", "pipe:0",
        "-af", f"volume={gain:.3f}dB:precision=float,aresample={OUTPUT_RATE}",
        "-ac", "1", "-ar", str(OUTPUT_RATE),
        "-codec:a", "libmp3lame", "-b:a", BITRATE, "-compression_level", str(LAME_QUALITY),
        "-write_xing", "1", "-id3v2_version", "0", "-map_metadata", "-1",
        "-f", "mp3", str(dest),
    ]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdin is not None
        try:
            for chunk in stream_pcm(timeline, store):
                process.stdin.write(chunk)
            process.stdin.close()
        except BrokenPipeError:
            pass
        except BaseException:
            process.kill()
            raise
        errors = process.stderr.read().decode(errors="replace") if process.stderr else ""
        process.wait()
    if process.returncode != 0:
        dest.unlink(missing_ok=True)
        reason = errors.strip().splitlines()[-1] if errors.strip() else "unknown error"
        raise EncodeError(f"ffmpeg could not encode {dest.name}: {reason}")
    return Mastered(dest, gain, measured)
