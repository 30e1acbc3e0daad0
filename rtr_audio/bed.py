"""Beds: a quiet sound under the voice, generated (``pad``, ``rain``) or the user's own file,
ducked under speech and faded in and out, mixed into the episode block by block.

A generated bed is synthesised at build time (no audio file is shipped) as a loop of
LOOP_SECONDS that is periodic by construction, so it repeats without a seam: every partial of
the pad and every component of the rain's noise completes a whole number of cycles in one loop.
A seed makes it reproducible. A user's file is decoded by ffmpeg (any format it reads; at most
USER_MAX_SECONDS of it) and looped with an equal-power crossfade at the seam.

Ducking is a sidechain keyed from the timeline, not from the audio: the build knows where every
clip sits, so the bed starts going down ``ATTACK`` seconds *before* a voice starts (look-ahead)
and comes back up over ``RELEASE`` seconds after it ends. Under speech the bed sits ``duck`` dB
below its ``level``; in pauses it rises to ``level`` (dBFS RMS over the loop, in the finished
episode: show.yml's ``bed_level``). Shapes: every array is mono float32 at ``pcm.RATE``; memory
is one loop plus one block, whatever the episode's length.
"""

from __future__ import annotations

import hashlib
import math
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from rtr_audio import pcm
from rtr_audio.errors import RtrError
from rtr_audio.ffmpeg import require_ffmpeg

if TYPE_CHECKING:
    import numpy as np
else:

    class _Numpy:
        """numpy, imported on first use: planning names a show's bed without synthesising it."""

        def __getattr__(self, name: str):
            import numpy  # lazy: see the class docstring

            globals()["np"] = numpy
            return getattr(numpy, name)

    np = _Numpy()

GENERATED = ("pad", "rain")
NONE = "none"
DEFAULT_LEVEL = -38.0  # dBFS RMS in pauses: audible room tone, far under -16 LUFS speech
DEFAULT_DUCK = 20.0  # dB further down under speech: the bed is then about 40 dB under the voice
DEFAULT_SEED = 0
ATTACK = 0.35  # seconds the bed takes to go down, ending as the voice starts
RELEASE = 1.2  # seconds it takes to come back up after the voice ends
FADE_IN = 3.0  # seconds at the episode's start
FADE_OUT = 4.0  # seconds at its end
LOOP_SECONDS = 64.0  # one loop of a generated bed
USER_MAX_SECONDS = 120.0  # of a user's file: the loop held in memory (about 10 MB)
CROSSFADE = 2.0  # seconds at the seam of a user's loop
BLOCK = pcm.RATE  # samples of bed mixed at a time (one second)


class BedError(RtrError):
    """A bed file that ffmpeg cannot read, or a bed that is not a known kind."""


@dataclass(frozen=True)
class Bed:
    """What to play under the voice: ``source`` is ``pad``, ``rain`` or a file's path.

    ``level`` is its RMS level in pauses (dBFS), ``duck`` how far it goes down under speech
    (dB).
    """

    source: str
    level: float = DEFAULT_LEVEL
    duck: float = DEFAULT_DUCK
    seed: int = DEFAULT_SEED

    @property
    def generated(self) -> bool:
        return self.source in GENERATED

    def fingerprint(self) -> list[object]:
        """Everything that changes how the bed sounds (a user file: by its content)."""
        source = self.source if self.generated else f"sha256:{_file_digest(Path(self.source))}"
        return ["bed", source, self.level, self.duck, self.seed, LOOP_SECONDS, ATTACK, RELEASE,
                FADE_IN, FADE_OUT]


def bed_for(source: str | Path | None, level: float, duck: float) -> Bed | None:
    """The bed a show or episode asks for (``none``/None: no bed); a file by its path."""
    if source is None or str(source) == NONE:
        return None
    return Bed(str(source), level=level, duck=duck)


# ---- the loop -----------------------------------------------------------------------------

@lru_cache(maxsize=2)
def loop(bed: Bed) -> np.ndarray:
    """One loop of the bed at its ``level`` (dBFS RMS), float32 at ``pcm.RATE`` (kept for the
    episodes of a build that share it; read-only)."""
    raw = _raw_loop(bed.source, bed.seed)
    rms = float(np.sqrt(np.mean(np.square(raw, dtype=np.float64))))
    if rms < 1e-6:
        raise BedError(f"bed {bed.source}: the audio is silent")
    levelled = (raw * _gain(bed.level - 20 * math.log10(rms))).astype(np.float32)
    levelled.flags.writeable = False
    return levelled


def _raw_loop(source: str, seed: int) -> np.ndarray:
    if source == "pad":
        return pad(LOOP_SECONDS, seed)
    if source == "rain":
        return rain(LOOP_SECONDS, seed)
    return seamless(decode(Path(source), USER_MAX_SECONDS), CROSSFADE)


