"""The show page, ``index.html``: one self-contained file, no external resources.

Listeners may open this page instead of a podcast app, often on a phone and sometimes in a hard
moment, so it is calm, quick, readable and fully usable by keyboard and screen reader.

The page is the Jinja2 template ``templates/page.html``, rendered with autoescape on, so the
template engine escapes every piece of user text. The only markup we make ourselves is the notes
HTML (:mod:`rtr_audio.notes`: text escaped, http(s)/mailto/tel links only) and the package's own
style and script (``templates/page.css`` and ``page.js``, package data read with
importlib.resources). Episode files are linked relatively so the folder works from any host; the
feed URL (copy box, autodiscovery, footer), the show's website and links the writer put in the
notes are the only absolute links.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from rtr_audio.layout import COVER
from rtr_audio.model import BuiltEpisode, Cue
from rtr_audio.notes import notes_html, plain_text
from rtr_audio.script import Script
from rtr_audio.settings import ShowSettings
from rtr_audio.speech import clean_markup

# Colours, named by role. Tests compute the WCAG contrast of every text/background pair from
# this table, so a change here that hurts legibility fails the suite.
PALETTE: dict[str, dict[str, str]] = {
    "light": {
        "bg": "#f8f5f0", "surface": "#efe9df", "text": "#25292f", "muted": "#4f5661",
        "accent": "#2c5a78", "accent-text": "#ffffff", "focus": "#b0551f", "rule": "#d5cdc0",
    },
    "dark": {
        "bg": "#15191f", "surface": "#1f252d", "text": "#ebe6de", "muted": "#b9b3a9",
        "accent": "#9cc6e4", "accent-text": "#10161c", "focus": "#f0b27a", "rule": "#39414c",
    },
}
# (foreground, background) pairs that carry text, checked at 4.5:1.
TEXT_PAIRS = (("text", "bg"), ("muted", "bg"), ("accent", "bg"), ("text", "surface"),
              ("muted", "surface"), ("accent", "surface"), ("accent-text", "accent"))
# Non-text indicators (focus ring), checked at WCAG's 3:1.
INDICATOR_PAIRS = (("focus", "bg"), ("focus", "surface"))

LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español",
                  "it": "Italiano", "nl": "Nederlands", "pt": "Português", "sv": "Svenska",
                  "da": "Dansk", "nb": "Norsk", "no": "Norsk", "fi": "Suomi", "pl": "Polski"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
DEFAULT_CARE = ("These episodes are educational. They are not therapy, and not a substitute for "
                "care from a qualified professional.")
TYPE_LABELS = {"trailer": "Trailer", "bonus": "Bonus"}


@dataclass(frozen=True)
class TranscriptPart:
    """One piece of the page's transcript: a heading, a paragraph, or a list of items."""

    kind: str  # "heading" | "paragraph" | "list"
    text: str = ""
    items: tuple[str, ...] = ()


def render_page(show: ShowSettings, episodes: list[BuiltEpisode], feed_url: str) -> str:
    """The complete ``index.html``: oldest episode first for a ``serial`` show (listened to in
    order), newest first for an ``episodic`` one, as Apple Podcasts lists them.

    With two or more episodes a "Start here" link at the top leads to the trailer (or, without
    one, the oldest episode), so a first visitor does not begin with the latest reflection.
    """
    in_order = sorted(episodes, key=lambda e: (e.published, e.script.episode or 0),
                      reverse=show.type != "serial")
    first = start_here(episodes)
    return _template().render(
        show=show,
        feed_url=feed_url,
        cover=COVER,
        summary=plain_text(_first_paragraph(show.description)),
        description=Markup(notes_html(show.description)),
        # The show's footer says it in the author's words; our default only fills its absence.
        care=Markup(notes_html(show.show_notes_footer) or f"<p>{DEFAULT_CARE}</p>"),
        episodes=[_episode(show, ep) for ep in in_order],
        language_name=_language_name(show.language),
        website=show.website,
        start_here=first and episode_anchor(first.script.slug),
        start_here_title=first and first.title,
        light=_variables(PALETTE["light"]),
        dark=_variables(PALETTE["dark"]),
        css=Markup(_resource("page.css")),
        script=Markup(_resource("page.js")),
    )


def episode_anchor(slug: str) -> str:
    """The ``id`` of an episode's place on the page; the feed's item ``<link>`` ends ``#`` it."""
    return f"ep-{slug}"


