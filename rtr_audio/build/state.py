"""The build state: one record, ``.cache/state.json``, of what earlier builds published.

- ``episodes``: per script slug, the key, MP3 size (bytes) and loudness gain (dB) of its last
  encode: an episode whose key and size still match, with all its files present, is reused
  instead of encoded; the gain is kept by a small edit (``master.episode_gain``);
- ``dates``: per slug, the publication date of a script without ``date:`` (the first build that
  published it, ISO 8601 UTC), so its feed date never moves;
- ``files``: every episode file a feed named (relative name → ``published``, when a feed first
  named it, and ``dropped``, when the feed stopped naming it, else null): a dropped file stays
  for ``keep_previous`` (recorded too, for ``clean``) so apps holding the old feed can fetch it;
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
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from rtr_audio import clock
from rtr_audio.files import atomic_write
from rtr_audio.layout import LEGACY_STATE, Layout
from rtr_audio.published import PublishedRecord
from rtr_audio.release import Release
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
        # A damaged record is a missing one, entry by entry: whatever does not have the right
        # shape is left out (and rebuilt), never an internal error on every build.
        self.episodes: dict[str, dict[str, Any]] = {
            slug: entry for slug, entry in _mapping(data.get("episodes")).items()
            if isinstance(entry, dict) and isinstance(entry.get("key"), str)
            and isinstance(entry.get("bytes"), int)}
        self.dates: dict[str, str] = {
            slug: when for slug, when in _mapping(data.get("dates")).items() if _is_time(when)}
        self.feed_built: str | None = _text(data.get("feed_built"))
        self.cover: str | None = _text(data.get("cover"))
        self.files: dict[str, dict[str, Any]] = {
            name: record for name, record in _mapping(data.get("files")).items()
            if isinstance(name, str) and isinstance(record, dict)}
        keep = data.get("keep_previous")
        self.keep_previous: float | None = (float(keep) if isinstance(keep, int | float)
                                            and 0 <= keep < 10**9 else None)
        # What earlier builds published here (sizes, SHA-256): a published file that no longer
        # matches its record is published again.
        self.record = PublishedRecord(paths.out)

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

    def release(self, scripts: Sequence[Script], now: dt.datetime) -> Release:
        """When each script is published (see ``release``); a script without ``date:`` seen
        for the first time gets ``now`` as its date, recorded (saved with the next ``save``)."""
        with self._lock:
            first_seen = {slug: moment for slug, text in self.dates.items()
                          if (moment := clock.parse(text)) is not None}
            schedule = Release.of(scripts, first_seen, now)
            for script in scripts:
                if script.date is None and script.slug not in first_seen:
                    self.dates[script.slug] = clock.stamp(schedule.times[script.slug])
            return schedule

    def dropped(self, name: str, now: dt.datetime) -> dt.datetime | None:
        """When the feed stopped naming the episode file ``name`` (None: it still does). A file
        with no readable record (a damaged or lost state) counts as dropped ``now``: it gets a
        whole grace period rather than going too early."""
        with self._lock:
            record = self.files.setdefault(name, {})
            if "dropped" in record and record["dropped"] is None:
                return None
            moment = clock.parse(record.get("dropped"))
            if moment is None:
                moment = now
                record["dropped"] = clock.stamp(now)
            return moment

    def name_files(self, named: Iterable[str], now: dt.datetime) -> None:
        """The feed just published names exactly ``named``: new names are recorded as published
        ``now``, names it no longer carries as dropped ``now``."""
        named = set(named)
        with self._lock:
            for name in named:
                record = self.files.setdefault(name, {})
                if clock.parse(record.get("published")) is None:
                    record["published"] = clock.stamp(now)
                record["dropped"] = None
            for name, record in self.files.items():
                if name not in named and clock.parse(record.get("dropped")) is None:
                    record["dropped"] = clock.stamp(now)

    def forget_files(self, names: Iterable[str]) -> None:
        """Records of episode files that are gone."""
        with self._lock:
            for name in names:
                self.files.pop(name, None)

    def save(self) -> None:
        with self._lock:
            self._save()

    def _save(self) -> None:
        record = {"format": STATE_FORMAT, "episodes": self.episodes, "dates": self.dates,
                  "feed_built": self.feed_built, "cover": self.cover, "files": self.files,
                  "keep_previous": self.keep_previous}
        atomic_write(self.paths.state, json.dumps(record, indent=1, sort_keys=True).encode())
        if self._legacy:  # now recorded here: the old files go (they were ours)
            for name in LEGACY_STATE:
                _remove(self.paths.out / name)
            self._legacy = False


def _mapping(value: object) -> dict[Any, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _is_time(value: object) -> bool:
    """An ISO 8601 date-time with its zone (as ``published`` records them)."""
    if not isinstance(value, str):
        return False
    try:
        return dt.datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


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
            text = (cache / name).read_text(encoding="utf-8")
        except (OSError, ValueError):  # unreadable or not UTF-8: as if missing
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
