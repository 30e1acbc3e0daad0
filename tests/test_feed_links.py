"""Links in the feed and on the page (issue 14): item links to the page, real <a> links in the
notes, no localhost in a published build, and the Podcasting 2.0 person — read by feedparser,
podcastparser and lxml, not by the code that wrote them."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import feedparser
import lxml.html
import podcastparser
import pytest
from lxml import etree

from rtr_audio.feed import build_feed
from rtr_audio.feedcheck import check_feed, is_loopback_url
from rtr_audio.settings import load_settings
from rtr_audio.site import render_page
from tests.conftest import REPO
from tests.test_feed import (
    BASE,
    LEGACY_PODCAST_NS,
    NS,
    episodes,
    make_episode,
    make_show,
)
from tests.test_feedcheck import out as out  # the published-folder fixture

FOOTER = ("Not therapy.\n\nIn crisis, find a free helpline at findahelpline.com or "
          "[call 988](tel:988).")
NOTES = ("Read [the article](https://example.org/a?x=1&y=2) first.\n\n"
         "Questions: hello@example.org. [Not a link](javascript:alert(1)) "
         "and <b>no markup</b>.\n\n" + FOOTER)


def linked_episodes() -> list:
    return [*episodes(), make_episode("linked", "Linked", number=3, kind="full", day=20,
                                      notes=NOTES)]


def linked_feed() -> bytes:
    return build_feed(make_show(show_notes_footer=FOOTER), linked_episodes())


def anchors(html: str) -> list[str]:
    return [a.get("href") for a in lxml.html.fragment_fromstring(html, create_parent="div")
            .iter("a")]


def test_every_item_links_to_its_place_on_the_show_page() -> None:
    feed = linked_feed()
    parsed = feedparser.parse(feed)
    assert parsed.bozo == 0
    assert [e.link for e in parsed.entries] == [BASE + "#ep-linked", BASE + "#ep-naming",
                                                BASE + "#ep-tricky", BASE + "#ep-welcome"]
    gpodder = podcastparser.parse(BASE + "feed.xml", io.BytesIO(feed))
    assert [e["link"] for e in gpodder["episodes"]] == [e.link for e in parsed.entries]
    # ... and the page has those anchors.
    page = lxml.html.document_fromstring(render_page(make_show(), linked_episodes(),
                                                       BASE + "feed.xml"))
    for entry in parsed.entries:
        assert page.get_element_by_id(entry.link.split("#")[1]).tag == "article"


def test_notes_links_are_real_in_content_encoded_and_the_description_stays_plain() -> None:
    entry = feedparser.parse(linked_feed()).entries[0]
    html = entry.content[0].value
    # feedparser's sanitiser keeps the <a> but empties a tel: href (not in its scheme list);
    # podcast apps follow tel: links, so the raw content:encoded is checked for it below.
    assert anchors(html) == ["https://example.org/a?x=1&y=2", "mailto:hello@example.org",
                             "https://findahelpline.com", ""]
    encoded = etree.fromstring(linked_feed()).xpath("channel/item[1]/content:encoded/text()",
                                                    namespaces=NS)[0]
    assert anchors(encoded)[-1] == "tel:988"
    assert "javascript" not in "".join(anchors(html))
    assert "[Not a link](javascript:alert(1))" in lxml.html.fragment_fromstring(
        html, create_parent="div").text_content()
    raw = etree.fromstring(linked_feed()).xpath("channel/item[1]/description/text()")[0]
    assert "<a" not in raw and "<p>" not in raw
    assert "the article (https://example.org/a?x=1&y=2) first." in raw
    assert "<b>no markup</b>" in raw  # plain text, as written, not turned into markup


def test_a_markdown_link_in_the_show_description_is_plain_in_the_feed_and_a_link_on_the_page(
) -> None:
    show = make_show(description="Helplines: [a directory](https://findahelpline.com).")
    channel = feedparser.parse(build_feed(show, episodes())).feed
    assert channel.description == "Helplines: a directory (https://findahelpline.com)."
    raw = etree.fromstring(build_feed(show, episodes()))
    assert raw.xpath("channel/itunes:summary/text()", namespaces=NS) == [channel.description]
    page = lxml.html.document_fromstring(render_page(show, episodes(), BASE + "feed.xml"))
    assert page.xpath("//meta[@name='description']/@content") == [channel.description]
    assert page.xpath("//header//div[@class='description']//a/@href") == [
        "https://findahelpline.com"]


def test_the_host_is_a_podcast_person() -> None:
    root = etree.fromstring(linked_feed())
    (person,) = root.xpath("channel/podcast:person", namespaces=NS)
    assert person.text == "Anne Author" and person.get("role") == "host"


def test_shipped_show_with_a_public_base_url_has_no_localhost_link() -> None:
    shipped, problems = load_settings(REPO / "scripts" / "show.yml")
    assert shipped is not None, problems
    show = shipped.with_overrides(base_url="https://pods.example.org/healing")
    feed = build_feed(show, episodes())
    page = render_page(show, episodes(), show.base_url + "feed.xml")
    for text in (feed.decode(), page):
        assert "localhost" not in text and "127.0.0.1" not in text
    assert feedparser.parse(feed).feed.link == "https://pods.example.org/healing/"
    care = lxml.html.document_fromstring(page).xpath("//section[contains(@class,'care')]")[0]
    # Issue 19: the directory of helplines is a link, and the page says to keep the silences.
    assert "https://findahelpline.com" in care.xpath(".//a/@href")
    assert "trim silence" in care.text_content()


@pytest.mark.parametrize(("url", "local"), [
    ("http://localhost:8000/", True), ("https://LOCALHOST./x", True),
    ("http://127.0.0.1/", True), ("http://127.8.9.1:80/a", True), ("http://[::1]:8000/", True),
    ("http://0.0.0.0:8000/", True), ("http://app.localhost/", True),
    ("https://pods.example.org/", False), ("http://10.0.0.5/", False),
    ("http://localhost.example.org/", False), ("not a url", False),
    # forms browsers read as loopback too (hostile-input pass, tests/test_hostile_new.py)
    ("http://127.1/", True), ("http://2130706433/", True), ("http://0x7f.0.0.1/", True),
    ("http://[::ffff:127.0.0.1]/", True), ("http://[::]/", True), ("http://0/", True),
    ("http://8.8.8.8/", False), ("http://1234.example.org/", False), ("http://[zz/", False),
])
def test_loopback_urls(url: str, local: bool) -> None:
    assert is_loopback_url(url) is local


def test_check_flags_a_localhost_link_in_a_public_build(out: Path) -> None:
    assert check_feed(out) == []
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    (out / "feed.xml").write_text(
        feed.replace("<link>https://pods.example.org/show/</link>",
                     "<link>http://localhost:8000/</link>", 1), encoding="utf-8")
    (out / "index.html").write_text('<a href="http://127.0.0.1:8000/feed.xml">feed</a>')
    problems = check_feed(out)
    assert [p.split(",")[0] for p in problems] == [
        "feed.xml: links to http://localhost:8000/",
        "index.html: links to http://127.0.0.1:8000/feed.xml"]


def test_a_local_build_may_link_to_localhost(tmp_path: Path) -> None:
    from tests.test_feedcheck import publish, write_cover

    show = make_show(base_url="http://localhost:8000/", website="http://localhost:8000/")
    built = [publish(tmp_path, "arriving", "Arriving", 1)]
    (tmp_path / "feed.xml").write_bytes(build_feed(show, built))
    write_cover(tmp_path / "cover.jpg")
    assert check_feed(tmp_path) == []


# --- Podcasting 2.0 and iTunes tags from the new keys -----------------------------------------


@pytest.mark.parametrize("kind", ["serial", "episodic"])
def test_itunes_type_follows_the_show_type(kind: str) -> None:
    feed = build_feed(make_show(type=kind), episodes())
    assert feedparser.parse(feed).feed.itunes_type == kind
    assert etree.fromstring(feed).xpath("channel/itunes:type/text()", namespaces=NS) == [kind]


def test_license_person_and_seasons() -> None:
    show = make_show(license="cc-by-sa-4.0")
    eps = episodes()
    eps[1] = replace(eps[1], script=replace(eps[1].script, season=2))  # "tricky", episode 1
    feed = build_feed(show, eps)
    root = etree.fromstring(feed)
    assert root.xpath("channel/podcast:license/text()", namespaces=NS) == ["cc-by-sa-4.0"]
    tricky, plain = root.xpath("channel/item")[1], root.xpath("channel/item")[0]
    assert tricky.xpath("itunes:season/text()", namespaces=NS) == ["2"]
    assert tricky.xpath("podcast:season/text()", namespaces=NS) == ["2"]
    assert tricky.xpath("podcast:episode/text()", namespaces=NS) == ["1"]
    assert plain.xpath("itunes:season | podcast:season", namespaces=NS) == []
    assert plain.xpath("podcast:episode/text()", namespaces=NS) == ["2"]
    parsed = feedparser.parse(feed)
    assert parsed.bozo == 0
    assert parsed.entries[1].itunes_season == "2"
    assert parsed.feed.podcast_license == "cc-by-sa-4.0"
    # podcastparser knows the podcast namespace under its older URI only (see test_feed).
    legacy = feed.replace(NS["podcast"].encode(), LEGACY_PODCAST_NS.encode())
    gpodder = podcastparser.parse(BASE + "feed.xml", io.BytesIO(legacy))
    for episode in gpodder["episodes"]:
        assert episode["persons"] == [{"name": "Anne Author", "role": "host", "group": "cast",
                                       "href": None, "img": None}]


def test_no_license_no_element() -> None:
    root = etree.fromstring(build_feed(make_show(), episodes()))
    assert root.xpath("channel/podcast:license", namespaces=NS) == []
