"""serve for web players on other origins (issue 14, point 7): CORS on every file, OPTIONS
preflight, the Podcasting 2.0 chapters media type and a clean ``Server`` header. Real HTTP
requests (http.client, urllib, a raw socket and a real Chromium) against a real server on a free
loopback port."""

from __future__ import annotations

import http.client
import json
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_serve import _build_site, serving
from tests.test_site import browser  # noqa: F401 - fixture reuse

FILES = {
    "/feed.xml": "application/rss+xml; charset=utf-8",
    "/episodes/one.mp3": "audio/mpeg",
    "/episodes/one.chapters.json": "application/json+chapters",
    "/episodes/one.vtt": "text/vtt; charset=utf-8",
    "/episodes/two.srt": "application/x-subrip; charset=utf-8",
    "/cover.jpg": "image/jpeg",
    "/": "text/html; charset=utf-8",
}
PREFLIGHT = {
    "Origin": "https://player.example",
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "range, if-none-match",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_site(tmp_path_factory.mktemp("cors"))


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[tuple[int, list[str]]]:
    with serving(site) as running:
        yield running


@pytest.fixture
def port(served: tuple[int, list[str]]) -> int:
    return served[0]


def request(
    port: int, method: str, path: str, headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    conn.request(method, path, headers=headers or {})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp


@pytest.mark.parametrize(("path", "content_type"), FILES.items())
def test_every_file_is_readable_cross_origin(port: int, path: str, content_type: str) -> None:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Origin": "https://player.example"}
    )
    with urllib.request.urlopen(req, timeout=15) as resp:
        body = resp.read()
        assert resp.status == 200
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
        assert resp.headers["Content-Type"] == content_type
    if path.endswith(".chapters.json"):
        assert json.loads(body)["chapters"][0]["title"] == "Arriving"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Range": "bytes=0-9"}, 206),
        ({"Range": "bytes=999999999-"}, 416),
        ({"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}, 304),
    ],
)
def test_partial_and_conditional_answers_carry_cors(
    port: int, headers: dict[str, str], status: int
) -> None:
    resp = request(port, "GET", "/episodes/one.mp3", {"Origin": "https://x.example", **headers})
    assert resp.status == status
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip().lower() for h in resp.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"content-range", "content-length", "accept-ranges"} <= exposed


@pytest.mark.parametrize(
    "path", ["/episodes/one.chapters.json", "/episodes/one.vtt", "/feed.xml", "/episodes/one.mp3"]
)
def test_preflight_is_answered(port: int, path: str) -> None:
    resp = request(port, "OPTIONS", path, PREFLIGHT)
    assert resp.status == 204
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    methods = {m.strip() for m in resp.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "HEAD"} <= methods
    allowed = {h.strip().lower() for h in resp.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"range", "if-none-match"} <= allowed
    assert int(resp.headers["Access-Control-Max-Age"]) > 0
    assert "OPTIONS" in resp.headers["Allow"]


def test_options_keeps_the_connection_and_asterisk_form_works(port: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request("OPTIONS", "*")
        first = conn.getresponse()
        assert first.read() == b"" and first.status == 204
        sock = conn.sock
        conn.request("GET", "/episodes/one.vtt")
        second = conn.getresponse()
        assert second.status == 200 and second.read().startswith(b"WEBVTT")
        assert conn.sock is sock
    finally:
        conn.close()


@pytest.mark.parametrize("path", ["/feed.xml", "/nothing-here", "/episodes/one.mp3"])
def test_server_header_has_no_trailing_space(port: int, path: str) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(f"HEAD {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0]
    (server,) = [line for line in head.split(b"\r\n") if line.lower().startswith(b"server:")]
    assert server == b"Server: rtr-audio"


CROSS_ORIGIN_READ = """async (base) => {
  const out = {};
  // If-None-Match is not a CORS-safelisted header: Chromium must preflight with OPTIONS.
  const chapters = await fetch(base + 'episodes/one.chapters.json',
                               {headers: {'If-None-Match': '"nothing"'}});
  out.chapters = (await chapters.json()).chapters[0].title;
  out.chaptersType = chapters.headers.get('content-type');
  out.vtt = (await (await fetch(base + 'episodes/one.vtt')).text()).slice(0, 6);
  out.feed = (await (await fetch(base + 'feed.xml')).text()).includes('<rss');
  const part = await fetch(base + 'episodes/one.mp3', {headers: {Range: 'bytes=0-9'}});
  out.rangeStatus = part.status;
  out.contentRange = part.headers.get('content-range');
  out.cover = (await (await fetch(base + 'cover.jpg')).blob()).type;
  return out;
}"""


@pytest.mark.browser
def test_chromium_on_another_origin_reads_chapters_and_transcripts(
    site: Path, served: tuple[int, list[str]], tmp_path: Path, browser: Any  # noqa: F811
) -> None:
    port, logs = served
    other = tmp_path / "player"
    other.mkdir()
    (other / "feed.xml").write_text("<rss/>", encoding="utf-8")
    (other / "index.html").write_text("<!doctype html><title>player</title>", encoding="utf-8")
    with serving(other) as (player_port, _):  # another port is another origin
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{player_port}/index.html")
        got = page.evaluate(CROSS_ORIGIN_READ, f"http://127.0.0.1:{port}/")
    assert got["chapters"] == "Arriving"
    assert got["chaptersType"] == "application/json+chapters"
    assert got["vtt"] == "WEBVTT"
    assert got["feed"] is True
    assert got["rangeStatus"] == 206 and got["contentRange"].startswith("bytes 0-9/")
    assert got["cover"] == "image/jpeg"
    assert any('"OPTIONS /episodes/one.chapters.json" 204' in line for line in logs)
