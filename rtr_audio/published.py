"""The record of what rtr-audio published in an output folder: ``.cache/published.json``.

Each published file (its path relative to the output folder, ``/`` separated) with its size in
bytes, modification time (ns) and SHA-256, written in the publishing step. A build checks every
published file against it: one changed behind its back (damaged on disk, hand-edited, truncated
or overwritten to the same size) is published again, where earlier versions trusted a file of
the right size forever.

A damaged record (not JSON, not UTF-8, the wrong shape) is a missing one: the files are then
taken as they are, and recorded anew. Paths that could point out of the output folder
(absolute, ``..``) or into its cache are dropped when it is read.
"""

from __future__ import annotations

import hashlib
import json
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from rtr_audio.files import atomic_write
from rtr_audio.layout import CACHE, Layout

FORMAT = 1


@dataclass(frozen=True)
class Entry:
    size: int
    mtime_ns: int
    sha256: str


class PublishedRecord:
    """The published files of the output folder ``out`` (see the module's docstring)."""

    def __init__(self, out: Path):
        self.out = out
        self.path = Layout(out).record
        self.found = False  # whether a readable record was there
        self.files: dict[str, Entry] = self._load()

    def _load(self) -> dict[str, Entry]:
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):  # missing, unreadable, not UTF-8, not JSON: none
            return {}
        files = data.get("files") if isinstance(data, dict) and data.get("format") == FORMAT \
            else None
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

    def add(self, name: str) -> None:
        """Record the file ``name`` as it is on disk now."""
        path = self.out / name
        info = path.stat()
        self.files[name] = Entry(info.st_size, info.st_mtime_ns, _sha256(path))

    def present(self, name: str) -> bool:
        """Whether ``name`` is on disk as published: :meth:`intact` when it is recorded, else
        (a folder of an earlier version, a lost record) simply there."""
        if name in self.files:
            return self.intact(name)
        return (self.out / name).is_file()

    def intact(self, name: str) -> bool:
        """Whether ``name`` is on disk exactly as recorded: same size and SHA-256 (hashed
        every time, as bit rot or a same-size overwrite keeps the time; ~0.16 s for 40 MB)."""
        entry = self.files.get(name)
        if entry is None:
            return False
        try:
            info = (self.out / name).stat()
            return (stat.S_ISREG(info.st_mode) and info.st_size == entry.size
                    and _sha256(self.out / name) == entry.sha256)
        except OSError:
            return False

    def save(self) -> None:
        record = {"format": FORMAT, "files": {
            name: {"size": e.size, "mtime_ns": e.mtime_ns, "sha256": e.sha256}
            for name, e in sorted(self.files.items())}}
        atomic_write(self.path, json.dumps(record, indent=1).encode())


def is_safe_name(name: object) -> bool:
    """A relative ``/``-separated path inside the output folder, outside its cache."""
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        return False
    path = PurePosixPath(name)
    return not path.is_absolute() and not {"..", "."} & set(path.parts) and \
        path.parts[0] != CACHE


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
