"""check_feed on a real output folder, then on one broken thing at a time.

What the good folder holds, and what each spoiled feed now says, is read with independent
readers (feedparser, podcastparser), so a check that agrees with our own feed code for the
wrong reason cannot pass unnoticed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree
from PIL import Image

from rtr_audio.feed import build_feed, episode_guid
from rtr_audio.feedcheck import check_feed
from rtr_audio.model import BuiltEpisode, Chapter, EpisodeFiles
from rtr_audio.script import Script
from rtr_audio.settings import ShowSettings

BASE = "https://pods.example.org/show/"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"


def write_cover(path: Path, size: tuple[int, int] = (1400, 1400), mode: str = "RGB",
                kind: str = "JPEG") -> None:
    Image.new(mode, size, "navy" if mode == "RGB" else 0).save(path, kind)


def publish(out: Path, slug: str, title: str, day: int) -> BuiltEpisode:
    """Write one episode's files into ``out`` and describe them as the build would."""
    files = EpisodeFiles(audio=f"episodes/{slug}.v1.mp3", vtt=f"episodes/{slug}.v1.vtt",
                         srt=f"episodes/{slug}.v1.srt",
                         chapters=f"episodes/{slug}.v1.chapters.json")
    (out / "episodes").mkdir(parents=True, exist_ok=True)
    (out / files.audio).write_bytes(b"\xff\xfb" + bytes(4000 + day))
    for name in (files.vtt, files.srt, files.chapters):
        (out / name).write_text("x", encoding="utf-8")
    script = Script(path=Path(f"{slug}.md"), slug=slug, title=title, description="d",
                    blocks=(), episode=day)
    return BuiltEpisode(script=script, guid=episode_guid("", script), files=files,
                        audio_bytes=(out / files.audio).stat().st_size, duration=42.0,
                        chapters=(Chapter(0, "Start"),), cues=(),
                        published=dt.datetime(2026, 11, day, tzinfo=dt.UTC), notes="Notes.")


@pytest.fixture
def out(tmp_path: Path) -> Path:
    out = tmp_path / "audio_out"
    out.mkdir()
    show = ShowSettings(path=Path("show.yml"), title="Show", description="About", author="Anne",
                        owner_name="Anne", owner_email="anne@example.org", base_url=BASE)
    episodes = [publish(out, "arriving", "Arriving", 1), publish(out, "trust", "Trust & Care", 2)]
    (out / "feed.xml").write_bytes(build_feed(show, episodes))
    write_cover(out / "cover.jpg")
    return out


def edit_feed(out: Path, change) -> None:
    """Apply ``change(root)`` to the published feed, as a hand edit or another tool would."""
    tree = etree.parse(str(out / "feed.xml"))
    change(tree.getroot())
    tree.write(str(out / "feed.xml"), xml_declaration=True, encoding="UTF-8")


def remove_from_feed(out: Path, path: str) -> None:
    """Delete the first element at ``path`` (relative to <rss>) from the published feed."""
    def remove(root: etree._Element) -> None:
        element = root.find(path)
        element.getparent().remove(element)

    edit_feed(out, remove)


def read_feed(out: Path) -> tuple[feedparser.FeedParserDict, dict]:
    """The published feed as feedparser and podcastparser (gPodder's, strict) read it."""
    data = (out / "feed.xml").read_bytes()
    with (out / "feed.xml").open("rb") as stream:
        return feedparser.parse(data), podcastparser.parse(BASE + "feed.xml", stream)


def test_a_good_build_passes(out: Path) -> None:
    assert check_feed(out) == []
    # ...and it is good by independent readers: every enclosure is the file, byte for byte.
    parsed, podcast = read_feed(out)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.title for e in parsed.entries] == ["Trust & Care", "Arriving"]
    for entry, episode in zip(parsed.entries, podcast["episodes"], strict=True):
        (enclosure,) = entry.enclosures
        rel = enclosure.href.removeprefix(BASE)
        assert int(enclosure.length) == (out / rel).stat().st_size
        assert episode["enclosures"][0]["file_size"] == (out / rel).stat().st_size
        assert episode["guid"] == entry.id
        assert episode["total_time"] == 42
    # podcastparser knows the podcast: namespace only under an older URI: read it by XPath.
    linked = etree.parse(str(out / "feed.xml")).xpath(
        "//podcast:transcript/@url | //podcast:chapters/@url", namespaces={"podcast": PODCAST_NS})
    assert len(linked) == 6
    assert all((out / url.removeprefix(BASE)).is_file() for url in linked)
    assert len({entry.id for entry in parsed.entries}) == 2


