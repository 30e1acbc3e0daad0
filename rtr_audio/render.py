"""Rendering: speak each clip once, in isolated worker processes, into the cache.

Each worker owns one engine instance (espeak's state does not survive a fork, so workers are
started with ``spawn``). Every utterance has a deadline; a worker that hangs or dies is replaced
and its clip retried once before the build reports ``path:line: could not synthesise …``.
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
# worker importing the audio stack (numpy above all: about 0.15 s of CPU) again.
PRELOAD = ["rtr_audio.render", "numpy", "pydub"]
STARTUP_TIMEOUT = 120.0  # seconds for a fresh worker process to come up


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

    @property
    def timeout(self) -> float:
        configured = os.environ.get("RTR_AUDIO_CLIP_TIMEOUT")
        if configured:
            return float(configured)
        return 30.0 + 0.5 * len(self.text.split())


def render_clips(
    tasks: list[ClipTask],
    store: ClipStore,
    workers: int,
    on_done: Callable[[ClipTask], None] = lambda task: None,
) -> None:
    """Synthesise every task into ``store``; raises EngineError listing clips that failed."""
    if not tasks:
        return
    pool = _Pool(min(workers, len(tasks)), store)
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
    def __init__(self, context, store_root: Path):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, str(store_root)),
                                       daemon=True)
        with sigint_ignored():  # also covers the fork server, started with the first worker
            self.process.start()
        child.close()
        self.task: ClipTask | None = None
        self.deadline = 0.0
        self.ready = False

    def send(self, task: ClipTask) -> None:
        self.task = task
        if not self.ready:
            # A fresh process first imports the audio stack (seconds on a busy machine): that
            # is not the utterance's time, so its deadline starts once the worker is up.
            self.ready = self._await_ready()
        self.deadline = time.monotonic() + task.timeout
        with contextlib.suppress(OSError):  # a dead worker shows as EOF in the pool's wait()
            self.conn.send(task)

    def _await_ready(self) -> bool:
        with contextlib.suppress(EOFError, OSError):
            if self.conn.poll(STARTUP_TIMEOUT) and self.conn.recv() == ("ready", ""):
                return True
        self.process.kill()  # never came up: its clip fails as a crash and is retried
        return False

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class _Pool:
    def __init__(self, size: int, store: ClipStore):
        self.context = worker_context()
        self.store = store
        self.workers = [_Worker(self.context, store.root.parent) for _ in range(size)]

    def run(self, tasks: list[ClipTask], on_done: Callable[[ClipTask], None]) -> list[str]:
        queue = deque((task, 0) for task in tasks)
        attempts: dict[str, int] = {}
        failures: list[str] = []
        idle = list(self.workers)
        busy: dict[Connection, _Worker] = {}
        while queue or busy:
            while queue and idle:
                task, attempt = queue.popleft()
                attempts[task.key] = attempt
                worker = idle.pop()
                worker.send(task)
                busy[worker.conn] = worker
            nearest = min(w.deadline for w in busy.values())
            ready = wait(list(busy), timeout=max(0.0, nearest - time.monotonic()))
            for conn in ready:
                worker = busy.pop(conn)  # type: ignore[arg-type]
                task = worker.task
                assert task is not None
                try:
                    status, message = conn.recv()  # type: ignore[union-attr]
                except (EOFError, OSError):
                    status, message = "crash", _death(worker)
                if status == "ok":
                    on_done(task)
                else:
                    # The retry runs on a fresh worker: an engine that failed once may be wedged.
                    worker = self._replace(worker)
                    self._retry_or_fail(task, attempts[task.key], message, queue, failures)
                idle.append(worker)
            now = time.monotonic()
            for conn, worker in list(busy.items()):
                if worker.deadline <= now:
                    del busy[conn]
                    task = worker.task
                    assert task is not None
                    reason = f"no audio within {task.timeout:g}s"
                    self._retry_or_fail(task, attempts[task.key], reason, queue, failures)
                    idle.append(self._replace(worker))
        return failures

    def _retry_or_fail(self, task, attempt, reason, queue, failures) -> None:
        if attempt < RETRIES:
            # Next, not last: the episode waiting for this clip can then be encoded while
            # the rest are spoken, instead of holding up the end of the build.
            queue.appendleft((task, attempt + 1))
        else:
            failures.append(f'{task.where}: could not synthesise "{first_words(task.text)}" '
                            f"({reason})")

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()
        fresh = _Worker(self.context, self.store.root.parent)
        self.workers[self.workers.index(worker)] = fresh
        return fresh

    def close(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        deadline = time.monotonic() + 2
        for worker in self.workers:
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
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker
    store = ClipStore(Path(store_root))
    engines: dict[str, object] = {}
    scratch = Path(tempfile.mkdtemp(prefix="rtr-audio-worker-"))
    conn.send(("ready", ""))
    try:
        while True:
            try:
                task = conn.recv()
            except EOFError:
                return
            if task is None:
                return
            try:
                clip = synthesise(task, engines, scratch)
                store.save(task.key, clip)
                conn.send(("ok", ""))
            except Exception as exc:  # reported to the parent as this clip's failure
                reason = str(exc) if isinstance(exc, RtrError) else f"{type(exc).__name__}: {exc}"
                conn.send(("error", reason))
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
    levelled, energies = dsp.level_with_energies(dsp.trim(dsp.to_float(samples)), task.loudness)
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
