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
import time
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from pathlib import Path

from rtr_audio.cache import ClipStore
from rtr_audio.engines import keeps_state, processes_per_job
from rtr_audio.errors import EngineError
from rtr_audio.processes import sigint_ignored
from rtr_audio.tasks import ClipTask

__all__ = ["ClipTask", "ClipsFailed", "render_clips", "start_workers_early"]

RETRIES = 1
# Imported once by the fork server, then shared by every worker forked from it, instead of each
# worker importing the audio stack (numpy above all: about 0.15 s of CPU) and the engine's
# library again.
PRELOAD = ["rtr_audio.render", "rtr_audio.synth", "rtr_audio.engines.preload"]
STARTUP_TIMEOUT = 120.0  # seconds for a fresh worker process to come up
CLIPS_PER_PROCESS = 16  # clips spoken by one engine process before a fresh one takes over


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
        # Only where there is a fork server: the module is Unix-only in spirit (Windows spawns).
        from multiprocessing import forkserver

        with sigint_ignored():
            forkserver.ensure_running()


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
        conn, child = context.Pipe()
        self.conn: Connection = conn
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
            ready = wait(list(self.active), timeout=max(0.0, nearest - time.monotonic()))
            for worker in [w for conn, w in self.active.items() if conn in ready]:
                try:
                    status, message = worker.conn.recv()
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
        worker = _Worker(self.context, self.store.root, run)
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


def _worker_main(conn: Connection, store_root: str) -> None:
    """The worker process's target (``synth.serve_clips``)."""
    # Imported here, in the worker (the fork server has it preloaded): the build process
    # itself never imports numpy, pydub or an engine for rendering.
    from rtr_audio.synth import serve_clips

    serve_clips(conn, store_root)
