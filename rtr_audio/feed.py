"""The podcast feed: RSS 2.0 with iTunes, Podcasting 2.0, Podlove chapters, content and atom.

Built with python-feedgen (and its ``podcast`` extension) plus one small extension of our own for
the ``podcast:`` and ``psc:`` elements, so every text and attribute goes through lxml and comes out
escaped: gPodder's strict parser rejects a whole feed over one bare ``&``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from rtr_audio import __version__
from rtr_audio.layout import COVER, FEED
from rtr_audio.model import BuiltEpisode, Chapter
from rtr_audio.notes import notes_html, plain_text
from rtr_audio.script import Script
from rtr_audio.settings import ShowSettings, normalise_base_url
from rtr_audio.site import episode_anchor
from rtr_audio.transcript import chapter_spans, clock

# The standard prefixes and URIs: AntennaPod only recognises namespaces spelled exactly so.
NAMESPACES = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "psc": "http://podlove.org/simple-chapters",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "atom": "http://www.w3.org/2005/Atom",
}
ITUNES = f"{{{NAMESPACES['itunes']}}}"
PODCAST = f"{{{NAMESPACES['podcast']}}}"
PSC = f"{{{NAMESPACES['psc']}}}"

# Podcasting 2.0's namespace for podcast:guid (docs/tags/guid.md in podcast-namespace).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

CHAPTERS_TYPE = "application/json+chapters"
TRANSCRIPT_TYPES = (("vtt", "text/vtt"), ("srt", "application/x-subrip"))

# XML 1.0 forbids most control characters; lxml refuses them, so they are dropped up front.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def podcast_guid(feed_url: str) -> str:
    """The Podcasting 2.0 ``podcast:guid``: UUIDv5 of the feed URL without scheme or end slashes.

    >>> podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml")
    '917393e3-1b1e-5cef-ace4-edaa54e1f810'
    """
    seed = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", feed_url.strip()).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, seed))


def episode_guid(show_guid: str, script: Script) -> str:
    """An episode's ``<guid>``: the front matter's ``guid:`` if set, else derived from the slug.

    ``show_guid`` is deliberately not part of the seed: it follows the feed URL, and an episode's
    GUID must survive a move of ``base_url`` (apps would list every episode again). The slug
    comes from the file name, so renaming a script gives it a new GUID unless ``guid:`` is set
    in its front matter; neither the audio nor the show title play any part.
    """
    del show_guid  # kept in the signature for callers; see above for why it is unused
    return script.feed_guid


def build_feed(
    show: ShowSettings,
    episodes: Sequence[BuiltEpisode],
    *,
    base_url: str | None = None,
    last_build: dt.datetime | None = None,
) -> bytes:
    """``feed.xml`` as UTF-8 bytes with an XML declaration, pretty-printed, newest episode first.

    ``base_url`` (default: the show's) is where ``audio_out/`` is published; every URL in the
    feed is absolute under it. ``podcast:guid`` is show.yml's ``guid`` if set (a show that moves
    host keeps it), else seeded from the show's own ``base_url`` only, so a one-off address
    (serving on a LAN, a preview) does not change the show's identity.
    ``last_build`` pins ``lastBuildDate`` (reproducible output); default now, in UTC.
    """
    base = normalise_base_url(base_url or show.base_url)
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("rtr", RtrFeedExtension, RtrEntryExtension, atom=False, rss=True)
    _channel(fg, show, base, last_build or dt.datetime.now(dt.UTC))
    for episode in sorted(episodes, key=_newest_first):
        _item(fg, show, base, episode)
    return fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)


def _newest_first(episode: BuiltEpisode) -> tuple[float, int, str]:
    number = episode.script.episode if episode.script.episode is not None else -1
    return (-episode.published.timestamp(), -number, episode.script.slug)


def _channel(fg: FeedGenerator, show: ShowSettings, base: str, last_build: dt.datetime) -> None:
    feed_url = base + FEED
    cover = base + COVER
    fg.title(xml_text(show.title))
    # Order matters: feedgen makes the *last* link the RSS <link>, which must be the website.
    fg.link(href=feed_url, rel="self", type="application/rss+xml")
    fg.link(href=show.website or base, rel="alternate")
    fg.description(xml_text(plain_text(show.description)))
    fg.language(show.language)
    if show.copyright:
        fg.copyright(xml_text(show.copyright))
    fg.lastBuildDate(last_build)
    fg.generator(f"rtr-audio {__version__}")
    fg.image(url=cover, title=xml_text(show.title), link=show.website or base)
    _itunes_channel(fg, show, cover)
    rtr: RtrFeedExtension = fg.rtr
    rtr.explicit = show.explicit
    rtr.guid = show.guid or podcast_guid(normalise_base_url(show.base_url) + FEED)
    rtr.locked_owner = show.owner_email
    rtr.host = xml_text(show.author)
    rtr.license = xml_text(show.license or "")


def _itunes_channel(fg: FeedGenerator, show: ShowSettings, cover: str) -> None:
    podcast: Any = fg.podcast
    podcast.itunes_author(xml_text(show.author))
    if show.owner_email:
        podcast.itunes_owner(name=xml_text(show.owner_name or show.author), email=show.owner_email)
    podcast.itunes_image(cover)
    podcast.itunes_category(
        {"cat": show.category, **({"sub": show.subcategory} if show.subcategory else {})}
    )
    podcast.itunes_type(show.type)  # serial: apps offer the oldest episode first
    podcast.itunes_summary(xml_text(plain_text(show.description)))


def _item(fg: FeedGenerator, show: ShowSettings, base: str, episode: BuiltEpisode) -> None:
    script, files = episode.script, episode.files
    entry = fg.add_entry(order="append")
    title = xml_text(script.title)
    notes = xml_text(episode.notes).strip() or xml_text(script.description)
    entry.title(title)
    # Its place on the show page (published at the base URL): Apple recommends an item <link>.
    entry.link(href=f"{base}#{episode_anchor(script.slug)}")
    entry.guid(episode.guid, permalink=False)
    entry.description(plain_text(notes))  # plain: apps that show it raw see no markup
    entry.content(notes_html(notes))  # lxml escapes the HTML once more: valid content:encoded
    entry.enclosure(base + files.audio, str(episode.audio_bytes), "audio/mpeg")
    entry.pubDate(episode.published)
    podcast: Any = entry.podcast
    podcast.itunes_title(title)
    podcast.itunes_duration(str(round(episode.duration)))
    if script.episode:  # Apple and gPodder ignore 0; feedgen would drop it anyway
        podcast.itunes_episode(script.episode)
    if script.season:
        podcast.itunes_season(script.season)
    podcast.itunes_episode_type(script.type)
    podcast.itunes_image(base + COVER)
    rtr: RtrEntryExtension = entry.rtr
    rtr.explicit = show.explicit
    rtr.transcripts = [(base + getattr(files, kind), mime) for kind, mime in TRANSCRIPT_TYPES]
    rtr.language = show.language
    rtr.chapters_url = base + files.chapters
    rtr.chapters = chapter_spans(episode.chapters, episode.duration)
    rtr.season = script.season
    rtr.episode = script.episode
    rtr.host = xml_text(show.author)


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (lxml would refuse the whole feed)."""
    return _NOT_XML.sub("", text)


