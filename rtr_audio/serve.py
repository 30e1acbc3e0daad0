"""Serve ``audio_out/`` over HTTP for podcast apps and browsers.

Static files only, standard library ``http.server`` with one thread per connection:

* ``GET`` and ``HEAD``; every other method gets ``405`` with ``Allow``.
* Single byte ranges (``206``/``416``), ``ETag``/``Last-Modified`` with ``If-None-Match``,
  ``If-Modified-Since`` and ``If-Range``. Files are streamed in 64 KiB chunks.
* Never anything outside the output folder, never a dot-file or dot-folder (the build cache lives
  in ``.cache/``), never a directory listing.
* ``feed.xml`` and ``index.html`` are served with their absolute URLs rewritten from the build's
  ``base_url`` to the address the client used, so a phone on the LAN gets working links without a
  rebuild. Files on disk are never changed.

The CLI (``rtr-audio serve``) calls :func:`run`; tests and other code use :func:`make_server`.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import io
import ipaddress
import os
import re
import socket
import stat
import sys
import threading
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO, Literal

from rtr_audio.errors import RtrError

__all__ = [
    "CannotListen",
    "NothingToServe",
    "feed_base_url",
    "find_lan_ip",
    "format_banner",
    "make_server",
    "rewrite_feed",
    "run",
]

CHUNK_SIZE = 64 * 1024
FEED_NAME = "feed.xml"
INDEX_NAME = "index.html"
ALLOWED_METHODS = "GET, HEAD"
ATOM_NS = "http://www.w3.org/2005/Atom"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"

CONTENT_TYPES: dict[str, str] = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".xml": "application/rss+xml; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8",
    ".json": "application/json",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"

# A client going away mid-response is normal (a podcast app seeking, a phone losing Wi-Fi).
_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)
_HOST_RE = re.compile(r"[A-Za-z0-9.:\-\[\]]{1,255}")
_RANGE_RE = re.compile(r"bytes[ \t]*=[ \t]*(\d{0,19})[ \t]*-[ \t]*(\d{0,19})")
_ETAG_RE = re.compile(r'(?:W/)?"[^"]*"|\*')
_REWRITE_CACHE_SIZE = 64
# Elements whose text is an identifier, not a link: rewriting them would change episode GUIDs.
_NEVER_REWRITE = frozenset({"guid", f"{{{PODCAST_NS}}}guid"})


class NothingToServe(RtrError):
    """The output folder has no ``feed.xml`` yet."""


class CannotListen(RtrError):
    """The server could not bind to the requested host and port."""


# --------------------------------------------------------------------------------------------
# Feed rewriting


def _xml_parser() -> Any:
    from lxml import etree

    # No entity expansion, no network access, keep CDATA as it was.
    return etree.XMLParser(resolve_entities=False, no_network=True, strip_cdata=False)


def feed_base_url(feed: bytes) -> str | None:
    """The base URL a feed was built for: its ``atom:link rel="self"`` href minus ``feed.xml``.

    Returns ``None`` when the feed cannot be parsed or has no absolute http(s) self link.
    """
    from lxml import etree

    try:
        root = etree.fromstring(feed, _xml_parser())
    except etree.XMLSyntaxError:
        return None
    for link in root.iter(f"{{{ATOM_NS}}}link"):
        if (link.get("rel") or "").strip() != "self":
            continue
        href = (link.get("href") or "").strip()
        parts = urllib.parse.urlsplit(href)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            continue
        if href.endswith(FEED_NAME):
            return href[: -len(FEED_NAME)]
        return href.rsplit("/", 1)[0] + "/"
    return None


def _swap_prefix(value: str, old: str, new: str) -> str | None:
    """``value`` with a leading ``old`` (after any whitespace) replaced by ``new``, else None."""
    stripped = value.lstrip()
    if not stripped.startswith(old):
        return None
    lead = value[: len(value) - len(stripped)]
    return lead + new + stripped[len(old) :]


def rewrite_feed(feed: bytes, old_base: str, new_base: str) -> bytes:
    """Replace ``old_base`` at the start of every attribute value and element text.

    Namespaces and prefixes are kept exactly; GUIDs are never touched. The result is UTF-8
    with an XML declaration. Raises ``lxml.etree.XMLSyntaxError`` on a broken feed.
    """
    from lxml import etree

    root = etree.fromstring(feed, _xml_parser())
    tree = root.getroottree()
    for el in root.iter():
        if not isinstance(el.tag, str):  # comments, processing instructions, entities
            continue
        for name, value in el.attrib.items():
            swapped = _swap_prefix(value, old_base, new_base)
            if swapped is not None:
                el.set(name, swapped)
        if el.text and el.tag not in _NEVER_REWRITE:
            swapped = _swap_prefix(el.text, old_base, new_base)
            if swapped is not None:
                el.text = swapped
    standalone = tree.docinfo.standalone
    if standalone is None:
        return etree.tostring(tree, xml_declaration=True, encoding="utf-8")
    return etree.tostring(tree, xml_declaration=True, encoding="utf-8", standalone=standalone)


# --------------------------------------------------------------------------------------------
# HTTP helpers


def _http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


def _parse_http_date(value: str) -> int | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    return int(parsed.timestamp())


def _etags(header: str) -> list[str]:
    return _ETAG_RE.findall(header)


def _opaque(etag: str) -> str:
    return etag[2:] if etag.startswith("W/") else etag


def parse_range(header: str, size: int) -> tuple[int, int] | Literal[False] | None:
    """Interpret a ``Range`` header for a representation of ``size`` bytes.

    Returns ``(first, last)`` (inclusive) for a satisfiable single range, ``False`` when the range
    is unsatisfiable (416), and ``None`` when the header is malformed, uses another unit or asks
    for several ranges: such a header is ignored and the whole file is served (RFC 9110 14.2).
    """
    match = _RANGE_RE.fullmatch(header.strip())
    if match is None:
        return None
    first_s, last_s = match.groups()
    if not first_s and not last_s:
        return None
    if not first_s:  # suffix range: the last n bytes
        suffix = int(last_s)
        if suffix == 0 or size == 0:
            return False
        return max(0, size - suffix), size - 1
    first = int(first_s)
    last = int(last_s) if last_s else size - 1
    if last_s and last < first:
        return None  # invalid range-spec: ignore the header
    if first >= size:
        return False
    return first, min(last, size - 1)


def _printable(text: str, limit: int = 300) -> str:
    """Log-safe text: no control characters that could play tricks on a terminal."""
    out = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text[:limit])
    return out + ("…" if len(text) > limit else "")


# --------------------------------------------------------------------------------------------
# Server


@dataclass
class _Entity:
    """What a GET would send: a file on disk or a rewritten body in memory."""

    size: int
    mtime: float
    etag: str
    content_type: str
    file: BinaryIO | None = None
    body: bytes | None = None
    rewritten: bool = False

    def chunks(self, first: int, length: int) -> Iterator[bytes]:
        if self.body is not None:
            for pos in range(first, first + length, CHUNK_SIZE):
                yield self.body[pos : min(pos + CHUNK_SIZE, first + length)]
            return
        assert self.file is not None
        self.file.seek(first)
        remaining = length
        while remaining > 0:
            chunk = self.file.read(min(CHUNK_SIZE, remaining))
            if not chunk:  # the file shrank under us (a rebuild); stop short
                return
            remaining -= len(chunk)
            yield chunk

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


class _PodcastServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its output folder and logger."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        out_dir: Path,
        log: Callable[[str], None] | None,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.out_dir = out_dir
        self.root = Path(os.path.realpath(out_dir))
        self.log = log
        self._log_lock = threading.Lock()
        self._cache: OrderedDict[tuple[object, ...], tuple[bytes, str]] = OrderedDict()
        self._cache_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup; skip it.
        if self.address_family == socket.AF_INET6:
            with contextlib.suppress(OSError):
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])

    def log_line(self, line: str) -> None:
        if self.log is None:
            return
        with self._log_lock, contextlib.suppress(Exception):
            self.log(line)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Never a traceback on the terminal: one line, whatever went wrong.
        exc = sys.exc_info()[1]
        who = client_address[0] if isinstance(client_address, tuple) else client_address
        if isinstance(exc, _DISCONNECTS):
            self.log_line(f"{who} disconnected")
        else:
            self.log_line(f"{who} error: {type(exc).__name__}: {_printable(str(exc))}")

    # Rewritten feed/index bodies, keyed by (file, host, validators).
    def cached(self, key: tuple[object, ...], make: Callable[[], bytes]) -> tuple[bytes, str]:
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        body = make()
        etag = '"r-' + hashlib.sha256(body).hexdigest()[:32] + '"'
        with self._cache_lock:
            self._cache[key] = (body, etag)
            while len(self._cache) > _REWRITE_CACHE_SIZE:
                self._cache.popitem(last=False)
        return body, etag


class _BadRequest(Exception):
    pass


class _NotFound(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    server: _PodcastServer
    protocol_version = "HTTP/1.1"
    server_version = "rtr-audio"
    sys_version = ""
    timeout = 120  # seconds a silent connection may hold a thread

    _status: int | None = None
    _sent: int = 0
    _note: str = ""

    # -- bookkeeping ----------------------------------------------------------------------

    def handle_one_request(self) -> None:
        self._status = None
        self._sent = 0
        self._note = ""
        self.command = ""
        self.path = ""
        self.requestline = ""
        try:
            super().handle_one_request()
        except _DISCONNECTS:
            self.close_connection = True
            self._note = "client disconnected"
        if self._status is None and not self.requestline:
            return  # an idle keep-alive connection closing: nothing to report
        who = self.client_address[0] if self.client_address else "-"
        line = (
            f'{who} "{_printable(self.command or "-")} {_printable(self._raw_target() or "-")}"'
            f" {self._status if self._status is not None else '-'} {self._sent}"
        )
        if self._note:
            line += f" ({self._note})"
        self.server.log_line(line)

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = int(code)
        super().send_response(code, message)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # one line per request is written by handle_one_request

    def log_error(self, format: str, *args: Any) -> None:
        if format.startswith("Request timed out"):
            self._note = "timed out"

    def log_message(self, format: str, *args: Any) -> None:
        self.server.log_line(_printable(format % args))

    def __getattr__(self, name: str) -> Any:
        # Any method other than GET/HEAD: 405 with Allow (instead of http.server's 501).
        if name.startswith("do_"):
            return self._method_not_allowed
        raise AttributeError(name)

    def _raw_target(self) -> str:
        words = self.requestline.split()
        if len(words) >= 2:
            return words[1]
        return self.path

    def _write(self, data: bytes) -> None:
        self.wfile.write(data)
        self._sent += len(data)

    def _request_has_body(self) -> bool:
        length = self.headers.get("Content-Length", "0").strip() or "0"
        return length != "0" or "Transfer-Encoding" in self.headers

    def _simple(self, status: HTTPStatus, extra: dict[str, str] | None = None) -> None:
        body = f"{status.value} {status.phrase}\n".encode()
        if self._request_has_body():
            self.close_connection = True  # we never read request bodies
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self._write(body)

    def _method_not_allowed(self) -> None:
        self._simple(HTTPStatus.METHOD_NOT_ALLOWED, {"Allow": ALLOWED_METHODS})

    # -- GET / HEAD ----------------------------------------------------------------------

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def _resolve(self) -> Path:
        """Map the raw request target to a real path inside the output folder."""
        target = self._raw_target()
        path = target.split("?", 1)[0]
        if not path.startswith("/") or "#" in path:
            raise _BadRequest  # absolute-form, asterisk-form, garbage
        if re.search(r"%(2f|5c|00)", path, re.IGNORECASE):
            raise _BadRequest  # encoded slash, backslash or NUL
        try:
            decoded = urllib.parse.unquote_to_bytes(path.encode("latin-1")).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError) as exc:
            raise _BadRequest from exc
        if any(ch == "\\" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in decoded):
            raise _BadRequest
        if decoded == "/":
            segments = [INDEX_NAME]
        else:
            if decoded.endswith("/"):
                raise _NotFound  # directory: listings are off
            segments = decoded[1:].split("/")
            if any(seg == "" for seg in segments):
                raise _BadRequest  # doubled slash
        if any(seg.startswith(".") for seg in segments):
            raise _NotFound  # ., .., .cache, .keep, .lock ...
        root = self.server.root
        real = Path(os.path.realpath(root.joinpath(*segments)))
        try:
            rel = real.relative_to(root)
        except ValueError as exc:
            raise _NotFound from exc  # a symlink leading out of the folder
        if not rel.parts or any(part.startswith(".") for part in rel.parts):
            raise _NotFound  # a symlink leading into the cache or a dot-file
        return real

    def _open(self, real: Path) -> _Entity:
        flags = (
            os.O_RDONLY
            | getattr(os, "O_BINARY", 0)
            | getattr(os, "O_NONBLOCK", 0)  # a FIFO must not hang the thread
            | getattr(os, "O_NOFOLLOW", 0)
        )
        try:
            fd = os.open(real, flags)
        except OSError as exc:
            raise _NotFound from exc
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise _NotFound
            file = os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise
        content_type = CONTENT_TYPES.get(real.suffix.lower(), DEFAULT_CONTENT_TYPE)
        entity = _Entity(
            size=st.st_size,
            mtime=st.st_mtime,
            etag=f'"{st.st_size:x}-{st.st_mtime_ns:x}"',
            content_type=content_type,
            file=file,
        )
        rel = real.relative_to(self.server.root).as_posix()
        if rel in (FEED_NAME, INDEX_NAME):
            try:
                self._rewrite(entity, rel, st)
            except Exception:
                entity.close()
                raise
        return entity

    def _client_host(self) -> str:
        """``host[:port]`` the client used: a valid Host header, else our socket address."""
        values = self.headers.get_all("Host") or []
        if len(values) == 1 and _HOST_RE.fullmatch(values[0].strip()):
            return values[0].strip()
        host, port = self.connection.getsockname()[:2]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def _rewrite(self, entity: _Entity, rel: str, st: os.stat_result) -> None:
        """Swap a feed/index file's body for one with URLs for the client's address."""
        assert entity.file is not None
        root = self.server.root
        if rel == FEED_NAME:
            feed_st = st
        else:
            try:
                feed_st = os.stat(root / FEED_NAME)
            except OSError:
                return
        host = self._client_host()
        new_base = f"http://{host}/"
        key = (rel, host, st.st_mtime_ns, st.st_size, feed_st.st_mtime_ns, feed_st.st_size)

        def make() -> bytes:
            assert entity.file is not None
            data = entity.file.read()
            feed = data if rel == FEED_NAME else (root / FEED_NAME).read_bytes()
            old_base = feed_base_url(feed)
            if old_base is None:
                return data
            if rel == FEED_NAME:
                return rewrite_feed(data, old_base, new_base)
            return data.replace(old_base.encode(), new_base.encode())

        body, etag = self.server.cached(key, make)
        entity.close()
        entity.file = None
        entity.body = body
        entity.size = len(body)
        entity.etag = etag
        entity.mtime = max(st.st_mtime, feed_st.st_mtime)
        entity.rewritten = True

    def _not_modified(self, entity: _Entity) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = _etags(inm)
            return "*" in tags or any(_opaque(t) == _opaque(entity.etag) for t in tags)
        ims = self.headers.get("If-Modified-Since")
        if ims is not None:
            since = _parse_http_date(ims)
            return since is not None and int(entity.mtime) <= since
        return False

    def _if_range_ok(self, entity: _Entity) -> bool:
        value = self.headers.get("If-Range")
        if value is None:
            return True
        value = value.strip()
        if value.startswith(('"', "W/")):
            # Strong comparison: a weak tag never matches.
            return not value.startswith("W/") and value == entity.etag
        when = _parse_http_date(value)
        return when is not None and when == int(entity.mtime)

    def _serve(self) -> None:
        if self._request_has_body():
            self.close_connection = True
        try:
            entity = self._open(self._resolve())
        except _BadRequest:
            self._simple(HTTPStatus.BAD_REQUEST)
            return
        except _NotFound:
            self._simple(HTTPStatus.NOT_FOUND)
            return
        try:
            self._send_entity(entity)
        finally:
            entity.close()

    def _send_entity(self, entity: _Entity) -> None:
        headers = {
            "Accept-Ranges": "bytes",
            "ETag": entity.etag,
            "Last-Modified": _http_date(entity.mtime),
            "Cache-Control": "no-cache",
        }
        if entity.rewritten:
            headers["Vary"] = "Host"

        if self._not_modified(entity):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self._headers(headers)
            return

        status = HTTPStatus.OK
        first, length = 0, entity.size
        range_header = self.headers.get("Range")
        if range_header is not None and self._if_range_ok(entity):
            wanted = parse_range(range_header, entity.size)
            if wanted is False:
                self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                headers["Content-Range"] = f"bytes */{entity.size}"
                headers["Content-Length"] = "0"
                self._headers(headers)
                return
            if isinstance(wanted, tuple):
                status = HTTPStatus.PARTIAL_CONTENT
                first, last = wanted
                length = last - first + 1
                headers["Content-Range"] = f"bytes {first}-{last}/{entity.size}"

        self.send_response(status)
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

    def _headers(self, headers: dict[str, str]) -> None:
        for key, value in headers.items():
            self.send_header(key, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()


def make_server(
    out_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    log: Callable[[str], None] | None = None,
) -> ThreadingHTTPServer:
    """A ready (bound and listening) server for ``out_dir``; call ``serve_forever()`` on it.

    ``port=0`` picks any free port (read it back from ``server.server_address``). Each connection
    gets a daemon thread. ``log`` receives one line per request.

    Raises :class:`NothingToServe` if ``out_dir/feed.xml`` is missing and :class:`CannotListen`
    if the address cannot be bound.
    """
    out_dir = Path(out_dir)
    if not (out_dir / FEED_NAME).is_file():
        raise NothingToServe(f"{out_dir} has no {FEED_NAME} yet: run `rtr-audio build` first")
    bind_host = host.strip("[]")
    try:
        return _PodcastServer((bind_host, port), out_dir, log)
    except OSError as exc:
        where = f"[{bind_host}]:{port}" if ":" in bind_host else f"{bind_host}:{port}"
        reason = exc.strerror or str(exc)
        raise CannotListen(
            f"cannot listen on {where}: {reason} (try another --port or --host)"
        ) from exc


# --------------------------------------------------------------------------------------------
# Banner and run()


def find_lan_ip() -> str | None:
    """This machine's LAN IPv4 address, or None.

    ``connect()`` on a UDP socket only picks the route and source address: no packet is sent.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("10.255.255.255", 1))
            address = str(sock.getsockname()[0])
    except OSError:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.is_loopback or ip.is_unspecified or ip.is_link_local:
        return None
    return address


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/{FEED_NAME}"


