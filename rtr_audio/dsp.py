"""Signal processing on mono float32 arrays at ``pcm.RATE``: trimming, levelling to a loudness
(LUFS, see ``loudness``), true-peak limiting (dBTP) and the bell.

numpy only (see ``loudness`` for why not scipy); the running filters are plain numpy.
"""

from __future__ import annotations

import math

import numpy as np

from rtr_audio.loudness import (
    frame_energies,
    frame_sums,
    integrated_loudness,
    k_weighted,
    true_peak_envelope,
)
from rtr_audio.pcm import RATE

TRUE_PEAK_CEILING_DB = -4.5  # leaves room for the episode gain and MP3 overshoot under -1 dBTP
SILENCE_DB = -48.0  # below this a clip's edge counts as silence and is trimmed
LEVEL_TRIES = 8  # gains tried while levelling a clip (the search needs 2–4)
MAX_LEVEL_STEP_DB = 12.0


def to_float(pcm: np.ndarray) -> np.ndarray:
    return pcm.astype(np.float32) / 32768.0


def to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)


def db_to_gain(db: float) -> float:
    return float(10 ** (db / 20))


def limit(x: np.ndarray, ceiling_db: float = TRUE_PEAK_CEILING_DB) -> np.ndarray:
    """Look-ahead peak limiter: a smooth gain that keeps the true peak under the ceiling.

    The needed gain is min-filtered over twice the smoothing window and then averaged, so the
    smoothed gain is never above the needed gain at a peak (attack and release of ~10 ms).
    """
    return _scaled(x, _limiter_gains(true_peak_envelope(x), 1.0, ceiling_db))


def _scaled(x: np.ndarray, gains: np.ndarray | float) -> np.ndarray:
    """``x * gains`` as float32, written straight into the result."""
    return np.multiply(x, gains, out=np.empty(len(x), np.float32), casting="same_kind")


def _limiter_gains(envelope: np.ndarray, gain: float,
                   ceiling_db: float = TRUE_PEAK_CEILING_DB) -> np.ndarray | float:
    """The per-sample gain of ``limit(x * gain)`` (just ``gain`` when no peak reaches the ceiling).

    The true-peak envelope is linear in the gain, so a clip's envelope is computed once and
    each gain tried while levelling costs only the two running filters, in float32 (half the
    memory traffic of float64; a gain needs no more precision).
    """
    ceiling = db_to_gain(ceiling_db)
    if envelope.max(initial=0.0) * gain <= ceiling:
        return gain
    # The gain each sample needs (at most 1) for its peak at ``gain``, computed in place, and
    # ``gain`` folded into the smoothing: fewer passes over the clip than the plain formulas.
    needed = np.maximum(envelope.astype(np.float32), 1e-9 / gain)
    np.minimum(np.divide(ceiling / gain, needed, out=needed), 1.0, out=needed)
    window = int(RATE * 0.010)
    return _running_mean(_running_min(needed, 2 * window + 1), window, scale=gain)


