"""Feed and page rewriting for ``serve``: absolute URLs follow the address the client used.

``feed.xml`` and ``index.html`` are built for the show's ``base_url``. A phone on the LAN asks
for ``http://192.168.1.23:8000/feed.xml``; it gets the same files with that base swapped in, so
links work without a rebuild. Files on disk are never changed. The client's address comes from
its ``Host`` header only when that is a valid ``host[:port]`` (RFC 9110 7.2, RFC 3986 3.2.2);
anything else falls back to the server's own socket address and never reaches the feed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import threading
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from rtr_audio.layout import FEED
from rtr_audio.serve.static import Entity

ATOM_NS = "http://www.w3.org/2005/Atom"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
# Elements whose text is an identifier, not a link: rewriting them would change episode GUIDs.
_NEVER_REWRITE = frozenset({"guid", f"{{{PODCAST_NS}}}guid"})
_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_PORT_RE = re.compile(r"[0-9]{1,5}")
_CACHE_SIZE = 64


def _xml_parser() -> Any:
    # No entity expansion, no network access, keep CDATA as it was.
    return etree.XMLParser(resolve_entities=False, no_network=True, strip_cdata=False)


def feed_base_url(feed: bytes) -> str | None:
    """The base URL a feed was built for: its ``atom:link rel="self"`` href minus ``feed.xml``.

    Returns ``None`` when the feed cannot be parsed or has no absolute http(s) self link.
    """
    try:
        root = etree.fromstring(feed, _xml_parser())
    except etree.XMLSyntaxError:
        return None
    for link in root.iter(f"{{{ATOM_NS}}}link"):
        if (link.get("rel") or "").strip() != "self":
            continue
        href = (link.get("href") or "").strip()
        parts = urllib.parse.urlsplit(href)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            continue
        if href.endswith(FEED):
            return href[: -len(FEED)]
        return href.rsplit("/", 1)[0] + "/"
    return None


def _swap_prefix(value: str, old: str, new: str) -> str | None:
    """``value`` with a leading ``old`` (after any whitespace) replaced by ``new``, else None."""
    stripped = value.lstrip()
    if not stripped.startswith(old):
        return None
    lead = value[: len(value) - len(stripped)]
    return lead + new + stripped[len(old) :]


def rewrite_feed(feed: bytes, old_base: str, new_base: str) -> bytes:
    """Replace ``old_base`` at the start of every attribute value and element text.

    Namespaces and prefixes are kept exactly; GUIDs are never touched. The result is UTF-8
    with an XML declaration. Raises ``lxml.etree.XMLSyntaxError`` on a broken feed.
    """
    root = etree.fromstring(feed, _xml_parser())
    tree = root.getroottree()
    for el in root.iter():
        if not isinstance(el.tag, str):  # comments, processing instructions, entities
            continue
        for name, value in el.attrib.items():
            swapped = _swap_prefix(value, old_base, new_base)
            if swapped is not None:
                el.set(name, swapped)
        if el.text and el.tag not in _NEVER_REWRITE:
            swapped = _swap_prefix(el.text, old_base, new_base)
            if swapped is not None:
                el.text = swapped
    standalone = tree.docinfo.standalone
    if standalone is None:
        return bytes(etree.tostring(tree, xml_declaration=True, encoding="utf-8"))
    return bytes(
        etree.tostring(tree, xml_declaration=True, encoding="utf-8", standalone=standalone)
    )


def _valid_hostname(name: str) -> bool:
    if len(name) > 253:
        return False
    labels = name.split(".")
    if labels[-1] == "":  # a fully qualified name may end in a dot
        labels.pop()
    return bool(labels) and all(_LABEL_RE.fullmatch(label) for label in labels)


def parse_host(value: str) -> str | None:
    """``host[:port]`` from a ``Host`` header, lower-cased, or None when it is not valid.

    Accepted: a DNS name (letters, digits, hyphens; labels of 1-63 characters), an IPv4 address
    or a bracketed IPv6 address without zone, and an optional port 1-65535. ``host:abc``,
    ``host:99999``, ``host:`` and unbracketed IPv6 are refused.
    """
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        host, rest = value[: end + 1], value[end + 1 :]
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return None
    else:
        host, _, port_part = value.partition(":")
        rest = value[len(host) :]
        if ":" in port_part or not _valid_hostname(host):
            return None
    if rest:
        port = rest[1:]
        if not rest.startswith(":") or not _PORT_RE.fullmatch(port) or not 0 < int(port) < 65536:
            return None
    return value


class RewriteCache:
    """Rewritten feed/page bodies with their ETags, least recently used first out."""

    def __init__(self, size: int = _CACHE_SIZE) -> None:
        self._size = size
        self._items: OrderedDict[tuple[object, ...], tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...], make: Callable[[], bytes]) -> tuple[bytes, str]:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        body = make()  # outside the lock: two threads may both make it, which is harmless
        etag = '"r-' + hashlib.sha256(body).hexdigest()[:32] + '"'
        with self._lock:
            self._items[key] = (body, etag)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return body, etag


def rewrite_entity(
    entity: Entity, rel: str, st: os.stat_result, root: Path, host: str, cache: RewriteCache
) -> None:
    """Swap a feed/page entity's body for one with URLs on ``http://{host}/``."""
    if rel == FEED:
        feed_st = st
    else:
        try:
            feed_st = os.stat(root / FEED)
        except OSError:
            return
    new_base = f"http://{host}/"
    key = (rel, host, st.st_mtime_ns, st.st_size, feed_st.st_mtime_ns, feed_st.st_size)

    def make() -> bytes:
        assert entity.file is not None
        data = entity.file.read()
        feed = data if rel == FEED else (root / FEED).read_bytes()
        old_base = feed_base_url(feed)
        if old_base is None:
            return data
        if rel == FEED:
            return rewrite_feed(data, old_base, new_base)
        return data.replace(old_base.encode(), new_base.encode())

    body, etag = cache.get(key, make)
    entity.use_body(body, etag, max(st.st_mtime, feed_st.st_mtime))