# A pentatonic set over A (Hz): notes the pad may hold. Consonant in any combination, so an
# evolving mix of them never clashes.
PAD_NOTES = (110.0, 123.47, 138.59, 164.81, 185.0, 220.0, 246.94, 277.18, 329.63)


def pad(seconds: float, seed: int = DEFAULT_SEED) -> np.ndarray:
    """A soft evolving pad: five notes of PAD_NOTES, each a few detuned, rounded partials,
    swelling and fading on slow cycles, so the chord changes colour over the loop.

    Every frequency and every swell is a whole number of cycles in ``seconds``, so the result
    is periodic and loops without a seam. A swelling partial ``A·(0.55 − 0.45·cos μ)·sin θ`` is
    three steady ones (at θ and θ ± μ), so the whole pad is a sum of sinusoids on exact FFT
    bins: built as one spectrum and one inverse FFT. Peak normalised to 0.5; float32.
    """
    rng = np.random.default_rng(seed)
    n = round(seconds * pcm.RATE)
    spectrum = np.zeros(n // 2 + 1, dtype=np.complex128)
    for note in rng.choice(PAD_NOTES, size=5, replace=False):
        cycles = int(rng.integers(1, 4))  # 1–3 swells per loop: 20–60 s each
        swell_phase = rng.uniform(0, 2 * math.pi)
        for harmonic, amplitude in ((1, 1.0), (2, 0.3), (3, 0.08)):
            for detune in (-0.18, 0.0, 0.21):  # a slow chorus, as a string section has
                bin_ = round((note * harmonic + detune) * seconds)
                phase = rng.uniform(0, 2 * math.pi)
                for offset, share, shift in ((0, 0.55, 0.0), (cycles, -0.225, swell_phase),
                                             (-cycles, -0.225, -swell_phase)):
                    # A·sin(2πkn/N + φ) is bin k = A·N/2·(−i)·e^(iφ) of an inverse rFFT.
                    spectrum[bin_ + offset] += (amplitude / 3 * share * n / 2 * -1j
                                                * np.exp(1j * (phase + shift)))
    out = np.fft.irfft(spectrum, n)
    return (0.5 * out / np.abs(out).max()).astype(np.float32)


def rain(seconds: float, seed: int = DEFAULT_SEED) -> np.ndarray:
    """Soft rain: noise shaped in the frequency domain (a band of about 250 Hz – 5 kHz, falling
    3 dB an octave above it, like distant rain on leaves), with a slow swell in its level.

    Made as one inverse FFT over the whole loop, so it is periodic by construction (seamless).
    Peak normalised to 0.5; float32 at ``pcm.RATE``.
    """
    rng = np.random.default_rng(seed)
    n = round(seconds * pcm.RATE)
    frequencies = np.fft.rfftfreq(n, 1 / pcm.RATE)
    f = np.maximum(frequencies, 1.0)
    shape = (1 / np.sqrt(1 + (250 / f) ** 4)) / np.sqrt(1 + (f / 1200)) / np.sqrt(
        1 + (f / 5000) ** 4)
    spectrum = shape * (rng.standard_normal(len(f)) + 1j * rng.standard_normal(len(f)))
    spectrum[0] = 0
    noise = np.fft.irfft(spectrum, n)
    t = np.arange(n) / pcm.RATE
    swell = 0.8 + 0.2 * np.sin(2 * math.pi * 2 * t / seconds + rng.uniform(0, 2 * math.pi))
    noise *= swell
    return (0.5 * noise / np.abs(noise).max()).astype(np.float32)


def decode(path: Path, max_seconds: float) -> np.ndarray:
    """The first ``max_seconds`` of any file ffmpeg reads, mono float32 at ``pcm.RATE``.

    Raises BedError (with ffmpeg's reason) for a file it cannot read or that holds no audio.
    """

    command = [require_ffmpeg(), "-hide_banner", "-loglevel", "error", "-nostdin",
               "-i", str(path), "-t", f"{max_seconds:g}", "-vn", "-ac", "1",
               "-ar", str(pcm.RATE), "-f", "f32le", "pipe:1"]
    result = subprocess.run(command, capture_output=True, check=False)
    samples = np.frombuffer(result.stdout, dtype="<f4")
    if result.returncode != 0 or len(samples) < pcm.RATE:
        reason = result.stderr.decode(errors="replace").strip().splitlines()
        detail = reason[-1] if reason else "less than a second of audio"
        raise BedError(f"bed {path}: ffmpeg cannot use it as a bed: {detail}")
    return samples.astype(np.float32)


def seamless(x: np.ndarray, crossfade_s: float) -> np.ndarray:
    """``x`` made into a loop: its last ``crossfade_s`` seconds fade into its first (equal
    power), so the loop's end runs on into its start without a click."""
    fade = min(round(crossfade_s * pcm.RATE), len(x) // 3)
    if fade < 2:
        return x
    ramp = np.linspace(0.0, 0.5 * math.pi, fade)
    body = x[: len(x) - fade].copy()
    body[:fade] = x[:fade] * np.sin(ramp) + x[len(x) - fade:] * np.cos(ramp)
    return body


# ---- ducking ------------------------------------------------------------------------------

def voiced_spans(placements: Iterable[tuple[int, int, str | None]]) -> list[tuple[int, int]]:
    """Sample ranges ``[start, end)`` where a clip sounds (speech or a bell), merged, in order.

    ``placements`` are ``(start, length, key)`` with key None for silence (a timeline).
    """
    spans: list[tuple[int, int]] = []
    for start, length, key in placements:
        if key is None or length <= 0:
            continue
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], start + length))
        else:
            spans.append((start, start + length))
    return spans