def _edge_padded(x: np.ndarray, size: int, scale: float = 1.0) -> np.ndarray:
    """``x · scale`` after ``size // 2`` copies of its first value and before ``(size - 1) // 2``
    of its last: the windows of ``scipy.ndimage``'s mode "nearest", aligned as it aligns even
    sizes (checked against scipy)."""
    padded = np.empty(len(x) + size - 1, dtype=x.dtype)
    np.multiply(x, scale, out=padded[size // 2: size // 2 + len(x)])
    padded[: size // 2] = padded[size // 2]
    padded[size // 2 + len(x):] = padded[size // 2 + len(x) - 1]
    return padded


def _running_min(x: np.ndarray, size: int) -> np.ndarray:
    """``scipy.ndimage.minimum_filter1d(x, size, mode="nearest")``.

    By doubling: the minima over windows of 2w are those of two overlapping windows of w, and
    two windows of the largest power of two w ≤ size cover one of size. About 10 passes of
    ``np.minimum``, as fast as scipy's running minimum; van Herk's (prefix and suffix minima
    per block) is 2–4 times slower, as numpy's ``accumulate`` takes 3 ns a value.
    """
    n, width = len(x), 1
    current = _edge_padded(x, size)
    scratch = np.empty_like(current)
    while 2 * width <= size:
        end = len(current) - width
        np.minimum(current[:end], current[width:], out=scratch[:end])
        current, scratch = scratch[:end], current
        width *= 2
    return np.minimum(current[:n], current[size - width: size - width + n])


def _running_mean(x: np.ndarray, size: int, scale: float = 1.0) -> np.ndarray:
    """``scale · scipy.ndimage.uniform_filter1d(x, size, mode="nearest")``.

    The window sums are built from sums over power-of-two windows (each by doubling the last),
    one for each bit of ``size``: about 13 passes of ``np.add``, faster than differences of
    ``np.cumsum`` (3 ns a value) and more exact on long clips. 25–45 % slower than scipy's
    running sum (10–130 µs a call), which the running minimum and ``_limiter_gains`` make up.
    """
    n, width, offset, total = len(x), 1, 0, None
    current = _edge_padded(x, size, scale / size)  # so that window sums are means
    scratch = np.empty_like(current)
    while width <= size:
        if size & width:
            part = current[offset: offset + n]
            total = part.copy() if total is None else np.add(total, part, out=total)
            offset += width
        if 2 * width <= size:
            end = len(current) - width
            np.add(current[:end], current[width:], out=scratch[:end])
            current, scratch = scratch[:end], current
        width *= 2
    assert total is not None  # size >= 1 has a set bit, so one window was added
    return total


def trim(x: np.ndarray, margin_s: float = 0.003) -> np.ndarray:
    """Remove engine-added silence at both ends so script pauses are exact."""
    threshold = db_to_gain(SILENCE_DB)
    loud = np.flatnonzero(np.abs(x) > threshold)
    if len(loud) == 0:
        return x[:0]
    margin = int(RATE * margin_s)
    return x[max(0, loud[0] - margin): loud[-1] + margin + 1]


def level(x: np.ndarray, target_lufs: float) -> np.ndarray:
    """Bring one spoken clip to the show's loudness with its true peak under the ceiling."""
    return level_with_energies(x, target_lufs)[0]


def level_with_energies(x: np.ndarray, target_lufs: float) -> tuple[np.ndarray, np.ndarray]:
    """``level(x)`` and its ``frame_energies``.

    Synthetic voices have a high peak-to-loudness ratio (espeak-ng: about 20 dB), so reaching
    -16 LUFS needs limiting, and limiting costs loudness. The clip is limited once, at the gain
    that lands it within 0.2 LU of the target. Loudness rises monotonically with the gain, so
    the gain is found by a secant search anchored at the clip as it is (gain 0 dB), which makes
    the first step already follow the limiter's slope.

    A try costs the limiter's two running filters and no filtering: the K-weighting of the
    limited clip is taken as the K-weighted clip times the limiter's gain. That gain moves over
    10–20 ms, longer than the K-filter's memory of a few ms; on espeak-ng speech the estimate
    is within 0.007 LU of filtering the limited clip, which is done once, at the end, for the
    energies the cache keeps.
    """
    weighted = k_weighted(x)
    energies = frame_sums(weighted * weighted)
    loudness = integrated_loudness(energies)
    if not math.isfinite(loudness):
        return x, energies
    envelope = true_peak_envelope(x)
    # Already at the target is not enough: an engine that normalises every sentence to full
    # scale (Piper) lands there with peaks far above the ceiling.
    peak_ok = float(envelope.max(initial=0.0)) <= db_to_gain(TRUE_PEAK_CEILING_DB)
    if abs(target_lufs - loudness) <= 0.2 and peak_ok:
        return x, energies
    tried = [(0.0, loudness)]  # (gain dB, loudness reached)
    gain_db = target_lufs - loudness
    for _ in range(LEVEL_TRIES):
        gains = _limiter_gains(envelope, db_to_gain(gain_db))
        limited = weighted * gains
        reached = integrated_loudness(frame_sums(np.square(limited, out=limited)))
        if not math.isfinite(reached) or abs(target_lufs - reached) <= 0.2:
            break
        tried.append((gain_db, reached))
        gain_db = _next_gain(tried, target_lufs)
    levelled = _scaled(x, gains)
    return levelled, frame_energies(levelled)


def _next_gain(tried: list[tuple[float, float]], target: float) -> float:
    """Secant step towards the target through the last two tries (a plain step if degenerate)."""
    (previous_gain, previous_reached), (gain, reached) = tried[-2:]
    slope = (reached - previous_reached) / (gain - previous_gain or 1e-9)
    if slope <= 0.05:
        return gain + (target - reached)
    return min(gain + (target - reached) / slope, gain + MAX_LEVEL_STEP_DB)


def bell(target_lufs: float, seconds: float = 4.0) -> np.ndarray:
    """A soft singing-bowl chime: a few inharmonic partials with slow decay, gentle attack."""
    t = np.arange(int(RATE * seconds)) / RATE
    partials = [(1.0, 1.0, 1.4), (2.76, 0.35, 0.9), (5.40, 0.12, 0.5), (1.003, 0.5, 1.6)]
    fundamental = 432.0
    tone = sum(amp * np.sin(2 * np.pi * fundamental * ratio * t) * np.exp(-t / decay)
               for ratio, amp, decay in partials)
    attack = np.minimum(1.0, t / 0.012)
    fade = np.minimum(1.0, (seconds - t) / 0.5)
    tone = (tone * attack * fade).astype(np.float32)
    # A bell sits below the voice: quieter than speech so it never startles.
    loudness = integrated_loudness(frame_energies(tone))
    return limit((tone * db_to_gain(target_lufs - 8 - loudness)).astype(np.float32))


SOFT_GAIN_DB = 4.0  # [soft] speech sits this many LU under the show's loudness
SOFT_CUTOFF_HZ = 2500.0  # above this [soft] speech loses about 6 dB: a darker, gentler tone


def soften(x: np.ndarray) -> np.ndarray:
    """``[soft]``'s tone change: half the signal low-passed at SOFT_CUTOFF_HZ, half as it is.

    A gentle high-shelf of about -6 dB (a Hann-windowed sinc of 63 taps, linear phase) takes
    the edge off sibilants and the synthetic buzz, as a voice does when it speaks softly. The
    lower level is set by the leveller (``SOFT_GAIN_DB``), so every engine gets the same.
    """
    if len(x) == 0:
        return x
    taps = np.arange(63) - 31
    kernel = np.sinc(2 * SOFT_CUTOFF_HZ / RATE * taps) * np.hanning(63)
    low = np.convolve(x, kernel / kernel.sum(), mode="same")
    return (0.5 * x + 0.5 * low).astype(np.float32)
