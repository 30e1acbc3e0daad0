"""Publishing: the page, then the feed in one rename, then removal of what the feed dropped.

Publishing order is what keeps ``audio_out/`` whole at every instant: new episode files get new
names (a version tag) and are complete before the feed names them; the feed is replaced last, in
one rename; files the new feed no longer names are removed only after it is in place.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rtr_audio import feed, site
from rtr_audio.build.state import BuildState
from rtr_audio.files import atomic_write
from rtr_audio.layout import FEED, Layout
from rtr_audio.model import BuiltEpisode
from rtr_audio.project import Project


def publish_show(project: Project, built: list[BuiltEpisode], out: Path,
                 state: BuildState) -> Path:
    """Write the page and the feed for ``built`` (in episode order); returns the feed's path."""
    show, paths = project.settings, Layout(out)
    feed_url = show.base_url + FEED
    write_if_changed(paths.page, site.render_page(show, built, feed_url).encode())
    _publish_feed(project, built, paths, state)
    remove_unlisted(paths, built)
    return paths.feed


def _publish_feed(project: Project, built: list[BuiltEpisode], paths: Layout,
                  state: BuildState) -> None:
    """Write feed.xml last; lastBuildDate only moves when the feed's content changes."""
    try:
        previous = dt.datetime.fromisoformat(state.feed_built or "")
    except ValueError:
        previous = None
    if previous is not None:
        candidate = feed.build_feed(project.settings, built, last_build=previous)
        if _read(paths.feed) == candidate:
            return
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
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


def remove_unlisted(paths: Layout, built: list[BuiltEpisode]) -> None:
    """After the feed is in place: old versions and leftovers of interrupted builds go."""
    keep = {paths.published(name) for e in built for name in e.files.all()}
    for leftover in paths.out.glob(".*.tmp"):  # temporary files of a build that was killed
        leftover.unlink(missing_ok=True)
    if not paths.episodes.is_dir():
        return
    for path in paths.episodes.iterdir():
        if path.is_file() and path not in keep:
            path.unlink(missing_ok=True)