class Ducker:
    """The bed's gain (linear) sample by sample, asked for in consecutive blocks.

    ``duck(t)`` is 1 inside a voiced span, rises linearly over ATTACK before it and falls over
    RELEASE after it (the largest where those ramps meet); the gain in dB is
    ``-duck_db · smooth(duck)`` with a raised-cosine ``smooth``, times the fades at the
    episode's ends. Spans are visited once, in order: linear time, and only the spans near the
    current block are looked at.
    """

    def __init__(self, spans: Sequence[tuple[int, int]], total: int, duck_db: float):
        self.spans = spans
        self.total = total
        self.duck_db = duck_db
        self.attack = max(1, round(ATTACK * pcm.RATE))
        self.release = max(1, round(RELEASE * pcm.RATE))
        self.first = 0  # index of the first span whose release may still reach the block

    def gain(self, start: int, length: int) -> np.ndarray:
        """The gain of samples ``[start, start + length)``; blocks must come in order."""
        end = start + length
        t = np.arange(start, end, dtype=np.float64)
        duck = np.zeros(length)
        while self.first < len(self.spans) and self.spans[self.first][1] + self.release <= start:
            self.first += 1
        i = self.first
        while i < len(self.spans) and self.spans[i][0] - self.attack < end:
            s, e = self.spans[i]
            rising = (t - (s - self.attack)) / self.attack
            falling = 1.0 - (t - e) / self.release
            np.maximum(duck, np.clip(np.minimum(rising, falling), 0.0, 1.0), out=duck)
            i += 1
        smooth = 0.5 - 0.5 * np.cos(math.pi * duck)
        gain = np.power(10.0, -self.duck_db * smooth / 20)
        return (gain * self._fades(t)).astype(np.float32)

    def _fades(self, t: np.ndarray) -> np.ndarray | float:
        fade_in = round(FADE_IN * pcm.RATE)
        fade_out = round(FADE_OUT * pcm.RATE)
        if t[0] >= fade_in and t[-1] < self.total - fade_out:
            return 1.0
        up = np.clip(t / fade_in, 0.0, 1.0)
        down = np.clip((self.total - t) / fade_out, 0.0, 1.0)
        return np.sin(0.5 * math.pi * np.minimum(up, down)) ** 2


# ---- the mix ------------------------------------------------------------------------------

def mix(voice: Iterable[bytes], gain_db: float, bed: Bed | None,
        placements: Iterable[tuple[int, int, str | None]], total: int) -> Iterator[bytes]:
    """The episode as little-endian float32 bytes: the voice's int16 chunks (as
    ``assemble.stream_pcm`` yields them) times the episode gain, plus the ducked bed.

    One chunk in, one chunk out: memory is a chunk and the bed's loop. ``total`` is the
    episode's length in samples (for the fade-out).
    """
    scale = _gain(gain_db) / 32768.0
    bed_loop = loop(bed) if bed is not None else None
    ducker = Ducker(voiced_spans(placements), total, bed.duck if bed else 0.0)
    position = 0
    for chunk in voice:
        samples = np.frombuffer(chunk, dtype="<i2").astype(np.float32)
        samples *= scale
        if bed_loop is not None:
            # A second at a time: a long clip does not make the gain's temporaries long.
            for offset in range(0, len(samples), BLOCK):
                block = samples[offset: offset + BLOCK]
                start = position + offset
                block += _loop_slice(bed_loop, start, len(block)) * ducker.gain(start,
                                                                                 len(block))
        position += len(samples)
        yield samples.astype("<f4").tobytes()


def _loop_slice(x: np.ndarray, start: int, length: int) -> np.ndarray:
    """Samples ``[start, start + length)`` of ``x`` repeated end to end."""
    offset = start % len(x)
    if offset + length <= len(x):
        return x[offset: offset + length]
    return np.take(x, np.arange(offset, offset + length) % len(x))


def _file_digest(path: Path) -> str:
    sha = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                sha.update(block)
    except OSError as exc:
        raise BedError(f"bed {path}: cannot read it: {exc.strerror or exc}") from exc
    return sha.hexdigest()


def _gain(db: float) -> float:
    return float(10 ** (db / 20))
