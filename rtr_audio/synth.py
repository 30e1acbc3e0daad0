"""Inside a render worker: speak a clip and turn the engine's WAV into a verified, levelled
cache clip; and the bell's clip, made without an engine.

Imported by the fork server (``render.PRELOAD``) and by ``preview``, never at the start of a
build: it brings numpy and pydub.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
from pydub import AudioSegment

from rtr_audio import dsp, pcm
from rtr_audio.cache import Clip, ClipStore
from rtr_audio.engines import load_engine
from rtr_audio.errors import EngineError, RtrError
from rtr_audio.tasks import ClipTask

WORKER_NICENESS = 5  # render workers yield the CPU to encoding (see serve_clips)


def save_bell(store: ClipStore, key: str, loudness: float) -> None:
    """The bell's clip, at ``loudness`` LUFS, into ``store`` under ``key``."""
    chime = dsp.bell(loudness)
    store.save(key, Clip(dsp.to_int16(chime), dsp.frame_energies(chime)))


def serve_clips(conn: Connection, store_root: str) -> None:
    """A worker's life: speak each ClipTask received on ``conn`` into the store at
    ``store_root``, answering ("ok" | "error", reason), until None or the pipe closes."""
    # The parent handles Ctrl-C and stops workers itself; engines print to stdout ("Audio saved
    # to …"), which must never reach the CLI's output.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Below the encoder: an episode is encoded as soon as its clips are spoken, and an encode
    # that fell behind would run alone at the end of the build, with a core idle.
    with contextlib.suppress(OSError, AttributeError):  # no os.nice on Windows
        os.nice(WORKER_NICENESS)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker
    store = ClipStore(Path(store_root))
    engines: dict[str, object] = {}
    scratch = Path(tempfile.mkdtemp(prefix="rtr-audio-worker-"))
    try:
        conn.send(("ready", ""))
        while (task := conn.recv()) is not None:
            try:
                clip = synthesise(task, engines, scratch)
                store.save(task.key, clip)
                result = ("ok", "")
            except Exception as exc:  # reported to the parent as this clip's failure
                reason = str(exc) if isinstance(exc, RtrError) else f"{type(exc).__name__}: {exc}"
                result = ("error", reason)
            conn.send(result)
    except (EOFError, OSError):
        return  # the build has stopped (Ctrl-C, or another clip failed): nothing to report
    finally:
        for leftover in scratch.glob("*"):
            leftover.unlink(missing_ok=True)
        scratch.rmdir()


def synthesise(task: ClipTask, engines: dict[str, object], scratch: Path) -> Clip:
    """Speak one task and turn the engine's WAV into a verified, levelled cache clip."""
    engine = engines.get(task.engine)
    if engine is None:
        engine = engines[task.engine] = load_engine(task.engine)
    wav = scratch / "utterance.wav"
    wav.unlink(missing_ok=True)
    engine.synthesize(task.text, task.voice, task.rate, wav)  # type: ignore[attr-defined]
    samples = read_engine_wav(wav)
    verify_duration(task.text, task.rate, len(samples) / pcm.RATE)
    clip = dsp.trim(dsp.to_float(samples))
    loudness = task.loudness
    if task.soft:
        clip, loudness = dsp.soften(clip), loudness - dsp.SOFT_GAIN_DB
    levelled, energies = dsp.level_with_energies(clip, loudness)
    return Clip(dsp.to_int16(levelled), energies)


def read_engine_wav(path: Path):
    """Engine output as mono int16 at ``pcm.RATE``, whatever rate and width the engine used."""
    if not path.exists() or path.stat().st_size <= 44:
        raise EngineError("the engine wrote no audio")
    segment = AudioSegment.from_wav(path)
    segment = segment.set_channels(1).set_sample_width(2).set_frame_rate(pcm.RATE)
    return np.frombuffer(segment.raw_data, dtype=np.int16)


def verify_duration(text: str, rate: int, seconds: float) -> None:
    """Catch the engine's silent failures: nothing, or far too little audio for the words."""
    words = max(1, len(text.split()))
    expected = words / rate * 60
    if seconds <= 0.05:
        raise EngineError("the engine returned empty audio")
    if seconds < 0.2 * expected:
        raise EngineError(f"audio too short for its text: {seconds:.2f}s for {words} words")
