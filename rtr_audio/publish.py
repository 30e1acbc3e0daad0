"""Publish a built show to any rclone remote in an order that never breaks a listener's feed.

rclone (https://rclone.org/) speaks to S3 and its compatibles, R2, B2, GCS, Azure Blob, WebDAV,
SFTP, FTP and a local path with one syntax, ``remote:path``; credentials stay in rclone's own
configuration file or its ``RCLONE_CONFIG_<NAME>_<KEY>`` environment variables and are never read
or printed here. Every call goes through the ``rclone`` program.

The order (each step starts only when the one before it succeeded):

1. new and changed episode files and sidecars (versioned names: a new version is a new name,
   so the feed on the remote never names a file that is still being written);
2. the cover and the page;
3. the feed, last, uploaded under a temporary name and moved into place server-side where the
   backend can move (local, SFTP, WebDAV, FTP…): one rename over the old feed where the server
   allows it (a local folder), else rclone deletes the old feed just before the move (SFTP and
   WebDAV with rclone 1.60: the feed is briefly absent, never partial); object stores (S3…)
   write whole objects anyway;
4. only then, files that no feed names any more, once past the grace period (``keep_previous``
   in show.yml, 7 days by default; issue 14: apps holding the previous feed still find them).

Versioned episode files are up to date when the remote has them at the same size. The feed, page
and cover keep their names and are compared by the backend's hash where it lists one (local,
SFTP, S3…), else by a small record in ``<out>/.cache/publish.json``: per destination, what was
uploaded (sha256, and the remote size and modification time just after), since when each remote
file has not been named (the grace clock), and whether a move may overwrite. A damaged record
is read as empty: at worst the few unversioned files go again and grace clocks restart.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lxml import etree

from rtr_audio.errors import RtrError, ToolMissing
from rtr_audio.files import atomic_write

FEED = "feed.xml"
PAGE = "index.html"  # as written by build.publish_show
COVER = "cover.jpg"
EPISODES = "episodes"
STATE_NAME = "publish.json"
TEMP_SUFFIX = ".rtr-publish.tmp"

# Versioned episode files: ``episodes/<slug>.<8 hex of the content key>.<ext>`` (build._files).
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
_SECRET_KEY = re.compile(r"(pass|secret|key|token|auth|sas|credentials)", re.IGNORECASE)
_CONNECTION_VALUE = re.compile(r"([,:](\w+)=)(\"[^\"]*\"|'[^']*'|[^,:]*)")
_URL_PASSWORD = re.compile(r"://[^/:@\s]*:([^/@\s]+)@")
_LOG_PREFIX = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (?:[A-Z]+\s*:\s*)?")


class PublishError(RtrError):
    """The show could not be published (bad DEST, rclone failure, nothing built)."""


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


# ---- what the built show holds ---------------------------------------------------------------

@dataclass(frozen=True)
class LocalFile:
    path: str  # relative, with forward slashes
    size: int  # bytes
    sha256: str | None  # only for unversioned files, whose content can change under one name


@dataclass(frozen=True)
class BuiltShow:
    """The published files of an output folder and what its feed names."""

    out: Path
    files: dict[str, LocalFile]
    named: frozenset[str]  # paths the feed names, relative to the base_url it was built for
    base_url: str  # the base_url the feed was built for (its atom:link rel="self")
    warnings: tuple[str, ...]


def read_built_show(out: Path, expected_base_url: str | None = None) -> BuiltShow:
    """Read ``out``: the feed's URLs and every published file (not ``.cache/``, no dotfiles).

    Files under ``episodes/`` that the feed does not name (previous versions kept locally) are not
    published. Raises PublishError when there is no feed or it names a file that is missing.
    """
    feed_path = require_feed(out)
    base_url, urls = feed_urls(feed_path)
    named, warnings = _relative_paths(urls, base_url, feed_path)
    if expected_base_url and expected_base_url != base_url:
        warnings.append(f"{feed_path}: built for {base_url} but show.yml's base_url is "
                        f"{expected_base_url}: run rtr-audio build first")
    files: dict[str, LocalFile] = {}
    for path in _published_files(out):
        rel = path.relative_to(out).as_posix()
        if rel.startswith(f"{EPISODES}/") and rel not in named:
            continue
        digest = None if VERSIONED.match(rel) else _sha256(path)
        files[rel] = LocalFile(rel, path.stat().st_size, digest)
    missing = sorted(named - set(files))
    if missing:
        raise PublishError(f"{feed_path}: names {missing[0]}, which is not in {out} "
                           f"({len(missing)} missing): run rtr-audio build again")
    return BuiltShow(out, files, frozenset(named), base_url, tuple(warnings))


def require_feed(out: Path) -> Path:
    """``out/feed.xml``; PublishError when the show was not built there."""
    feed_path = out / FEED
    if not feed_path.is_file():
        raise PublishError(f"{feed_path}: not found: build the show first (rtr-audio build "
                           f"--out {out})")
    return feed_path


def feed_urls(feed_path: Path) -> tuple[str, list[str]]:
    """The base URL the feed was built for, and every file URL it names.

    The base is the feed's own ``atom:link rel="self"`` minus ``feed.xml``; the files are the
    enclosures, ``podcast:transcript``, ``podcast:chapters``, ``itunes:image`` and ``image/url``.
    """
    try:
        root = etree.parse(str(feed_path), etree.XMLParser(resolve_entities=False)).getroot()
    except (etree.XMLSyntaxError, OSError) as exc:
        raise PublishError(f"{feed_path}: not a readable feed ({exc}): run rtr-audio build "
                           "again") from None
    ns = {"atom": "http://www.w3.org/2005/Atom",
          "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
          "podcast": "https://podcastindex.org/namespace/1.0"}
    selves = root.xpath("/rss/channel/atom:link[@rel='self']/@href", namespaces=ns)
    if not selves:
        raise PublishError(f"{feed_path}: has no atom:link rel=\"self\": run rtr-audio build "
                           "again")
    base_url = str(selves[0]).rsplit("/", 1)[0] + "/"
    found = root.xpath(
        "//enclosure/@url | //podcast:transcript/@url | //podcast:chapters/@url"
        " | //itunes:image/@href | /rss/channel/image/url/text()", namespaces=ns)
    return base_url, sorted({str(url).strip() for url in found})


def _relative_paths(urls: Iterable[str], base_url: str,
                    feed_path: Path) -> tuple[set[str], list[str]]:
    named: set[str] = set()
    outside: list[str] = []
    for url in urls:
        if url.startswith(base_url) and len(url) > len(base_url):
            named.add(unquote(urlparse(url).path)[len(unquote(urlparse(base_url).path)):])
        else:
            outside.append(url)
    warnings = []
    if outside:
        warnings.append(f"{feed_path}: {len(outside)} URLs don't point under the base_url it "
                        f"was built for ({base_url}), e.g. {outside[0]}")
    if is_loopback(base_url):
        warnings.append(f"{feed_path}: built for {base_url}, which only this computer can reach: "
                        "build with --base-url https://… (where DEST is served) before "
                        "publishing to listeners")
    return named, warnings


def is_loopback(url: str) -> bool:
    """Whether ``url`` points at this computer only (the rule ``check --out`` applies)."""
    from rtr_audio.feedcheck import is_loopback_url

    return is_loopback_url(url)


def _published_files(out: Path) -> Iterable[Path]:
    """Every file under ``out`` except dotfiles and dot-folders (``.cache/``, ``.keep``, temps)."""
    for root, dirs, names in os.walk(out):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):
                yield Path(root) / name


def _sha256(path: Path) -> str:
    return _digest(path, "sha256")


def _digest(path: Path, hash_type: str) -> str:
    """Hex digest of a file with one of hashlib's algorithms (md5, sha1, sha256)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, hash_type).hexdigest()


