"""The connection loop for ``serve``: one selector thread, a bounded pool of worker threads.

``http.server``'s threading server gives every connection a thread that blocks until the client
has sent its request. 5,000 half-open connections are then 5,000 threads, and a normal client
waited 21 s (issue 13). Here one thread owns every connection that is idle or still sending its
request head, reading what has arrived without blocking (``selectors``). Only a complete head
goes to a worker; the worker answers it and hands a kept-alive connection back. So:

* a silent or slow client costs one file descriptor, never a thread;
* a request head must be complete ``head_timeout`` seconds after its first byte, and an idle
  kept-alive connection is closed after ``idle_timeout`` seconds;
* at most ``max_idle`` connections wait at once: beyond that the oldest are closed;
* one client address has at most ``per_client`` requests in the workers (half of them by
  default); its further complete requests queue behind its own, so a client that reads slowly
  on many connections cannot take every worker from the others.

The object offers what callers of ``socketserver`` expect: ``serve_forever()``, ``shutdown()``,
``server_close()`` and ``server_address``.
"""

from __future__ import annotations

import contextlib
import os
import queue
import selectors
import socket
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rtr_audio.serve.handler import DISCONNECTS, Handler, printable
from rtr_audio.serve.rewrite import RewriteCache

MAX_HEAD = 64 * 1024  # bytes of request line + headers; http.server allows 64 KiB lines
_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n"
    b"Connection: close\r\nAccess-Control-Allow-Origin: *\r\n\r\n"
)


class _Conn:
    """A connection waiting in the loop, with the bytes it has sent so far."""

    __slots__ = ("address", "buffer", "deadline", "sock")

    def __init__(self, sock: socket.socket, address: Any, deadline: float) -> None:
        self.sock = sock
        self.address = address
        self.buffer = b""
        self.deadline = deadline


def split_head(buffer: bytes) -> tuple[bytes, bytes] | None:
    """``(head, rest)`` once ``buffer`` holds a whole request head, else None.

    A head ends at the first empty line (lines end in CRLF or, tolerated, LF: RFC 9112 2.2). A
    request line without an HTTP version (HTTP/0.9 style) is a head by itself, so it can be
    refused with a status line instead of waiting for headers that never come.
    """
    line_end = buffer.find(b"\n")
    if line_end < 0:
        return None
    if len(buffer[:line_end].split()) < 3:
        return buffer[: line_end + 1], buffer[line_end + 1 :]
    ends = [(at, len(marker)) for marker in (b"\n\r\n", b"\n\n")
            if (at := buffer.find(marker, line_end)) >= 0]  # fmt: skip
    if not ends:
        return None
    at, width = min(ends)
    return buffer[: at + width], buffer[at + width :]


def _client(conn: _Conn) -> str:
    return str(conn.address[0]) if isinstance(conn.address, tuple) else str(conn.address)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)  # send FIN first, so a response already written arrives
    sock.close()


