"""The pyttsx3 adapter speaks every utterance with the voice and rate it was asked for."""

from __future__ import annotations

import wave
from pathlib import Path

from rtr_audio.engines.pyttsx3_engine import Pyttsx3Engine

SENTENCE = "You don't have to earn it, or keep it in a good mood."


def seconds(path: Path) -> float:
    with wave.open(str(path)) as handle:
        return handle.getnframes() / handle.getframerate()


def test_rate_and_voice_changes_apply_to_the_very_next_utterance(tmp_path):
    engine = Pyttsx3Engine()
    out = tmp_path / "u.wav"
    spoken = {}
    # pyttsx3 queues property changes while busy; alternating must not lag one utterance behind.
    for rate in (150, 110, 150, 110, 110, 150):
        engine.synthesize(SENTENCE, "gmw/en-us", rate, out)
        spoken.setdefault(rate, set()).add(round(seconds(out), 2))
    assert len(spoken[150]) == 1 and len(spoken[110]) == 1
    assert min(spoken[110]) > max(spoken[150]) * 1.2


def test_no_voice_means_the_default_voice_even_after_another_one(tmp_path):
    engine = Pyttsx3Engine()
    out = tmp_path / "u.wav"
    engine.synthesize(SENTENCE, None, 150, out)
    default = out.read_bytes()
    engine.synthesize(SENTENCE, "gmw/en-gb-x-rp", 150, out)
    assert out.read_bytes() != default
    engine.synthesize(SENTENCE, None, 150, out)
    assert abs(seconds(out) - len(default[44:]) / 2 / 22050) < 0.05
