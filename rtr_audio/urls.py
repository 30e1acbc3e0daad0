"""The one rule for URLs that come from input (show.yml's ``base_url`` and ``website``, the
``--base-url`` option): absolute http(s) on one line, so every link we publish opens a web page.

A ``javascript:`` URL would run script when a listener clicks the show's link; a scheme-less one
(``example.org/podcast``) is resolved by apps against the feed's own address
(``https://example.org/podcast/example.org/podcast/…``); a raw space or newline breaks the
enclosure URLs. Each is refused with the reason, rather than "fixed" behind the writer's back.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from rtr_audio.errors import printable

_BLANK_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
_SHOWN = 60  # characters of a refused URL quoted in the message


def web_url_problem(url: object, name: str, base: bool = False) -> str | None:
    """Why ``url`` is not an absolute http(s) URL, or None if it is.

    ``name`` is how the message calls it (`` `base_url` ``, ``--base-url``); ``base``: the
    address the output folder is published at, which also takes no query or fragment (file
    names are appended to it). Shapes follow RFC 3986; only ``http`` and ``https`` are allowed.
    """
    if not isinstance(url, str) or not url.strip():
        return f"{name} must be an http(s) URL like https://example.org/podcast/"
    shown = _quote(url)
    if _BLANK_OR_CONTROL.search(url):
        return (f"{name} {shown} contains a space or control character; write a space "
                "as %20")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for ``host:abc`` or ``host:99999``
    except ValueError as exc:
        return f"{name} {shown} is not a valid URL ({exc})"
    del port
    if parts.scheme.lower() not in ("http", "https"):
        if not parts.scheme or "." in parts.scheme or re.match(r"[\w.-]+:\d", url):
            return f"{name} {shown} has no scheme; write https://{url.lstrip('/')}"
        return f"{name} {shown} must start with http:// or https://, not {parts.scheme}:"
    if not parts.hostname:
        return f"{name} {shown} has no host name"
    if parts.username is not None or parts.password is not None:
        return f"{name} {shown} holds a user name or password, which would be published"
    if base and (parts.query or parts.fragment or url.endswith(("?", "#"))):
        return f"{name} {shown} must not have a query (?…) or fragment (#…)"
    return None


def normalise_base_url(url: str) -> str:
    """``url`` ending in exactly one ``/``, so file names can be appended."""
    return url if url.endswith("/") else url + "/"


def _quote(url: str) -> str:
    cut = url if len(url) <= _SHOWN else url[:_SHOWN] + "…"
    return "`" + printable(cut) + "`"
