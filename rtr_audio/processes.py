"""Helper processes (engine workers, the cover) and Ctrl-C: the build stops them itself."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


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
