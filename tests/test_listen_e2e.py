"""Listening end to end: a real build served by `rtr-audio serve`, used by a podcast client and by
a real Chromium that plays and seeks an episode."""

from __future__ import annotations

import io
import threading
import urllib.request
from pathlib import Path

import podcastparser
import pytest

from rtr_audio.serve import make_server
from tests.test_site import LOAD_METADATA, browser, media_abort  # noqa: F401 - fixture reuse

pytestmark = pytest.mark.slow


@pytest.fixture
def served(built_mini: Path):
    server = make_server(built_mini, "127.0.0.1", 0, log=lambda line: None)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", built_mini
    server.shutdown()
    server.server_close()


def fetch(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


def test_podcast_client_subscribes_downloads_and_resumes(served):
    base, out = served
    _status, feed = fetch(base + "feed.xml")
    parsed = podcastparser.parse(base + "feed.xml", io.BytesIO(feed))
    assert len(parsed["episodes"]) == 2
    for episode in parsed["episodes"]:
        enclosure = episode["enclosures"][0]
        assert enclosure["url"].startswith(base)  # links follow the address the client used
        local = out / enclosure["url"][len(base):]
        status, head = fetch(enclosure["url"], {"Range": "bytes=0-999"})
        assert status == 206 and head == local.read_bytes()[:1000]
        status, rest = fetch(enclosure["url"], {"Range": "bytes=1000-"})
        assert status == 206
        assert head + rest == local.read_bytes()
        assert enclosure["file_size"] == local.stat().st_size


@pytest.mark.browser
def test_chromium_plays_and_seeks_an_episode_from_serve(served, browser):  # noqa: F811
    base, _out = served
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: None if media_abort(r) else errors.append(r.url))
    page.goto(base + "index.html", wait_until="load")
    player = "player-first"  # the episode with two chapters
    duration = page.evaluate(LOAD_METADATA, player)
    assert duration > 20
    chapters = page.locator(f"a[data-player='{player}']")
    assert chapters.count() >= 2
    target = float(chapters.nth(1).get_attribute("data-start"))
    chapters.nth(1).click()
    page.wait_for_function(f"document.getElementById('{player}').currentTime >= {target - 0.2}")
    page.wait_for_function(f"document.getElementById('{player}').currentTime > {target + 0.3}")
    played = page.evaluate(f"document.getElementById('{player}').currentTime")
    assert target <= played < target + 10
    page.evaluate("document.querySelectorAll('audio').forEach(a => a.pause())")
    assert errors == []
