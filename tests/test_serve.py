"""Tests for ``rtr_audio.serve``: real HTTP on 127.0.0.1 (port 0), no mocks.

Every request goes to the server started by these tests on 127.0.0.1; nothing else is contacted.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import io
import os
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
import tracemalloc
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.message import Message
from email.utils import formatdate
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree  # feedgen 1.0 uses lxml.etree without importing it: import it first

from feedgen.feed import FeedGenerator  # isort: skip
from rtr_audio.errors import RtrError
from rtr_audio.serve import (
    CannotListen,
    NothingToServe,
    format_banner,
    make_server,
    parse_range,
    run,
)

BASE = "http://example.invalid/show/"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
SECRET = b"SECRET-CACHE-BYTES-never-serve-me"
OUTSIDE = b"OUTSIDE-OUT-DIR-never-serve-me"
BIG_SIZE = 24 * 1024 * 1024


# ------------------------------------------------------------------------------------------
# Fixture: a small but real audio_out/


def _ffmpeg_mp3(path: Path, frequency: int, seconds: int) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    subprocess.run(
        [
            "ffmpeg", "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds}",
            "-ac", "1", "-ar", "44100", "-b:a", "64k", str(path),
        ],
        check=True,
    )  # fmt: skip


def _image(path: Path, fmt: str) -> None:
    from PIL import Image

    Image.new("RGB", (64, 64), (40, 90, 140)).save(path, fmt)


def _write_feed(out: Path, title: str = "Test Show") -> None:
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.title(title)
    fg.description("A show for tests. Visit http://example.invalid/show/ for more.")
    fg.link(href=BASE, rel="alternate")
    fg.link(href=BASE + "feed.xml", rel="self")
    fg.language("en-us")
    fg.image(url=BASE + "cover.jpg", title=title, link=BASE)
    fg.podcast.itunes_image(BASE + "cover.jpg")
    fg.podcast.itunes_author("Tester")
    fg.podcast.itunes_explicit("no")
    episodes = [("one", "rtr-test-episode-one"), ("two", BASE + "guid/two")]
    for number, (slug, guid) in enumerate(episodes, 1):
        mp3 = out / "episodes" / f"{slug}.mp3"
        fe = fg.add_entry(order="append")
        fe.title(f"Episode {slug}")
        fe.description(f"Episode number {number}.")
        fe.guid(guid, permalink=False)
        fe.enclosure(BASE + f"episodes/{slug}.mp3", str(mp3.stat().st_size), "audio/mpeg")
        fe.pubDate(datetime(2026, 11, number, 8, 0, tzinfo=UTC))
        fe.podcast.itunes_duration(3)
    xml = fg.rss_str(pretty=True)
    # Podcasting 2.0 tags (feedgen has no extension for them): transcripts and chapters.
    xml = xml.replace(b"<rss ", f'<rss xmlns:podcast="{PODCAST_NS}" '.encode(), 1)
    root = etree.fromstring(xml)
    for item in root.iter("item"):
        slug = item.find("enclosure").get("url").rsplit("/", 1)[1].removesuffix(".mp3")
        etree.SubElement(
            item,
            f"{{{PODCAST_NS}}}transcript",
            url=BASE + f"episodes/{slug}.vtt",
            type="text/vtt",
        )
        etree.SubElement(
            item,
            f"{{{PODCAST_NS}}}transcript",
            url=BASE + f"episodes/{slug}.srt",
            type="application/x-subrip",
        )
        etree.SubElement(
            item,
            f"{{{PODCAST_NS}}}chapters",
            url=BASE + f"episodes/{slug}.chapters.json",
            type="application/json+chapters",
        )
    (out / "feed.xml").write_bytes(
        etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    )


def _build_site(root: Path) -> Path:
    out = root / "audio_out"
    episodes = out / "episodes"
    episodes.mkdir(parents=True)
    _ffmpeg_mp3(episodes / "one.mp3", 440, 3)
    _ffmpeg_mp3(episodes / "two.mp3", 660, 4)
    for slug in ("one", "two"):
        (episodes / f"{slug}.vtt").write_text(
            f"WEBVTT\n\n00:00.000 --> 00:02.000\nEpisode {slug}, hello.\n", encoding="utf-8"
        )
        (episodes / f"{slug}.srt").write_text(
            f"1\n00:00:00,000 --> 00:00:02,000\nEpisode {slug}, hello.\n", encoding="utf-8"
        )
        (episodes / f"{slug}.chapters.json").write_text(
            '{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Arriving"}]}',
            encoding="utf-8",
        )
    (episodes / "big.mp3").write_bytes(os.urandom(BIG_SIZE))
    (episodes / ".hidden.mp3").write_bytes(SECRET)
    _image(out / "cover.jpg", "JPEG")
    _image(out / "logo.png", "PNG")
    (out / "style.css").write_text("body { margin: 0 }\n", encoding="utf-8")
    (out / "app.js").write_text("console.log('hi');\n", encoding="utf-8")
    (out / "index.html").write_text(
        "<!doctype html><html><head><title>Test Show</title></head><body>\n"
        f'<p>Feed: <a href="{BASE}feed.xml">{BASE}feed.xml</a></p>\n'
        f'<audio controls src="{BASE}episodes/one.mp3"></audio>\n'
        "</body></html>\n",
        encoding="utf-8",
    )
    (out / ".cache").mkdir()
    (out / ".cache" / "secret.wav").write_bytes(SECRET)
    (out / ".keep").write_bytes(SECRET)
    (out / ".lock").write_bytes(SECRET)
    outside = root / "outside-secret.txt"
    outside.write_bytes(OUTSIDE)
    (out / "outside.txt").symlink_to(outside)
    (out / "hostname").symlink_to("/etc/hostname")
    (episodes / "etc").symlink_to("/etc")
    (out / "sneaky.wav").symlink_to(out / ".cache" / "secret.wav")
    (out / "latest.mp3").symlink_to(Path("episodes") / "one.mp3")  # inside: allowed
    if hasattr(os, "mkfifo"):
        os.mkfifo(out / "pipe.mp3")
    _write_feed(out)
    return out


@contextlib.contextmanager
def serving(out_dir: Path) -> Iterator[tuple[int, list[str]]]:
    logs: list[str] = []
    server = make_server(out_dir, "127.0.0.1", 0, log=logs.append)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server.server_address[1], logs
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[tuple[int, list[str]]]:
    with serving(site) as running:
        yield running


@pytest.fixture
def port(server: tuple[int, list[str]]) -> int:
    return server[0]


# ------------------------------------------------------------------------------------------
# HTTP helpers (http.client and raw sockets: paths are sent exactly as written)


def fetch(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[int, Message, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.msg, resp.read()
    finally:
        conn.close()


def raw(port: int, target: bytes, extra: bytes = b"Host: 127.0.0.1\r\n") -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\n" + extra + b"Connection: close\r\n\r\n")
        resp = http.client.HTTPResponse(sock, method="GET")
        resp.begin()
        return resp.status, resp.read()


def without_date(msg: Message) -> dict[str, str]:
    return {k.lower(): v for k, v in msg.items() if k.lower() != "date"}


def wait_for(predicate, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


# ------------------------------------------------------------------------------------------
# Ranges


def test_parse_range_forms() -> None:
    assert parse_range("bytes=0-99", 1000) == (0, 99)
    assert parse_range("bytes=900-", 1000) == (900, 999)
    assert parse_range("bytes=-100", 1000) == (900, 999)
    assert parse_range("bytes=-5000", 1000) == (0, 999)
    assert parse_range("bytes=10-99999", 1000) == (10, 999)
    assert parse_range("bytes=1000-", 1000) is False
    assert parse_range("bytes=-0", 1000) is False
    assert parse_range("bytes=0-0", 0) is False
    for bad in ("bytes=5-2", "bytes=0-1,3-4", "items=0-1", "bytes=-", "bytes=", "bytes=a-b", ""):
        assert parse_range(bad, 1000) is None, bad


@pytest.mark.parametrize(
    ("spec", "first", "last"),
    [
        ("0-0", 0, 0),
        ("0-99", 0, 99),
        ("100-", 100, None),
        ("-100", -100, None),
        ("-999999999", 0, None),  # suffix longer than the file: the whole file, still 206
        ("10-999999999", 10, None),  # end past the file: clamped
    ],
)
def test_range_forms_give_206(
    site: Path, port: int, spec: str, first: int, last: int | None
) -> None:
    data = (site / "episodes" / "one.mp3").read_bytes()
    size = len(data)
    status, headers, body = fetch(port, "GET", "/episodes/one.mp3", {"Range": f"bytes={spec}"})
    start = first if first >= 0 else size + first
    end = last if last is not None else size - 1
    assert status == 206
    assert headers["Content-Range"] == f"bytes {start}-{end}/{size}"
    assert headers["Content-Length"] == str(end - start + 1)
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["Content-Type"] == "audio/mpeg"
    assert body == data[start : end + 1]


@pytest.mark.parametrize("spec", ["bytes={size}-", "bytes={over}-{over2}", "bytes=-0"])
def test_unsatisfiable_range_gives_416(site: Path, port: int, spec: str) -> None:
    size = (site / "episodes" / "one.mp3").stat().st_size
    header = spec.format(size=size, over=size + 10, over2=size + 20)
    status, headers, body = fetch(port, "GET", "/episodes/one.mp3", {"Range": header})
    assert status == 416
    assert headers["Content-Range"] == f"bytes */{size}"
    assert headers["Accept-Ranges"] == "bytes"
    assert body == b""


@pytest.mark.parametrize(
    "header", ["bytes=0-1,5-9", "bytes=9-2", "bytes=abc", "items=0-10", "bytes=-", "bytes"]
)
def test_malformed_or_multi_range_serves_whole_file(site: Path, port: int, header: str) -> None:
    data = (site / "episodes" / "one.mp3").read_bytes()
    status, headers, body = fetch(port, "GET", "/episodes/one.mp3", {"Range": header})
    assert status == 200
    assert "Content-Range" not in headers
    assert headers["Content-Length"] == str(len(data))
    assert body == data


def test_accept_ranges_on_every_file_response(port: int) -> None:
    for path in ("/", "/feed.xml", "/index.html", "/cover.jpg", "/episodes/one.vtt"):
        status, headers, _ = fetch(port, "GET", path)
        assert status == 200, path
        assert headers["Accept-Ranges"] == "bytes", path


# ------------------------------------------------------------------------------------------
# HEAD, conditionals, If-Range


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/episodes/one.mp3", {}),
        ("/episodes/one.mp3", {"Range": "bytes=10-20"}),
        ("/episodes/one.mp3", {"Range": "bytes=-50"}),
        ("/episodes/one.mp3", {"Range": "bytes=99999999-"}),
        ("/feed.xml", {"Host": "phone.local:8000"}),
        ("/feed.xml", {"Range": "bytes=0-4"}),
        ("/", {}),
        ("/cover.jpg", {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}),
        ("/nope.mp3", {}),
        ("//etc/passwd", {}),
    ],
)
def test_head_headers_equal_get_headers(port: int, path: str, headers: dict[str, str]) -> None:
    get_status, get_headers, get_body = fetch(port, "GET", path, headers)
    head_status, head_headers, head_body = fetch(port, "HEAD", path, headers)
    assert head_status == get_status
    assert without_date(head_headers) == without_date(get_headers)
    assert head_body == b""
    if get_status in (200, 206):
        assert int(get_headers["Content-Length"]) == len(get_body)


def test_etag_and_last_modified(site: Path, port: int) -> None:
    path = site / "episodes" / "one.mp3"
    _, headers, _ = fetch(port, "HEAD", "/episodes/one.mp3")
    assert headers["ETag"].startswith('"') and headers["ETag"].endswith('"')
    assert headers["Last-Modified"] == formatdate(path.stat().st_mtime, usegmt=True)


def test_if_none_match_gives_304(port: int) -> None:
    _, headers, _ = fetch(port, "HEAD", "/episodes/one.mp3")
    etag = headers["ETag"]
    for value in (etag, f'"nope", {etag}', "*", f"W/{etag}"):
        status, h304, body = fetch(port, "GET", "/episodes/one.mp3", {"If-None-Match": value})
        assert status == 304, value
        assert body == b""
        assert h304["ETag"] == etag
    status, _, body = fetch(port, "GET", "/episodes/one.mp3", {"If-None-Match": '"other"'})
    assert status == 200
    assert body


def test_if_modified_since_gives_304(site: Path, port: int) -> None:
    _, headers, _ = fetch(port, "HEAD", "/episodes/two.mp3")
    last_modified = headers["Last-Modified"]
    status, _, body = fetch(port, "GET", "/episodes/two.mp3", {"If-Modified-Since": last_modified})
    assert (status, body) == (304, b"")
    older = formatdate((site / "episodes" / "two.mp3").stat().st_mtime - 3600, usegmt=True)
    assert fetch(port, "GET", "/episodes/two.mp3", {"If-Modified-Since": older})[0] == 200
    assert fetch(port, "GET", "/episodes/two.mp3", {"If-Modified-Since": "yesterday"})[0] == 200
    # If-None-Match wins over If-Modified-Since.
    both = {"If-None-Match": '"other"', "If-Modified-Since": last_modified}
    assert fetch(port, "GET", "/episodes/two.mp3", both)[0] == 200


def test_if_range(site: Path, port: int) -> None:
    data = (site / "episodes" / "one.mp3").read_bytes()
    _, headers, _ = fetch(port, "HEAD", "/episodes/one.mp3")
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    older = formatdate((site / "episodes" / "one.mp3").stat().st_mtime - 60, usegmt=True)
    cases = [
        (etag, 206),
        (last_modified, 206),
        ('"stale-etag"', 200),
        (f"W/{etag}", 200),  # weak validators never match If-Range
        (older, 200),
    ]
    for value, expected in cases:
        status, h, body = fetch(
            port, "GET", "/episodes/one.mp3", {"Range": "bytes=100-199", "If-Range": value}
        )
        assert status == expected, value
        if expected == 206:
            assert h["Content-Range"] == f"bytes 100-199/{len(data)}"
            assert body == data[100:200]
        else:
            assert "Content-Range" not in h
            assert body == data


# ------------------------------------------------------------------------------------------
# Content types, index, methods, keep-alive


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/episodes/one.mp3", "audio/mpeg"),
        ("/feed.xml", "application/rss+xml; charset=utf-8"),
        ("/episodes/one.vtt", "text/vtt; charset=utf-8"),
        ("/episodes/one.srt", "application/x-subrip; charset=utf-8"),
        ("/episodes/one.chapters.json", "application/json+chapters"),  # Podcasting 2.0
        ("/cover.jpg", "image/jpeg"),
        ("/logo.png", "image/png"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
    ],
)
def test_content_types(port: int, path: str, content_type: str) -> None:
    status, headers, _ = fetch(port, "GET", path)
    assert status == 200
    assert headers["Content-Type"] == content_type


def test_root_serves_index(port: int) -> None:
    assert fetch(port, "GET", "/")[2] == fetch(port, "GET", "/index.html")[2]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "TRACE", "BREW"])
def test_other_methods_405(port: int, method: str) -> None:
    status, headers, _ = fetch(port, method, "/feed.xml", body=b"x=1")
    assert status == 405
    assert headers["Allow"] == "GET, HEAD, OPTIONS"


def test_keep_alive_connection_survives_every_kind_of_response(site: Path, port: int) -> None:
    data = (site / "episodes" / "one.mp3").read_bytes()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    conn.connect()
    sock = conn.sock
    _, first, _ = fetch(port, "HEAD", "/episodes/one.mp3")
    steps = [
        ("GET", "/episodes/one.mp3", {}, 200, data),
        ("GET", "/missing.mp3", {}, 404, None),
        ("HEAD", "/episodes/one.mp3", {}, 200, b""),
        ("GET", "/episodes/one.mp3", {"If-None-Match": first["ETag"]}, 304, b""),
        ("GET", "/episodes/one.mp3", {"Range": "bytes=5-9"}, 206, data[5:10]),
        ("GET", "/episodes/one.mp3", {"Range": "bytes=-0"}, 416, b""),
        ("DELETE", "/episodes/one.mp3", {}, 405, None),
        ("GET", "/.cache/secret.wav", {}, 404, None),
        ("GET", "/episodes/one.mp3", {}, 200, data),
    ]
    try:
        for method, path, headers, status, expected in steps:
            conn.request(method, path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            assert resp.status == status, (method, path)
            if expected is not None:
                assert body == expected, (method, path)
            assert conn.sock is sock, f"connection was closed after {method} {path}"
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------
# Safety


TRAVERSALS: list[bytes] = [
    b"/../etc/passwd",
    b"/../../../../../../etc/passwd",
    b"/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    b"/%2E%2E/%2E%2E/etc/passwd",
    b"/.%2e/.%2e/etc/passwd",
    b"/episodes/..%2f..%2f..%2fetc%2fpasswd",
    b"/episodes/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    b"/episodes/%252e%252e/%252e%252e/etc/passwd",
    b"//etc/passwd",
    b"/episodes//one.mp3",
    b"/etc/passwd",
    b"/episodes/..\\..\\etc\\passwd",
    b"/episodes%5c..%5c..%5cetc%5cpasswd",
    b"/feed.xml%00.mp3",
    b"/feed.xml\x00.mp3",
    b"/%ff%fe",
    b"http://127.0.0.1/../etc/passwd",
    b"*",
    b"/.cache/secret.wav",
    b"/%2ecache/secret.wav",
    b"/episodes/../.cache/secret.wav",
    b"/.cache/",
    b"/.keep",
    b"/.lock",
    b"/episodes/.hidden.mp3",
    b"/./feed.xml",
    b"/outside.txt",
    b"/hostname",
    b"/episodes/etc/hostname",
    b"/episodes/etc/passwd",
    b"/sneaky.wav",
    b"/episodes/",
    b"/episodes",
    b"/pipe.mp3",
]


@pytest.mark.parametrize("target", TRAVERSALS, ids=lambda t: t.decode("latin-1"))
def test_traversal_and_hidden_files_never_200(port: int, target: bytes) -> None:
    status, body = raw(port, target)
    assert status in (400, 404), status
    assert SECRET not in body
    assert OUTSIDE not in body
    assert b"root:" not in body


def test_symlink_inside_out_dir_is_served(site: Path, port: int) -> None:
    status, _, body = fetch(port, "GET", "/latest.mp3")
    assert status == 200
    assert body == (site / "episodes" / "one.mp3").read_bytes()


def test_query_string_is_ignored(port: int) -> None:
    assert fetch(port, "GET", "/episodes/one.vtt?utm=podcast")[0] == 200


# ------------------------------------------------------------------------------------------
# Streaming, concurrency, disconnects, logging


def test_mp3_is_streamed_not_read_whole(site: Path, port: int) -> None:
    digest = hashlib.sha256()
    tracemalloc.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/episodes/big.mp3")
        resp = conn.getresponse()
        assert resp.status == 200
        while chunk := resp.read(64 * 1024):
            digest.update(chunk)
        conn.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert digest.digest() == hashlib.sha256((site / "episodes" / "big.mp3").read_bytes()).digest()
    assert peak < BIG_SIZE // 3, f"peak memory {peak} bytes while serving {BIG_SIZE} bytes"


def test_concurrent_full_downloads_are_byte_identical(site: Path, port: int) -> None:
    paths = ["/episodes/one.mp3", "/episodes/two.mp3", "/feed.xml", "/cover.jpg"]
    jobs = [paths[i % len(paths)] for i in range(24)]
    barrier = threading.Barrier(len(jobs))

    def download(path: str) -> tuple[str, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            barrier.wait(timeout=30)
            conn.request("GET", path)
            resp = conn.getresponse()
            assert resp.status == 200
            return path, resp.read()
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(download, jobs))
    feed = fetch(port, "GET", "/feed.xml")[2]
    for path, body in results:
        expected = feed if path == "/feed.xml" else (site / path.lstrip("/")).read_bytes()
        assert body == expected, path


def test_clients_are_served_in_parallel(site: Path, port: int) -> None:
    """16 clients all get their response headers before any of them reads the 24 MiB body."""
    expected = hashlib.sha256((site / "episodes" / "big.mp3").read_bytes()).digest()
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(16)]
    try:
        for conn in conns:
            conn.request("GET", "/episodes/big.mp3")
        responses = [conn.getresponse() for conn in conns]
        assert [r.status for r in responses] == [200] * 16
        for resp in responses:
            digest = hashlib.sha256()
            while chunk := resp.read(256 * 1024):
                digest.update(chunk)
            assert digest.digest() == expected
    finally:
        for conn in conns:
            conn.close()


def test_client_disconnect_mid_download_is_one_log_line(
    port: int, server: tuple[int, list[str]], capfd: pytest.CaptureFixture[str]
) -> None:
    logs = server[1]
    target = "/episodes/big.mp3?disconnect-test"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        received = b""
        while len(received) < 70_000:
            received += sock.recv(65536)
        # Reset the connection instead of a polite close: the server's next write fails.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    assert received.startswith(b"HTTP/1.1 200")
    assert wait_for(lambda: any(target in line for line in logs))
    lines = [line for line in logs if target in line]
    assert len(lines) == 1
    assert "disconnected" in lines[0]
    # A client that sends half a request and goes away is harmless too.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /feed.xml HTT")
    # The server is still healthy, and nothing printed a traceback.
    assert fetch(port, "GET", "/feed.xml")[0] == 200
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
    assert not any("Traceback" in line or "\n" in line for line in logs)


def test_one_log_line_per_request(site: Path, server: tuple[int, list[str]]) -> None:
    port, logs = server
    size = (site / "episodes" / "one.vtt").stat().st_size
    fetch(port, "GET", "/episodes/one.vtt?log-a")
    fetch(port, "HEAD", "/episodes/one.vtt?log-b")
    fetch(port, "GET", "/episodes/one.vtt?log-c", {"Range": "bytes=0-9"})
    fetch(port, "GET", "/nothing-here?log-d")
    fetch(port, "POST", "/feed.xml?log-e")

    def line(tag: str) -> str:
        assert wait_for(lambda: any(tag in entry for entry in logs))
        found = [entry for entry in logs if tag in entry]
        assert len(found) == 1, found
        return found[0]

    assert line("log-a") == f'127.0.0.1 "GET /episodes/one.vtt?log-a" 200 {size}'
    assert line("log-b") == '127.0.0.1 "HEAD /episodes/one.vtt?log-b" 200 0'
    assert line("log-c") == '127.0.0.1 "GET /episodes/one.vtt?log-c" 206 10'
    assert line("log-d").startswith('127.0.0.1 "GET /nothing-here?log-d" 404 ')
    assert line("log-e").startswith('127.0.0.1 "POST /feed.xml?log-e" 405 ')


# ------------------------------------------------------------------------------------------
# Works from a phone: feed and index rewritten for the client's address


def _all_values(tree: etree._Element) -> list[str]:
    values: list[str] = []
    for el in tree.iter():
        if isinstance(el.tag, str):
            values.extend(el.attrib.values())
            if el.text:
                values.append(el.text.strip())
    return values


def test_podcast_client_round_trip(site: Path, port: int) -> None:
    host = f"127.0.0.1:{port}"
    new_base = f"http://{host}/"
    feed_url = new_base + "feed.xml"
    status, _, feed = fetch(port, "GET", "/feed.xml", {"Host": host})
    assert status == 200

    parsed = podcastparser.parse(feed_url, io.BytesIO(feed))
    assert parsed["title"] == "Test Show"
    assert len(parsed["episodes"]) == 2
    fp = feedparser.parse(feed)
    assert fp.bozo == 0, fp.get("bozo_exception")
    assert len(fp.entries) == 2

    # podcastparser 0.6 knows only an old URL of the podcast: namespace, so check those with lxml.
    tree = etree.fromstring(feed)
    p20 = [el.get("url") for el in tree.iter(f"{{{PODCAST_NS}}}transcript")]
    p20 += [el.get("url") for el in tree.iter(f"{{{PODCAST_NS}}}chapters")]
    assert len(p20) == 6
    assert all(url.startswith(new_base) for url in p20), p20

    for episode in parsed["episodes"]:
        (enclosure,) = episode["enclosures"]
        url = enclosure["url"]
        assert url.startswith(new_base), url
        parts = urllib.parse.urlsplit(url)
        assert parts.netloc == host  # never contact anything but our 127.0.0.1 server
        on_disk = (site / parts.path.lstrip("/")).read_bytes()
        assert enclosure["file_size"] == len(on_disk)
        assert enclosure["mime_type"] == "audio/mpeg"

        # Full download.
        status, h, body = fetch(port, "GET", parts.path, {"Host": host})
        assert (status, h["Content-Type"], body) == (200, "audio/mpeg", on_disk)

        # Interrupted download, then resumed with Range: bytes=N-.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        conn.request("GET", parts.path, headers={"Host": host})
        resp = conn.getresponse()
        partial = resp.read(10_000)
        conn.close()
        status, h, rest = fetch(
            port, "GET", parts.path, {"Host": host, "Range": f"bytes={len(partial)}-"}
        )
        assert status == 206
        assert h["Content-Range"] == f"bytes {len(partial)}-{len(on_disk) - 1}/{len(on_disk)}"
        assert partial + rest == on_disk

    # The transcripts and chapters the feed points at are there too.
    for value in _all_values(tree):
        if value.startswith(new_base):
            path = urllib.parse.urlsplit(value).path
            assert fetch(port, "GET", path, {"Host": host})[0] == 200, path


def test_feed_rewrite_keeps_structure_guids_and_disk(site: Path, port: int) -> None:
    disk_before = (site / "feed.xml").read_bytes()
    _, _, served = fetch(port, "GET", "/feed.xml", {"Host": "phone.local:8000"})
    assert served.startswith(b"<?xml version=")
    assert b"utf-8" in served.split(b"\n", 1)[0].lower()
    disk_tree = etree.fromstring(disk_before)
    served_tree = etree.fromstring(served)
    # Same elements with the same namespaces and prefixes.
    assert served_tree.nsmap == disk_tree.nsmap
    assert [(e.tag, e.prefix) for e in served_tree.iter() if isinstance(e.tag, str)] == [
        (e.tag, e.prefix) for e in disk_tree.iter() if isinstance(e.tag, str)
    ]
    values = _all_values(served_tree)
    assert [v for v in values if v.startswith(BASE)] == [BASE + "guid/two"]  # only the GUID
    assert "http://phone.local:8000/feed.xml" in values  # atom:link rel=self
    assert "http://phone.local:8000/cover.jpg" in values  # image/url and itunes:image
    enclosures = [e.get("url") for e in served_tree.iter("enclosure")]
    assert enclosures == [
        "http://phone.local:8000/episodes/one.mp3",
        "http://phone.local:8000/episodes/two.mp3",
    ]
    # GUIDs are identifiers, never rewritten, even when they look like URLs.
    assert [g.text for g in served_tree.iter("guid")] == ["rtr-test-episode-one", BASE + "guid/two"]
    # Base URL in the middle of a text is left alone.
    assert served_tree.findtext("channel/description") == disk_tree.findtext("channel/description")
    # The file on disk is never changed.
    assert (site / "feed.xml").read_bytes() == disk_before


@pytest.mark.parametrize(
    "bad_host", ["evil.example/<script>", "a b", "host\tname", "x" * 300, "ev@l.com", "é.com"]
)
def test_invalid_host_header_falls_back_to_server_address(port: int, bad_host: str) -> None:
    status, _, feed = fetch(port, "GET", "/feed.xml", {"Host": bad_host.encode().decode("latin-1")})
    assert status == 200
    enclosure = etree.fromstring(feed).find("channel/item/enclosure")
    assert enclosure is not None
    assert enclosure.get("url") == f"http://127.0.0.1:{port}/episodes/one.mp3"


def test_no_host_header_uses_server_address(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(b"GET /feed.xml HTTP/1.0\r\n\r\n")
        resp = http.client.HTTPResponse(sock, method="GET")
        resp.begin()
        feed = resp.read()
    assert resp.status == 200
    assert f'url="http://127.0.0.1:{port}/episodes/one.mp3"'.encode() in feed


def test_rewritten_etag_differs_per_host(port: int) -> None:
    _, file_headers, _ = fetch(port, "HEAD", "/episodes/one.mp3")
    _, a, _ = fetch(port, "GET", "/feed.xml", {"Host": "a.local:8000"})
    _, b, _ = fetch(port, "GET", "/feed.xml", {"Host": "b.local:8000"})
    _, a2, _ = fetch(port, "GET", "/feed.xml", {"Host": "a.local:8000"})
    assert a["ETag"] != b["ETag"]
    assert a["ETag"] == a2["ETag"]
    assert a["Vary"] == "Host"
    assert "Vary" not in file_headers
    # Conditional requests use the rewritten validator of the same host.
    same = {"Host": "a.local:8000", "If-None-Match": a["ETag"]}
    assert fetch(port, "GET", "/feed.xml", same)[0] == 304
    other = {"Host": "b.local:8000", "If-None-Match": a["ETag"]}
    assert fetch(port, "GET", "/feed.xml", other)[0] == 200


def test_range_of_rewritten_feed(port: int) -> None:
    host = {"Host": "phone.local"}
    _, _, full = fetch(port, "GET", "/feed.xml", host)
    status, headers, part = fetch(port, "GET", "/feed.xml", {**host, "Range": "bytes=0-4"})
    assert status == 206
    assert headers["Content-Range"] == f"bytes 0-4/{len(full)}"
    assert part == full[:5] == b"<?xml"


def test_index_html_rewritten(site: Path, port: int) -> None:
    disk = (site / "index.html").read_bytes()
    status, _, body = fetch(port, "GET", "/", {"Host": "192.168.1.23:8000"})
    assert status == 200
    assert BASE.encode() not in body
    assert b'href="http://192.168.1.23:8000/feed.xml"' in body
    assert b'src="http://192.168.1.23:8000/episodes/one.mp3"' in body
    assert (site / "index.html").read_bytes() == disk


def test_rewrite_cache_follows_file_changes(tmp_path: Path) -> None:
    out = _build_site(tmp_path)
    with serving(out) as (port, _):
        host = {"Host": "phone.local"}
        first = fetch(port, "GET", "/feed.xml", host)
        assert b"Test Show" in first[2]
        _write_feed(out, title="Renamed Show")
        later = time.time() + 5
        os.utime(out / "feed.xml", (later, later))
        second = fetch(port, "GET", "/feed.xml", host)
        assert b"Renamed Show" in second[2]
        assert b"http://phone.local/episodes/one.mp3" in second[2]
        assert second[1]["ETag"] != first[1]["ETag"]
        # The page takes its base URL from the feed, so it follows too.
        assert b"http://phone.local/feed.xml" in fetch(port, "GET", "/", host)[2]


def test_feed_without_self_link_is_served_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    feed = b'<?xml version="1.0"?><rss version="2.0"><channel><link>http://x.invalid/</link></channel></rss>'
    (out / "feed.xml").write_bytes(feed)
    with serving(out) as (port, _):
        assert fetch(port, "GET", "/feed.xml")[2] == feed


# ------------------------------------------------------------------------------------------
# make_server / run


def test_missing_feed_raises_nothing_to_serve(tmp_path: Path) -> None:
    (tmp_path / "audio_out").mkdir()
    for out in (tmp_path / "audio_out", tmp_path / "does-not-exist"):
        with pytest.raises(NothingToServe) as info:
            make_server(out, "127.0.0.1", 0)
        message = str(info.value)
        assert "feed.xml" in message and "rtr-audio build" in message
        assert "\n" not in message
        assert isinstance(info.value, RtrError)
    printed: list[str] = []
    with pytest.raises(NothingToServe):
        run(tmp_path / "audio_out", "127.0.0.1", 0, printed.append)
    assert printed == []


def test_port_in_use_raises_cannot_listen(site: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        with pytest.raises(CannotListen) as info:
            make_server(site, "127.0.0.1", busy)
    assert str(busy) in str(info.value)
    assert "\n" not in str(info.value)


def test_port_zero_and_clean_shutdown(site: Path) -> None:
    with serving(site) as (port, _):
        assert port != 0
        assert fetch(port, "GET", "/feed.xml")[0] == 200
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_banner_on_all_interfaces_has_lan_url_and_qr(site: Path) -> None:
    banner = format_banner(site, "0.0.0.0", 8123, lan_ip="192.168.1.23")
    assert "http://127.0.0.1:8123/feed.xml" in banner
    assert "http://192.168.1.23:8123/feed.xml" in banner
    assert "Add podcast by URL" in banner and "Follow a Show by URL" in banner
    qr_lines = [line for line in banner.splitlines() if set(line) & set("█▀▄")]
    assert len(qr_lines) >= 10
    assert len({len(line) for line in qr_lines}) == 1  # a square block, not stray characters


def test_banner_on_a_lan_address_and_on_localhost(site: Path) -> None:
    lan = format_banner(site, "192.168.1.50", 8000)
    assert "http://192.168.1.50:8000/feed.xml" in lan
    assert "█" in lan
    local = format_banner(site, "127.0.0.1", 8000)
    assert "http://127.0.0.1:8000/feed.xml" in local
    assert "█" not in local and "Add podcast by URL" not in local
    v6 = format_banner(site, "::", 8000, lan_ip="192.168.1.23")
    assert "http://192.168.1.23:8000/feed.xml" in v6


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="POSIX signals")
def test_run_prints_url_serves_and_stops_cleanly_on_ctrl_c(
    site: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT is not the default KeyboardInterrupt handler here")
    printed: list[str] = []
    started = threading.Event()
    results: dict[str, int] = {}

    def echo(text: str) -> None:
        printed.append(text)
        if text.startswith("Press Ctrl-C"):
            started.set()

    def client() -> None:
        try:
            if started.wait(15):
                url = next(line for line in "\n".join(printed).splitlines() if "/feed.xml" in line)
                port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
                results["status"] = fetch(port, "GET", "/feed.xml")[0]
                # The server logs a request just after answering it.
                wait_for(lambda: any('"GET /feed.xml" 200' in text for text in printed))
        finally:
            os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    run(site, "127.0.0.1", 0, echo)  # returns on Ctrl-C instead of raising
    thread.join(5)
    assert results.get("status") == 200
    assert any("http://127.0.0.1:" in text and "/feed.xml" in text for text in printed)
    assert printed[-1] == "Stopped serving."
    assert any('"GET /feed.xml" 200' in text for text in printed)
    assert "Traceback" not in "".join(capfd.readouterr())
