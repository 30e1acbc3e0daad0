"""Progress for the terminal: rich bars on a TTY, nothing when quiet or piped."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from rtr_audio.errors import printable


class RichReporter:
    def __init__(self, progress: Progress, console: Console):
        self.progress = progress
        self.console = console
        self.task: TaskID | None = None

    def stage(self, name: str, total: int) -> None:
        if self.task is not None:
            self.progress.update(self.task, visible=False)
        self.task = self.progress.add_task(name, total=total) if total else None

    def advance(self, steps: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, steps)

    def note(self, message: str) -> None:
        self.console.print(printable(message), markup=False, highlight=False)


class PlainReporter:
    """Not a terminal: only messages that matter (a waiting lock), no bars."""

    def __init__(self, quiet: bool):
        self.quiet = quiet

    def stage(self, name: str, total: int) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass

    def note(self, message: str) -> None:
        print(printable(message), file=sys.stderr)


@contextlib.contextmanager
def make_reporter(quiet: bool) -> Iterator[RichReporter | PlainReporter]:
    if quiet or not sys.stderr.isatty():
        yield PlainReporter(quiet)
        return
    console = Console(stderr=True)
    columns = (TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        yield RichReporter(progress, console)
