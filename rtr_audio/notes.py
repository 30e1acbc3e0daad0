"""Show notes as HTML with real links, and as plain text: one renderer for the feed and the page.

Descriptions and the show's notes footer are written as light Markdown. They become HTML through
markdown-it-py (CommonMark) with linkify-it-py, so ``[a directory](https://…)``, a bare
``https://…`` URL, a bare ``findahelpline.com`` (generic TLDs only) and an e-mail address all
become ``<a>`` links.
Raw HTML in the text is escaped, never passed through, and images are off (no remote fetches).

Only ``http``, ``https``, ``mailto`` and ``tel`` links are made (``tel:`` so a helpline is one tap
on a phone); anything else (``javascript:``, ``data:``, ``ftp:``, protocol-relative ``//…``)
stays visible as text and is never a link.
"""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
# Bare domains are linked only under these generic TLDs: linkify-it's default adds every
# two-letter country code, which turns file names such as ``script.py`` or ``notes.md`` into links.
BARE_DOMAIN_TLDS = ["com", "org", "net", "edu", "gov", "int", "info", "help", "health"]

_MARKDOWN_LINK = re.compile(r"(?<!!)\[([^\[\]\n]+)\]\(\s*<?([^()\s<>]+)>?\s*\)")


def link_allowed(url: str) -> bool:
    """True for an absolute http(s), mailto or tel URL; False for every other scheme or none."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return False
    return scheme in ALLOWED_SCHEMES


def notes_html(text: str) -> str:
    """``text`` (light Markdown) as an HTML fragment: ``<p>`` per paragraph, links as ``<a>``.

    Line breaks inside a paragraph are spaces, as in the plain text. Quotes are written as
    ``&quot;`` at most: gPodder's HTML stripper drops hexadecimal references such as ``&#x27;``.
    """
    if not text.strip():
        return ""
    html: str = _markdown().render(text)
    return html.strip()


def plain_text(text: str) -> str:
    """``text`` for plain-text fields (RSS ``<description>``, ID3 comments): no HTML, and a
    Markdown link ``[label](url)`` as ``label (url)``, so the address is still there to read."""
    return _MARKDOWN_LINK.sub(_plain_link, text)


def _plain_link(match: re.Match[str]) -> str:
    label, url = match.group(1).strip(), match.group(2)
    bare = re.sub(r"^(?:https?://|mailto:|tel:)", "", url).rstrip("/")
    if label == url:
        return url
    return label if label == bare else f"{label} ({url})"


@functools.cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True})
    md.enable("linkify")
    md.disable("image")  # notes never pull in remote images
    md.validateLink = link_allowed  # type: ignore[method-assign]
    md.add_render_rule("softbreak", _space)
    if md.linkify is not None:
        md.linkify.tlds(BARE_DOMAIN_TLDS, False)
        md.linkify.normalize = _https_for_bare_domains
    return md


def _space(*_args: Any) -> str:
    return " "


def _https_for_bare_domains(match: Any) -> None:
    """A bare ``findahelpline.com`` links to https (linkify-it's default is http)."""
    if not match.schema:
        match.url = "https://" + match.url
    elif match.schema == "mailto:" and not match.url.lower().startswith("mailto:"):
        match.url = "mailto:" + match.url
