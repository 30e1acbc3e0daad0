"""Static files for ``serve``: mapping a request target to a file, byte ranges and validators.

Pure functions over paths and header values (no sockets), after RFC 9110: section 13
(conditional requests: ``If-None-Match``, ``If-Modified-Since``, ``If-Range``) and section 14
(``Range``: one ``bytes`` range, ``206``/``416``). Files are read in 64 KiB chunks, never whole.
"""

from __future__ import annotations

import email.utils
import os
import re
import stat
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import BinaryIO, Literal

from rtr_audio.layout import PAGE

CHUNK_SIZE = 64 * 1024
DEFAULT_CONTENT_TYPE = "application/octet-stream"

# Longest suffix first: a Podcasting 2.0 chapters file is JSON with its own media type
# (podcastindex.org namespace, <podcast:chapters type="application/json+chapters">).
CONTENT_TYPES: dict[str, str] = {
    ".chapters.json": "application/json+chapters",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".xml": "application/rss+xml; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8",
    ".json": "application/json",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}

_RANGE_RE = re.compile(r"bytes[ \t]*=[ \t]*(\d{0,19})[ \t]*-[ \t]*(\d{0,19})")
_ETAG_RE = re.compile(r'(?:W/)?"[^"]*"|\*')
_ENCODED_SEPARATOR = re.compile(r"%(2f|5c|00)", re.IGNORECASE)


class BadTarget(Exception):
    """The request target is malformed (400)."""


class NotFound(Exception):
    """Nothing servable at the request target (404)."""


def content_type(name: str) -> str:
    """The ``Content-Type`` for a file name, by its (longest known) suffix."""
    lower = name.lower()
    for suffix, value in CONTENT_TYPES.items():
        if lower.endswith(suffix):
            return value
    return DEFAULT_CONTENT_TYPE


@dataclass
class Entity:
    """What a GET would send: a file on disk or a rewritten body in memory (sizes in bytes)."""

    size: int
    mtime: float
    etag: str
    content_type: str
    file: BinaryIO | None = None
    body: bytes | None = None
    rewritten: bool = False

    def chunks(self, first: int, length: int) -> Iterator[bytes]:
        """``length`` bytes from offset ``first`` in chunks; stops short if the file shrank."""
        if self.body is not None:
            for pos in range(first, first + length, CHUNK_SIZE):
                yield self.body[pos : min(pos + CHUNK_SIZE, first + length)]
            return
        assert self.file is not None
        self.file.seek(first)
        remaining = length
        while remaining > 0:
            chunk = self.file.read(min(CHUNK_SIZE, remaining))
            if not chunk:  # the file shrank under us (a rebuild)
                return
            remaining -= len(chunk)
            yield chunk

    def use_body(self, body: bytes, etag: str, mtime: float) -> None:
        """Serve ``body`` instead of the file (a rewritten feed or page)."""
        self.close()
        self.body, self.size, self.etag, self.mtime = body, len(body), etag, mtime
        self.rewritten = True

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def resolve(root: Path, target: str) -> Path:
    """Map a raw request target to a real path inside ``root`` (itself a real path).

    Never a dot-file or dot-folder (the build cache is ``.cache/``), never a directory, never a
    symlink leading out of ``root``. Raises :class:`BadTarget` or :class:`NotFound`.
    """
    path = target.split("?", 1)[0]
    if not path.startswith("/") or "#" in path:
        raise BadTarget  # absolute-form, asterisk-form, garbage
    if _ENCODED_SEPARATOR.search(path):
        raise BadTarget  # encoded slash, backslash or NUL
    try:
        decoded = urllib.parse.unquote_to_bytes(path.encode("latin-1")).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError) as exc:
        raise BadTarget from exc
    if any(ch == "\\" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in decoded):
        raise BadTarget
    if decoded == "/":
        segments = [PAGE]
    else:
        if decoded.endswith("/"):
            raise NotFound  # directory: listings are off
        segments = decoded[1:].split("/")
        if any(seg == "" for seg in segments):
            raise BadTarget  # doubled slash
    if any(seg.startswith(".") for seg in segments):
        raise NotFound  # ., .., .cache, .keep, .lock ...
    real = Path(os.path.realpath(root.joinpath(*segments)))
    try:
        rel = real.relative_to(root)
    except ValueError as exc:
        raise NotFound from exc  # a symlink leading out of the folder
    if not rel.parts or any(part.startswith(".") for part in rel.parts):
        raise NotFound  # a symlink leading into the cache or a dot-file
    return real


def open_file(real: Path) -> tuple[Entity, os.stat_result]:
    """Open a regular file without blocking (a FIFO must not hang a worker). Raises NotFound."""
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(real, flags | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise NotFound from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotFound
        file = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    etag = f'"{st.st_size:x}-{st.st_mtime_ns:x}"'
    entity = Entity(st.st_size, st.st_mtime, etag, content_type(real.name), file=file)
    return entity, st


def http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


def _parse_http_date(value: str) -> int | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    return int(parsed.timestamp())


def _opaque(etag: str) -> str:
    return etag[2:] if etag.startswith("W/") else etag


def not_modified(headers: Message, entity: Entity) -> bool:
    """True when a GET/HEAD should get ``304`` (``If-None-Match`` wins over the date)."""
    inm = headers.get("If-None-Match")
    if inm is not None:
        tags = _ETAG_RE.findall(inm)
        return "*" in tags or any(_opaque(t) == _opaque(entity.etag) for t in tags)
    ims = headers.get("If-Modified-Since")
    if ims is not None:
        since = _parse_http_date(ims)
        return since is not None and int(entity.mtime) <= since
    return False


def if_range_ok(headers: Message, entity: Entity) -> bool:
    """True when ``Range`` applies: no ``If-Range``, or it matches (strongly) the entity."""
    value = headers.get("If-Range")
    if value is None:
        return True
    value = value.strip()
    if value.startswith(('"', "W/")):
        return not value.startswith("W/") and value == entity.etag  # weak tags never match
    when = _parse_http_date(value)
    return when is not None and when == int(entity.mtime)


def parse_range(header: str, size: int) -> tuple[int, int] | Literal[False] | None:
    """Interpret a ``Range`` header for a representation of ``size`` bytes.

    Returns ``(first, last)`` (inclusive) for a satisfiable single range, ``False`` when the range
    is unsatisfiable (416), and ``None`` when the header is malformed, uses another unit or asks
    for several ranges: such a header is ignored and the whole file is served (RFC 9110 14.2).
    """
    match = _RANGE_RE.fullmatch(header.strip())
    if match is None:
        return None
    first_s, last_s = match.groups()
    if not first_s and not last_s:
        return None
    if not first_s:  # suffix range: the last n bytes
        suffix = int(last_s)
        if suffix == 0 or size == 0:
            return False
        return max(0, size - suffix), size - 1
    first = int(first_s)
    last = int(last_s) if last_s else size - 1
    if last_s and last < first:
        return None  # invalid range-spec: ignore the header
    if first >= size:
        return False
    return first, min(last, size - 1)
