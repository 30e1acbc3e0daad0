"""The build state: one record, ``.cache/state.json``, of what earlier builds published.

- ``episodes``: per script slug, the key, MP3 size (bytes) and loudness gain (dB) of its last
  encode: an episode whose key and size still match, with all its files present, is reused
  instead of encoded; the gain is kept by a small edit (``master.episode_gain``);
- ``dates``: per slug, the publication date of a script without ``date:`` (the first build that
  published it, ISO 8601 UTC), so its feed date never moves;
- ``feed_built``: the feed's lastBuildDate, which moves only when the feed's content changes;
- ``cover``: the key (``cover.cover_key``) of the cover last drawn.

The record is rewritten atomically whenever an encode finishes, so a build that is killed
keeps the episodes it finished. Output folders of earlier versions kept these in four kinds of
files (``layout.LEGACY_STATE``): they are read once, then removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

from rtr_audio.files import atomic_write
from rtr_audio.layout import LEGACY_STATE, Layout
from rtr_audio.script import Script

STATE_FORMAT = 1


class BuildState:
    """The state of one output folder; safe to record episodes from several threads."""

    def __init__(self, paths: Layout):
        self.paths = paths
        self._lock = threading.Lock()
        try:
            data = json.loads(paths.state.read_bytes())
            ok = isinstance(data, dict) and data.get("format") == STATE_FORMAT
        except (OSError, ValueError):
            data, ok = {}, False
        self._legacy = not ok and any((paths.out / name).exists() for name in LEGACY_STATE)
        if self._legacy:
            data = _read_legacy(paths)
        elif not ok:
            data = {}
        self.episodes: dict[str, dict[str, Any]] = _mapping(data.get("episodes"))
        self.dates: dict[str, str] = _mapping(data.get("dates"))
        self.feed_built: str | None = data.get("feed_built")
        self.cover: str | None = data.get("cover")

    def episode(self, slug: str, key: str) -> int | None:
        """The MP3 size (bytes) recorded for ``slug`` if its last encode had ``key``."""
        recorded = self.episodes.get(slug) or {}
        return recorded.get("bytes") if recorded.get("key") == key else None

    def gain(self, slug: str) -> float | None:
        """The loudness gain (dB) of ``slug``'s last encode, if recorded."""
        gain = (self.episodes.get(slug) or {}).get("gain_db")
        return float(gain) if isinstance(gain, int | float) else None

    def record_episode(self, slug: str, key: str, size: int,
                       gain_db: float | None = None) -> None:
        """An encode of ``slug`` finished (its files are in place): saved at once."""
        with self._lock:
            self.episodes[slug] = {"key": key, "bytes": size}
            if gain_db is not None:
                self.episodes[slug]["gain_db"] = gain_db
            self._save()

    def published(self, script: Script) -> dt.datetime:
        """Timezone-aware (UTC): the script's ``date`` at 09:00, else its first build's time."""
        if script.date is not None:
            return dt.datetime.combine(script.date, dt.time(9, 0), tzinfo=dt.UTC)
        with self._lock:
            if script.slug not in self.dates:
                now = dt.datetime.now(dt.UTC).replace(microsecond=0)
                self.dates[script.slug] = now.isoformat()
            return dt.datetime.fromisoformat(self.dates[script.slug])

    def save(self) -> None:
        with self._lock:
            self._save()

    def _save(self) -> None:
        record = {"format": STATE_FORMAT, "episodes": self.episodes, "dates": self.dates,
                  "feed_built": self.feed_built, "cover": self.cover}
        atomic_write(self.paths.state, json.dumps(record, indent=1, sort_keys=True).encode())
        if self._legacy:  # now recorded here: the old files go (they were ours)
            for name in LEGACY_STATE:
                _remove(self.paths.out / name)
            self._legacy = False


def _mapping(value: object) -> dict:
    return dict(value) if isinstance(value, dict) else {}


def _read_legacy(paths: Layout) -> dict[str, Any]:
    """The state as earlier versions kept it: episodes/<slug>.json, dates.json, feed-built.txt,
    cover.key (each under .cache/); what cannot be read is left out (and rebuilt)."""
    cache = paths.cache
    data: dict[str, Any] = {"episodes": {}}
    for manifest in sorted((cache / "episodes").glob("*.json")):
        try:
            data["episodes"][manifest.stem] = json.loads(manifest.read_bytes())
        except (OSError, ValueError):
            continue
    for name, key in (("dates.json", "dates"), ("feed-built.txt", "feed_built"),
                      ("cover.key", "cover")):
        try:
            text = (cache / name).read_text()
        except OSError:
            continue
        try:
            data[key] = json.loads(text) if name.endswith(".json") else text.strip()
        except ValueError:
            continue
    return data


def _remove(path: Path) -> None:
    if path.is_dir():
        for child in path.glob("*.json"):
            child.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # something we did not make is in there: it stays
            path.rmdir()
    else:
        path.unlink(missing_ok=True)
