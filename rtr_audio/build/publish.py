"""Publishing: the page, then the feed in one rename, then removal of what the feed dropped.

Publishing order is what keeps ``audio_out/`` whole at every instant: new episode files get new
names (a version tag) and are complete before the feed names them; the feed is replaced last, in
one rename; files the new feed no longer names stay for the show's ``keep_previous`` after that
(``retention``), so apps holding the previous feed can still fetch them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rtr_audio import feed, site
from rtr_audio.build import retention
from rtr_audio.build.state import BuildState
from rtr_audio.files import atomic_write
from rtr_audio.layout import FEED, Layout
from rtr_audio.model import BuiltEpisode
from rtr_audio.project import Project


def publish_show(project: Project, built: list[BuiltEpisode], out: Path, state: BuildState,
                 now: dt.datetime) -> dt.datetime | None:
    """Write the page and the feed for ``built`` (the due episodes, in episode order), then
    retire the files the feed dropped; returns when a kept previous file is next due to go
    (None: none is kept)."""
    show, paths = project.settings, Layout(out)
    feed_url = show.base_url + FEED
    write_if_changed(paths.page, site.render_page(show, built, feed_url).encode())
    _publish_feed(project, built, paths, state, now)
    named = {name for episode in built for name in episode.files.all()}
    next_removal = retention.retire(paths, named, state, now, show.keep_previous)
    state.save()
    return next_removal


def _publish_feed(project: Project, built: list[BuiltEpisode], paths: Layout,
                  state: BuildState, now: dt.datetime) -> None:
    """Write feed.xml last; lastBuildDate only moves when the feed's content changes."""
    try:
        previous = dt.datetime.fromisoformat(state.feed_built or "")
    except ValueError:
        previous = None
    if previous is not None:
        candidate = feed.build_feed(project.settings, built, last_build=previous)
        if _read(paths.feed) == candidate:
            return
    data = feed.build_feed(project.settings, built, last_build=now)
    state.feed_built = now.isoformat()
    state.save()
    atomic_write(paths.feed, data, durable=True)


def write_if_changed(path: Path, data: bytes) -> bool:
    if _read(path) == data:
        return False
    atomic_write(path, data, durable=True)
    return True


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
