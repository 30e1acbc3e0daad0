"""Electronic addresses: e-mail and URLs. "a.bc@gmail.com" → "a dot bc at gmail dot com",
"www.example.org/help-now" → "W W W dot example dot org slash help dash now".

Digits are read one by one, punctuation by name, and country-code top-level domains are
spelled ("dot D E"). Unlike NeMo, the scheme ``http://``/``https://`` is not read: browsers
add it, and "H T T P S colon slash slash" is noise a listener must sit through.
"""

from __future__ import annotations

import re

import rtr_audio.normalize.vocab as vocab
from rtr_audio.normalize.cardinal import digits_words
from rtr_audio.normalize.rules import alternation, spell, sub

_NAMED = {".": "dot", "-": "dash", "_": "underscore", "/": "slash", "&": "ampersand",
          "+": "plus", ":": "colon", "~": "tilde", "=": "equals", "?": "question mark",
          "#": "hash", "%": "percent"}
# Top-level domains said as words; any other two- or three-letter one is spelled.
_WORD_DOMAINS = frozenset({"com", "org", "net", "edu", "gov", "info", "app", "io"})
_FILE_TYPES = {"jpg": "jpeg", "htm": "H T M"}


def _piece(piece: str, last: bool) -> str:
    if piece.isdigit():
        return digits_words(piece)
    if re.search(r"\d", piece):
        return " ".join(digits_words(p) if p.isdigit() else p
                        for p in re.findall(r"\d+|\D+", piece))
    if last and piece.lower() not in _WORD_DOMAINS and len(piece) <= 3:
        return _FILE_TYPES.get(piece.lower()) or spell(piece.upper())
    if piece.lower() == "www":
        return "W W W"
    return piece


def address_words(text: str, domain: bool = True) -> str:
    """An address read part by part: letters runs, digits one by one, symbols by name; in a
    ``domain`` the last part after a dot is a top-level domain or a file type."""
    parts = re.findall(r"[A-Za-z0-9]+|[^A-Za-z0-9]", text)
    words = []
    for i, part in enumerate(parts):
        if part in _NAMED:
            words.append(_NAMED[part])
        elif part.isalnum():
            after_dot = i > 0 and parts[i - 1] == "."
            last = domain and after_dot and (i + 1 == len(parts) or parts[i + 1] in "/")
            words.append(_piece(part, last))
    return " ".join(words)


def _email(m: re.Match[str]) -> str:
    return f"{address_words(m.group(1), domain=False)} at {address_words(m.group(2))}"


def _url(m: re.Match[str]) -> str:
    text = re.sub(r"^https?://", "", m.group(), flags=re.IGNORECASE)
    return address_words(text.rstrip("/")) + (" slash" if text.endswith("/") and
                                              text.count("/") > 1 else "")


_TAIL = r"(?=[.,;:!?)]*(?:\s|$))"
# A bare domain: names joined by dots, ending in a top-level domain of ``data/domains.txt``
# ("mind.org.uk", "988lifeline.org", "BeyondBlue.org.au"), then perhaps a path.
_DOMAIN = (rf"(?<![\w.@/-])[A-Za-z0-9][\w-]*(?:\.[A-Za-z0-9][\w-]*)*"
           rf"\.(?:{alternation(list(vocab.words('domains')))})\b(?![.-]\w)")
# The pipeline runs this class only where this is found.
TRIGGER = re.compile(rf"@|://|www\.|{_DOMAIN}", re.IGNORECASE)
STEPS = (
    sub(r"(?<![\w.+&-])([\w.+&-]+)@([\w-]+(?:\.[\w-]+)+(?:/[\w./-]*)?)", _email),
    sub(rf"\b(?:https?|file)://\S+?{_TAIL}", _url, re.IGNORECASE),
    sub(rf"(?<![\w.@])www\.\S+?{_TAIL}", _url, re.IGNORECASE),
    # "example.com/help", "mind.org.uk": a bare domain, perhaps with a path.
    sub(rf"{_DOMAIN}(?:/\S*?)?{_TAIL}", _url),
)
