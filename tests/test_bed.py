"""Beds under the voice: generated loops, a user's file, ducking, fades and the streaming mix.

Levels are checked on the samples with plain numpy RMS (not with the code under test); the
loudness of a generated loop is checked with ffmpeg's ebur128 meter.
"""

from __future__ import annotations

import subprocess
import tracemalloc
import wave
from pathlib import Path

import numpy as np
import pytest

from rtr_audio import bed, dsp

R = dsp.RATE


def rms_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12))


def write_wav(path: Path, x: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(R)
        handle.writeframes(dsp.to_int16(x).tobytes())
    return path


def ebur128_integrated(path: Path) -> float:
    result = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af",
                             "ebur128", "-f", "null", "-"], capture_output=True, text=True,
                            check=True)
    summary = result.stderr.rsplit("Summary:", 1)[1]
    return float(summary.split("I:", 1)[1].split("LUFS")[0])


@pytest.mark.parametrize("kind", bed.GENERATED)
def test_generated_loop_is_seamless(kind):
    """Played twice end to end, the seam is no rougher than the loop itself: the largest
    sample-to-sample step across the seam is within the steps inside the loop."""
    x = bed.loop(bed.Bed(kind))
    twice = np.concatenate([x, x])
    steps = np.abs(np.diff(twice))
    seam = steps[len(x) - 50: len(x) + 50].max()
    assert seam <= np.percentile(steps, 99.9)
    # And its spectrum: no click's burst of high frequency at the seam.
    hf = np.abs(np.diff(twice, 2))
    window = round(0.01 * R)
    around = hf[len(x) - window: len(x) + window].mean()
    assert around < 3 * hf.mean()


@pytest.mark.parametrize("kind", bed.GENERATED)
def test_generated_loop_is_seedable(kind):
    a, b = bed.loop(bed.Bed(kind, seed=1)), bed.loop(bed.Bed(kind, seed=1))
    c = bed.loop(bed.Bed(kind, seed=2))
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize("kind", bed.GENERATED)
def test_loop_lands_on_its_level(kind, tmp_path):
    """bed_level is the loop's RMS in dBFS; ffmpeg's meters agree (astats RMS, and an
    ebur128 loudness within a few LU of it: soft beds are not loud for their RMS)."""
    x = bed.loop(bed.Bed(kind, level=-30.0))
    path = write_wav(tmp_path / f"{kind}.wav", x)
    stats = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af",
                            "astats=measure_overall=RMS_level:measure_perchannel=none", "-f",
                            "null", "-"], capture_output=True, text=True, check=True).stderr
    rms = float(stats.rsplit("RMS level dB:", 1)[1].split()[0])
    assert rms == pytest.approx(-30.0, abs=0.2)
    assert -36.0 < ebur128_integrated(path) < -26.0


def test_pad_is_soft_and_rain_is_noise():
    """The pad's energy is in its low notes (under 1 kHz); rain is broadband."""
    def share_below(x: np.ndarray, hz: float) -> float:
        power = np.abs(np.fft.rfft(x)) ** 2
        freqs = np.fft.rfftfreq(len(x), 1 / R)
        return float(power[freqs < hz].sum() / power.sum())

    assert share_below(bed.pad(8.0), 1000) > 0.98
    assert 0.2 < share_below(bed.rain(8.0), 1000) < 0.8


def test_user_file_is_decoded_by_ffmpeg_and_looped(tmp_path):
    source = tmp_path / "tone.ogg"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "sine=frequency=220:duration=6:sample_rate=44100", "-c:a", "libvorbis",
                    str(source)], check=True)
    x = bed.loop(bed.Bed(str(source), level=-35.0))
    assert 3.5 * R < len(x) < 6 * R  # six seconds less the crossfade
    twice = np.concatenate([x, x])
    steps = np.abs(np.diff(twice))
    assert steps[len(x) - 20: len(x) + 20].max() <= steps.max()


def test_unreadable_bed_file_is_one_clear_error(tmp_path):
    junk = tmp_path / "notes.mp3"
    junk.write_text("not audio")
    with pytest.raises(bed.BedError, match=r"notes\.mp3: ffmpeg cannot use it as a bed"):
        bed.loop(bed.Bed(str(junk)))


# ---- ducking -------------------------------------------------------------------------------

