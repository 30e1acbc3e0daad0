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


def rebuild_once(options: BuildOptions, echo: Callable[[str], None]) -> bool:
    """One build; errors are printed and swallowed so the watcher keeps running."""
    try:
        summary = build(options)
    except InputError as exc:
        for problem in exc.problems:
            echo(str(problem))
        return False
    except RtrError as exc:
        echo(f"error: {exc}")
        return False
    echo(f"Built {summary.line()}")
    return True


def watch_and_build(options: BuildOptions, echo: Callable[[str], None], quiet: bool = False,
                    stop_after: int | None = None) -> None:
    """Build now, then again after each batch of changes; ``stop_after`` is for tests."""
    rebuild_once(options, echo)
    echo(f"Watching {options.scripts_dir}/ for changes (Ctrl-C to stop)…")
    rounds = 0
    try:
        for changes in watch(options.scripts_dir, watch_filter=_relevant, debounce=400,
                             raise_interrupt=False):
            names = sorted({Path(path).name for _kind, path in changes})
            echo(f"Changed: {', '.join(names)}")
            started = time.monotonic()
            if rebuild_once(options, echo):
                echo(f"Rebuilt in {time.monotonic() - started:.1f}s")
            rounds += 1
            if stop_after is not None and rounds >= stop_after:
                return
    except KeyboardInterrupt:
        pass
    echo("Stopped watching.")