class PodcastServer:
    """A bound, listening server for ``root``; see the module docstring for the limits."""

    def __init__(
        self,
        address: tuple[str, int],
        out_dir: Path,
        log: Callable[[str], None] | None,
        *,
        workers: int = 32,
        head_timeout: float = 10.0,
        idle_timeout: float = 60.0,
        max_idle: int = 1024,
        per_client: int | None = None,
    ) -> None:
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                with contextlib.suppress(OSError):  # also take IPv4 clients on "::"
                    self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            self.socket.bind(address)
            self.socket.listen(1024)  # a burst waits in the kernel, not in a SYN retry
            self.socket.setblocking(False)
        except OSError:
            self.socket.close()
            raise
        self.server_address = self.socket.getsockname()
        self.root = Path(os.path.realpath(out_dir))
        self.rewrites = RewriteCache()
        self.log = log
        self.head_timeout, self.idle_timeout, self.max_idle = head_timeout, idle_timeout, max_idle
        self._log_lock = threading.Lock()
        # Daemon threads, unlike a ThreadPoolExecutor's: Ctrl-C must not wait for a slow download.
        self._jobs: queue.SimpleQueue[tuple[_Conn, bytes] | None] = queue.SimpleQueue()
        self._workers = [
            threading.Thread(target=self._work, name=f"rtr-serve-{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in self._workers:
            thread.start()
        self._waiting: OrderedDict[int, _Conn] = OrderedDict()  # by file descriptor, oldest first
        self._returned: queue.SimpleQueue[tuple[_Conn, bool]] = queue.SimpleQueue()
        self.per_client = per_client or max(1, workers // 2)
        self._active: dict[str, int] = {}  # requests in the workers, by client address
        self._queued: dict[str, deque[tuple[_Conn, bytes]]] = {}
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()

    # -- socketserver-like surface ----------------------------------------------------------

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Run the loop until :meth:`shutdown`; ``poll_interval`` caps how long a sweep waits."""
        self._stopped.clear()
        self._stop.clear()
        selector = selectors.DefaultSelector()
        if isinstance(selector, selectors.SelectSelector):  # Windows: select() takes 512 sockets
            self.max_idle = min(self.max_idle, 500)
        selector.register(self.socket, selectors.EVENT_READ, "accept")
        selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        try:
            while not self._stop.is_set():
                for key, _ in selector.select(timeout=min(poll_interval, 0.5)):
                    if key.data == "accept":
                        self._accept(selector)
                    elif key.data == "wake":
                        with contextlib.suppress(OSError):
                            self._wake_r.recv(4096)
                    else:
                        self._read(selector, key.data)
                self._take_back(selector)
                self._expire(selector)
        finally:
            for conn in self._waiting.values():
                _close(conn.sock)
            for jobs in self._queued.values():
                for conn, _head in jobs:
                    _close(conn.sock)
            self._waiting.clear()
            self._queued.clear()
            selector.close()
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever` and wait for it to return (from another thread)."""
        self._stop.set()
        self._wake()
        self._stopped.wait()

    def server_close(self) -> None:
        """Close the listening socket and let the workers end after their current answer."""
        self.socket.close()
        for _ in self._workers:
            self._jobs.put(None)
        self._wake_r.close()
        self._wake_w.close()
        while not self._returned.empty():
            _close(self._returned.get()[0].sock)

    def log_line(self, line: str) -> None:
        if self.log is None:
            return
        with self._log_lock, contextlib.suppress(Exception):
            self.log(line)

    # -- the loop ---------------------------------------------------------------------------

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def _park(self, selector: selectors.BaseSelector, conn: _Conn) -> None:
        conn.deadline = time.monotonic() + self.idle_timeout
        self._waiting[conn.sock.fileno()] = conn
        selector.register(conn.sock, selectors.EVENT_READ, conn)
        while len(self._waiting) > self.max_idle:
            self._drop(selector, next(iter(self._waiting.values())))

    def _drop(self, selector: selectors.BaseSelector, conn: _Conn) -> None:
        self._waiting.pop(conn.sock.fileno(), None)
        with contextlib.suppress(KeyError, ValueError):
            selector.unregister(conn.sock)
        _close(conn.sock)

    def _accept(self, selector: selectors.BaseSelector) -> None:
        for _ in range(256):  # a burst is taken in slices so returned connections are not starved
            try:
                sock, address = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of file descriptors: make room from the idle ones
                self.log_line(f"cannot accept a connection: {exc.strerror or exc}")
                for conn in list(self._waiting.values())[: max(1, len(self._waiting) // 10)]:
                    self._drop(selector, conn)
                return
            sock.setblocking(False)
            conn = _Conn(sock, address, 0.0)
            self._park(selector, conn)
            self._read(selector, conn)  # the request often came with the connection: no wait

    def _read(self, selector: selectors.BaseSelector, conn: _Conn) -> None:
        try:
            data = conn.sock.recv(MAX_HEAD)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away
            self._drop(selector, conn)
            return
        if not conn.buffer:
            conn.deadline = min(conn.deadline, time.monotonic() + self.head_timeout)
        conn.buffer = (conn.buffer + data).lstrip(b"\r\n")  # RFC 9112 2.2: skip leading CRLFs
        self._dispatch(selector, conn)

    def _dispatch(self, selector: selectors.BaseSelector, conn: _Conn) -> None:
        parts = split_head(conn.buffer)
        if parts is None:
            if len(conn.buffer) > MAX_HEAD:
                with contextlib.suppress(OSError):
                    conn.sock.send(_TOO_LARGE)
                self._drop(selector, conn)
            return
        head, conn.buffer = parts
        self._waiting.pop(conn.sock.fileno(), None)
        with contextlib.suppress(KeyError, ValueError):
            selector.unregister(conn.sock)
        self._submit(conn, head)

    def _submit(self, conn: _Conn, head: bytes) -> None:
        who = _client(conn)
        if self._active.get(who, 0) < self.per_client:
            self._active[who] = self._active.get(who, 0) + 1
            self._jobs.put((conn, head))
            return
        queued = self._queued.setdefault(who, deque())
        if len(queued) >= 4 * self.per_client:
            _close(conn.sock)  # this client has more than enough in flight already
            return
        queued.append((conn, head))

    def _finished(self, who: str) -> None:
        """A worker is done with a request of ``who``: start its next queued one, if any."""
        self._active[who] -= 1
        queued = self._queued.get(who)
        if queued:
            conn, head = queued.popleft()
            if not queued:
                del self._queued[who]
            self._active[who] += 1
            self._jobs.put((conn, head))
        elif self._active[who] == 0:
            del self._active[who]

    def _take_back(self, selector: selectors.BaseSelector) -> None:
        while not self._returned.empty():
            conn, keep = self._returned.get()
            self._finished(_client(conn))
            if not keep:
                continue  # the worker closed it
            conn.sock.setblocking(False)
            if conn.buffer:  # a pipelined request is already here
                conn.deadline = time.monotonic() + self.head_timeout
                self._waiting[conn.sock.fileno()] = conn
                selector.register(conn.sock, selectors.EVENT_READ, conn)
                self._dispatch(selector, conn)
            else:
                self._park(selector, conn)

    def _expire(self, selector: selectors.BaseSelector) -> None:
        now = time.monotonic()
        for conn in [c for c in self._waiting.values() if c.deadline <= now]:
            self._drop(selector, conn)

    # -- a worker ---------------------------------------------------------------------------

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            self._answer(*job)

    def _answer(self, conn: _Conn, head: bytes) -> None:
        keep = False
        try:
            handler = Handler(conn.sock, conn.address, self, head)
            keep = not handler.close_connection
        except DISCONNECTS:
            pass
        except Exception:
            who = conn.address[0] if isinstance(conn.address, tuple) else conn.address
            exc = sys.exc_info()[1]
            self.log_line(f"{who} error: {type(exc).__name__}: {printable(str(exc))}")
        if not keep:
            _close(conn.sock)
        self._returned.put((conn, keep))
        self._wake()
