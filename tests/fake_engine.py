"""Fast, deterministic speech engines for tests, with faults triggered by words in the text.

Use one with ``rtr-audio build --engine tests.fake_engine:FakeEngine`` (render workers import
it, so the repository root must be importable: run from it, or put it on PYTHONPATH).

Each word becomes a quiet tone (0.2 s at 22.05 kHz, 16-bit mono, written with ``wave``). A word
in capitals changes what happens; the speech stage reads capitals as letters ("H A-N G"), so the
triggers are matched in both forms:

- ``HANG``  sleeps forever (the render timeout must catch it);
- ``EMPTY`` writes a WAV with a header and no frames (44 bytes);
- ``SHORT`` writes 0.1 s for the whole text (too short for it, but not empty);
- ``CRASH`` kills the worker process (``os._exit(3)``);
- ``FLAKY`` crashes on the first attempt at that text (across processes), then speaks.

Every attempt is logged as ``<pid> <text>`` to the file named by ``FAKE_ENGINE_LOG`` (if set),
so tests can see retries and which worker made them. ``FAKE_ENGINE_DELAY`` (seconds) makes every
utterance take that long, for tests that need the build to be busy rendering.
"""

from __future__ import annotations

import os
import re
import time
import wave
from pathlib import Path

from rtr_audio.engines import UnknownVoice, VoiceInfo

RATE = 22050
SECONDS_PER_WORD = 0.2


def _has(word: str, text: str) -> bool:
    """``word`` as a word in any case, or spelled out letter by letter. The normaliser says
    capitals used for emphasis as lower-case words ("CRASH" → "crash"), so the engine may see
    either; scripts spoken by this engine must not use the fault words in their prose."""
    return re.search(r"\b" + r"[\s\-]*".join(word) + r"\b", text, re.IGNORECASE) is not None


def _log(text: str) -> int:
    """Record this attempt; returns how many attempts at ``text`` were made so far."""
    path = os.environ.get("FAKE_ENGINE_LOG")
    if not path:
        return 1
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()} {text}\n")
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return sum(1 for line in lines if line.split(" ", 1)[1] == text)


def write_wav(out: Path, seconds: float, words: int = 1) -> None:
    import numpy as np

    frames = int(RATE * seconds)
    t = np.arange(frames)
    per_word = max(1, frames // max(1, words))
    # a soft tone per word, with a short dip between words so it has some shape
    envelope = np.where(t % per_word > per_word * 0.85, 0.0, 0.3)
    samples = (envelope * np.sin(2 * np.pi * 220 * t / RATE) * 32767).astype("<i2")
    with wave.open(str(out), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes(samples.tobytes())


class FakeEngine:
    name = "fake"

    def version(self) -> str:
        return "fake-1"

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo("fake", "Fake voice", "en", "none")]

    def resolve_voice(self, voice: str | None) -> str:
        if voice in (None, "fake", "Fake voice"):
            return "fake"
        raise UnknownVoice(f"unknown voice `{voice}` for the fake engine")

    def synthesize(self, text: str, voice: str | None, rate: int, out: Path) -> None:
        attempt = _log(text)
        delay = float(os.environ.get("FAKE_ENGINE_DELAY") or 0)
        if delay:
            time.sleep(delay)
        if _has("HANG", text):
            while True:
                time.sleep(60)
        if _has("CRASH", text) or (_has("FLAKY", text) and attempt == 1):
            os._exit(3)
        if _has("EMPTY", text):
            write_wav(out, 0.0)
            return
        if _has("SHORT", text):
            write_wav(out, 0.1)
            return
        words = len(text.split())
        write_wav(out, SECONDS_PER_WORD * words * 150 / max(rate, 1), words)


class StatefulFakeEngine(FakeEngine):
    """The fake engine, declaring (as pyttsx3 does for espeak-ng) that its processes carry
    state from one utterance to the next: rendered in fixed runs, each in a fresh process."""

    state_across_utterances = True
