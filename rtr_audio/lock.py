"""One build (or clean) at a time per output folder: a second one waits, saying why.

The lock is ``filelock``'s: ``flock`` on Unix, ``msvcrt.locking`` on Windows, released by the
operating system when a build dies. The holder writes its pid into the lock file for the
waiting message; where the file cannot be read while locked (Windows), the message says
"another process" instead.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from rtr_audio.layout import Layout


@contextlib.contextmanager
def build_lock(out: Path, say: Callable[[str], None]) -> Iterator[Path]:
    """Hold the build lock of the output folder ``out`` (waiting, after telling ``say``, while
    another process holds it); yields the lock file's path."""
    path = Layout(out).lock
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        say(f"Another build is writing to {out} (pid {_holder(path)}); waiting for it to "
            "finish…")
        lock.acquire()
    try:
        with contextlib.suppress(OSError):  # the pid is only for the message above
            path.write_text(str(os.getpid()))
        yield path
    finally:
        lock.release()


def _holder(path: Path) -> str:
    try:
        return path.read_text().strip() or "another process"
    except OSError:
        return "another process"
