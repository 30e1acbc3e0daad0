"""Serve ``audio_out/`` over HTTP for podcast apps and browsers.

Static files only:

* ``GET`` and ``HEAD``, and ``OPTIONS`` for CORS preflight; every other method gets ``405``.
* Single byte ranges (``206``/``416``), ``ETag``/``Last-Modified`` with ``If-None-Match``,
  ``If-Modified-Since`` and ``If-Range`` (:mod:`.static`).
* Never anything outside the output folder, never a dot-file or dot-folder (the build cache lives
  in ``.cache/``), never a directory listing.
* ``feed.xml`` and ``index.html`` are served with their absolute URLs rewritten from the build's
  ``base_url`` to the address the client used (:mod:`.rewrite`).
* One selector thread holds idle and half-sent connections; a bounded pool of workers answers
  complete requests (:mod:`.server`), so a burst of silent connections stalls no one.

The CLI (``rtr-audio serve``) calls :func:`run`; tests and other code use :func:`make_server`.
Layout: ``static`` (files, ranges, validators), ``rewrite`` (feed/page URLs, ``Host``),
``handler`` (one request), ``server`` (connections and workers), ``banner`` (start-up text).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rtr_audio.errors import RtrError
from rtr_audio.layout import FEED
from rtr_audio.serve.banner import find_lan_ip, format_banner
from rtr_audio.serve.rewrite import feed_base_url, parse_host, rewrite_feed
from rtr_audio.serve.server import PodcastServer
from rtr_audio.serve.static import content_type, parse_range

__all__ = [
    "CannotListen",
    "NothingToServe",
    "PodcastServer",
    "content_type",
    "feed_base_url",
    "find_lan_ip",
    "format_banner",
    "make_server",
    "parse_host",
    "parse_range",
    "rewrite_feed",
    "run",
]


class NothingToServe(RtrError):
    """The output folder has no ``feed.xml`` yet."""


class CannotListen(RtrError):
    """The server could not bind to the requested host and port."""


def make_server(
    out_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    log: Callable[[str], None] | None = None,
    *,
    workers: int = 32,
    head_timeout: float = 10.0,
    idle_timeout: float = 60.0,
    max_idle: int = 1024,
    per_client: int | None = None,
) -> PodcastServer:
    """A ready (bound and listening) server for ``out_dir``; call ``serve_forever()`` on it.

    ``port=0`` picks any free port (read it back from ``server.server_address``). ``workers``
    threads answer requests; a request head must arrive within ``head_timeout`` seconds of its
    first byte; idle connections close after ``idle_timeout`` seconds, and beyond ``max_idle``
    waiting connections the oldest close. One client address has at most ``per_client``
    requests in the workers (default: half of ``workers``). ``log`` receives one line per request.

    Raises :class:`NothingToServe` if ``out_dir/feed.xml`` is missing and :class:`CannotListen`
    if the address cannot be bound.
    """
    out_dir = Path(out_dir)
    if not (out_dir / FEED).is_file():
        raise NothingToServe(f"{out_dir} has no {FEED} yet: run `rtr-audio build` first")
    bind_host = host.strip("[]")
    try:
        return PodcastServer(
            (bind_host, port), out_dir, log, workers=workers, head_timeout=head_timeout,
            idle_timeout=idle_timeout, max_idle=max_idle, per_client=per_client,
        )  # fmt: skip
    except OSError as exc:
        where = f"[{bind_host}]:{port}" if ":" in bind_host else f"{bind_host}:{port}"
        reason = exc.strerror or str(exc)
        raise CannotListen(
            f"cannot listen on {where}: {reason} (try another --port or --host)"
        ) from exc


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
