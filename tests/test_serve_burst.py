"""serve under hostile connection patterns (issue 13, kind 11), against a real server on a free
loopback port: bursts of half-open connections, slow or silent clients, bad Host ports and
HTTP/0.9-style requests. Everything is bounded and stops by itself; only 127.0.0.1 is used."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from rtr_audio.serve import make_server

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

BASE = "http://example.invalid/show/"
BURST = 5000
BIG = 48 * 1024 * 1024
FEED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title>'
    f'<atom:link href="{BASE}feed.xml" rel="self" type="application/rss+xml"/>'
    f'<link>{BASE}</link><item><title>One</title><guid isPermaLink="false">one</guid>'
    f'<enclosure url="{BASE}episodes/one.mp3" length="5" type="audio/mpeg"/></item>'
    "</channel></rss>\n"
)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("burst") / "audio_out"
    (root / "episodes").mkdir(parents=True)
    (root / "feed.xml").write_text(FEED, encoding="utf-8")
    (root / "episodes" / "one.mp3").write_bytes(b"ID3\x00\x00")
    # Larger than loopback socket buffers, so a client that does not read blocks its worker.
    (root / "episodes" / "big.mp3").write_bytes(os.urandom(BIG))
    return root


@contextlib.contextmanager
def serving(out_dir: Path, **kwargs: object) -> Iterator[int]:
    server = make_server(out_dir, "127.0.0.1", 0, log=lambda line: None, **kwargs)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture(scope="module")
def port(out: Path) -> Iterator[int]:
    with serving(out) as running:
        yield running


@contextlib.contextmanager
def open_files(needed: int) -> Iterator[None]:
    """Raise the soft ``RLIMIT_NOFILE`` for this process (client and server both live here)."""
    if resource is None:
        pytest.skip("needs the resource module (POSIX)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"hard limit of open files is {hard}, the test needs {needed}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def timed_get(port: int, path: str = "/feed.xml", source: str = "127.0.0.1") -> float:
    """Seconds a fresh connection takes to get a whole 200 response (10 s at most)."""
    start = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200
    finally:
        conn.close()
    return time.monotonic() - start


def probe_while(port: int, work: threading.Thread) -> list[float]:
    """Latencies of a normal client polling the server while ``work`` runs (and once after)."""
    latencies: list[float] = []
    while work.is_alive():
        latencies.append(timed_get(port))
        time.sleep(0.02)
    latencies.append(timed_get(port))
    return latencies


def open_burst(port: int, count: int, first_bytes: bytes) -> list[socket.socket]:
    socks: list[socket.socket] = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        if first_bytes:
            with contextlib.suppress(OSError):  # already evicted by the server: fine
                sock.sendall(first_bytes)
        socks.append(sock)
    return socks


def drop_all(socks: list[socket.socket], reset: bool) -> None:
    for sock in socks:
        if reset:  # RST instead of FIN: the way a crashed client or a scanner goes away
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()


@pytest.mark.parametrize(
    ("first_bytes", "reset", "max_idle"),
    [
        (b"", False, 2 * BURST),  # connect and say nothing; the server holds all 5,000
        (b"GET /feed.xml HTTP/1.1\r\nHost: 127.0.0.1\r\n", True, 2 * BURST),  # half a head
        (b"GET /episodes/one.mp3 HTT", False, 1024),  # half a line; the oldest are evicted
        (b"\r\n" * 8, True, 1024),  # only empty lines
    ],
    ids=["silent-held", "half-head-reset-held", "half-line-evicted", "blank-lines-evicted"],
)
def test_normal_client_answered_within_1s_while_5000_connections_open_and_drop(
    out: Path, first_bytes: bytes, reset: bool, max_idle: int
) -> None:
    with open_files(BURST * 2 + 512), serving(out, max_idle=max_idle) as port:
        held: list[socket.socket] = []

        def attack() -> None:
            held.extend(open_burst(port, BURST, first_bytes))
            drop_all(held, reset)  # released at once

        work = threading.Thread(target=attack, daemon=True)
        work.start()
        latencies = probe_while(port, work)
        work.join(60)
        # After the drop, the server is quiet again.
        latencies += [timed_get(port) for _ in range(5)]
    assert len(held) == BURST
    print(f"{len(latencies)} answers during the burst, slowest {max(latencies) * 1000:.1f} ms")
    assert max(latencies) < 1.0, f"slowest of {len(latencies)} answers: {max(latencies):.2f} s"


def test_silent_connections_are_closed_after_the_head_timeout(out: Path) -> None:
    with serving(out, head_timeout=0.5) as p:
        sock = socket.create_connection(("127.0.0.1", p), timeout=5)
        sock.sendall(b"GET /feed.xml HTTP/1.1\r\n")
        start = time.monotonic()
        assert sock.recv(100) == b""  # closed by the server, no response to half a request
        assert time.monotonic() - start < 4
        sock.close()


def test_slow_drip_client_does_not_hold_a_worker(out: Path) -> None:
    """One worker only: a client dripping a request head byte by byte never blocks another."""
    with serving(out, workers=1) as p:
        drip = socket.create_connection(("127.0.0.1", p), timeout=5)
        try:
            for byte in b"GET /feed.xml HTTP/1.1\r\nHost: x":
                drip.sendall(bytes([byte]))
                assert timed_get(p) < 1.0
        finally:
            drip.close()


def test_too_many_idle_connections_evict_the_oldest(out: Path) -> None:
    with serving(out, max_idle=20) as p:
        socks = [socket.create_connection(("127.0.0.1", p), timeout=5) for _ in range(40)]
        try:
            assert timed_get(p) < 1.0
            # The oldest ones were closed by the server to make room.
            socks[0].settimeout(5)
            assert socks[0].recv(10) == b""
        finally:
            drop_all(socks, reset=False)


# ------------------------------------------------------------------------------------------
# Host header ports and request-line forms


def _feed_enclosure(port: int, host: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("GET", "/feed.xml", skip_host=True)
        conn.putheader("Host", host)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 200
    finally:
        conn.close()
    enclosure = etree.fromstring(body).find("channel/item/enclosure")
    assert enclosure is not None
    return str(enclosure.get("url"))


@pytest.mark.parametrize(
    "host",
    ["phone.local:abc", "phone.local:99999", "phone.local:0", "phone.local:", "[::1]:8x",
     "192.168.1.2:-1", "phone.local:80:80", "[::1", "::1", "phone..local", "-phone.local"],
)  # fmt: skip
def test_malformed_host_port_never_reaches_the_feed(port: int, host: str) -> None:
    assert _feed_enclosure(port, host) == f"http://127.0.0.1:{port}/episodes/one.mp3"


@pytest.mark.parametrize(
    ("host", "base"),
    [
        ("phone.local:8000", "http://phone.local:8000/"),
        ("Phone.Local", "http://phone.local/"),
        ("192.168.1.23:65535", "http://192.168.1.23:65535/"),
        ("[fe80::1]:8000", "http://[fe80::1]:8000/"),
        ("[::1]", "http://[::1]/"),
    ],
)
def test_valid_host_is_used(port: int, host: str, base: str) -> None:
    assert _feed_enclosure(port, host) == base + "episodes/one.mp3"


def _raw_exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    "request_line",
    [b"GET /feed.xml\r\n", b"GET /\n", b"GET /episodes/one.mp3\r\n", b"GET\r\n",
     b"POST /feed.xml\r\n"],
)  # fmt: skip
def test_http09_style_request_gets_a_status_line(port: int, request_line: bytes) -> None:
    answer = _raw_exchange(port, request_line)
    status_line = answer.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.")
    assert status_line.split()[1] in (b"400", b"505")
    assert b"<rss" not in answer and b"ID3" not in answer


@pytest.mark.parametrize(
    "request_line",
    [b"GET /feed.xml HTTP/2.0\r\n\r\n", b"GET /feed.xml HTTP/1.1.1\r\n\r\n",
     b"GET /feed.xml FTP/1.0\r\n\r\n"],
)  # fmt: skip
def test_unsupported_versions_get_a_status_line(port: int, request_line: bytes) -> None:
    status_line = _raw_exchange(port, request_line).split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.")
    assert status_line.split()[1] in (b"400", b"505")


def test_pipelined_requests_are_answered_in_order(port: int) -> None:
    two = (
        b"GET /episodes/one.mp3 HTTP/1.1\r\nHost: x\r\n\r\n"
        b"HEAD /feed.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    answer = _raw_exchange(port, two)
    assert answer.count(b"HTTP/1.1 200") == 2
    assert answer.index(b"audio/mpeg") < answer.index(b"application/rss+xml")


# ------------------------------------------------------------------------------------------
# One client address cannot take every worker (Linux routes all of 127.0.0.0/8 to loopback,
# so 127.0.0.2 and 127.0.0.3 are two clients)


def _slow_downloads(port: int, count: int, source: str = "127.0.0.2") -> list[socket.socket]:
    """``count`` connections from ``source`` that ask for the big file and never read."""
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"GET /episodes/big.mp3 HTTP/1.1\r\nHost: x\r\n\r\n")
        socks.append(sock)
    return socks


@pytest.mark.skipif(os.uname().sysname != "Linux", reason="needs 127.0.0.2 on loopback (Linux)")
@pytest.mark.parametrize("slow", [2, 10, 40])
def test_slow_reader_on_many_connections_cannot_take_every_worker(out: Path, slow: int) -> None:
    with serving(out, workers=4) as p:
        hogs = _slow_downloads(p, slow)
        try:
            time.sleep(0.3)  # the hogs' workers are now blocked writing
            latencies = [timed_get(p, source="127.0.0.3") for _ in range(5)]
            assert max(latencies) < 1.0, latencies
        finally:
            drop_all(hogs, reset=True)


@pytest.mark.skipif(os.uname().sysname != "Linux", reason="needs 127.0.0.2 on loopback (Linux)")
def test_a_clients_queued_request_is_answered_when_its_earlier_ones_end(out: Path) -> None:
    with serving(out, workers=4) as p:  # two requests per client at a time
        hogs = _slow_downloads(p, 2)
        waiting = http.client.HTTPConnection(
            "127.0.0.1", p, timeout=10, source_address=("127.0.0.2", 0)
        )
        try:
            waiting.request("GET", "/episodes/one.mp3")
            time.sleep(0.3)
            drop_all(hogs, reset=True)  # frees this client's two workers
            resp = waiting.getresponse()
            assert (resp.status, resp.read()) == (200, b"ID3\x00\x00")
        finally:
            waiting.close()
