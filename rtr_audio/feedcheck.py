"""Check a built ``feed.xml`` the way podcast apps and Apple's validator will see it.

Independent of :mod:`rtr_audio.feed`: it reads the published bytes with lxml and looks at the
files next to them, so it also catches a feed that drifted from its files (a half-copied upload,
an edited file, a rebuilt MP3 with an old length).
"""

from __future__ import annotations

import email.utils
import ipaddress
import re
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from lxml import etree
from PIL import Image, UnidentifiedImageError

from rtr_audio.feed import NAMESPACES
from rtr_audio.layout import COVER, FEED, PAGE

COVER_MIN, COVER_MAX = 1400, 3000  # Apple's artwork limits, in pixels
NS = NAMESPACES
_DURATION = re.compile(r"^\d+$|^\d{1,2}(:\d{1,2}){1,2}$")
_NUMERIC_HOST = re.compile(r"(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}")
_URL = re.compile(r"(?i)\b(?:https?|ftp)://[^\s\"'<>]+")

# What every channel needs (Apple's requirements plus Podcasting 2.0): XPath → what to say.
CHANNEL_REQUIRED = {
    "title": "<title>",
    "description": "<description>",
    "language": "<language>",
    "image/url": "<image><url>",
    "itunes:image/@href": "<itunes:image href>",
    "itunes:category/@text": "<itunes:category>",
    "itunes:explicit": "<itunes:explicit>",
    "itunes:author": "<itunes:author>",
    "itunes:owner/itunes:email": "<itunes:owner><itunes:email>",
    "atom:link[@rel='self']/@href": '<atom:link rel="self">',
    "podcast:guid": "<podcast:guid>",
}


def check_feed(out_dir: Path) -> list[str]:
    """Every problem with ``out_dir/feed.xml`` and the files it names, one line each."""
    feed_path = out_dir / FEED
    if not feed_path.is_file():
        return [f"{FEED}: not found in {out_dir}; run `rtr-audio build` first"]
    try:
        root = etree.parse(str(feed_path), _parser()).getroot()
    except etree.XMLSyntaxError as exc:
        return [f"{FEED}: not well-formed XML ({exc}); podcast apps will reject it"]
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        return [f"{FEED}: not an RSS 2.0 feed (no <rss><channel>)"]
    problems = _namespace_problems(root) + _channel_problems(channel)
    base = _base_url(channel)
    for item in channel.findall("item"):
        problems += _item_problems(item, out_dir, base)
    problems += _duplicate_guids(channel)
    if base:
        problems += _url_problems("channel", channel, out_dir, base, items=False)
    found = [f"{FEED}: {p}" for p in problems] + cover_problems(out_dir / COVER)
    return found + loopback_problems(out_dir, base)


def _parser() -> etree.XMLParser:
    # Strict like gPodder's: no recovery; and no entity expansion or network access.
    return etree.XMLParser(recover=False, resolve_entities=False, no_network=True)


def _namespace_problems(root: etree._Element) -> list[str]:
    """AntennaPod matches namespaces by their standard prefix *and* URI; both must be exact."""
    problems = []
    for prefix, uri in NS.items():
        declared = root.nsmap.get(prefix)
        if declared is None and uri in root.nsmap.values():
            problems.append(f"namespace {uri} must use the prefix `{prefix}`")
        elif declared is not None and declared != uri:
            problems.append(f"prefix `{prefix}` is bound to {declared}, expected {uri}")
    return problems


def _channel_problems(channel: etree._Element) -> list[str]:
    problems = [f"channel has no {what}" for path, what in CHANNEL_REQUIRED.items()
                if not _value(channel, path)]
    explicit = _value(channel, "itunes:explicit")
    if explicit and explicit not in ("true", "false"):
        problems.append(f"channel <itunes:explicit> is {explicit!r}; Apple wants true or false")
    guid = _value(channel, "podcast:guid")
    if guid and not _is_uuid(guid):
        problems.append(f"channel <podcast:guid> {guid!r} is not a UUID")
    return problems


def _item_problems(item: etree._Element, out_dir: Path, base: str | None) -> list[str]:
    title = _value(item, "title")
    where = f'item "{title}"' if title else "an item"
    problems = [] if title else [f"{where} has no <title>"]
    problems += [f"{where}: {p}" for p in _enclosure_problems(item)]
    guid = item.find("guid")
    if guid is None or not (guid.text or "").strip():
        problems.append(f"{where} has no <guid>")
    elif guid.get("isPermaLink") != "false":
        problems.append(f'{where}: <guid> needs isPermaLink="false" (else apps read it as a URL)')
    pub_date = _value(item, "pubDate")
    if not pub_date:
        problems.append(f"{where} has no <pubDate>")
    elif not _is_rfc2822(pub_date):
        problems.append(f"{where}: <pubDate> {pub_date!r} is not an RFC 2822 date")
    duration = _value(item, "itunes:duration")
    if not duration:
        problems.append(f"{where} has no <itunes:duration>")
    elif not _DURATION.match(duration):
        problems.append(f"{where}: <itunes:duration> {duration!r} is not seconds or HH:MM:SS")
    if base:
        problems += _url_problems(where, item, out_dir, base, items=True)
    return problems


def _enclosure_problems(item: etree._Element) -> list[str]:
    enclosure = item.find("enclosure")
    if enclosure is None:
        return ["has no <enclosure>"]
    problems = [f"<enclosure> has no {attr}" for attr in ("url", "length", "type")
                if not enclosure.get(attr)]
    mime = enclosure.get("type")
    if mime and mime != "audio/mpeg":
        problems.append(f'<enclosure> type is {mime!r}, expected "audio/mpeg"')
    length = enclosure.get("length")
    if length and not length.isdigit():
        problems.append(f"<enclosure> length {length!r} is not a number of bytes")
    return problems