def _qr_text(data: str) -> str:
    import qrcode

    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_L)
    qr.add_data(data)
    qr.make(fit=True)
    buf = io.StringIO()
    # invert=True: light quiet zone and dark modules on the usual dark terminal background.
    qr.print_ascii(out=buf, invert=True)
    return buf.getvalue().rstrip("\n")


def format_banner(out_dir: Path, host: str, port: int, lan_ip: str | None = None) -> str:
    """The text :func:`run` prints when the server starts.

    For a wildcard host (``0.0.0.0``/``::``) the LAN address is ``lan_ip`` or, when not given,
    found with :func:`find_lan_ip`. A QR code of the LAN feed URL is included when there is one.
    """
    host = host.strip("[]")
    lines = [f"Serving {out_dir}"]
    lan: str | None = None
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None and ip.is_unspecified:
        lines.append(f"Feed on this computer: {_url('127.0.0.1', port)}")
        lan = lan_ip or find_lan_ip()
        if lan is None:
            lines.append(
                f"Could not find this machine's LAN address; on another device use "
                f"http://<this machine's IP>:{port}/{FEED_NAME}"
            )
    else:
        lines.append(f"Feed: {_url(host, port)}")
        if ip is not None and not ip.is_loopback:
            lan = host
    if lan is not None:
        lan_url = _url(lan, port)
        lines.append(f"Feed on your network: {lan_url}")
        lines.append(_qr_text(lan_url))
        lines.append(
            "On your phone: AntennaPod → “Add podcast by URL”, Apple Podcasts → Library → "
            "“Follow a Show by URL…”; scan the code or type the URL above."
        )
    return "\n".join(lines)


def run(out_dir: Path, host: str, port: int, echo: Callable[[str], None]) -> None:
    """Serve ``out_dir`` until Ctrl-C, printing the feed URL (and a QR code on a LAN address).

    Every request is logged through ``echo``. Raises :class:`NothingToServe` or
    :class:`CannotListen` before serving.
    """
    server = make_server(out_dir, host, port, log=echo)
    try:
        bound_port = int(server.server_address[1])
        echo(format_banner(Path(out_dir), host, bound_port))
        echo("Press Ctrl-C to stop.")
        server.serve_forever()
    except KeyboardInterrupt:
        echo("Stopped serving.")
    finally:
        server.server_close()
