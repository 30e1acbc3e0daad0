"""One HTTP/1.1 request for ``serve``: ``GET``/``HEAD`` of static files, ``OPTIONS`` for CORS.

The connection loop (:mod:`rtr_audio.serve.server`) reads the whole request head before a worker
thread sees it, so a handler never waits for a slow client to finish its request; it only
writes. Every response carries ``Access-Control-Allow-Origin: *``: the feed, media, chapters,
transcripts and cover are public, and web players on other origins read them (Fetch standard,
CORS protocol). Other methods get ``405`` with ``Allow``; HTTP/0.9-style request lines get a
``400`` with a status line.
"""

from __future__ import annotations

import io
import socket
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Protocol

from rtr_audio.layout import FEED, PAGE
from rtr_audio.serve.rewrite import RewriteCache, parse_host, rewrite_entity
from rtr_audio.serve.static import (
    BadTarget,
    Entity,
    NotFound,
    http_date,
    if_range_ok,
    not_modified,
    open_file,
    parse_range,
    resolve,
)

ALLOWED_METHODS = "GET, HEAD, OPTIONS"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    # Players seek with Range and read the total length from Content-Range.
    "Access-Control-Expose-Headers": "Content-Length, Content-Range, Accept-Ranges, ETag",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": ALLOWED_METHODS,
    "Access-Control-Allow-Headers": "Range, If-None-Match, If-Modified-Since, If-Range",
    "Access-Control-Max-Age": "86400",
}
# A client going away mid-response is normal (a podcast app seeking, a phone losing Wi-Fi).
DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class Site(Protocol):
    """What a handler needs from its server."""

    root: Path
    rewrites: RewriteCache

    def log_line(self, line: str) -> None: ...


def printable(text: str, limit: int = 300) -> str:
    """Log-safe text: no control characters that could play tricks on a terminal."""
    out = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text[:limit])
    return out + ("…" if len(text) > limit else "")


