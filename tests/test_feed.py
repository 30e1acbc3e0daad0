"""The feed, read by real podcast parsers (podcastparser as in gPodder, feedparser) and XPath."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import uuid
from pathlib import Path

import feedparser
import lxml.html
import podcastparser
import pytest
from lxml import etree

from rtr_audio.feed import build_feed, episode_guid, podcast_guid
from rtr_audio.model import BuiltEpisode, Chapter, Cue, EpisodeFiles
from rtr_audio.script import Script
from rtr_audio.settings import ShowSettings

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "psc": "http://podlove.org/simple-chapters",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "atom": "http://www.w3.org/2005/Atom",
}
# podcastparser 0.6.11 only maps the namespace's first, GitHub-hosted URI, which the spec says
# clients must treat as identical to https://podcastindex.org/namespace/1.0.
LEGACY_PODCAST_NS = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
BASE = "https://pods.example.org/healing/"
LAST_BUILD = dt.datetime(2026, 11, 22, 8, 30, tzinfo=dt.UTC)
TRICKY = "Fish & Chips <Live> \"quoted\" 'single' 🌿 café"


def make_show(**changes) -> ShowSettings:
    values = dict(
        path=Path("show.yml"), title="Healing & <Repair> 🌿", description="A gentle series.",
        author="Anne Author", owner_name="Anne", owner_email="anne@example.org",
        base_url=BASE, website="https://example.org/", copyright="© 2026 Anne",
    )
    values.update(changes)
    return ShowSettings(**values)


def make_episode(slug: str, title: str, *, number: int | None, kind: str, day: int,
                 notes: str = "Short notes.", guid: str | None = None, size: int = 12345,
                 tag: str = "abc123") -> BuiltEpisode:
    script = Script(path=Path(f"{slug}.md"), slug=slug, title=title, description="desc",
                    blocks=(), episode=number, type=kind, guid=guid)
    files = EpisodeFiles(
        audio=f"episodes/{slug}.{tag}.mp3", vtt=f"episodes/{slug}.{tag}.vtt",
        srt=f"episodes/{slug}.{tag}.srt", chapters=f"episodes/{slug}.{tag}.chapters.json",
    )
    return BuiltEpisode(
        script=script, guid=episode_guid("", script), files=files, audio_bytes=size,
        duration=125.6, chapters=(Chapter(0, "Arriving"), Chapter(61.5, "Breathing & <b>")),
        cues=(Cue(0, 1, "Hi."),), published=dt.datetime(2026, 11, day, 6, tzinfo=dt.UTC),
        notes=notes,
    )


def episodes(**changes) -> list[BuiltEpisode]:
    return [
        make_episode("welcome", "Welcome", number=None, kind="trailer", day=1, **changes),
        make_episode("tricky", TRICKY, number=1, kind="full", day=8,
                     notes=f"{TRICKY}\n\nSecond paragraph & more <tags>.\nSame paragraph.",
                     **changes),
        make_episode("naming", "Naming a Need", number=2, kind="bonus", day=15, **changes),
    ]


@pytest.fixture
def feed() -> bytes:
    return build_feed(make_show(), episodes(), last_build=LAST_BUILD)


@pytest.fixture
def root(feed: bytes) -> etree._Element:
    return etree.fromstring(feed)


def one(node: etree._Element, path: str):
    found = node.xpath(path, namespaces=NS)
    assert len(found) == 1, f"{path}: {len(found)} matches"
    return found[0]


def items(root: etree._Element) -> list[etree._Element]:
    return root.xpath("channel/item")


# --- readers -----------------------------------------------------------------------------------

def test_bytes_are_utf8_xml_with_declaration(feed: bytes) -> None:
    assert feed.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<rss")
    assert "🌿".encode() in feed  # raw UTF-8, not character references
    assert feed.count(b"\n") > 50  # pretty-printed


def test_podcastparser_reads_it_strictly(feed: bytes) -> None:
    parsed = podcastparser.parse(BASE + "feed.xml", io.BytesIO(feed))
    assert parsed["title"] == "Healing & <Repair> 🌿"
    assert parsed["cover_url"] == BASE + "cover.jpg"
    assert parsed["explicit"] is False
    assert parsed["itunes_owner"] == {"name": "Anne", "email": "anne@example.org"}
    assert parsed["itunes_categories"] == [["Health & Fitness", "Mental Health"]]
    eps = parsed["episodes"]
    assert [e["title"] for e in eps] == ["Naming a Need", TRICKY, "Welcome"]
    assert [e.get("number") for e in eps] == [2, 1, None]
    assert [e["type"] for e in eps] == ["bonus", "full", "trailer"]
    tricky = eps[1]
    assert tricky["guid"] == episode_guid("", episodes()[1].script)  # not resolved as a URL
    assert tricky["enclosures"] == [{"url": BASE + "episodes/tricky.abc123.mp3",
                                     "file_size": 12345, "mime_type": "audio/mpeg"}]
    assert tricky["total_time"] == 126
    assert tricky["published"] == int(dt.datetime(2026, 11, 8, 6, tzinfo=dt.UTC).timestamp())
    # gPodder takes the text from content:encoded here (the notes contain "<"): all of it.
    assert tricky["description"] == (f"{TRICKY}\n\nSecond paragraph & more <tags>. "
                                     "Same paragraph.")
    assert tricky["chapters"] == [{"start": 0, "title": "Arriving"},
                                  {"start": 61, "title": "Breathing & <b>"}]  # psc, whole s


def test_podcastparser_sees_podcast_namespace_under_its_known_uri(feed: bytes) -> None:
    legacy = feed.replace(NS["podcast"].encode(), LEGACY_PODCAST_NS.encode())
    parsed = podcastparser.parse(BASE + "feed.xml", io.BytesIO(legacy))
    assert parsed["import_prohibited"] is False  # podcast:locked no
    tricky = parsed["episodes"][1]
    assert tricky["chapters_json_url"] == BASE + "episodes/tricky.abc123.chapters.json"
    # It keeps one transcript URL (the last); both are ours.
    assert tricky["transcript_url"] in (BASE + "episodes/tricky.abc123.vtt",
                                        BASE + "episodes/tricky.abc123.srt")


def test_feedparser_reads_it_without_complaint(feed: bytes) -> None:
    parsed = feedparser.parse(feed)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.feed.title == "Healing & <Repair> 🌿"
    assert parsed.feed.language == "en-us"
    assert [e.title for e in parsed.entries] == ["Naming a Need", TRICKY, "Welcome"]
    entry = parsed.entries[1]
    assert entry.id == episode_guid("", episodes()[1].script)
    assert entry.guidislink is False
    assert entry.enclosures[0].href == BASE + "episodes/tricky.abc123.mp3"
    assert entry.enclosures[0].length == "12345"
    assert entry.itunes_duration == "126"


# --- XPath: channel ----------------------------------------------------------------------------

def test_namespaces_use_their_standard_prefixes(root: etree._Element) -> None:
    assert {p: root.nsmap[p] for p in NS} == NS
    assert root.tag == "rss" and root.get("version") == "2.0"


def test_channel_elements(root: etree._Element) -> None:
    channel = one(root, "channel")
    assert one(channel, "title/text()") == "Healing & <Repair> 🌿"
    assert one(channel, "link/text()") == "https://example.org/"
    assert one(channel, "description/text()") == "A gentle series."
    assert one(channel, "language/text()") == "en-us"
    assert one(channel, "copyright/text()") == "© 2026 Anne"
    assert one(channel, "lastBuildDate/text()") == "Sun, 22 Nov 2026 08:30:00 +0000"
    assert one(channel, "generator/text()").startswith("rtr-audio ")
    self_link = one(channel, "atom:link[@rel='self']")
    assert self_link.get("href") == BASE + "feed.xml"
    assert self_link.get("type") == "application/rss+xml"
    assert one(channel, "image/url/text()") == BASE + "cover.jpg"
    assert one(channel, "image/link/text()") == "https://example.org/"
    assert one(channel, "itunes:image/@href") == BASE + "cover.jpg"
    assert one(channel, "itunes:author/text()") == "Anne Author"
    assert one(channel, "itunes:owner/itunes:name/text()") == "Anne"
    assert one(channel, "itunes:owner/itunes:email/text()") == "anne@example.org"
    category = one(channel, "itunes:category")
    assert category.get("text") == "Health & Fitness"
    assert one(category, "itunes:category/@text") == "Mental Health"
    assert one(channel, "itunes:explicit/text()") == "false"
    assert one(channel, "itunes:type/text()") == "episodic"
    assert one(channel, "itunes:summary/text()") == "A gentle series."
    assert one(channel, "podcast:guid/text()") == podcast_guid(BASE + "feed.xml")
    locked = one(channel, "podcast:locked")
    assert locked.text == "no" and locked.get("owner") == "anne@example.org"


def test_explicit_show_says_true() -> None:
    root = etree.fromstring(build_feed(make_show(explicit=True), episodes()))
    assert root.xpath("//itunes:explicit/text()", namespaces=NS) == ["true"] * 4


def test_channel_link_falls_back_to_base_and_owner_is_optional() -> None:
    root = etree.fromstring(build_feed(make_show(website=None, owner_email="", copyright=None),
                                       episodes()))
    assert one(root, "channel/link/text()") == BASE
    assert root.xpath("channel/itunes:owner", namespaces=NS) == []
    assert root.xpath("channel/copyright") == []
    locked = one(root, "channel/podcast:locked")
    assert locked.text == "no" and locked.get("owner") is None


def test_category_without_subcategory() -> None:
    root = etree.fromstring(build_feed(make_show(category="History", subcategory=None),
                                       episodes()))
    category = one(root, "channel/itunes:category")
    assert category.get("text") == "History" and len(category) == 0


# --- XPath: items ------------------------------------------------------------------------------

def test_items_newest_first(root: etree._Element) -> None:
    titles = [one(i, "title/text()") for i in items(root)]
    assert titles == ["Naming a Need", TRICKY, "Welcome"]


def test_item_elements(root: etree._Element) -> None:
    item = items(root)[1]
    stem = BASE + "episodes/tricky.abc123"
    assert one(item, "title/text()") == TRICKY
    assert one(item, "itunes:title/text()") == TRICKY
    assert one(item, "description/text()") == episodes()[1].notes
    guid = one(item, "guid")
    assert guid.get("isPermaLink") == "false"
    assert guid.text == episode_guid("", episodes()[1].script)
    enclosure = one(item, "enclosure")
    assert dict(enclosure.attrib) == {"url": stem + ".mp3", "length": "12345",
                                      "type": "audio/mpeg"}
    assert one(item, "pubDate/text()") == "Sun, 08 Nov 2026 06:00:00 +0000"
    assert one(item, "itunes:duration/text()") == "126"
    assert one(item, "itunes:episode/text()") == "1"
    assert one(item, "itunes:episodeType/text()") == "full"
    assert one(item, "itunes:explicit/text()") == "false"
    assert one(item, "itunes:image/@href") == BASE + "cover.jpg"
    vtt = one(item, "podcast:transcript[@type='text/vtt']")
    assert dict(vtt.attrib) == {"url": stem + ".vtt", "type": "text/vtt", "language": "en-us",
                                "rel": "captions"}
    srt = one(item, "podcast:transcript[@type='application/x-subrip']")
    assert dict(srt.attrib) == {"url": stem + ".srt", "type": "application/x-subrip",
                                "language": "en-us"}
    chapters = one(item, "podcast:chapters")
    assert dict(chapters.attrib) == {"url": stem + ".chapters.json",
                                     "type": "application/json+chapters"}


def test_psc_chapters(root: etree._Element) -> None:
    psc = one(items(root)[1], "psc:chapters")
    assert psc.get("version") == "1.2"
    chapters = [(c.get("start"), c.get("title")) for c in psc.xpath("psc:chapter", namespaces=NS)]
    assert chapters == [("00:00:00.000", "Arriving"), ("00:01:01.500", "Breathing & <b>")]
    for start, _ in chapters:
        assert re.fullmatch(r"\d{2}:\d{2}:\d{2}\.\d{3}", start)


def test_trailer_has_no_episode_number(root: etree._Element) -> None:
    trailer = items(root)[2]
    assert one(trailer, "itunes:episodeType/text()") == "trailer"
    assert trailer.xpath("itunes:episode", namespaces=NS) == []


def test_content_encoded_is_escaped_html_paragraphs(root: etree._Element, feed: bytes) -> None:
    encoded = one(items(root)[1], "content:encoded/text()")
    paragraphs = lxml.html.fragments_fromstring(encoded)
    assert [p.tag for p in paragraphs] == ["p", "p"]
    assert paragraphs[0].text_content() == TRICKY
    assert paragraphs[1].text_content() == "Second paragraph & more <tags>. Same paragraph."
    assert b"<![CDATA[" not in feed


def test_special_characters_survive_everywhere(feed: bytes) -> None:
    root = etree.fromstring(feed)
    assert TRICKY in root.xpath("//title/text()")
    assert TRICKY in root.xpath("//itunes:title/text()", namespaces=NS)
    assert b"& " not in feed.replace(b"&amp;", b"")  # no bare ampersand anywhere


def test_control_characters_are_dropped_not_fatal() -> None:
    bad = "Bell\x07 and tab\x0b"
    eps = [make_episode("x", bad, number=1, kind="full", day=2, notes=bad)]
    root = etree.fromstring(build_feed(make_show(title="Show\x00"), eps))
    assert one(root, "channel/title/text()") == "Show"
    assert one(root, "channel/item/title/text()") == "Bell and tab"


def test_same_inputs_same_bytes() -> None:
    first = build_feed(make_show(), episodes(), last_build=LAST_BUILD)
    second = build_feed(make_show(), list(reversed(episodes())), last_build=LAST_BUILD)
    assert first == second


def test_default_last_build_is_now_in_utc() -> None:
    root = etree.fromstring(build_feed(make_show(), episodes()))
    stamp = dt.datetime.strptime(one(root, "channel/lastBuildDate/text()"),
                                 "%a, %d %b %Y %H:%M:%S %z")
    assert abs((dt.datetime.now(dt.UTC) - stamp).total_seconds()) < 60


# --- identity and URLs -------------------------------------------------------------------------

def guids(feed: bytes) -> list[str]:
    return etree.fromstring(feed).xpath("channel/item/guid/text()")


def test_guids_survive_a_new_base_url(feed: bytes) -> None:
    moved = build_feed(make_show(base_url="https://cdn.example.net/pod/"), episodes())
    overridden = build_feed(make_show(), episodes(), base_url="http://192.168.1.20:8000")
    assert guids(moved) == guids(overridden) == guids(feed)
    urls = etree.fromstring(overridden).xpath("channel/item/enclosure/@url")
    assert all(u.startswith("http://192.168.1.20:8000/episodes/") for u in urls)


def test_guids_survive_rebuilt_audio(feed: bytes) -> None:
    rebuilt = build_feed(make_show(), episodes(size=99999, tag="ffee0011"))
    assert guids(rebuilt) == guids(feed)
    urls = etree.fromstring(rebuilt).xpath("channel/item/enclosure/@url")
    assert urls[1] == BASE + "episodes/tricky.ffee0011.mp3"  # new audio, new URL
    assert etree.fromstring(feed).xpath("channel/item/enclosure/@url")[1] != urls[1]


def test_podcast_guid_ignores_a_one_off_base_url(root: etree._Element) -> None:
    served = etree.fromstring(build_feed(make_show(), episodes(), base_url="http://10.0.0.2/"))
    assert one(served, "channel/podcast:guid/text()") == one(root, "channel/podcast:guid/text()")


@pytest.mark.parametrize(("url", "expected"), [
    ("https://mp3s.nashownotes.com/pc20rss.xml", "917393e3-1b1e-5cef-ace4-edaa54e1f810"),
    ("http://mp3s.nashownotes.com/pc20rss.xml/", "917393e3-1b1e-5cef-ace4-edaa54e1f810"),
    ("https://podnews.net/rss", "9b024349-ccf0-5f69-a609-6b82873eab3c"),
])
def test_podcast_guid_matches_the_spec_examples(url: str, expected: str) -> None:
    assert podcast_guid(url) == expected
    assert uuid.UUID(expected).version == 5


def test_episode_guid_is_stable_and_front_matter_wins() -> None:
    script = episodes()[1].script
    first = episode_guid("show-a", script)
    assert first == episode_guid("show-b", script)  # not tied to the feed URL
    assert first == episode_guid("", dataclasses.replace(script, title="Retitled"))
    assert uuid.UUID(first).version == 5
    assert first != episode_guid("", dataclasses.replace(script, slug="other"))
    assert episode_guid("", dataclasses.replace(script, guid="my-own-guid")) == "my-own-guid"


def test_episode_without_chapters_has_no_psc() -> None:
    bare = dataclasses.replace(episodes()[0], chapters=())
    item = one(etree.fromstring(build_feed(make_show(), [bare])), "channel/item")
    assert item.xpath("psc:chapters", namespaces=NS) == []
    assert len(item.xpath("podcast:chapters", namespaces=NS)) == 1  # the JSON file still exists


def test_a_show_without_episodes_is_still_a_valid_feed() -> None:
    feed = build_feed(make_show(), [], last_build=LAST_BUILD)
    parsed = podcastparser.parse(BASE + "feed.xml", io.BytesIO(feed))
    assert parsed["title"] == "Healing & <Repair> 🌿" and parsed["episodes"] == []
    assert feedparser.parse(feed).bozo == 0


def test_a_pinned_guid_keeps_the_show_when_it_moves_host(root: etree._Element) -> None:
    before = one(root, "channel/podcast:guid/text()")
    moved = etree.fromstring(build_feed(make_show(base_url="https://new.example.org/pod/",
                                                  guid=before), episodes()))
    assert one(moved, "channel/podcast:guid/text()") == before
    unpinned = etree.fromstring(build_feed(make_show(base_url="https://new.example.org/pod/"),
                                           episodes()))
    assert one(unpinned, "channel/podcast:guid/text()") != before