TIMELINE = [(0, 2 * R, None), (2 * R, 3 * R, "a"), (5 * R, 5 * R, None), (10 * R, 2 * R, "b"),
            (12 * R, R // 2, None), (12 * R + R // 2, 2 * R, "c"), (14 * R + R // 2, 6 * R, None)]
TOTAL = 20 * R + R // 2


def test_voiced_spans_merge_touching_clips():
    placements = [(0, 10, "a"), (10, 5, "b"), (15, 5, None), (20, 3, "c")]
    assert bed.voiced_spans(placements) == [(0, 15), (20, 23)]


def test_duck_gain_under_speech_pauses_and_ends():
    gain_db = 20 * np.log10(bed.Ducker(bed.voiced_spans(TIMELINE), TOTAL, 14.0)
                            .gain(0, TOTAL).astype(np.float64) + 1e-12)
    fade_in_done = round(bed.FADE_IN * R)
    # Under every clip after the fade-in, the full duck.
    for start, length, key in TIMELINE:
        if key:
            inside = gain_db[max(start, fade_in_done): start + length]
            assert inside.max() == pytest.approx(-14.0, abs=0.01)
    # In the long pause, after the release and before the attack, the bed's own level.
    release, attack = round(bed.RELEASE * R), round(bed.ATTACK * R)
    assert gain_db[5 * R + release: 10 * R - attack].min() == pytest.approx(0.0, abs=0.01)
    # Ducked in time: already down when the voice starts (look-ahead), still down as it ends.
    assert gain_db[10 * R] == pytest.approx(-14.0, abs=0.01)
    # Half a second between two clips is too short to come back up fully.
    assert gain_db[12 * R: 12 * R + R // 2].max() < -6.0
    # Smooth: never more than 0.05 dB from one sample to the next (no zipper, no click).
    assert np.abs(np.diff(gain_db[fade_in_done: -round(bed.FADE_OUT * R)])).max() < 0.05
    # Fades: silent at both ends, rising and falling smoothly.
    assert gain_db[0] < -60 and gain_db[-1] < -60
    assert np.all(np.diff(gain_db[: 2 * R - attack]) >= 0)


def test_ducker_in_blocks_equals_one_pass():
    spans = bed.voiced_spans(TIMELINE)
    whole = bed.Ducker(spans, TOTAL, 12.0).gain(0, TOTAL)
    ducker = bed.Ducker(spans, TOTAL, 12.0)
    sizes = [1, 700, R, 3 * R + 5, R // 3] * 20
    parts, position = [], 0
    for size in sizes:
        size = min(size, TOTAL - position)
        if size <= 0:
            break
        parts.append(ducker.gain(position, size))
        position += size
    assert np.allclose(np.concatenate(parts), whole[:position], atol=1e-6)


def voice_chunks(placements):
    """int16 chunks as assemble.stream_pcm yields them: a clip at once, silence by seconds."""
    rng = np.random.default_rng(3)
    for _start, length, key in placements:
        if key is None:
            for offset in range(0, length, R):
                yield bytes(2 * min(R, length - offset))
        else:
            tone = 0.3 * np.sin(2 * np.pi * 180 * np.arange(length) / R)
            yield dsp.to_int16(tone * (1 + 0.1 * rng.standard_normal(length))).tobytes()


def test_mix_puts_the_bed_under_the_voice():
    mixed = np.frombuffer(b"".join(bed.mix(voice_chunks(TIMELINE), 0.0, bed.Bed("rain"),
                                           TIMELINE, TOTAL)), dtype="<f4")
    voice = np.frombuffer(b"".join(voice_chunks(TIMELINE)), dtype="<i2") / 32768.0
    assert len(mixed) == TOTAL
    under = mixed - voice
    for start, length, key in TIMELINE:
        if key and start >= bed.FADE_IN * R:
            segment = slice(start, start + length)
            assert rms_db(voice[segment]) - rms_db(under[segment]) >= 18.0
    pause = slice(5 * R, 10 * R)
    assert -50.0 < rms_db(under[pause]) < -30.0
    level = rms_db(under[6 * R + R // 2: 9 * R])
    first, last = round(0.3 * R), round(0.3 * R)
    assert rms_db(under[:first]) < level - 10 and rms_db(under[-last:]) < level - 10


def test_mix_without_bed_is_the_voice_times_the_gain():
    mixed = np.frombuffer(b"".join(bed.mix(voice_chunks(TIMELINE), -6.0, None, TIMELINE,
                                           TOTAL)), dtype="<f4")
    voice = np.frombuffer(b"".join(voice_chunks(TIMELINE)), dtype="<i2") / 32768.0
    assert np.allclose(mixed, voice * 10 ** (-6 / 20), atol=1e-6)


def test_mix_memory_does_not_grow_with_the_episode():
    """An hour of timeline mixed chunk by chunk holds a chunk and the loop, never the hour."""
    minute = [(0, 20 * R, "a"), (20 * R, 10 * R, None), (30 * R, 25 * R, "b"),
              (55 * R, 5 * R, None)]

    def hour(minutes: int):
        for m in range(minutes):
            yield from ((s + m * 60 * R, length, key) for s, length, key in minute)

    def peak(minutes: int) -> int:
        placements = list(hour(minutes))
        total = minutes * 60 * R
        bed.loop(bed.Bed("pad"))  # the loop is cached: measure the streaming alone
        tracemalloc.start()
        for _ in bed.mix(voice_chunks(placements), 0.0, bed.Bed("pad"), placements, total):
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    short, long = peak(2), peak(60)
    assert long < short * 1.3 + 1_000_000
    assert long < 40 * 2**20
