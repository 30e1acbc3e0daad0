"""Publishing: everything staged first, then renamed into place, the feed last; then removal of
what the feed dropped, after its grace period (``retention``).

Nothing published changes before this step, and this step starts only after everything else
succeeded: episode files and the cover were written to the staging folder (``Layout.staged``)
while the build ran; here the page and the feed are staged too, and then every staged file is
renamed into place (a rename needs no disk space and cannot half-happen), the feed last, as it
names all the others. A build that fails or is stopped before this step (an encode error, a
full disk, Ctrl-C, SIGTERM) leaves the published folder exactly as it was; what it staged is
reused by the next build. Each published file's size and SHA-256 go into the record
(``published``), against which the next build checks them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from pathlib import Path

from rtr_audio import feed, site
from rtr_audio.build.retention import retire
from rtr_audio.build.state import BuildState
from rtr_audio.files import atomic_write
from rtr_audio.layout import COVER, FEED, PAGE, Layout
from rtr_audio.model import BuiltEpisode
from rtr_audio.project import Project


def publish_show(project: Project, built: list[BuiltEpisode], out: Path, state: BuildState,
                 now: dt.datetime) -> dt.datetime | None:
    """Publish the page and the feed for ``built`` (the due episodes, in episode order) with
    the staged episode files and cover, then retire the files the feed dropped; returns when a
    kept previous file is next due to go (None: none is kept)."""
    show, paths = project.settings, Layout(out)
    feed_url = show.base_url + FEED
    names = [name for episode in built for name in episode.files.all()]
    _stage_if_changed(paths, state, PAGE, site.render_page(show, built, feed_url).encode())
    _stage_feed(project, built, paths, state, now)
    for name in [*names, COVER, PAGE, FEED]:  # the feed last: it names all the others
        _move_into_place(paths, state, name)
    next_removal = retire(paths, set(names), state, now, show.keep_previous)
    record = state.record
    for name in [n for n in record.files if not paths.published(n).is_file()]:
        del record.files[name]  # retired (or removed by hand): no longer published
    record.save()
    with contextlib.suppress(OSError):  # staged versions no feed names (superseded encodes)
        shutil.rmtree(paths.staging)
    state.save()
    return next_removal


def _stage_feed(project: Project, built: list[BuiltEpisode], paths: Layout,
                state: BuildState, now: dt.datetime) -> None:
    """Stage feed.xml when it changes; lastBuildDate only moves when the content does."""
    try:
        previous = dt.datetime.fromisoformat(state.feed_built or "")
    except ValueError:
        previous = None
    if previous is not None:
        candidate = feed.build_feed(project.settings, built, last_build=previous)
        if _unchanged(paths, state, FEED, candidate):
            return
    data = feed.build_feed(project.settings, built, last_build=now)
    atomic_write(paths.staged(FEED), data, durable=True)
    state.feed_built = now.isoformat()
    state.save()


def _stage_if_changed(paths: Layout, state: BuildState, name: str, data: bytes) -> None:
    if not _unchanged(paths, state, name, data):
        atomic_write(paths.staged(name), data, durable=True)


def _unchanged(paths: Layout, state: BuildState, name: str, data: bytes) -> bool:
    """Whether the published ``name`` already holds ``data`` (and matches its record)."""
    return _read(paths.published(name)) == data and state.record.present(name)


def _move_into_place(paths: Layout, state: BuildState, name: str) -> None:
    """Rename the staged ``name`` over the published one (if one was staged) and record it."""
    staged, final = paths.staged(name), paths.published(name)
    moved = staged.is_file()
    if moved:
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, final)
    if moved or (final.is_file() and name not in state.record.files):
        state.record.add(name)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
