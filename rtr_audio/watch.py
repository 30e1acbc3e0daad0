"""``build --watch``: rebuild on every save in the scripts folder (debounced by watchfiles)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from watchfiles import watch

from rtr_audio.build import BuildOptions, build
from rtr_audio.errors import InputError, RtrError


def _relevant(change: object, path: str) -> bool:
    name = Path(path).name
    # Editors save through temporary files (.swp, ~, .#name); only real script files count.
    return not name.startswith((".", "#")) and not name.endswith("~") and (
        name.endswith((".md", ".yml", ".yaml")) or name in ("show.yml", "lexicon.yml"))


Say = Callable[[str], None]


def _silent(_message: str) -> None:
    pass


def rebuild_once(options: BuildOptions, echo: Say, errors: Say | None = None) -> bool:
    """One build; errors go to ``errors`` (default ``echo``) and are swallowed so the watcher
    keeps running."""
    errors = errors or echo
    try:
        summary = build(options)
    except InputError as exc:
        for problem in exc.problems:
            errors(str(problem))
        return False
    except RtrError as exc:
        errors(f"error: {exc}")
        return False
    echo(f"Built {summary.line()}")
    return True


def watch_and_build(options: BuildOptions, echo: Say, quiet: bool = False,
                    stop_after: int | None = None, errors: Say | None = None) -> None:
    """Build now, then again after each batch of changes; ``stop_after`` is for tests.

    ``echo`` says what happens, ``errors`` (default ``echo``) reports bad input and failed
    builds; ``quiet`` keeps only the errors.
    """
    errors = errors or echo
    if quiet:
        echo = _silent
    rebuild_once(options, echo, errors)
    echo(f"Watching {options.scripts_dir}/ for changes (Ctrl-C to stop)…")
    rounds = 0
    try:
        # Ctrl-C is raised (and caught below), not logged by watchfiles as a warning.
        for changes in watch(options.scripts_dir, watch_filter=_relevant, debounce=400):
            names = sorted({Path(path).name for _kind, path in changes})
            echo(f"Changed: {', '.join(names)}")
            started = time.monotonic()
            if rebuild_once(options, echo, errors):
                echo(f"Rebuilt in {time.monotonic() - started:.1f}s")
            rounds += 1
            if stop_after is not None and rounds >= stop_after:
                return
    except KeyboardInterrupt:
        pass
    echo("Stopped watching.")
