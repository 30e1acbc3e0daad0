"""The built show as publishing sees it: the feed's URLs, read with lxml, and every file under
the output folder that is to be published (never ``.cache/`` or dotfiles).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from lxml import etree

from rtr_audio.errors import PublishError
from rtr_audio.feedcheck import is_loopback_url
from rtr_audio.layout import EPISODES, FEED
from rtr_audio.publish.headers import VERSIONED

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
        digest = None if VERSIONED.match(rel) else sha256(path)
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
    return is_loopback_url(url)


def _published_files(out: Path) -> Iterable[Path]:
    """Every file under ``out`` except dotfiles and dot-folders (``.cache/``, ``.keep``, temps)."""
    for root, dirs, names in os.walk(out):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):
                yield Path(root) / name


def sha256(path: Path) -> str:
    return digest(path, "sha256")


def digest(path: Path, hash_type: str) -> str:
    """Hex digest of a file with one of hashlib's algorithms (md5, sha1, sha256)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, hash_type).hexdigest()
