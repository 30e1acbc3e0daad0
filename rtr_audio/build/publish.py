"""Publishing: the page, then the feed in one rename, then removal of what the feed dropped.

Publishing order is what keeps ``audio_out/`` whole at every instant: new episode files get new
names (a version tag) and are complete before the feed names them; the feed is replaced last, in
one rename; files the new feed no longer names are removed only after it is in place.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from rtr_audio import feed, site
from rtr_audio.files import atomic_write
from rtr_audio.layout import FEED, Layout
from rtr_audio.model import BuiltEpisode
from rtr_audio.project import Project
from rtr_audio.script import Script


def publish_show(project: Project, built: list[BuiltEpisode], out: Path) -> Path:
    """Write the page and the feed for ``built`` (in episode order); returns the feed's path."""
    show, paths = project.settings, Layout(out)
    feed_url = show.base_url + FEED
    write_if_changed(paths.page, site.render_page(show, built, feed_url).encode())
    _publish_feed(project, built, paths)
    remove_unlisted(paths, built)
    return paths.feed


def _publish_feed(project: Project, built: list[BuiltEpisode], paths: Layout) -> None:
    """Write feed.xml last; lastBuildDate only moves when the feed's content changes."""
    state = paths.feed_built
    try:
        previous = dt.datetime.fromisoformat(state.read_text().strip())
    except (OSError, ValueError):
        previous = None
    if previous is not None:
        candidate = feed.build_feed(project.settings, built, last_build=previous)
        if _read(paths.feed) == candidate:
            return
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    data = feed.build_feed(project.settings, built, last_build=now)
    atomic_write(state, now.isoformat().encode())
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


class DateBook:
    """Publication dates for scripts without ``date:``: the first build that published them."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.dates: dict[str, str] = json.loads(path.read_text())
        except (OSError, ValueError):
            self.dates = {}
        self.changed = False

    def published(self, script: Script) -> dt.datetime:
        """Timezone-aware (UTC): the script's ``date`` at 09:00, else its first build's time."""
        if script.date is not None:
            return dt.datetime.combine(script.date, dt.time(9, 0), tzinfo=dt.UTC)
        if script.slug not in self.dates:
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            self.dates[script.slug] = now.isoformat()
            self.changed = True
        return dt.datetime.fromisoformat(self.dates[script.slug])

    def save(self) -> None:
        if self.changed:
            atomic_write(self.path, json.dumps(self.dates, indent=1).encode())
