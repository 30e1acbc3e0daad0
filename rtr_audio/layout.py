"""Where everything lives in the output folder: the one module that spells its paths.

Published (what a web server serves, under the show's ``base_url``)::

    feed.xml                      the podcast feed (RSS 2.0 + iTunes + Podcasting 2.0)
    index.html                    the show page
    cover.jpg                     the show's artwork (3000 × 3000 px JPEG)
    episodes/<slug>.<tag>.mp3     an episode; <tag> is the first 8 hex digits of its key, so
    episodes/<slug>.<tag>.vtt     new bytes never appear at an old URL; with its captions
    episodes/<slug>.<tag>.srt     (WebVTT, SubRip) and Podcasting 2.0 chapters
    episodes/<slug>.<tag>.chapters.json

The build's own (``.cache/``, never served)::

    .cache/clips/<k[:2]>/<k>.clip the render cache: one clip per key (see ``cache``)
    .cache/segments/<k[:2]>/<k>.seg  encoded MP3 frames of episode segments (see ``segments``)
    .cache/plans/<slug>.pickle    each script's last plan (see ``plancache``)
    .cache/state.json             the build state: each episode's key and MP3 size, publication
                                  dates, the feed's lastBuildDate, the cover's key (see
                                  ``build.state``)
    .cache/uptodate.json          the up-to-date stamp (see ``uptodate``)
    .cache/build.lock             one build at a time (see ``lock``)
    .cache/cover-id3.jpg          the small cover embedded in every MP3
    .cache/preview/<slug>.wav     ``preview``'s output
    .cache/samples/<engine>/<voice>.wav  ``voices --sample``'s output
    .cache/published.json         what builds published here, with sizes and SHA-256 (see
                                  ``published``): only those files are ever removed
    .cache/publish.json           what `publish` sent to each rclone destination (see ``publish``)
    .cache/publish/…              the next publication, staged: episode files, cover, page and
                                  feed are written here and renamed into place together in the
                                  publishing step, after everything else succeeded

Nothing heavy is imported here: the up-to-date check uses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FEED = "feed.xml"
PAGE = "index.html"
COVER = "cover.jpg"
EPISODES = "episodes"
CACHE = ".cache"
TAG_LENGTH = 8  # hex digits of an episode's key in its file names
# The names ``episode_files`` gives: only files so named are ever removed from episodes/.
EPISODE_FILE = re.compile(rf"[a-z0-9-]+\.[0-9a-f]{{{TAG_LENGTH}}}\.(?:mp3|vtt|srt|chapters\.json)")
# Where versions before state.json kept the build state (read once, then removed).
LEGACY_STATE = (f"{CACHE}/episodes", f"{CACHE}/dates.json", f"{CACHE}/feed-built.txt",
                f"{CACHE}/cover.key")


@dataclass(frozen=True)
class EpisodeFiles:
    """Paths of one episode's published files, relative to the output folder (``/`` separated).

    The names carry a short version tag that changes whenever the bytes change, so a podcast app
    never sees new audio at an old URL (Apple loops on a shorter file at a known URL).
    """

    audio: str
    vtt: str
    srt: str
    chapters: str

    def all(self) -> tuple[str, str, str, str]:
        return self.audio, self.vtt, self.srt, self.chapters


def episode_files(slug: str, key: str) -> EpisodeFiles:
    """The published names of the episode ``slug`` whose key (hex digest) is ``key``."""
    stem = f"{EPISODES}/{slug}.{key[:TAG_LENGTH]}"
    return EpisodeFiles(f"{stem}.mp3", f"{stem}.vtt", f"{stem}.srt", f"{stem}.chapters.json")


@dataclass(frozen=True)
class Layout:
    """The paths of one output folder ``out``."""

    out: Path

    @property
    def feed(self) -> Path:
        return self.out / FEED

    @property
    def page(self) -> Path:
        return self.out / PAGE

    @property
    def cover(self) -> Path:
        return self.out / COVER

    @property
    def episodes(self) -> Path:
        return self.out / EPISODES

    def episode_name(self, path: Path) -> str | None:
        """The published name (as in ``EpisodeFiles``) of ``path`` in episodes/, if it has the
        form of one of our episode files; None for anything else (not ours to remove)."""
        if path.parent != self.episodes or not EPISODE_FILE.fullmatch(path.name):
            return None
        return f"{EPISODES}/{path.name}"

    def published(self, name: str) -> Path:
        """A published file named relative to the folder (as in ``EpisodeFiles``)."""
        return self.out / name

    @property
    def cache(self) -> Path:
        return self.out / CACHE

    @property
    def clips(self) -> Path:
        return self.cache / "clips"

    @property
    def segments(self) -> Path:
        return self.cache / "segments"

    @property
    def plans(self) -> Path:
        return self.cache / "plans"

    @property
    def state(self) -> Path:
        return self.cache / "state.json"

    @property
    def stamp(self) -> Path:
        return self.cache / "uptodate.json"

    @property
    def lock(self) -> Path:
        return self.cache / "build.lock"

    @property
    def cover_id3(self) -> Path:
        return self.cache / "cover-id3.jpg"

    @property
    def record(self) -> Path:
        return self.cache / "published.json"

    @property
    def publish_record(self) -> Path:
        return self.cache / "publish.json"

    @property
    def staging(self) -> Path:
        return self.cache / "publish"

    def staged(self, name: str) -> Path:
        """Where the published file ``name`` is written before the publishing step."""
        return self.staging / name

    def preview(self, slug: str) -> Path:
        return self.cache / "preview" / f"{slug}.wav"

    @property
    def samples(self) -> Path:
        return self.cache / "samples"
