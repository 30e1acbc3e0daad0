"""The numpy-only signal processing against slow, obvious references and known values.

dsp used scipy (lfilter, firwin, upfirdn, ndimage's running filters) until its import cost was
measured at a second per build; these tests pin the replacements without scipy installed.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from rtr_audio import dsp, loudness, pcm


@pytest.fixture(autouse=True)
def no_scipy(monkeypatch):
    """Any ``import scipy`` in dsp fails here, installed or not."""
    monkeypatch.setitem(sys.modules, "scipy", None)


def k_coefficients() -> tuple[list[float], list[float]]:
    """The K-weighting as one 4th-order filter ``(b, a)``: the two biquads multiplied out."""
    (b1, a1), (b2, a2) = loudness._k_weighting(dsp.RATE)
    return list(np.convolve(b1, b2)), list(np.convolve(a1, a2))


def direct_form(b: list[float], a: list[float], x: list[float]) -> list[float]:
    """The textbook difference equation, one sample at a time."""
    y: list[float] = []
    for i in range(len(x)):
        acc = sum(b[k] * x[i - k] for k in range(len(b)) if k <= i)
        acc -= sum(a[k] * y[i - k] for k in range(1, len(a)) if k <= i)
        y.append(acc / a[0])
    return y


def response_db(frequency: float) -> float:
    """|H| of the K-weighting at ``frequency``, from its coefficients."""
    b, a = k_coefficients()
    z = np.exp(-2j * np.pi * frequency / dsp.RATE)
    return 20 * math.log10(abs(np.polyval(b[::-1], z) / np.polyval(a[::-1], z)))


def sine(frequency: float, seconds: float, amplitude: float, phase: float = 0.0) -> np.ndarray:
    t = np.arange(round(seconds * dsp.RATE)) / dsp.RATE
    return (amplitude * np.sin(2 * np.pi * frequency * t + phase)).astype(np.float32)


@pytest.mark.parametrize("length", [1, 33, 300, 9000])  # 9000: batched products, 3 levels
def test_k_weighting_matches_the_difference_equation(length):
    x = np.random.default_rng(length).uniform(-1, 1, length).astype(np.float32)
    expected = direct_form(*k_coefficients(), x.astype(np.float64).tolist())
    assert np.abs(loudness.k_weighted(x) - expected).max() < 1e-9


def test_k_weighting_impulse_response():
    impulse = np.zeros(600, dtype=np.float32)
    impulse[0] = 1.0
    expected = direct_form(*k_coefficients(), impulse.tolist())
    assert np.abs(loudness.k_weighted(impulse) - expected).max() < 1e-9


def test_k_weighting_gain_at_1_khz_and_20_hz():
    def gain_db(frequency: float) -> float:
        x = sine(frequency, 2.0, 0.5)
        settled = slice(dsp.RATE // 2, None)  # past the filters' start-up
        weighted = loudness.k_weighted(x)[settled]
        rms_in = np.sqrt(np.mean(x[settled].astype(np.float64) ** 2))
        return 20 * math.log10(np.sqrt(np.mean(weighted**2)) / rms_in)

    # The shelf lifts 1 kHz by BS.1770's 0.69 dB at 48 kHz; at 22.05 kHz the same analogue
    # design, through the bilinear transform, gives 0.73 dB.
    assert gain_db(1000) == pytest.approx(response_db(1000), abs=0.01)
    assert gain_db(1000) == pytest.approx(0.69, abs=0.05)
    assert gain_db(20) < -12.0  # the high pass: -13.2 dB


def test_true_peak_filter_taps():
    taps = loudness._true_peak_filter()
    assert len(taps) == 49
    assert np.allclose(taps, taps[::-1], rtol=0, atol=1e-15)  # linear phase
    assert taps.sum() == pytest.approx(4.0, abs=1e-12)  # unit gain per phase of 4


def test_true_peak_envelope_is_the_oversampled_peak():
    x = np.random.default_rng(7).uniform(-0.5, 0.5, 10_003).astype(np.float32)  # > a chunk
    envelope = loudness.true_peak_envelope(x)
    assert np.all(envelope >= np.abs(x))
    # Reference: output 4·q + p of the 4× interpolation is phase p's FIR, centred on sample q.
    taps = loudness._true_peak_filter()
    phases = [np.convolve(x.astype(np.float64), taps[p::4])[6: 6 + len(x)] for p in range(4)]
    expected = np.maximum(np.abs(np.array(phases)).max(axis=0), np.abs(x))
    assert np.abs(envelope - expected).max() < 1e-12


def test_true_peak_catches_an_intersample_peak():
    # A sine at a quarter of the rate, 45° off: every sample is ±0.707, the wave peaks at 1.0
    # halfway between them.
    x = sine(dsp.RATE / 4, 0.1, 1.0, phase=math.pi / 4)
    assert 20 * math.log10(float(np.abs(x).max())) == pytest.approx(-3.01, abs=0.01)
    steady = loudness.true_peak_envelope(x)[100:-100]  # not the abrupt start and end (they ring)
    assert 20 * math.log10(float(steady.max())) == pytest.approx(0.0, abs=0.1)


def test_empty_input():
    empty = np.zeros(0, dtype=np.float32)
    assert len(loudness.frame_energies(empty)) == 0
    assert len(loudness.true_peak_envelope(empty)) == 0
    assert len(dsp.limit(empty)) == 0


def nearest_windows(x: list[float], size: int) -> list[list[float]]:
    """Each sample's window as ``scipy.ndimage`` aligns it (size // 2 before), edges repeated."""
    start = -(size // 2)
    return [[x[min(max(i + start + k, 0), len(x) - 1)] for k in range(size)]
            for i in range(len(x))]


@pytest.mark.parametrize("length", [1, 7, 300])
@pytest.mark.parametrize("size", [1, 2, 5, 8, 220, 441])
def test_running_min_and_mean(length, size):
    x = np.random.default_rng(length * size).uniform(0, 1, length)
    windows = nearest_windows(x.tolist(), size)
    assert dsp._running_min(x, size).tolist() == [min(w) for w in windows]
    means = [sum(w) / size for w in windows]
    assert np.abs(dsp._running_mean(x, size) - means).max() < 1e-12
    assert np.abs(dsp._running_mean(x, size, scale=0.5) - np.multiply(means, 0.5)).max() < 1e-12


def test_frame_energies_are_sums_of_k_weighted_squares():
    x = np.random.default_rng(3).uniform(-1, 1, 3 * pcm.FRAME + 100).astype(np.float32)
    squares = loudness.k_weighted(x) ** 2
    energies = loudness.frame_energies(x)
    assert len(energies) == 4  # the partial last frame counts, zero-padded
    assert energies[0] == pytest.approx(squares[: pcm.FRAME].sum(), rel=1e-6)
    assert energies[3] == pytest.approx(squares[3 * pcm.FRAME:].sum(), rel=1e-6)


def test_loudness_of_a_1_khz_sine():
    # -20 dBFS RMS: mean square 0.01, lifted by the K-weighting's gain at 1 kHz, and BS.1770's
    # -0.691 dB offset (which cancels that gain at 48 kHz): -20.0 + 0.73 - 0.69 = -19.96 LUFS.
    x = sine(1000, 3.0, 0.1 * math.sqrt(2))
    expected = -0.691 + 10 * math.log10(0.01) + response_db(1000)
    measured = loudness.integrated_loudness(loudness.frame_energies(x))
    assert measured == pytest.approx(expected, abs=0.1)
    assert measured == pytest.approx(-20.0, abs=0.1)


def test_limit_keeps_the_true_peak_under_the_ceiling():
    x = sine(dsp.RATE / 4, 0.5, 0.9, phase=math.pi / 4)  # true peak 0.9, samples 0.64
    limited = dsp.limit(x)
    assert loudness.true_peak_db(limited) <= dsp.TRUE_PEAK_CEILING_DB + 0.05
    assert loudness.true_peak_db(limited) >= dsp.TRUE_PEAK_CEILING_DB - 1.0


def peaky_speech_like(seconds: float = 3.0) -> np.ndarray:
    """Pulses through a resonance, syllable-shaped: a peak-to-loudness ratio like espeak-ng's
    (~20 dB), so reaching -16 LUFS needs the limiter."""
    rng = np.random.default_rng(7)
    n = round(seconds * dsp.RATE)
    pulses = np.zeros(n)
    pulses[:: dsp.RATE // 120] = 1.0  # a 120 Hz voice
    t = np.arange(200) / dsp.RATE
    resonance = np.exp(-t * 900) * np.sin(2 * np.pi * 700 * t)
    voiced = np.convolve(pulses, resonance)[:n]
    syllables = np.clip(np.sin(2 * np.pi * 3.0 * np.arange(n) / dsp.RATE), 0, None) ** 2
    x = voiced * syllables + 0.002 * rng.standard_normal(n)
    return (0.05 * x / np.abs(x).max()).astype(np.float32)


@pytest.mark.parametrize("target", [-16.0, -19.0, -23.0])
def test_levelling_reaches_the_target_under_the_ceiling_with_exact_energies(target):
    x = peaky_speech_like()
    assert loudness.true_peak_db(x) - loudness.integrated_loudness(loudness.frame_energies(x)) > 15
    levelled, energies = dsp.level_with_energies(x, target)
    assert levelled.dtype == np.float32 and len(levelled) == len(x)
    # The search estimates each try's loudness without filtering; what it returns is exact.
    np.testing.assert_array_equal(energies, loudness.frame_energies(levelled))
    assert loudness.integrated_loudness(energies) == pytest.approx(target, abs=0.25)
    assert loudness.true_peak_db(levelled) <= dsp.TRUE_PEAK_CEILING_DB + 0.05