def _add(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> None:
    """A child element; empty attributes are left out rather than written as ``attr=""``."""
    element = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v})
    element.text = text


class RtrFeedExtension(BaseExtension):
    """Channel elements feedgen lacks: ``podcast:guid``/``locked``/``person``/``license`` and
    Apple's true/false explicit.

    feedgen's podcast extension only writes the old ``yes``/``no``/``clean`` for
    ``itunes:explicit``; Apple asks for ``true``/``false``.
    """

    def __init__(self) -> None:
        self.explicit = False
        self.guid = ""
        self.locked_owner = ""
        self.host = ""
        self.license = ""

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": NAMESPACES["podcast"], "psc": NAMESPACES["psc"]}

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        channel = feed[0]
        _add(channel, ITUNES + "explicit", "true" if self.explicit else "false")
        _add(channel, PODCAST + "guid", self.guid)
        # "no": other hosts may import the feed, so the show can move; "yes" would make them
        # refuse. The owner email is what a new host uses to verify the move.
        _add(channel, PODCAST + "locked", "no", owner=self.locked_owner)
        if self.host:  # the show's author is its voice: Podcasting 2.0 role "host" (group cast)
            _add(channel, PODCAST + "person", self.host, role="host")
        if self.license:  # an SPDX identifier (cc-by-sa-4.0) or the licence's public name
            _add(channel, PODCAST + "license", self.license)
        return feed


class RtrEntryExtension(BaseEntryExtension):
    """Item elements: explicit, VTT and SRT ``podcast:transcript``, both kinds of chapters,
    ``podcast:season``/``podcast:episode`` for numbered episodes, and the host's
    ``podcast:person``."""

    def __init__(self) -> None:
        self.explicit = False
        self.transcripts: list[tuple[str, str]] = []
        self.language = ""
        self.chapters_url = ""
        self.chapters: list[tuple[Chapter, float]] = []
        self.season: int | None = None
        self.episode: int | None = None
        self.host = ""

    def extend_rss(self, entry: etree._Element) -> etree._Element:
        _add(entry, ITUNES + "explicit", "true" if self.explicit else "false")
        for url, mime in self.transcripts:
            # rel="captions": the VTT is timed, so apps may show it in sync with the audio.
            rel = "captions" if mime == "text/vtt" else ""
            _add(entry, PODCAST + "transcript", url=url, type=mime,
                          language=self.language, rel=rel)
        if self.chapters_url:
            _add(entry, PODCAST + "chapters", url=self.chapters_url, type=CHAPTERS_TYPE)
        if self.chapters:
            psc = etree.SubElement(entry, PSC + "chapters", version="1.2")
            for chapter, _end in self.chapters:
                _add(psc, PSC + "chapter", start=clock(chapter.start),
                              title=xml_text(chapter.title))
        if self.season:
            _add(entry, PODCAST + "season", str(self.season))
        if self.episode:
            _add(entry, PODCAST + "episode", str(self.episode))
        if self.host:  # also per item: gPodder (podcastparser) reads item persons only
            _add(entry, PODCAST + "person", self.host, role="host")
        return entry