def _url_problems(
    where: str, element: etree._Element, out_dir: Path, base: str, *, items: bool
) -> list[str]:
    """Every URL under the feed's base must name a published file; enclosures their size too."""
    problems = []
    for what, url, length in _local_urls(element, items):
        if not url.startswith(base) or url == base + COVER:
            continue  # hosted elsewhere, or the cover, which cover_problems checks once
        path = _local_path(out_dir, url[len(base):])
        if path is None or not path.is_file():
            problems.append(f"{where}: {what} {url} has no file {url[len(base):]}")
        elif length is not None and length.isdigit() and int(length) != path.stat().st_size:
            problems.append(f"{where}: enclosure length {length} ≠ file size "
                            f"{path.stat().st_size}")
    return problems


def _local_urls(element: etree._Element, items: bool) -> Iterator[tuple[str, str, str | None]]:
    """(what, url, declared length) for the URLs an app will fetch."""
    image = element.find("itunes:image", NS)
    if image is not None and image.get("href"):
        yield "itunes:image", image.get("href", ""), None
    if not items:
        url = _value(element, "image/url")
        if url:
            yield "image", url, None
        return
    enclosure = element.find("enclosure")
    if enclosure is not None and enclosure.get("url"):
        yield "enclosure", enclosure.get("url", ""), enclosure.get("length")
    for tag in ("podcast:transcript", "podcast:chapters"):
        for link in element.findall(tag, NS):
            if link.get("url"):
                yield tag, link.get("url", ""), None


def _local_path(out_dir: Path, relative: str) -> Path | None:
    """The file a URL path names inside ``out_dir``, or None if it would step outside it."""
    parts = PurePosixPath(unquote(relative.split("?")[0].split("#")[0])).parts
    if not parts or ".." in parts or parts[0] == "/":
        return None
    return out_dir.joinpath(*parts)


def _duplicate_guids(channel: etree._Element) -> list[str]:
    seen: set[str] = set()
    problems = []
    for guid in channel.findall("item/guid"):
        text = (guid.text or "").strip()
        if text and text in seen:
            problems.append(f"two items share the guid {text}; apps will show only one")
        seen.add(text)
    return problems


def loopback_problems(out_dir: Path, base: str | None) -> list[str]:
    """Links to this machine (localhost, 127.0.0.0/8, ::1, 0.0.0.0) in the feed or the page of a
    build published anywhere else: listeners' apps and browsers would try their own device.

    A build whose base URL is itself local (``serve``, a preview) is allowed to link there.
    """
    if not base or is_loopback_url(base):
        return []
    problems = []
    for name in (FEED, PAGE):
        try:
            text = (out_dir / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        local = dict.fromkeys(u for u in _URL.findall(text) if is_loopback_url(u))
        problems += [f"{name}: links to {url}, which is this machine, but the show is published "
                     f"at {base}; remove or fix it in show.yml (`website` defaults to the show "
                     "page)" for url in local]
    return problems


def is_loopback_url(url: str) -> bool:
    """True when ``url``'s host is this machine: ``localhost``, a loopback or unspecified IP.

    IPv4 in the short, decimal and hex forms browsers accept (``127.1``, ``2130706433``,
    ``0x7f.0.0.1``, read as inet_aton does) and IPv4-mapped IPv6 (``::ffff:127.0.0.1``) count.
    """
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = _ip_address(host)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address is not None and (address.is_loopback or address.is_unspecified)


def _ip_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not _NUMERIC_HOST.fullmatch(host):
        return None  # a name: inet_aton would not resolve it, and must not be asked to
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def cover_problems(cover: Path) -> list[str]:
    """Apple: a square RGB JPEG (or PNG) of 1400–3000 px; we always publish JPEG."""
    name = cover.name
    if not cover.is_file():
        return [f"{name}: missing; the feed's artwork points at it"]
    try:
        with Image.open(cover) as image:
            kind, mode, (width, height) = image.format, image.mode, image.size
    except (UnidentifiedImageError, OSError) as exc:
        return [f"{name}: not a readable image ({exc})"]
    problems = []
    if kind != "JPEG":
        problems.append(f"{name}: is {kind}, not JPEG")
    if mode != "RGB":
        problems.append(f"{name}: colour mode {mode}; Apple needs RGB")
    if width != height:
        problems.append(f"{name}: {width}×{height} px is not square")
    if min(width, height) < COVER_MIN or max(width, height) > COVER_MAX:
        problems.append(f"{name}: {width}×{height} px; Apple needs {COVER_MIN}–{COVER_MAX} px")
    return problems


def _base_url(channel: etree._Element) -> str | None:
    """Where the feed says it lives (its self link), minus ``feed.xml``: the files' base URL."""
    href = _value(channel, "atom:link[@rel='self']/@href")
    if not href:
        return None
    return href.rsplit("/", 1)[0] + "/"


def _value(element: etree._Element, path: str) -> str:
    """Stripped text (or attribute) at ``path``, "" when absent."""
    found = element.xpath(path, namespaces=NS)
    if not found:
        return ""
    first = found[0]
    text = first if isinstance(first, str) else first.text
    return (text or "").strip()


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) == 36


def _is_rfc2822(text: str) -> bool:
    try:
        return email.utils.parsedate_to_datetime(text) is not None
    except (TypeError, ValueError):
        return False
