"""Independent listening: pocketsphinx (CMU Sphinx, its bundled US English model) transcribes
built episodes, cue by cue as the VTT times them, and a word error rate is computed against the
words that were meant. Also a plain autocorrelation pitch tracker. None of it is rtr-audio code.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import webvtt

from tests.audio_probe import decode

ASR_RATE = 16000  # what the bundled acoustic model expects


def seconds(timestamp: str) -> float:
    """``00:01:02.345`` → 62.345 (webvtt-py's ``start_in_seconds`` drops the milliseconds)."""
    hours, minutes, rest = timestamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def timed_cues(vtt: Path) -> list[tuple[str, float, float]]:
    """(text, start, end) of every cue, in seconds, read by webvtt-py."""
    return [(c.text, seconds(c.start), seconds(c.end)) for c in webvtt.read(str(vtt))]


# Spellings of the same words, made one before scoring (as WER normalisers do): a contraction
# and its long form, and the two spellings of okay.
_SAME = {"ok": "okay", "won't": "will not", "can't": "cannot", "n't": " not", "'re": " are",
         "'m": " am", "'ll": " will", "'ve": " have", "let's": "let us", "it's": "it is",
         "that's": "that is", "there's": "there is", "what's": "what is", "he's": "he is",
         "she's": "she is", "here's": "here is"}


def words(text: str) -> list[str]:
    """Lower-case words, contractions expanded (``you're`` → ``you are``)."""
    found = []
    for word in re.findall(r"[a-z']+", text.lower().replace("’", "'")):
        for short, long in _SAME.items():
            if word == short or (short.startswith(("n'", "'")) and word.endswith(short)):
                word = word.removesuffix(short) + long if word != short else long
                break
        found += word.split()
    return found


def word_error_rate(reference: list[str], hypothesis: list[str]) -> float:
    """(substitutions + deletions + insertions) / reference words: Levenshtein over words."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1] / max(1, len(reference))


def transcribe(mp3: Path, vtt: Path, margin: float = 0.05) -> list[tuple[str, str]]:
    """(cue text, what pocketsphinx heard) for every cue of the episode."""
    from pocketsphinx import Decoder

    audio = decode(mp3, ASR_RATE)
    decoder = Decoder(samprate=ASR_RATE, loglevel="FATAL")
    heard = []
    for text, begin, finish in timed_cues(vtt):
        start = max(0, int((begin - margin) * ASR_RATE))
        end = int((finish + margin) * ASR_RATE)
        pcm = (np.clip(audio[start:end], -1, 1) * 32767).astype("<i2").tobytes()
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        heard.append((text, hypothesis.hypstr if hypothesis else ""))
    return heard


def episode_wer(mp3: Path, vtt: Path, spoken: dict[str, str] | None = None) -> float:
    """Word error rate over the whole episode; ``spoken`` maps a cue's text to the words the
    engine was given for it (numbers spelled out…), when they differ."""
    reference: list[str] = []
    hypothesis: list[str] = []
    for text, heard in transcribe(mp3, vtt):
        reference += words((spoken or {}).get(text, text))
        hypothesis += words(heard)
    return word_error_rate(reference, hypothesis)


def mean_pitch(samples: np.ndarray, rate: int, low: float = 60.0, high: float = 400.0) -> float:
    """Median F0 (Hz) of the voiced 40 ms frames, by normalised autocorrelation."""
    frame, hop = int(0.04 * rate), int(0.01 * rate)
    shortest, longest = int(rate / high), int(rate / low)
    loud = 0.05 * float(np.abs(samples).max())
    found = []
    for start in range(0, len(samples) - frame, hop):
        window = samples[start: start + frame] * np.hanning(frame)
        if np.sqrt(np.mean(window ** 2)) < loud * 0.3:
            continue
        correlation = np.correlate(window, window, "full")[frame - 1:]
        lag = shortest + int(np.argmax(correlation[shortest:longest]))
        if correlation[lag] > 0.5 * correlation[0]:
            found.append(rate / lag)
    return float(np.median(found)) if found else 0.0
