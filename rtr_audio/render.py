"""Rendering: speak each clip once, in isolated engine processes, into the cache.

Engine processes are forked from a clean fork server (espeak's state does not survive a fork).
An engine that carries state from one utterance to the next (espeak-ng) speaks clips in fixed
runs of CLIPS_PER_PROCESS, each run in a fresh process, so the audio is the same however many
run side by side. Every utterance has a deadline; a process that hangs or dies is replaced and
its clip retried once before the build reports ``path:line: could not synthesise …``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from rtr_audio import dsp
from rtr_audio.cache import Clip, ClipStore
from rtr_audio.errors import EngineError, RtrError

RETRIES = 1
# Imported once by the fork server, then shared by every worker forked from it, instead of each
# worker importing the audio stack (numpy above all: about 0.15 s of CPU) and the engine's
# library again.
PRELOAD = ["rtr_audio.render", "numpy", "pydub", "rtr_audio.engines.preload"]
STARTUP_TIMEOUT = 120.0  # seconds for a fresh worker process to come up
WORKER_NICENESS = 5  # render workers yield the CPU to encoding (see _worker_main)
CLIPS_PER_PROCESS = 16  # clips spoken by one engine process before a fresh one takes over


@dataclass(frozen=True)
class ClipTask:
    """One utterance to synthesise; ``where`` is ``path:line`` of its first use."""

    key: str
    text: str
    engine: str
    voice: str | None
    rate: int
    loudness: float
    where: str
    soft: bool = False  # [soft]: a gentler tone, a little quieter (dsp.soften)

    @property
    def timeout(self) -> float:
        configured = os.environ.get("RTR_AUDIO_CLIP_TIMEOUT")
        if configured:
            return float(configured)
        return 30.0 + 0.5 * len(self.text.split())


def render_clips(
    tasks: list[ClipTask],
    store: ClipStore,
    jobs: int,
    on_done: Callable[[ClipTask], None] = lambda task: None,
) -> None:
    """Synthesise every task into ``store`` using ``jobs`` cores; raises EngineError listing
    clips that failed."""
    if not tasks:
        return
    from rtr_audio.engines import keeps_state, processes_per_job

    engines = {task.engine for task in tasks}
    processes = jobs * max(processes_per_job(engine) for engine in engines)
    fresh_runs = any(keeps_state(engine) for engine in engines)
    pool = _Pool(min(processes, len(tasks)), store, fresh_runs)
    try:
        failures = pool.run(tasks, on_done)
    finally:
        pool.close()
    if failures:
        raise ClipsFailed("\n".join(sorted(failures, key=_where_order)))


class ClipsFailed(EngineError):
    """Clips that could not be synthesised: one ``path:line: could not synthesise …`` each."""

    located = True  # the CLI prints the lines as they are


def _where_order(failure: str) -> tuple[str, int]:
    """``path:line: …`` messages in file, then line order."""
    path, _, rest = failure.partition(":")
    line = rest.split(":", 1)[0]
    return path, int(line) if line.isdigit() else 0


def worker_context() -> multiprocessing.context.BaseContext:
    """A fresh interpreter for every engine: a fork server where there is one, else spawn.

    Never a plain fork of the build process: a forked copy of an initialised espeak deadlocks.
    The fork server is a clean process that has imported ``PRELOAD`` and never an engine.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def start_workers_early() -> None:
    """Start the fork server now, so that its imports overlap with the build's own start-up."""
    context = worker_context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        with sigint_ignored():
            forkserver.ensure_running()


@contextlib.contextmanager
def sigint_ignored() -> Iterator[None]:
    """Processes started inside ignore Ctrl-C from their first instruction on.

    An ignored signal stays ignored across exec, and Python then installs no handler of its
    own. The build stops its helpers itself; one interrupted while still importing (the fork
    server takes most of a second) would print a traceback over the one-line message.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def first_words(text: str, limit: int = 40) -> str:
    """The start of ``text``, cut at a word boundary: enough to find it in the script (counted in
    characters, as spelled-out abbreviations like "P T S D" are many short words)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else text[:limit]
    return cut.rstrip(",;:") + "…"


