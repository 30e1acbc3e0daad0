"""The record of what rtr-audio published in an output folder: ``.cache/published.json``.

Each published file (its path relative to the output folder, ``/`` separated) with its size in
bytes, modification time (ns) and SHA-256. It is what lets rtr-audio keep its promise that
nothing the user owns is deleted unless rtr-audio made it:

- a build removes only files it published itself (a recording the writer put in ``episodes/``
  stays, even through a linked ``episodes/``);
- ``clean`` removes only what is recorded (and the cache), and refuses a folder rtr-audio did not
  make;
- a build checks every published file against its record: one changed behind its back (damaged
  on disk, hand-edited, truncated to the same size) is published again.

A damaged record (not JSON, not UTF-8, the wrong shape) is a missing one: the build then
publishes everything again and writes a new record. Paths that could point out of the output
folder (absolute, ``..``) are dropped when it is read, so a hostile record cannot make a build
or ``clean`` delete anything elsewhere. An output folder of an earlier version has no record:
files with the names rtr-audio gives (``feed.xml``, ``episodes/<slug>.<8 hex digits>.mp3``…)
are taken as its own (:func:`named_like_ours`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from rtr_audio.files import atomic_write

CACHE = ".cache"
RECORD = f"{CACHE}/published.json"
FORMAT = 1
# Names rtr-audio gives published files (layout: feed, page, cover, episodes/<slug>.<tag>.*).
_OUR_NAMES = re.compile(r"^(feed\.xml|index\.html|cover\.jpg|episodes/[a-z0-9-]+\.[0-9a-f]{8}"
                        r"\.(mp3|vtt|srt|chapters\.json))$")
# What marks a folder as rtr-audio's output, besides the record (folders of earlier versions).
_CACHE_MARKS = ("published.json", "state.json", "uptodate.json", "clips", "episodes")


@dataclass(frozen=True)
class Entry:
    size: int
    mtime_ns: int
    sha256: str


class PublishedRecord:
    """The published files of the output folder ``out`` (see the module's docstring)."""

    def __init__(self, out: Path):
        self.out = out
        self.path = out / RECORD
        self.found = False  # whether a readable record was there
        self.files: dict[str, Entry] = self._load()

    def _load(self) -> dict[str, Entry]:
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):  # missing, unreadable, not UTF-8, not JSON: none
            return {}
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        files = data.get("files")
        if not isinstance(files, dict):
            return {}
        self.found = True
        entries = {}
        for name, entry in files.items():
            if not (isinstance(entry, dict) and is_safe_name(name)):
                continue
            size, mtime, sha = entry.get("size"), entry.get("mtime_ns"), entry.get("sha256")
            if (isinstance(size, int) and isinstance(mtime, int) and isinstance(sha, str)
                    and not isinstance(size, bool)):
                entries[name] = Entry(size, mtime, sha)
        return entries

    def owns(self, name: str) -> bool:
        """Whether rtr-audio published ``name`` here (by the record, or for a folder without
        one, by the names it gives)."""
        return name in self.files if self.found else named_like_ours(name)

    def add(self, name: str, data: bytes | None = None) -> None:
        """Record the file ``name`` as it is on disk now (``data``: its bytes, if at hand)."""
        path = self.out / name
        info = path.stat()
        digest = hashlib.sha256(data).hexdigest() if data is not None else _sha256(path)
        self.files[name] = Entry(info.st_size, info.st_mtime_ns, digest)
        self.found = True

    def intact(self, name: str) -> bool:
        """Whether ``name`` is on disk exactly as published: same size, and the same time or
        (when the time moved) the same SHA-256. False when it is not recorded."""
        entry = self.files.get(name)
        if entry is None:
            return False
        try:
            info = (self.out / name).stat()
        except OSError:
            return False
        if not stat.S_ISREG(info.st_mode) or info.st_size != entry.size:
            return False
        if info.st_mtime_ns == entry.mtime_ns:
            return True
        try:
            return _sha256(self.out / name) == entry.sha256
        except OSError:
            return False

    def remove(self, name: str) -> bool:
        """Delete the published file ``name`` if rtr-audio made it; True if it was removed."""
        if not (is_safe_name(name) and self.owns(name)):
            return False
        path = self.out / name
        self.files.pop(name, None)
        try:
            if path.is_symlink() or not path.is_file():
                return False  # a link or a folder put there by someone else: not ours to remove
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def save(self) -> None:
        record = {"format": FORMAT, "files": {
            name: {"size": e.size, "mtime_ns": e.mtime_ns, "sha256": e.sha256}
            for name, e in sorted(self.files.items())}}
        atomic_write(self.path, json.dumps(record, indent=1).encode())


def is_safe_name(name: object) -> bool:
    """A relative ``/``-separated path inside the output folder, outside its cache."""
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        return False
    parts = PurePosixPath(name).parts
    return (not PurePosixPath(name).is_absolute() and ".." not in parts and "." not in parts
            and parts[0] != CACHE)


def named_like_ours(name: str) -> bool:
    return bool(_OUR_NAMES.match(name))


def made_by_us(out: Path) -> bool:
    """Whether ``out`` looks like an output folder rtr-audio made: its ``.cache`` holds the
    record, the build state, the up-to-date stamp or the clip cache."""
    cache = out / CACHE
    return cache.is_dir() and not cache.is_symlink() and any(
        os.path.lexists(cache / mark) for mark in _CACHE_MARKS)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