# ---- the publish record ----------------------------------------------------------------------

@dataclass
class Record:
    """What this output folder last published to one destination (``.cache/publish.json``).

    ``uploaded``: path → {"size": bytes, "sha256": hex or None, "modtime": as rclone listed it
    just after the upload, or None}, files we put there;
    ``unnamed_since``: path → ISO 8601 UTC time a remote file was first seen unnamed;
    ``overwrite_move``: whether a server-side move there may replace a file (None: not tried).
    """

    uploaded: dict[str, dict[str, Any]] = field(default_factory=dict)
    unnamed_since: dict[str, str] = field(default_factory=dict)
    overwrite_move: bool | None = None  # learnt: the backend's move replaces existing files


def load_record(path: Path, dest: str) -> Record:
    """The record for ``dest``; anything unreadable or malformed counts as no record.

    Records are kept under DEST with its secrets hidden (``display_dest``): a password in a
    connection string is never written to disk by us.
    """
    try:
        data = _read_json(path)
        entry = data["destinations"][display_dest(dest)]
        uploaded = {str(k): {"size": int(v["size"]), "sha256": v.get("sha256"),
                             "modtime": v.get("modtime")}
                    for k, v in entry.get("uploaded", {}).items()
                    if isinstance(v, dict) and isinstance(v.get("size"), int)}
        since = {str(k): v for k, v in entry.get("unnamed_since", {}).items()
                 if isinstance(v, str) and _parse_time(v) is not None}
        overwrite = entry.get("overwrite_move")
        return Record(uploaded, since, overwrite if isinstance(overwrite, bool) else None)
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return Record()


