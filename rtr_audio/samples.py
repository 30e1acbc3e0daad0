"""``voices --sample``: the same short text in every voice of an engine, so a writer can choose.

Each sample is spoken through the render pipeline (worker processes, the clip cache: asking
again costs nothing) and written as a plain WAV, mono 16-bit at ``pcm.RATE``, levelled to the
show's loudness, under ``<out>/.cache/samples/<engine>/``.
"""

from __future__ import annotations

import os
import re
import wave
from dataclasses import dataclass
from pathlib import Path

from rtr_audio import pcm, speech
from rtr_audio.cache import CLIP_FORMAT, ClipStore, digest
from rtr_audio.engines import VoiceInfo, load_engine
from rtr_audio.errors import RtrError
from rtr_audio.layout import Layout
from rtr_audio.render import render_clips
from rtr_audio.tasks import ClipTask

MAX_SAMPLE_WORDS = 60  # a sample, not an episode: `preview` is for longer text


class SampleError(RtrError):
    """No voice matches, or the sample text is empty or too long."""


@dataclass(frozen=True)
class Sample:
    voice: VoiceInfo
    path: Path
    seconds: float


def matching_voices(engine: str, language: str | None) -> list[VoiceInfo]:
    """The engine's voices whose language starts with ``language`` (``None``: all of them)."""
    voices = load_engine(engine).voices()
    if not language:
        return voices
    wanted = language.lower()
    found = [v for v in voices
             if any(code.strip().lower().startswith(wanted) for code in v.language.split(","))]
    if not found:
        raise SampleError(f"no {engine} voice speaks `{language}` (`rtr-audio voices --engine "
                          f"{engine}` lists them; `--language all` samples every voice)")
    return found


def render_samples(text: str, engine: str, voices: list[VoiceInfo], rate: int,
                   loudness: float, out_dir: Path, jobs: int | None = None) -> list[Sample]:
    """Speak ``text`` in each of ``voices``; returns one WAV per voice, in the same order."""
    spoken = speech.to_spoken(speech.clean_markup(" ".join(text.split())))
    if not spoken.strip():
        raise SampleError("the sample text is empty")
    if len(spoken.split()) > MAX_SAMPLE_WORDS:
        raise SampleError(f"the sample text has {len(spoken.split())} words; keep it under "
                          f"{MAX_SAMPLE_WORDS} (use `rtr-audio preview` for a whole script)")
    metadata = load_engine(engine)
    version = metadata.version()
    tasks = []
    for voice in voices:
        fingerprint = digest(engine, version, metadata.resolve_voice(voice.id))
        key = digest("sample", CLIP_FORMAT, engine, fingerprint, rate, spoken, pcm.RATE, loudness)
        tasks.append(ClipTask(key, spoken, engine, voice.id, rate, loudness, f"voice {voice.id}"))
    layout = Layout(out_dir)
    store = ClipStore(layout.clips)
    render_clips([t for t in tasks if not store.has(t.key)], store, jobs or os.cpu_count() or 1)
    folder = layout.samples / _safe(engine)
    folder.mkdir(parents=True, exist_ok=True)
    samples = []
    for voice, task in zip(voices, tasks, strict=True):
        clip = store.load(task.key)
        if clip is None:
            raise SampleError(f"the sample of voice {voice.id} is missing from the cache")
        path = folder / f"{_safe(voice.id)}.wav"
        with wave.open(str(path), "wb") as handle:
            handle.setnchannels(1)
            handle.setsampwidth(2)
            handle.setframerate(pcm.RATE)
            handle.writeframes(clip.samples.tobytes())
        samples.append(Sample(voice, path, clip.seconds))
    return samples


def _safe(name: str) -> str:
    """A file name for a voice id like ``gmw/en-us`` (→ ``gmw-en-us``)."""
    return re.sub(r"[^A-Za-z0-9_.+-]+", "-", name).strip("-.") or "voice"