class _SocketWriter(io.RawIOBase):
    """``wfile``: every write is a ``sendall`` (a raw socket file may write only part)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._sock.sendall(data)
        return len(data)


class Handler(BaseHTTPRequestHandler):
    """Answers the one request whose head is ``head``; the caller owns the socket."""

    server: Site  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"
    server_version = "rtr-audio"
    default_request_version = "HTTP/1.0"  # errors before the version is known have a status line
    timeout = 60  # seconds one blocked write may take before the client is dropped

    def __init__(self, sock: socket.socket, address: Any, site: Site, head: bytes) -> None:
        self._head = head
        self._status: int | None = None
        self._sent = 0
        self._note = ""
        self.close_connection = True
        super().__init__(sock, address, site)  # type: ignore[arg-type]

    # -- plumbing around http.server --------------------------------------------------------

    def setup(self) -> None:
        self.connection = self.request
        self.connection.settimeout(self.timeout)
        self.rfile = io.BytesIO(self._head)
        self.wfile = _SocketWriter(self.connection)  # type: ignore[assignment]

    def handle(self) -> None:
        self.command = self.path = self.requestline = ""
        try:
            self.handle_one_request()
        except DISCONNECTS:
            self.close_connection = True
            self._note = "client disconnected"
        if self._status is None and not self.requestline:
            return  # nothing was asked: nothing to report
        who = self.client_address[0] if self.client_address else "-"
        line = (
            f'{who} "{printable(self.command or "-")} {printable(self._raw_target() or "-")}"'
            f" {self._status if self._status is not None else '-'} {self._sent}"
        )
        if self._note:
            line += f" ({self._note})"
        self.server.log_line(line)

    def finish(self) -> None:
        pass  # the connection loop keeps or closes the socket

    def version_string(self) -> str:
        return self.server_version  # no trailing space, no Python version

    def parse_request(self) -> bool:
        words = self.raw_requestline.split()
        self.request_version = self.default_request_version
        if len(words) < 3:  # HTTP/0.9 ("GET /") or garbage: refuse, with a status line
            self.requestline = printable(str(self.raw_requestline, "iso-8859-1").rstrip("\r\n"))
            self.command = self.requestline.split(" ", 1)[0]  # for the log line
            self.send_error(HTTPStatus.BAD_REQUEST)
            return False
        return super().parse_request()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        self.close_connection = True
        self._simple(HTTPStatus(code))

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = int(code)
        super().send_response(code, message)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # one line per request is written by handle()

    def log_error(self, format: str, *args: Any) -> None:
        if format.startswith("Request timed out"):
            self._note = "timed out"

    def log_message(self, format: str, *args: Any) -> None:
        self.server.log_line(printable(format % args))

    def __getattr__(self, name: str) -> Any:
        # Any method other than GET/HEAD/OPTIONS: 405 with Allow (instead of http.server's 501).
        if name.startswith("do_"):
            return self._method_not_allowed
        raise AttributeError(name)

    def _raw_target(self) -> str:
        words = self.requestline.split()
        return words[1] if len(words) >= 2 else self.path

    def _write(self, data: bytes) -> None:
        self.wfile.write(data)
        self._sent += len(data)

    def _request_has_body(self) -> bool:
        headers = getattr(self, "headers", None)
        if headers is None:
            return False
        length = headers.get("Content-Length", "0").strip() or "0"
        return length != "0" or "Transfer-Encoding" in headers

    def _headers(self, headers: dict[str, str]) -> None:
        for key, value in {**headers, **CORS_HEADERS}.items():
            self.send_header(key, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()

    def _simple(self, status: HTTPStatus, extra: dict[str, str] | None = None) -> None:
        body = f"{status.value} {status.phrase}\n".encode()
        if self._request_has_body():
            self.close_connection = True  # we never read request bodies
        self.send_response(status)
        headers = {"Content-Type": "text/plain; charset=utf-8", "Content-Length": str(len(body))}
        headers["X-Content-Type-Options"] = "nosniff"
        self._headers({**headers, **(extra or {})})
        if self.command != "HEAD":
            self._write(body)

    def _method_not_allowed(self) -> None:
        self._simple(HTTPStatus.METHOD_NOT_ALLOWED, {"Allow": ALLOWED_METHODS})

    # -- the methods ------------------------------------------------------------------------

    def do_OPTIONS(self) -> None:
        """CORS preflight (and plain OPTIONS): 204 with what a cross-origin reader may do."""
        if self._request_has_body():
            self.close_connection = True
        self.send_response(HTTPStatus.NO_CONTENT)
        self._headers({"Allow": ALLOWED_METHODS, **PREFLIGHT_HEADERS})

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def _serve(self) -> None:
        if self._request_has_body():
            self.close_connection = True
        try:
            entity = self._open(resolve(self.server.root, self._raw_target()))
        except BadTarget:
            self._simple(HTTPStatus.BAD_REQUEST)
            return
        except NotFound:
            self._simple(HTTPStatus.NOT_FOUND)
            return
        try:
            self._send_entity(entity)
        finally:
            entity.close()

    def _open(self, real: Path) -> Entity:
        entity, st = open_file(real)
        rel = real.relative_to(self.server.root).as_posix()
        if rel in (FEED, PAGE):
            try:
                host = self._client_host()
                rewrite_entity(entity, rel, st, self.server.root, host, self.server.rewrites)
            except Exception:
                entity.close()
                raise
        return entity

    def _client_host(self) -> str:
        """``host[:port]`` the client used: a valid Host header, else our socket address."""
        values = self.headers.get_all("Host") or []
        host = parse_host(values[0]) if len(values) == 1 else None
        if host is not None:
            return host
        address, port = self.connection.getsockname()[:2]
        return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"

    def _send_entity(self, entity: Entity) -> None:
        headers = {
            "Accept-Ranges": "bytes",
            "ETag": entity.etag,
            "Last-Modified": http_date(entity.mtime),
            "Cache-Control": "no-cache",
        }
        if entity.rewritten:
            headers["Vary"] = "Host"
        if not_modified(self.headers, entity):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self._headers(headers)
            return
        first, length = self._range(entity, headers)
        if length < 0:
            return  # 416 already sent
        headers["Content-Type"] = entity.content_type
        headers["Content-Length"] = str(length)
        headers["X-Content-Type-Options"] = "nosniff"
        self._headers(headers)
        if self.command == "HEAD":
            return
        for chunk in entity.chunks(first, length):
            self._write(chunk)
        if self._sent < length:
            self.close_connection = True  # file shrank: the client must not reuse the connection

    def _range(self, entity: Entity, headers: dict[str, str]) -> tuple[int, int]:
        """Send the status line for the ``Range`` asked; ``(first, length)``, length -1 on 416."""
        range_header = self.headers.get("Range")
        wanted = None
        if range_header is not None and if_range_ok(self.headers, entity):
            wanted = parse_range(range_header, entity.size)
        if wanted is False:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            headers["Content-Range"] = f"bytes */{entity.size}"
            headers["Content-Length"] = "0"
            self._headers(headers)
            return 0, -1
        if wanted is None:
            self.send_response(HTTPStatus.OK)
            return 0, entity.size
        first, last = wanted
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        headers["Content-Range"] = f"bytes {first}-{last}/{entity.size}"
        return first, last - first + 1

