"""Evaluation, not product code: serve's static/Range/conditional part done by werkzeug.

The same safety rules (``rtr_audio.serve.static.resolve``) and feed rewriting, but the response
(``200``/``206``/``304``/``416``, ``ETag``, ``Last-Modified``) comes from werkzeug's
``send_file(conditional=True)`` and ``Response.make_conditional``, served by werkzeug's own
threaded server. Run the existing serve tests against it:

    /work/main/.venv/bin/pip install werkzeug
    PYTHONPATH=$PWD .venv/bin/python bench/serve_werkzeug_eval.py [pytest args]
    PYTHONPATH=$PWD .venv/bin/python bench/serve_werkzeug_eval.py --throughput

The outcome and the reasons are in docs/serve.md.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server as werkzeug_server
from werkzeug.utils import send_file
from werkzeug.wrappers import Request, Response

from rtr_audio.layout import FEED, PAGE
from rtr_audio.serve import NothingToServe
from rtr_audio.serve.rewrite import RewriteCache, parse_host, rewrite_entity
from rtr_audio.serve.static import (
    BadTarget,
    NotFound,
    content_type,
    open_file,
    resolve,
)


def make_app(out_dir: Path) -> Callable[..., Iterable[bytes]]:
    root = Path(os.path.realpath(out_dir))
    cache = RewriteCache()

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        if request.method not in ("GET", "HEAD"):
            response = Response("405 Method Not Allowed\n", 405, {"Allow": "GET, HEAD, OPTIONS"})
            return response(environ, start_response)
        target = environ.get("REQUEST_URI") or environ.get("RAW_URI") or request.full_path
        try:
            real = resolve(root, target)
            rel = real.relative_to(root).as_posix()
            if rel in (FEED, PAGE):
                entity, st = open_file(real)
                own = f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
                host = parse_host(request.host) or own
                rewrite_entity(entity, rel, st, root, host, cache)
                if entity.body is None:
                    entity.close()
                    response = send_file(real, environ, mimetype=content_type(rel).split(";")[0])
                else:
                    response = Response(entity.body, mimetype=content_type(rel).split(";")[0])
                    response.set_etag(entity.etag.strip('"'))
                    response.last_modified = entity.mtime  # type: ignore[assignment]
                    response.vary.add("Host")
                    response = response.make_conditional(environ, accept_ranges=True)
            else:
                open_file(real)[0].close()  # regular file check (FIFOs, directories)
                response = send_file(real, environ, mimetype=content_type(rel).split(";")[0])
        except BadTarget:
            response = Response("400 Bad Request\n", 400)
        except NotFound:
            response = Response("404 Not Found\n", 404)
        except HTTPException as exc:  # 416 from make_conditional
            response = exc.get_response(environ)  # type: ignore[assignment]
        response.headers["Cache-Control"] = "no-cache"
        return response(environ, start_response)

    return app


def make_server(
    out_dir: Path, host: str = "127.0.0.1", port: int = 8000, log: Any = None, **_: Any
) -> Any:
    if not (Path(out_dir) / FEED).is_file():
        raise NothingToServe(f"{out_dir} has no {FEED} yet: run `rtr-audio build` first")
    return werkzeug_server(host, port, make_app(Path(out_dir)), threaded=True)


def throughput() -> None:
    """Requests per second (small file, new connection each) and MiB/s (24 MiB file), both."""
    import http.client
    import tempfile
    import threading
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_serve import _build_site

    from rtr_audio.serve import make_server as ours

    out = _build_site(Path(tempfile.mkdtemp()))
    for name, make in (("rtr_audio.serve", ours), ("werkzeug", make_server)):
        server = make(out, "127.0.0.1", 0, log=None)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]

        def get(path: str, port: int = port) -> int:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path)
            size = len(conn.getresponse().read())
            conn.close()
            return size

        start = time.perf_counter()
        for _ in range(500):
            get("/episodes/one.vtt")
        small = 500 / (time.perf_counter() - start)
        start = time.perf_counter()
        size = sum(get("/episodes/big.mp3") for _ in range(5))
        big = size / 2**20 / (time.perf_counter() - start)
        print(f"{name:16} {small:7.0f} requests/s (small file)   {big:6.0f} MiB/s (24 MiB file)")
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    import logging

    import pytest

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request on the terminal
    if sys.argv[1:] == ["--throughput"]:
        throughput()
        sys.exit(0)

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # as pytest imports it
    import test_serve

    test_serve.make_server = make_server
    sys.exit(pytest.main(["-q", "-p", "no:xdist", "-p", "no:cacheprovider", "tests/test_serve.py",
                          *sys.argv[1:]]))  # fmt: skip