def save_record(path: Path, dest: str, record: Record) -> None:
    """Write ``record`` for ``dest`` atomically, keeping other destinations' records."""
    try:
        data = _read_json(path)
        destinations = data["destinations"] if isinstance(data["destinations"], dict) else {}
    except (OSError, ValueError, TypeError, KeyError, RecursionError):
        destinations = {}
    destinations[display_dest(dest)] = {"uploaded": record.uploaded,
                                        "unnamed_since": record.unnamed_since,
                                        "overwrite_move": record.overwrite_move}
    atomic_write(path, json.dumps({"version": 1, "destinations": destinations},
                                  indent=1, sort_keys=True).encode())


RECORD_LIMIT = 64 * 2**20  # bytes; a real record is ~150 bytes per published file


def _read_json(path: Path) -> Any:
    """JSON of a regular file of at most RECORD_LIMIT bytes; ValueError for anything else.

    A record replaced by a link to ``/dev/zero`` or a FIFO would otherwise never finish reading.
    """
    info = path.stat()
    if not stat.S_ISREG(info.st_mode) or info.st_size > RECORD_LIMIT:
        raise ValueError(f"{path} is not a regular file under {RECORD_LIMIT} bytes")
    return json.loads(path.read_bytes())


def _parse_time(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else None


# ---- rclone ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RemoteFile:
    path: str
    size: int
    modtime: str | None = None  # as rclone lists it, only asked for where it is needed
    hash: str | None = None  # of the type Backend.hash_type, only asked for where needed


@dataclass(frozen=True)
class Backend:
    """What the destination's backend can do (``rclone backend features``)."""

    can_move: bool  # server-side move: the feed can go up under a temporary name
    hash_type: str | None  # a hash it lists that hashlib also computes (md5, sha1, sha256)


class Rclone:
    """The ``rclone`` program against one destination ``remote:path`` (or a local path)."""

    def __init__(self, dest: str, program: str | None = None):
        found = program or shutil.which("rclone")
        if not found:
            raise ToolMissing("rclone is not installed: run tools/setup-system.sh or "
                              "`apt-get install rclone` (see README)")
        self.program = found
        self.dest = dest
        self.overwrite_move: bool | None = None  # whether a move may replace an existing file

    def target(self, rel: str = "") -> str:
        """``remote:path`` of ``rel`` under DEST (``remote:`` + ``a`` is ``remote:a``)."""
        if not rel:
            return self.dest
        sep = "" if self.dest.endswith((":", "/")) else "/"
        return f"{self.dest}{sep}{rel}"

    def run(self, args: list[str], doing: str, ok_codes: tuple[int, ...] = (0,)) -> str:
        """Run ``rclone ARGS`` quietly; a failure becomes one PublishError line."""
        try:
            done = subprocess.run([self.program, *args], capture_output=True, text=True,
                                  stdin=subprocess.DEVNULL)
        except OSError as exc:
            raise PublishError(f"rclone could not start: {exc}") from None
        if done.returncode not in ok_codes:
            # rclone may echo part of a connection string (with its pass=…) in its reason
            reason = hide_secrets(rclone_reason(done.stderr), self.dest)
            raise PublishError(f"rclone could not {doing} {display_dest(self.dest)}: {reason}")
        if done.returncode != 0:
            return ""
        return done.stdout

    def backend(self) -> Backend:
        """The backend's features; also the first contact, so a bad DEST fails here."""
        raw = self.run(["backend", "features", self.target()], "reach")
        try:
            data = json.loads(raw)
            hashes = [h.lower() for h in data.get("Hashes") or []]
            return Backend(bool(data["Features"]["Move"]),
                           next((h for h in ("md5", "sha1", "sha256") if h in hashes), None))
        except (ValueError, KeyError, TypeError, AttributeError):
            return Backend(False, None)

    def files(self, paths: list[str] | None = None, hash_type: str | None = None,
             modtime: bool = False) -> dict[str, RemoteFile]:
        """Files under DEST (all, or only ``paths``), with a hash or modtime when asked.

        DEST not existing yet lists as empty (rclone's exit code 3, directory not found).
        """
        args = ["lsjson", "-R", "--files-only", "--no-mimetype", self.target()]
        args += [] if modtime else ["--no-modtime"]
        args += ["--hash-type", hash_type] if hash_type else []
        if paths is None:
            raw = self.run(args, "list", ok_codes=(0, 3))
        else:
            with path_list(paths) as listing:
                raw = self.run([*args, "--files-from-raw", listing], "list", ok_codes=(0, 3))
        try:
            entries = json.loads(raw) if raw.strip() else []
            return {e["Path"]: RemoteFile(e["Path"], int(e["Size"]), e.get("ModTime"),
                                          (e.get("Hashes") or {}).get(hash_type or "") or None)
                    for e in entries}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PublishError(f"rclone listed {display_dest(self.dest)} in a form rtr-audio "
                               f"does not understand ({exc})") from None

    def copy(self, out: Path, paths: list[str], headers: Headers) -> None:
        """Upload ``paths`` (relative to ``out``) to the same paths under DEST."""
        with path_list(paths) as listing:
            self.run(["copy", str(out), self.target(), "--files-from-raw", listing,
                      "--no-traverse", "--no-check-dest", *headers.flags()], "upload to")

    def replace(self, local: Path, rel: str, headers: Headers, atomic: bool,
                existed: bool) -> None:
        """Put ``local`` at ``rel``: under a temporary name, then a server-side move.

        The move first asks the backend to rename over the old file (``--no-check-dest``: one
        atomic rename on local disks and SFTP with OpenSSH's posix-rename). Backends that refuse
        to overwrite (WebDAV answers 412) get rclone's own replace: the old file is deleted just
        before the move, so the file is briefly absent, never partial. ``--ignore-times`` makes
        rclone move even when old and new have the same size and no comparable hash (it would
        otherwise keep the old file and drop the new one).
        """
        if not atomic:
            self.run(["copyto", str(local), self.target(rel), "--no-check-dest",
                      *headers.flags()], "upload to")
            return
        temp = temp_name(rel)
        self.run(["copyto", str(local), self.target(temp), "--no-check-dest", *headers.flags()],
                 "upload to")
        if self.overwrite_move is not False or not existed:
            try:
                self.run(["moveto", self.target(temp), self.target(rel), "--no-check-dest",
                          "--retries", "1"], "move a file on")
                if existed:  # only a move onto an existing file shows that it overwrites
                    self.overwrite_move = True
                return
            except PublishError:
                if not existed:
                    raise
                self.overwrite_move = False
        self.run(["moveto", self.target(temp), self.target(rel), "--ignore-times"],
                 "move a file on")

    def delete(self, paths: list[str]) -> None:
        with path_list(paths) as listing:
            self.run(["delete", self.target(), "--files-from-raw", listing], "delete on")


@contextlib.contextmanager
def path_list(paths: Iterable[str]) -> Iterator[str]:
    """A temporary file naming ``paths``, one per line, for rclone's ``--files-from-raw``."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("".join(f"{rel}\n" for rel in paths))
    try:
        yield listing.name
    finally:
        os.unlink(listing.name)


def temp_name(rel: str) -> str:
    """``episodes/x.mp3`` → ``episodes/.x.mp3.rtr-publish.tmp`` (hidden, ours, one per file)."""
    folder, _, name = rel.rpartition("/")
    return f"{folder}/.{name}{TEMP_SUFFIX}" if folder else f".{name}{TEMP_SUFFIX}"


def check_dest(dest: str, out: Path) -> None:
    """Refuse a DEST that rclone would misread, or a local DEST overlapping ``out``.

    A leading ``-`` makes rclone read DEST as one of its own options (``--config=…``, ``-vv``);
    control characters (a newline, a tab) are never part of a real path and break our one-line
    messages; a local folder inside ``out`` (or ``out`` itself, or one holding it) would be
    published into itself again on every publish. Raises PublishError (one line).
    """
    if not dest.strip():
        raise PublishError("DEST is empty: give an rclone remote:path such as s3:bucket/show")
    if dest.startswith("-"):
        raise PublishError(f"DEST {dest[:60]!r} starts with '-', which rclone would read as an "
                           "option: for a local folder of that name write ./" + dest[:60])
    if any(ord(c) < 32 or ord(c) == 127 for c in dest):
        raise PublishError(f"DEST {display_dest(dest)[:60]!r} contains a control character "
                           "(newline, tab…): give an rclone remote:path on one line")
    local = _local_path(dest)
    if local is not None:
        there, built = local.resolve(), out.resolve()
        if there == built or built in there.parents or there in built.parents:
            raise PublishError(f"DEST {dest} overlaps the output folder {out}: publish to a "
                               "folder outside it (and not one that holds it)")


def _local_path(dest: str) -> Path | None:
    """The local folder DEST names (a plain path or ``:local:path``), else None (a remote)."""
    if dest.startswith(":local:"):
        return Path(dest[len(":local:"):] or ".")
    head = dest.split("/", 1)[0]
    return Path(dest) if ":" not in head else None


def display_dest(dest: str) -> str:
    """DEST for messages, with secrets in an rclone connection string replaced by ``***``.

    ``:webdav,url=https://h/,pass=XYZ:show`` → ``:webdav,url=https://h/,pass=***:show``; a
    password in a URL's user part (``https://u:XYZ@h/``) too.
    """
    return hide_secrets(dest, dest)


def hide_secrets(text: str, dest: str) -> str:
    """``text`` with every secret of ``dest`` (and any ``pass=…``-like value or URL password in
    ``text`` itself) replaced by ``***``."""
    secrets = [m.group(3).strip("'\"") for m in _CONNECTION_VALUE.finditer(dest)
               if _SECRET_KEY.search(m.group(2))]
    secrets += [m.group(1) for m in _URL_PASSWORD.finditer(dest)]
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, "***")
    text = _CONNECTION_VALUE.sub(lambda m: m.group(1) + ("***" if _SECRET_KEY.search(m.group(2))
                                                         else m.group(3)), text)
    return _URL_PASSWORD.sub(lambda m: m.group(0).replace(m.group(1), "***"), text)


def rclone_reason(stderr: str) -> str:
    """The one line of rclone's error output that says why, credentials removed."""
    lines = [_LOG_PREFIX.sub("", line).strip() for line in stderr.splitlines()]
    lines = [line for line in lines if line and not line.startswith("NOTICE")]
    reason = next((line for line in reversed(lines) if line.startswith("Failed to")),
                  lines[-1] if lines else "unknown error")
    # "Failed to create file system for "x:y": why" and "Failed to copy: why" → why
    reason = re.sub(r'^Failed to [\w ]+?(?: for "[^"]*")?: ', "", reason)
    if "didn't find section in config file" in reason:
        reason += (" (no such rclone remote: set it up with `rclone config` or "
                   "RCLONE_CONFIG_<NAME>_TYPE=… variables, see README)")
    return redact(reason)


def redact(text: str) -> str:
    """Replace the value of every credential-like RCLONE_* environment variable by ``***``."""
    for name, value in os.environ.items():
        if name.startswith("RCLONE_") and _SECRET_KEY.search(name) and len(value) >= 4:
            text = text.replace(value, "***")
    return text


# ---- the plan and its execution --------------------------------------------------------------

@dataclass
class Plan:
    """What one publish does, phase by phase (paths relative to DEST)."""

    media: list[str]  # phase 1: episode files and sidecars, uploaded in place (new names)
    page: list[str]  # phase 2: cover, page and any other top-level file (atomic replace)
    feed: bool  # phase 3: the feed (atomic replace)
    delete: list[str]  # phase 4: files no feed names, past their grace period
    kept: dict[str, dt.datetime]  # unnamed files still inside their grace period → due time

    def uploads(self) -> list[str]:
        return [*self.media, *self.page, *([FEED] if self.feed else [])]


def make_plan(show: BuiltShow, remote: Mapping[str, RemoteFile], record: Record,
              keep_previous: dt.timedelta, now: dt.datetime, hash_type: str | None) -> Plan:
    """Decide what to upload and delete; updates ``record.unnamed_since`` for unnamed files.

    A versioned file is up to date when the remote has it at the same size: its name is its
    content. The feed, page and cover keep their names, so they are compared by content: by the
    backend's hash (``hash_type``, listed in ``remote``) where it has one, otherwise by the
    record of what this folder uploaded, valid while the remote file keeps the size and
    modification time it had just after that upload (someone else's upload changes them).
    """
    changed = [rel for rel, local in sorted(show.files.items())
               if _needs_upload(show.out, local, remote.get(rel), record, hash_type)]
    media = [rel for rel in changed if rel.startswith(f"{EPISODES}/")]
    page = [rel for rel in changed if rel not in media and rel != FEED]
    delete, kept = [], {}
    for rel in sorted(remote):
        if rel in show.files or not _ours(rel, record):
            record.unnamed_since.pop(rel, None)
            continue
        since = _parse_time(record.unnamed_since.get(rel, "")) or now
        record.unnamed_since[rel] = since.isoformat()
        due = since + keep_previous
        if rel.endswith(TEMP_SUFFIX) or due <= now:
            delete.append(rel)
        else:
            kept[rel] = due
    for rel in list(record.unnamed_since):
        if rel not in remote:
            del record.unnamed_since[rel]
    return Plan(media, page, FEED in changed, delete, kept)


def _needs_upload(out: Path, local: LocalFile, remote: RemoteFile | None, record: Record,
                  hash_type: str | None) -> bool:
    if remote is None or remote.size != local.size:
        return True
    if local.sha256 is None:
        return False
    if hash_type and remote.hash:
        return remote.hash.lower() != _digest(out / local.path, hash_type)
    sent = record.uploaded.get(local.path) or {}
    return (sent.get("sha256") != local.sha256 or sent.get("size") != local.size
            or not sent.get("modtime") or sent.get("modtime") != remote.modtime)


def _ours(rel: str, record: Record) -> bool:
    """Files rtr-audio put there: recorded uploads, versioned episodes, our temporary files.

    Anything else at DEST (a robots.txt, another site) belongs to someone else and stays.
    """
    return rel in record.uploaded or bool(VERSIONED.match(rel)) or rel.endswith(TEMP_SUFFIX)


@dataclass
class PublishSummary:
    dest: str
    uploaded: int = 0
    uploaded_bytes: int = 0
    deleted: int = 0
    kept: int = 0
    seconds: float = 0.0
    dry_run: bool = False

    def line(self) -> str:
        mb = self.uploaded_bytes / 1e6
        kept = f", {self.kept} kept for their grace period" if self.kept else ""
        if self.dry_run:
            return (f"Dry run: {self.uploaded} files ({mb:.1f} MB) would be uploaded and "
                    f"{self.deleted} deleted{kept}; nothing was changed on {self.dest}")
        if not self.uploaded and not self.deleted:
            return (f"Up to date on {self.dest}: 0 files uploaded (nothing changed){kept}; "
                    f"{self.seconds:.1f}s")
        return (f"Published to {self.dest}: {self.uploaded} files uploaded ({mb:.1f} MB), "
                f"{self.deleted} deleted{kept}; {self.seconds:.1f}s")


@dataclass(frozen=True)
class PublishOptions:
    dest: str
    out_dir: Path
    dry_run: bool = False
    keep_previous: dt.timedelta = dt.timedelta(0)
    expected_base_url: str | None = None


def publish(options: PublishOptions, say: Callable[[str], None],
            warn: Callable[[str], None], now: dt.datetime | None = None) -> PublishSummary:
    """Publish ``options.out_dir`` to ``options.dest`` in the four phases of the module doc.

    ``say`` gets one progress line per phase, ``warn`` each warning; ``now`` (UTC, for tests)
    is the clock the grace period is measured on. Raises PublishError (one line) on a bad DEST
    or an rclone failure, ToolMissing without rclone.
    """
    from rtr_audio.lock import build_lock

    started = time.monotonic()
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    check_dest(options.dest, options.out_dir)
    rclone = Rclone(options.dest)
    shown = display_dest(options.dest)
    state = options.out_dir / ".cache" / STATE_NAME
    require_feed(options.out_dir)  # before the lock, which would create folders
    with build_lock(options.out_dir / ".cache", warn):
        show = read_built_show(options.out_dir, options.expected_base_url)
        for message in show.warnings:
            warn(f"warning: {message}")
        record = load_record(state, options.dest)
        backend = rclone.backend()
        remote = rclone.files()
        remote.update(_compare_details(show, remote, rclone, backend))
        plan = make_plan(show, remote, record, options.keep_previous, now, backend.hash_type)
        summary = PublishSummary(shown, dry_run=options.dry_run)
        summary.uploaded = len(plan.uploads())
        summary.uploaded_bytes = sum(show.files[rel].size for rel in plan.uploads())
        summary.deleted, summary.kept = len(plan.delete), len(plan.kept)
        if options.dry_run:
            _describe(plan, show, remote, say)
        else:
            _execute(plan, show, remote, rclone, backend, record, state, options.dest, say)
    summary.seconds = time.monotonic() - started
    return summary


def _compare_details(show: BuiltShow, remote: Mapping[str, RemoteFile], rclone: Rclone,
                     backend: Backend) -> dict[str, RemoteFile]:
    """Hashes (or else modification times) of the remote copies of the unversioned files that
    have the right size: one listing of a handful of small files, never of the episodes."""
    same_size = [rel for rel, local in show.files.items() if local.sha256 is not None
                 and rel in remote and remote[rel].size == local.size]
    if not same_size:
        return {}
    return rclone.files(same_size, backend.hash_type, modtime=backend.hash_type is None)


def _describe(plan: Plan, show: BuiltShow, remote: Mapping[str, RemoteFile],
              say: Callable[[str], None]) -> None:
    for rel in plan.uploads():
        how = "replace" if rel in remote else "upload "
        say(f"would {how} {rel} ({show.files[rel].size} bytes, "
            f"{headers_for(rel).content_type})")
    for rel in plan.delete:
        say(f"would delete  {rel} (no feed names it)")
    for rel, due in sorted(plan.kept.items()):
        say(f"would keep    {rel} (no feed names it; removed after {due:%Y-%m-%d %H:%M} UTC)")


def _execute(plan: Plan, show: BuiltShow, remote: Mapping[str, RemoteFile], rclone: Rclone,
             backend: Backend, record: Record, state: Path, dest: str,
             say: Callable[[str], None]) -> None:
    """Run the four phases; the record is saved after every step, so a killed run loses
    nothing that finished."""
    books = _Books(show, rclone, record, state, dest)
    say(_phase(1, "episodes and sidecars", plan.media, show))
    groups: dict[Headers, list[str]] = {}
    for rel in plan.media:  # one rclone run per content type and cache lifetime
        groups.setdefault(headers_for(rel), []).append(rel)
    for headers, paths in groups.items():
        rclone.copy(show.out, paths, headers)
        books.sent(paths)
    say(_phase(2, "cover and page", plan.page, show))
    for rel in plan.page:
        rclone.replace(show.out / rel, rel, headers_for(rel), backend.can_move, rel in remote)
        books.sent([rel])
    how = " (temporary name, then a server-side move)" if backend.can_move else ""
    say(_phase(3, f"feed{how}", [FEED] if plan.feed else [], show))
    if plan.feed:
        rclone.replace(show.out / FEED, FEED, headers_for(FEED), backend.can_move,
                       FEED in remote)
        books.sent([FEED])
    if backend.hash_type is None:  # nothing to compare by next time but modification times
        books.note_modtimes([*plan.page, *([FEED] if plan.feed else [])])
    say(f"4/4 old files: {len(plan.delete)} to delete, {len(plan.kept)} kept for their grace "
        "period")
    if plan.delete:
        rclone.delete(plan.delete)
    books.deleted(plan.delete)


class _Books:
    """Keeps the publish record in step with what rclone has done."""

    def __init__(self, show: BuiltShow, rclone: Rclone, record: Record, state: Path,
                 dest: str):
        self.show, self.rclone, self.record, self.state, self.dest = \
            show, rclone, record, state, dest
        rclone.overwrite_move = record.overwrite_move

    def sent(self, paths: list[str]) -> None:
        for rel in paths:
            local = self.show.files[rel]
            self.record.uploaded[rel] = {"size": local.size, "sha256": local.sha256}
        self.save()

    def note_modtimes(self, paths: list[str]) -> None:
        """The modification times the backend gave files just uploaded: another publisher's
        upload changes them, which the next publish sees."""
        if not paths:
            return
        for rel, listed in self.rclone.files(paths, modtime=True).items():
            if rel in self.record.uploaded:
                self.record.uploaded[rel]["modtime"] = listed.modtime
        self.save()

    def deleted(self, paths: list[str]) -> None:
        for rel in paths:
            self.record.uploaded.pop(rel, None)
            self.record.unnamed_since.pop(rel, None)
        self.save()

    def save(self) -> None:
        self.record.overwrite_move = self.rclone.overwrite_move
        save_record(self.state, self.dest, self.record)


def _phase(number: int, name: str, paths: list[str], show: BuiltShow) -> str:
    size = sum(show.files[rel].size for rel in paths) / 1e6
    if not paths:
        return f"{number}/4 {name}: nothing changed"
    files = "file" if len(paths) == 1 else "files"
    return f"{number}/4 {name}: uploading {len(paths)} {files} ({size:.1f} MB)"


def publish_options(dest: str | None, out_dir: Path, scripts_dir: Path,
                    dry_run: bool) -> PublishOptions:
    """Options from the command line and show.yml: ``publish_to`` when DEST is not given,
    ``keep_previous`` (the grace period) and ``base_url`` (to warn about a stale build).

    Without a show.yml the settings' defaults apply (a 7-day grace period). Raises InputError
    on a bad show.yml, PublishError when there is no destination at all.
    """
    from rtr_audio.errors import InputError
    from rtr_audio.settings import ShowSettings, load_settings

    settings: ShowSettings | None = None
    show_yml = scripts_dir / "show.yml"
    if show_yml.is_file():
        settings, problems = load_settings(show_yml)
        if problems:
            raise InputError(problems)
    dest = dest or (settings.publish_to if settings else None)
    if not dest:
        raise PublishError(f"no destination: give DEST (an rclone remote:path such as "
                           f"s3:bucket/show) or set publish_to in {show_yml}")
    keep = settings.keep_previous if settings else ShowSettings.keep_previous
    # A show.yml still on the local default is normal with `build --base-url`: nothing to check.
    expected = settings.base_url if settings and not is_loopback(settings.base_url) else None
    return PublishOptions(dest=dest, out_dir=out_dir, dry_run=dry_run, keep_previous=keep,
                          expected_base_url=expected)