def test_missing_feed_says_to_build(tmp_path: Path) -> None:
    problems = check_feed(tmp_path)
    assert len(problems) == 1
    assert "feed.xml" in problems[0] and "rtr-audio build" in problems[0]


def test_missing_file(out: Path) -> None:
    (out / "episodes/trust.v1.vtt").unlink()
    assert check_feed(out) == [
        f'feed.xml: item "Trust & Care": podcast:transcript {BASE}episodes/trust.v1.vtt '
        "has no file episodes/trust.v1.vtt"
    ]


def test_missing_audio(out: Path) -> None:
    (out / "episodes/arriving.v1.mp3").unlink()
    assert check_feed(out) == [
        f'feed.xml: item "Arriving": enclosure {BASE}episodes/arriving.v1.mp3 '
        "has no file episodes/arriving.v1.mp3"
    ]


def test_wrong_length(out: Path) -> None:
    audio = out / "episodes/trust.v1.mp3"
    declared = audio.stat().st_size
    audio.write_bytes(audio.read_bytes() + b"more")
    assert check_feed(out) == [
        f'feed.xml: item "Trust & Care": enclosure length {declared} ≠ file size {declared + 4}'
    ]
    parsed, _ = read_feed(out)
    assert int(parsed.entries[0].enclosures[0].length) == declared  # what apps are told


def test_guid_without_is_permalink(out: Path) -> None:
    edit_feed(out, lambda root: root.find("channel/item/guid").attrib.pop("isPermaLink"))
    (problem,) = check_feed(out)
    assert problem.startswith('feed.xml: item "Trust & Care": <guid> needs isPermaLink="false"')


def test_duplicate_guid(out: Path) -> None:
    def duplicate(root: etree._Element) -> None:
        first, second = root.findall("channel/item/guid")
        second.text = first.text

    edit_feed(out, duplicate)
    problems = check_feed(out)
    assert len(problems) == 1 and "two items share the guid" in problems[0]
    parsed, _ = read_feed(out)
    assert len({entry.id for entry in parsed.entries}) == 1  # an app would merge the two


def test_missing_cover(out: Path) -> None:
    (out / "cover.jpg").unlink()
    assert check_feed(out) == ["cover.jpg: missing; the feed's artwork points at it"]


def test_other_artwork_under_the_base_must_exist(out: Path) -> None:
    itunes = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
    edit_feed(out, lambda root: root.find(f"channel/item/{itunes}image").set(
        "href", BASE + "art/trust.jpg"))
    assert check_feed(out) == [
        f'feed.xml: item "Trust & Care": itunes:image {BASE}art/trust.jpg has no file '
        "art/trust.jpg"
    ]


@pytest.mark.parametrize(("size", "mode", "kind", "expected"), [
    ((1500, 1400), "RGB", "JPEG", ["cover.jpg: 1500×1400 px is not square"]),
    ((1200, 1200), "RGB", "JPEG", ["cover.jpg: 1200×1200 px; Apple needs 1400–3000 px"]),
    ((3200, 3200), "RGB", "JPEG", ["cover.jpg: 3200×3200 px; Apple needs 1400–3000 px"]),
    ((1400, 1400), "CMYK", "JPEG", ["cover.jpg: colour mode CMYK; Apple needs RGB"]),
    ((1400, 1400), "RGB", "PNG", ["cover.jpg: is PNG, not JPEG"]),
])
def test_bad_cover(out: Path, size, mode, kind, expected) -> None:
    write_cover(out / "cover.jpg", size, mode, kind)
    assert check_feed(out) == expected


def test_cover_that_is_not_an_image(out: Path) -> None:
    (out / "cover.jpg").write_bytes(b"not a picture")
    (problem,) = check_feed(out)
    assert problem.startswith("cover.jpg: not a readable image")


