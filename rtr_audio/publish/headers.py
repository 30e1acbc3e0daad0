"""The HTTP headers each published file is uploaded with: how long caches may keep it
(Cache-Control, RFC 9111 and RFC 8246's `immutable`) and its media type (Content-Type).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rtr_audio.layout import FEED

# Versioned episode files: ``episodes/<slug>.<8 hex of the content key>.<ext>``
# (``layout.episode_files``).
VERSIONED = re.compile(r"^episodes/[^/]+\.[0-9a-f]{8}\.(mp3|vtt|srt|chapters\.json)$")

# Cache lifetimes. A versioned file never changes under its name: a year and `immutable`
# (RFC 8246). The feed, page and cover keep their names, so caches must ask again soon: apps poll
# feeds hourly at most, and five minutes keeps a CDN from serving a stale feed for long.
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"

# Media types: RSS Advisory Board (application/rss+xml), RFC 3003 (audio/mpeg), W3C WebVTT
# (text/vtt), the Podcasting 2.0 namespace for transcripts (application/x-subrip) and chapters
# (application/json+chapters).
CONTENT_TYPES: dict[str, str] = {
    ".mp3": "audio/mpeg", ".xml": "application/rss+xml", ".vtt": "text/vtt",
    ".srt": "application/x-subrip", ".chapters.json": "application/json+chapters",
    ".json": "application/json", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".png": "image/png", ".html": "text/html; charset=utf-8", ".css": "text/css",
    ".js": "text/javascript", ".txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class Headers:
    """The HTTP headers one file is uploaded with, as rclone's ``--header-upload``.

    Backends that take upload headers in rclone 1.60 (rclone issue #59): S3 and compatibles,
    GCS, B2, Swift, WebDAV and other HTTP ones; Azure Blob from 1.61. SFTP, FTP and local
    folders have no headers: the web server in front of them chooses.
    """

    content_type: str
    cache_control: str

    def flags(self) -> list[str]:
        return ["--header-upload", f"Content-Type: {self.content_type}",
                "--header-upload", f"Cache-Control: {self.cache_control}"]


def headers_for(path: str) -> Headers:
    """Content type and cache lifetime for a published path (``episodes/x.1a2b3c4d.mp3``)."""
    name = path.rsplit("/", 1)[-1]
    suffix = ".chapters.json" if name.endswith(".chapters.json") else Path(name).suffix.lower()
    content_type = CONTENT_TYPES.get(suffix, "application/octet-stream")
    if suffix == ".xml" and path != FEED:
        content_type = "application/xml"
    return Headers(content_type, IMMUTABLE if VERSIONED.match(path) else SHORT)
