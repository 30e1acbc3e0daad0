"""Previous versions of episode files: kept for ``keep_previous`` once the feed stops naming them.

An edit gives an episode new file names (``layout.episode_files``). A podcast app between two
refreshes, or a directory's cached copy of the feed, still asks for the old names; removing them
at once would answer 404. So a file the feed no longer names stays published for show.yml's
``keep_previous`` (default 7 days), counted from the build that dropped it (the build state
records when), and the first build after that removes it. ``clean`` and ``--force`` keep to the
same rule.

Only files named as we name episode files are ever removed from ``episodes/``; a file there with
no readable record (a damaged or lost build state, an older version's output) counts as dropped
now, so damage makes a file stay longer, never go early.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from rtr_audio.build.state import BuildState
from rtr_audio.layout import CACHE, COVER, EPISODES, FEED, PAGE, Layout


def retire(paths: Layout, named: set[str], state: BuildState, now: dt.datetime,
           keep: dt.timedelta) -> dt.datetime | None:
    """After the feed naming ``named`` is in place: record it, remove the files it dropped more
    than ``keep`` ago and build leftovers; returns when the next kept file is due to go (None:
    none is kept). The caller saves ``state``."""
    state.name_files(named, now)
    state.keep_previous = keep.total_seconds()
    for leftover in paths.out.glob(".*.tmp"):  # temporary files of a build that was killed
        leftover.unlink(missing_ok=True)
    next_removal: dt.datetime | None = None
    gone = [name for name in state.files
            if name not in named and not paths.published(name).is_file()]
    for path in sorted(paths.episodes.iterdir()) if paths.episodes.is_dir() else ():
        if path.name.startswith(".") and path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)  # a half-encoded file, never published
            continue
        name = paths.episode_name(path)
        if name is None or name in named or not path.is_file():
            continue
        if not _published_here(name, state):
            continue  # named like ours, but no feed of ours ever named it: the writer's
        until = (state.dropped(name, now) or now) + keep
        if until <= now:
            path.unlink(missing_ok=True)
            gone.append(name)
        elif next_removal is None or until < next_removal:
            next_removal = until
    state.forget_files(gone)
    return next_removal


@dataclass(frozen=True)
class Cleaned:
    """What ``clean`` did: ``removed`` entries of the output folder; ``kept`` episodes (MP3s,
    with their sidecars) that apps may still fetch, the last of them until ``until``;
    ``theirs``: files rtr-audio did not make, left as they were (relative paths)."""

    removed: int
    kept: int
    until: dt.datetime | None
    theirs: list[str] = field(default_factory=list)


def clean(out: Path, now: dt.datetime, default_keep: dt.timedelta, lock_file: Path) -> Cleaned:
    """Remove the build output and cache of ``out``, except ``.keep`` and the episode files
    still in their grace period (with the build state that records them); ``lock_file``, the
    build lock the caller holds, goes last.

    Every file the last feed named counts as dropped ``now`` (the feed goes), so it stays for
    the ``keep_previous`` of the last build (``default_keep`` if none is recorded)."""
    paths = Layout(out)
    state = BuildState(paths)
    keep = (dt.timedelta(seconds=state.keep_previous) if state.keep_previous is not None
            else default_keep)
    retire(paths, set(), state, now, keep)
    kept = {paths.published(name): (state.dropped(name, now) or now) + keep
            for name in state.files if paths.published(name).is_file()}
    spared = {*kept, paths.state, paths.episodes, paths.cache} if kept else set()
    removed = 0
    for child in sorted(out.iterdir()):
        if child in spared or not _ours(paths, child):
            continue  # .keep (the folder is part of the repository), the writer's own files
        if child == paths.episodes and not child.is_symlink():
            removed += _remove_our_episode_files(paths, lock_file)
            continue
        _remove(child, lock_file)
        removed += 1
    if kept:  # only what the kept files need: when they were dropped, and the dates
        for folder in (paths.episodes, paths.cache):
            for child in sorted(folder.iterdir()):
                writers = folder == paths.episodes and paths.episode_name(child) is None
                if child not in spared and child != lock_file and not writers:
                    _remove(child, lock_file)
        state.episodes, state.feed_built, state.cover = {}, None, None
        state.save()
        with contextlib.suppress(OSError):  # Windows: a locked file stays until released
            lock_file.unlink()
    episodes = sum(path.suffix == ".mp3" for path in kept)
    theirs = sorted(str(p.relative_to(out)) for p in out.rglob("*")
                    if not p.is_dir() and paths.cache not in p.parents and p not in kept)
    return Cleaned(removed, episodes, max(kept.values(), default=None), theirs)


def _published_here(name: str, state: BuildState) -> bool:
    """Whether a feed of ours named ``name`` (by the build state or the published record);
    in a folder with neither (an earlier version's output), our naming is taken as ours."""
    if name in state.files or name in state.record.files:
        return True
    return not state.files and not state.record.found


def _ours(paths: Layout, child: Path) -> bool:
    """Whether ``child`` (an entry of the output folder) is rtr-audio's: its cache, feed, page,
    cover or episodes folder. Anything else there is the writer's and stays."""
    return child.name in (CACHE, FEED, PAGE, COVER, EPISODES) and (
        child.name != CACHE or not child.is_symlink())


def _remove_our_episode_files(paths: Layout, lock_file: Path) -> int:
    """Our episode files (and half-written ones) from episodes/; the folder goes if empty."""
    removed = 0
    for path in sorted(paths.episodes.iterdir()):
        half_written = path.name.startswith(".") and path.name.endswith(".tmp")
        if path.is_file() and (half_written or paths.episode_name(path) is not None):
            _remove(path, lock_file)
            removed += 1
    with contextlib.suppress(OSError):  # something not ours is in it: it stays
        paths.episodes.rmdir()
        removed += 1
    return removed


def _remove(path: Path, keep: Path) -> None:
    """Remove ``path`` (a folder with all it holds), ``keep`` (the held lock file) last."""
    if path.is_dir() and not path.is_symlink():
        if keep.parent != path:
            shutil.rmtree(path)
            return
        for child in path.iterdir():
            if child != keep:
                _remove(child, keep)
        with contextlib.suppress(OSError):  # Windows: a locked file stays until released
            keep.unlink()
            path.rmdir()
    else:
        path.unlink()
