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
from rtr_audio.cache import cache_dir
from rtr_audio.files import atomic_write
from rtr_audio.model import BuiltEpisode
from rtr_audio.project import Project
from rtr_audio.script import Script

EPISODES = "episodes"
FEED = "feed.xml"
PAGE = "index.html"


def publish_show(project: Project, built: list[BuiltEpisode], out: Path) -> Path:
    """Write the page and the feed for ``built`` (in episode order); returns the feed's path."""
    show = project.settings
    feed_url = show.base_url + FEED
    write_if_changed(out / PAGE, site.render_page(show, built, feed_url).encode())
    _publish_feed(project, built, out)
    remove_unlisted(out, built)
    return out / FEED


def _publish_feed(project: Project, built: list[BuiltEpisode], out: Path) -> None:
    """Write feed.xml last; lastBuildDate only moves when the feed's content changes."""
    state = cache_dir(out) / "feed-built.txt"
    try:
        previous = dt.datetime.fromisoformat(state.read_text().strip())
    except (OSError, ValueError):
        previous = None
    if previous is not None:
        candidate = feed.build_feed(project.settings, built, last_build=previous)
        if _read(out / FEED) == candidate:
            return
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    data = feed.build_feed(project.settings, built, last_build=now)
    atomic_write(state, now.isoformat().encode())
    atomic_write(out / FEED, data, durable=True)


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


def remove_unlisted(out: Path, built: list[BuiltEpisode]) -> None:
    """After the feed is in place: old versions and leftovers of interrupted builds go."""
    keep = {name for e in built
            for name in (e.files.audio, e.files.vtt, e.files.srt, e.files.chapters)}
    for leftover in out.glob(".*.tmp"):  # temporary files of a build that was killed
        leftover.unlink(missing_ok=True)
    folder = out / EPISODES
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.is_file() and f"{EPISODES}/{path.name}" not in keep:
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