def start_here(episodes: list[BuiltEpisode]) -> BuiltEpisode | None:
    """Where a new listener begins: the first trailer, else the oldest episode; None for < 2."""
    if len(episodes) < 2:
        return None
    oldest_first = sorted(episodes, key=lambda e: (e.published, e.script.episode or 0))
    trailers = [e for e in oldest_first if e.script.type == "trailer"]
    return (trailers or oldest_first)[0]


def _episode(show: ShowSettings, ep: BuiltEpisode) -> dict[str, Any]:
    day = ep.published.date()
    label = TYPE_LABELS.get(ep.script.type)
    if not label and ep.script.episode is not None:
        label = f"Episode {ep.script.episode}"
    notes = _notes_without_footer(ep.notes, show.show_notes_footer)
    return {
        "slug": ep.script.slug, "anchor": episode_anchor(ep.script.slug), "title": ep.title,
        "label": label,
        "date_iso": day.isoformat(), "date_long": _long_date(day),
        "duration_iso": _iso_duration(ep.duration),
        "duration_human": _human_duration(ep.duration),
        "notes": Markup(notes_html(notes)),
        "audio": ep.files.audio, "vtt": ep.files.vtt, "size": _size(ep.audio_bytes),
        # Without script a chapter link still works: a media fragment opens the file there.
        "chapters": [{"start": _seconds(ch.start), "clock": _clock(ch.start), "title": ch.title}
                     for ch in ep.chapters],
        "transcript": transcript_parts(ep.script, ep.cues),
    }


def transcript_parts(script: Script, cues: tuple[Cue, ...]) -> list[TranscriptPart]:
    """The words as the script lays them out: its headings, paragraphs and lists, in order.

    Text is cleaned as the captions are (no Markdown, cues or emoji). Without blocks (an episode
    built from cues alone) each caption is its own paragraph.
    """
    if not script.blocks:
        return [TranscriptPart("paragraph", cue.text) for cue in cues if cue.text.strip()]
    parts: list[TranscriptPart] = []
    for block in script.blocks:
        text = clean_markup(block.text)
        if not text:
            continue
        if block.kind != "item":
            parts.append(TranscriptPart(block.kind, text))
        elif parts and parts[-1].kind == "list":
            parts[-1] = TranscriptPart("list", items=(*parts[-1].items, text))
        else:
            parts.append(TranscriptPart("list", items=(text,)))
    return parts


# --- template and resources -------------------------------------------------------------------


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("rtr_audio", "templates"),
        autoescape=True,  # every value in every position, whatever the template's name
        undefined=jinja2.StrictUndefined,  # a misspelt name fails loudly, not as empty text
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env.get_template("page.html")


@functools.cache
def _resource(name: str) -> str:
    """A file shipped in ``rtr_audio/templates`` (package data), as text."""
    return resources.files("rtr_audio").joinpath("templates", name).read_text(encoding="utf-8")


def _variables(colours: dict[str, str]) -> str:
    return " ".join(f"--{name}: {value};" for name, value in colours.items())


# --- text helpers -----------------------------------------------------------------------------


def _split_paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def _first_paragraph(text: str) -> str:
    paragraphs = _split_paragraphs(text)
    return paragraphs[0] if paragraphs else ""


def _notes_without_footer(notes: str, footer: str) -> str:
    """The notes minus the show's footer, which the page already shows once near the top."""
    paragraphs, tail = _split_paragraphs(notes), _split_paragraphs(footer)
    if tail and paragraphs[-len(tail):] == tail:
        paragraphs = paragraphs[: -len(tail)]
    return "\n\n".join(paragraphs)


def _language_name(language: str) -> str:
    return LANGUAGE_NAMES.get(language.split("-")[0].lower(), "Captions")


def _long_date(day: dt.date) -> str:
    # Spelled out by hand: strftime's month names follow the build machine's locale.
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _human_duration(seconds: float) -> str:
    total = round(seconds)
    if total < 60:
        return f"{total} sec"
    hours, minutes = divmod(round(total / 60), 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _iso_duration(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"PT{hours}H{minutes}M{secs}S" if hours else f"PT{minutes}M{secs}S"


def _clock(seconds: float) -> str:
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def _size(n_bytes: int) -> str:
    return f" ({n_bytes / 1_000_000:.1f} MB)" if n_bytes > 0 else ""