class _Worker:
    """One engine process, speaking one run of clips in order, then retired."""

    def __init__(self, context, store_root: Path, run: deque[tuple[ClipTask, int]]):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, str(store_root)),
                                       daemon=True)
        with sigint_ignored():  # also covers the fork server, started with the first worker
            self.process.start()
        child.close()
        self.run = run  # (task, attempt) still to speak, in order
        self.task: ClipTask | None = None
        self.attempt = 0
        self.ready = False
        # A fresh process first imports the audio stack (seconds on a busy machine): that is
        # not an utterance's time, so the first deadline is the start-up's.
        self.deadline = time.monotonic() + STARTUP_TIMEOUT

    def speak_next(self) -> bool:
        """Send the next clip of the run; False when the run is done."""
        if not self.run:
            return False
        self.task, self.attempt = self.run.popleft()
        self.deadline = time.monotonic() + self.task.timeout
        with contextlib.suppress(OSError):  # a dead worker shows as EOF in the pool's wait()
            self.conn.send(self.task)
        return True

    def retire(self) -> None:
        """Let the process finish (it exits on None); it is reaped when the next one starts."""
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.conn.close()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class _Pool:
    """Clips are spoken by ``size`` engine processes at a time.

    For an engine that carries state from one utterance to the next (espeak-ng: its
    pitch-flutter phase, ``Flutter_ix`` in wavegen.c), a clip's samples would depend on what its
    process said before it, so clips are cut into runs of CLIPS_PER_PROCESS in the order given
    and each run is spoken by a fresh process: runs that do not depend on the number of workers
    make a build's audio the same with ``--jobs 1`` and ``--jobs 8``. A run is short enough to
    share out the work evenly and long enough that starting its process (about 30 ms) stays a
    small part of it. Other engines keep their processes (and loaded models) and take one
    clip at a time.
    """

    def __init__(self, size: int, store: ClipStore, fresh_runs: bool = True):
        self.context = worker_context()
        self.store = store
        self.size = size
        self.fresh_runs = fresh_runs
        self.active: dict[Connection, _Worker] = {}
        self.retired: list[_Worker] = []

    def run(self, tasks: list[ClipTask], on_done: Callable[[ClipTask], None]) -> list[str]:
        step = CLIPS_PER_PROCESS if self.fresh_runs else 1
        runs = deque(deque((task, 0) for task in tasks[i: i + step])
                     for i in range(0, len(tasks), step))
        failures: list[str] = []
        while runs and len(self.active) < self.size:
            self._start(runs.popleft())
        while self.active:
            nearest = min(w.deadline for w in self.active.values())
            for conn in wait(list(self.active), timeout=max(0.0, nearest - time.monotonic())):
                worker = self.active[conn]  # type: ignore[index]
                try:
                    status, message = conn.recv()  # type: ignore[union-attr]
                except (EOFError, OSError):
                    status, message = "crash", _death(worker)
                if status == "ready":
                    worker.ready = True
                elif status == "ok" and worker.task is not None:
                    on_done(worker.task)
                else:
                    self._failed(worker, message, failures, runs)
                    continue
                self._continue(worker, runs)
            now = time.monotonic()
            for worker in [w for w in self.active.values() if w.deadline <= now]:
                reason = (f"no audio within {worker.task.timeout:g}s" if worker.ready and
                          worker.task else "the engine process did not start")
                self._failed(worker, reason, failures, runs)
        return failures

    def _start(self, run: deque[tuple[ClipTask, int]]) -> _Worker:
        worker = _Worker(self.context, self.store.root.parent, run)
        self.active[worker.conn] = worker
        return worker

    def _continue(self, worker: _Worker, runs: deque) -> None:
        """Give a ready worker its next clip; when its run is done, retire it for a fresh
        process with the next run (or give it the next run, for an engine without state)."""
        if not worker.ready or worker.speak_next():
            return
        if not self.fresh_runs and runs:  # an engine without state keeps its process
            worker.run = runs.popleft()
            worker.speak_next()
            return
        del self.active[worker.conn]
        worker.retire()
        self.retired.append(worker)
        if runs:
            self._start(runs.popleft())

    def _failed(self, worker: _Worker, reason: str, failures: list[str], runs: deque) -> None:
        """The clip in hand failed (or the process did not start): retry it once, first in
        the rest of its run, on a fresh process, as an engine that failed once may be wedged."""
        if worker.task is None and worker.run:  # never came up: its first clip takes the blame
            worker.task, worker.attempt = worker.run.popleft()
        task, attempt = worker.task, worker.attempt
        if task is not None:
            if attempt < RETRIES:
                worker.run.appendleft((task, attempt + 1))
            else:
                failures.append(f'{task.where}: could not synthesise "{first_words(task.text)}" '
                                f"({reason})")
        del self.active[worker.conn]
        worker.kill()
        if worker.run or runs:
            self._start(worker.run or runs.popleft())

    def close(self) -> None:
        for worker in self.active.values():
            with contextlib.suppress(OSError):
                worker.conn.send(None)  # finish and exit; killed if still busy in 2 s
        deadline = time.monotonic() + 2
        for worker in [*self.active.values(), *self.retired]:
            worker.process.join(timeout=max(0.0, deadline - time.monotonic()))
            worker.kill()


def _death(worker: _Worker) -> str:
    worker.process.join(timeout=1)
    code = worker.process.exitcode
    if code is None or code == 0:
        return "the engine process died"
    if code < 0:
        return f"the engine process died (signal {-code})"
    return f"the engine process died (exit status {code})"


# ---- inside the worker process -------------------------------------------------------------

def _worker_main(conn: Connection, store_root: str) -> None:
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
    from rtr_audio.engines import load_engine

    engine = engines.get(task.engine)
    if engine is None:
        engine = engines[task.engine] = load_engine(task.engine)
    wav = scratch / "utterance.wav"
    wav.unlink(missing_ok=True)
    engine.synthesize(task.text, task.voice, task.rate, wav)  # type: ignore[attr-defined]
    samples = read_engine_wav(wav)
    verify_duration(task.text, task.rate, len(samples) / dsp.RATE)
    clip = dsp.trim(dsp.to_float(samples))
    loudness = task.loudness
    if task.soft:
        clip, loudness = dsp.soften(clip), loudness - dsp.SOFT_GAIN_DB
    levelled, energies = dsp.level_with_energies(clip, loudness)
    return Clip(dsp.to_int16(levelled), energies)


def read_engine_wav(path: Path):
    """Engine output as mono int16 at ``dsp.RATE``, whatever rate and width the engine used."""
    import numpy as np
    from pydub import AudioSegment

    if not path.exists() or path.stat().st_size <= 44:
        raise EngineError("the engine wrote no audio")
    segment = AudioSegment.from_wav(path)
    segment = segment.set_channels(1).set_sample_width(2).set_frame_rate(dsp.RATE)
    return np.frombuffer(segment.raw_data, dtype=np.int16)


def verify_duration(text: str, rate: int, seconds: float) -> None:
    """Catch the engine's silent failures: nothing, or far too little audio for the words."""
    words = max(1, len(text.split()))
    expected = words / rate * 60
    if seconds <= 0.05:
        raise EngineError("the engine returned empty audio")
    if seconds < 0.2 * expected:
        raise EngineError(f"audio too short for its text: {seconds:.2f}s for {words} words")
