"""The shipped series as listeners' apps and browsers meet it (issue 19, points 3, 6 and 7).

Unlike test_series_content, this goes through rtr_audio: the real show.yml and scripts, parsed,
then the feed read by feedparser and the page by lxml. Audio is not built (each episode is
described with a nominal length), so this runs in well under a second.
"""

from __future__ import annotations

import datetime as dt

import feedparser
import lxml.html
import pytest

from rtr_audio.feed import build_feed, episode_guid
from rtr_audio.model import BuiltEpisode, EpisodeFiles
from rtr_audio.script import parse_script, script_paths
from rtr_audio.settings import ShowSettings, load_settings
from rtr_audio.site import render_page
from tests.conftest import REPO

SCRIPTS = REPO / "scripts"


@pytest.fixture(scope="module")
def shipped() -> tuple[ShowSettings, list[BuiltEpisode]]:
    show, problems = load_settings(SCRIPTS / "show.yml")
    assert show is not None, problems
    built = []
    for path in script_paths(SCRIPTS):
        script, problems = parse_script(path, show)
        assert script is not None and script.date is not None, problems
        stem = f"episodes/{script.slug}.v1"
        files = EpisodeFiles(audio=f"{stem}.mp3", vtt=f"{stem}.vtt", srt=f"{stem}.srt",
                             chapters=f"{stem}.chapters.json")
        built.append(BuiltEpisode(
            script=script, guid=episode_guid("", script), files=files, audio_bytes=1000,
            duration=600.0, chapters=(), cues=(),
            published=dt.datetime.combine(script.date, dt.time(9), tzinfo=dt.UTC),
            notes=f"{script.description}\n\n{show.show_notes_footer}"))
    return show, built


def test_the_feed_is_serial(shipped) -> None:  # type: ignore[no-untyped-def]
    show, built = shipped
    parsed = feedparser.parse(build_feed(show, built))
    assert parsed.bozo == 0
    assert parsed.feed.itunes_type == "serial"
    assert parsed.feed.podcast_license == "cc-by-sa-4.0"


def test_the_page_is_oldest_first_and_starts_with_the_trailer(shipped) -> None:  # type: ignore[no-untyped-def]
    show, built = shipped
    doc = lxml.html.document_fromstring(render_page(show, built, show.base_url + "feed.xml"))
    order = [a.get("id") for a in doc.xpath("//article")]
    assert order == [f"ep-{e.script.slug}" for e in built]  # file order: trailer, article, ...
    trailer = next(e for e in built if e.script.type == "trailer")
    (start,) = doc.xpath("//header//p[@class='start-here']/a")
    assert start.get("href") == f"#ep-{trailer.script.slug}"
    assert order[0] == f"ep-{trailer.script.slug}"


def test_the_page_links_the_helpline_directory_and_asks_to_keep_the_silences(shipped) -> None:  # type: ignore[no-untyped-def]
    show, built = shipped
    doc = lxml.html.document_fromstring(render_page(show, built, show.base_url + "feed.xml"))
    for where in ("//header", "//section[contains(@class,'care')]"):
        (part,) = doc.xpath(where)
        assert "https://findahelpline.com" in part.xpath(".//a/@href"), where
        assert "trim silence" in part.text_content(), where