def test_bare_ampersand_is_not_xml(out: Path) -> None:
    feed = out / "feed.xml"
    feed.write_bytes(feed.read_bytes().replace(b"Trust &amp; Care", b"Trust & Care", 1))
    (problem,) = check_feed(out)
    assert problem.startswith("feed.xml: not well-formed XML")
    assert read_feed_bozo(out)  # feedparser agrees: not well-formed
    with (out / "feed.xml").open("rb") as stream, pytest.raises(Exception):  # noqa: B017
        podcastparser.parse(BASE + "feed.xml", stream)  # and gPodder refuses the whole feed


def read_feed_bozo(out: Path) -> bool:
    return bool(feedparser.parse((out / "feed.xml").read_bytes()).bozo)


@pytest.mark.parametrize(("path", "what"), [
    ("channel/language", "<language>"),
    ("channel/{http://www.itunes.com/dtds/podcast-1.0.dtd}category", "<itunes:category>"),
    ("channel/{http://www.itunes.com/dtds/podcast-1.0.dtd}explicit", "<itunes:explicit>"),
    ("channel/{http://www.itunes.com/dtds/podcast-1.0.dtd}owner", "<itunes:owner><itunes:email>"),
    (f"channel/{{{PODCAST_NS}}}guid", "<podcast:guid>"),
    ("channel/image", "<image><url>"),
])
def test_missing_channel_element(out: Path, path: str, what: str) -> None:
    remove_from_feed(out, path)
    assert check_feed(out) == [f"feed.xml: channel has no {what}"]


def test_missing_self_link_skips_url_checks_but_says_so(out: Path) -> None:
    remove_from_feed(out, "channel/{http://www.w3.org/2005/Atom}link")
    assert check_feed(out) == ['feed.xml: channel has no <atom:link rel="self">']


@pytest.mark.parametrize(("tag", "message"), [
    ("enclosure", 'item "Trust & Care": has no <enclosure>'),
    ("pubDate", 'item "Trust & Care" has no <pubDate>'),
    ("{http://www.itunes.com/dtds/podcast-1.0.dtd}duration",
     'item "Trust & Care" has no <itunes:duration>'),
    ("guid", 'item "Trust & Care" has no <guid>'),
])
def test_missing_item_element(out: Path, tag: str, message: str) -> None:
    remove_from_feed(out, f"channel/item/{tag}")
    assert check_feed(out) == [f"feed.xml: {message}"]


def test_wrong_enclosure_type_and_bad_values(out: Path) -> None:
    def spoil(root: etree._Element) -> None:
        item = root.find("channel/item")
        item.find("enclosure").set("type", "audio/mp3")
        item.find("pubDate").text = "yesterday"
        item.find("{http://www.itunes.com/dtds/podcast-1.0.dtd}duration").text = "42.5s"
        root.find("channel/{http://www.itunes.com/dtds/podcast-1.0.dtd}explicit").text = "no"

    edit_feed(out, spoil)
    assert check_feed(out) == [
        "feed.xml: channel <itunes:explicit> is 'no'; Apple wants true or false",
        'feed.xml: item "Trust & Care": <enclosure> type is \'audio/mp3\', expected "audio/mpeg"',
        "feed.xml: item \"Trust & Care\": <pubDate> 'yesterday' is not an RFC 2822 date",
        "feed.xml: item \"Trust & Care\": <itunes:duration> '42.5s' is not seconds or HH:MM:SS",
    ]


def test_non_standard_prefix_is_reported(out: Path) -> None:
    feed = out / "feed.xml"
    feed.write_bytes(feed.read_bytes().replace(b"podcast:", b"pc:").replace(b"xmlns:podcast=",
                                                                            b"xmlns:pc="))
    assert check_feed(out) == [f"feed.xml: namespace {PODCAST_NS} must use the prefix `podcast`"]


def test_urls_outside_the_base_are_not_checked_but_escapes_are(out: Path) -> None:
    def point(root: etree._Element) -> None:
        first, second = root.findall("channel/item/enclosure")
        first.set("url", "https://cdn.example.net/elsewhere.mp3")
        second.set("url", BASE + "../secret.mp3")

    edit_feed(out, point)
    assert check_feed(out) == [
        f'feed.xml: item "Arriving": enclosure {BASE}../secret.mp3 has no file ../secret.mp3'
    ]
