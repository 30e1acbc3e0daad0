"""Independent readers of built audio: ffprobe and ffmpeg decoding, never our own code."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np

PROBE_RATE = 44100


def ffprobe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def decode(path: Path, rate: int = PROBE_RATE) -> np.ndarray:
    """The MP3 decoded by ffmpeg to mono float samples."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
                          "-ar", str(rate), "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.int16).astype(np.float32) / 32768.0


def silences(samples: np.ndarray, rate: int = PROBE_RATE, threshold_db: float = -50.0,
             min_seconds: float = 0.3) -> list[tuple[float, float]]:
    """(start, length) of every run of samples quieter than ``threshold_db`` (10 ms windows)."""
    window = rate // 100
    frames = len(samples) // window
    peaks = np.abs(samples[: frames * window]).reshape(frames, window).max(axis=1)
    quiet = peaks < 10 ** (threshold_db / 20)
    runs, start = [], None
    for index, is_quiet in enumerate(quiet):
        if is_quiet and start is None:
            start = index
        elif not is_quiet and start is not None:
            runs.append((start, index))
            start = None
    if start is not None:
        runs.append((start, frames))
    # Refine edges to the sample so pause lengths can be checked to ±20 ms honestly.
    found = []
    for first, last in runs:
        begin, end = first * window, last * window
        limit = 10 ** (threshold_db / 20)
        while begin > 0 and abs(samples[begin - 1]) < limit:
            begin -= 1
        while end < len(samples) and abs(samples[end]) < limit:
            end += 1
        if (end - begin) / rate >= min_seconds:
            found.append((begin / rate, (end - begin) / rate))
    return found


def loudness(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) from ffmpeg's EBU R128 meter."""
    err = subprocess.run(["ffmpeg", "-nostats", "-i", str(path), "-af", "ebur128=peak=true",
                          "-f", "null", "-"], capture_output=True, text=True).stderr
    summary = err[err.rindex("Summary:"):]
    integrated = float(summary.split("I:")[1].split("LUFS")[0])
    peak = float(summary.split("Peak:")[1].split("dBFS")[0])
    return integrated, peak
