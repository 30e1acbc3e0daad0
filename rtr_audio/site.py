"""The show page, ``index.html``: one self-contained file, no external resources.

Listeners may open this page instead of a podcast app, often on a phone and sometimes in a hard
moment, so it is calm, quick, readable and fully usable by keyboard and screen reader. Every piece
of user text goes through ``html.escape``; episode files are linked relatively so the folder works
from any host; the feed URL (copy box, autodiscovery, footer) and the show's website are the only
absolute links.
"""

from __future__ import annotations

import datetime as dt
import re
from html import escape
from string import Template

from rtr_audio.model import BuiltEpisode, Chapter, Cue
from rtr_audio.settings import ShowSettings

COVER_FILE = "cover.jpg"

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


def render_page(show: ShowSettings, episodes: list[BuiltEpisode], feed_url: str) -> str:
    """The complete ``index.html`` for the show, newest episode first."""
    newest_first = sorted(episodes, key=lambda e: (e.published, e.script.episode or 0),
                          reverse=True)
    return PAGE.substitute(
        lang=_e(show.language),
        title=_e(show.title),
        summary=_e(_first_paragraph(show.description)),
        feed_url=_e(feed_url),
        css=_css(),
        script=SCRIPT,
        header=_header(show),
        subscribe=_subscribe(feed_url),
        care=_care(show),
        episodes=_episodes(show, newest_first),
        footer=_footer(show, feed_url),
    )


# --- sections ---------------------------------------------------------------------------------


def _header(show: ShowSettings) -> str:
    return (f'<img class="cover" src="{COVER_FILE}" width="3000" height="3000" '
            f'alt="Cover art for {_e(show.title)}" decoding="async">\n'
            f'<h1>{_e(show.title)}</h1>\n'
            f'<p class="byline">{_e(show.author)}</p>\n'
            f'{_paragraphs(show.description, cls="description")}')


def _subscribe(feed_url: str) -> str:
    return f"""<section class="subscribe" aria-labelledby="subscribe-title">
<h2 id="subscribe-title">Listen in your podcast app</h2>
<p>In your podcast app choose <strong>Add by URL</strong> (or <strong>Follow a show by
URL</strong>) and paste this address:</p>
<label for="feed-url">Feed address</label>
<div class="copy-row">
<input id="feed-url" type="text" readonly value="{_e(feed_url)}" spellcheck="false"
 autocomplete="off">
<button id="copy-feed" type="button" hidden>Copy</button>
</div>
<p id="copy-status" class="status" role="status" aria-live="polite"></p>
</section>"""


def _care(show: ShowSettings) -> str:
    # The show's own footer says it in the author's words; our default only fills its absence.
    footer = _paragraphs(show.show_notes_footer) or f"<p>{DEFAULT_CARE}</p>"
    return f"""<section class="care" aria-labelledby="care-title">
<h2 id="care-title">Before you listen</h2>
<p>Please go gently. You can pause or stop at any time.</p>
{footer}
</section>"""


def _episodes(show: ShowSettings, episodes: list[BuiltEpisode]) -> str:
    items = "\n".join(_episode(show, ep) for ep in episodes)
    body = items or '<p class="empty">No episodes yet. Subscribe and they will arrive.</p>'
    return f"""<section id="episodes" aria-labelledby="episodes-title">
<h2 id="episodes-title">Episodes</h2>
{body}
</section>"""


def _episode(show: ShowSettings, ep: BuiltEpisode) -> str:
    slug = _e(ep.script.slug)  # slugs are already [a-z0-9-]; escaping costs nothing
    anchor, player = f"ep-{slug}", f"player-{slug}"
    title = _e(ep.title)
    return f"""<article class="episode" id="{anchor}" aria-labelledby="{anchor}-title">
<h3 id="{anchor}-title">{title}</h3>
<p class="meta">{_meta(ep)}</p>
{_paragraphs(_notes_without_footer(ep.notes, show.show_notes_footer), cls="notes")}
<audio id="{player}" controls preload="none" src="{_e(ep.files.audio)}"
 aria-label="Audio player: {title}">
<track kind="captions" src="{_e(ep.files.vtt)}" srclang="{_e(show.language)}"
 label="{_e(_language_name(show.language))}" default>
<a href="{_e(ep.files.audio)}">Download the MP3</a>
</audio>
<p class="caption" data-caption-for="{player}" hidden></p>
{_chapters(ep, player)}
<p class="files"><a href="{_e(ep.files.audio)}" download>Download MP3{_size(ep.audio_bytes)}</a>
<a href="{_e(ep.files.vtt)}">Transcript (WebVTT)</a></p>
{_transcript(ep.cues)}
</article>"""


def _meta(ep: BuiltEpisode) -> str:
    parts = []
    label = TYPE_LABELS.get(ep.script.type)
    if label:
        parts.append(label)
    elif ep.script.episode is not None:
        parts.append(f"Episode {ep.script.episode}")
    day = ep.published.date()
    parts.append(f'<time datetime="{day.isoformat()}">{_long_date(day)}</time>')
    parts.append(f'<time datetime="{_iso_duration(ep.duration)}">'
                 f"{_human_duration(ep.duration)}</time>")
    return " · ".join(parts)


def _chapters(ep: BuiltEpisode, player: str) -> str:
    if not ep.chapters:
        return ""
    items = "\n".join(_chapter_link(ep, ch, player) for ch in ep.chapters)
    return f"""<nav class="chapters" aria-label="Chapters of {_e(ep.title)}">
<h4>Chapters</h4>
<ol>
{items}
</ol>
</nav>"""


def _chapter_link(ep: BuiltEpisode, ch: Chapter, player: str) -> str:
    # Without script the link still works: a media fragment opens the file at that moment.
    start = _seconds(ch.start)
    href = f"{ep.files.audio}#t={start}"
    return (f'<li><a href="{_e(href)}" data-start="{start}" data-player="{player}">'
            f'<span class="at">{_clock(ch.start)}</span> {_e(ch.title)}</a></li>')


def _transcript(cues: tuple[Cue, ...]) -> str:
    # <audio> never shows captions, so deaf and hard-of-hearing visitors get the words here.
    if not cues:
        return ""
    text = "\n".join(f"<p>{_e(cue.text)}</p>" for cue in cues)
    return f"""<details class="transcript">
<summary>Read the transcript</summary>
{text}
</details>"""


def _footer(show: ShowSettings, feed_url: str) -> str:
    parts = [f'<p><a href="{_e(feed_url)}">RSS feed</a> for podcast apps</p>']
    if show.copyright:
        parts.append(f"<p>{_e(show.copyright)}</p>")
    if show.website:
        parts.append(f'<p><a href="{_e(show.website)}">{_e(show.website)}</a></p>')
    return "\n".join(parts)


# --- text helpers -----------------------------------------------------------------------------


def _e(text: str) -> str:
    return escape(text, quote=True)


def _split_paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def _paragraphs(text: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    paragraphs = _split_paragraphs(text)
    if not paragraphs:
        return ""
    return f"<div{attr}>" + "".join(f"<p>{_e(p)}</p>" for p in paragraphs) + "</div>"


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


# --- style and behaviour ----------------------------------------------------------------------


def _css() -> str:
    light = _variables(PALETTE["light"])
    dark = _variables(PALETTE["dark"])
    return CSS.substitute(light=light, dark=dark)


def _variables(colours: dict[str, str]) -> str:
    return " ".join(f"--{name}: {value};" for name, value in colours.items())


CSS = Template("""
:root { $light color-scheme: light dark; }
@media (prefers-color-scheme: dark) { :root { $dark } }
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 1.125rem/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", sans-serif;
  overflow-wrap: break-word;
}
.wrap { max-width: 42rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
a { color: var(--accent); text-underline-offset: 0.18em; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 3px; border-radius: 4px; }
.skip { position: absolute; left: -999rem; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: 0.75rem 1rem; z-index: 1; }
header { text-align: center; padding-top: 0.5rem; }
.cover { display: block; width: min(62vw, 15rem); height: auto; margin: 0 auto 1.25rem;
  border-radius: 12px; box-shadow: 0 4px 18px rgb(0 0 0 / 0.18); }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0 0 0.25rem; font-weight: 600; }
h2 { font-size: 1.3rem; line-height: 1.3; margin: 0 0 0.75rem; font-weight: 600; }
h3 { font-size: 1.2rem; line-height: 1.35; margin: 0 0 0.25rem; font-weight: 600; }
h4 { font-size: 1rem; margin: 1rem 0 0.25rem; color: var(--muted); font-weight: 600; }
.byline, .meta, .status { color: var(--muted); }
.byline { margin: 0 0 1rem; }
.description { text-align: left; }
p { margin: 0 0 0.9rem; }
section { margin-top: 2.25rem; }
.subscribe, .care { background: var(--surface); border-radius: 12px; padding: 1.25rem; }
label { display: block; font-weight: 600; margin-bottom: 0.35rem; }
.copy-row { display: flex; gap: 0.5rem; }
.copy-row input { flex: 1; min-width: 0; min-height: 48px; padding: 0.5rem 0.75rem;
  font: inherit; font-size: 1rem; color: var(--text); background: var(--bg);
  border: 1px solid var(--muted); border-radius: 8px; }
button { min-height: 48px; min-width: 48px; padding: 0.5rem 1.25rem; font: inherit;
  font-weight: 600; color: var(--accent-text); background: var(--accent); border: 0;
  border-radius: 8px; cursor: pointer; }
@media (max-width: 30rem) { .copy-row { flex-direction: column; } }
.status { min-height: 1.6em; margin: 0.5rem 0 0; }
.episode { padding: 1.5rem 0; border-top: 1px solid var(--rule); }
.episode:first-of-type { border-top: 0; padding-top: 0.25rem; }
audio { display: block; width: 100%; min-height: 54px; margin: 0.75rem 0; }
.caption { background: var(--surface); border-radius: 8px; padding: 0.5rem 0.75rem; }
.chapters ol { list-style: none; margin: 0; padding: 0; }
.chapters a { display: flex; gap: 0.75rem; align-items: center; min-height: 48px;
  padding: 0.35rem 0.5rem; margin: 0 -0.5rem; border-radius: 8px; text-decoration: none; }
.chapters a:hover { background: var(--surface); text-decoration: underline; }
.chapters .at { color: var(--muted); font-variant-numeric: tabular-nums; min-width: 3.5rem; }
.files { display: flex; flex-wrap: wrap; gap: 0 1.5rem; margin: 0.75rem 0 0; }
.files a { display: inline-flex; align-items: center; min-height: 44px; }
details { margin-top: 0.5rem; }
summary { cursor: pointer; min-height: 48px; display: flex; align-items: center;
  color: var(--accent); font-weight: 600; }
footer { border-top: 1px solid var(--rule); margin-top: 2rem; padding-top: 1.25rem;
  color: var(--muted); font-size: 1rem; }
@media (prefers-reduced-motion: no-preference) { html { scroll-behavior: smooth; } }
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation: none !important; transition: none !important; }
}
""")

# Small and dependency-free. The copy button only appears when this script runs, so a reader
# without scripts never sees a button that does nothing.
SCRIPT = """
(function () {
  "use strict";
  var field = document.getElementById("feed-url");
  var button = document.getElementById("copy-feed");
  var status = document.getElementById("copy-status");
  function say(text) { status.textContent = text; }
  function selectField() { field.focus(); field.setSelectionRange(0, field.value.length); }
  function fallbackCopy() {
    selectField();
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (err) { copied = false; }
    say(copied ? "Copied. Now paste it into your podcast app."
               : "The address is selected: copy it with your device's copy command.");
  }
  if (field && button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () {
          say("Copied. Now paste it into your podcast app.");
        }, fallbackCopy);
      } else {
        fallbackCopy();
      }
    });
    field.addEventListener("focus", selectField);
  }

  function seek(audio, start) {
    if (audio.readyState >= 1) {
      audio.currentTime = start;
    } else {
      audio.addEventListener("loadedmetadata", function () { audio.currentTime = start; },
                             { once: true });
      audio.preload = "metadata";
      audio.load();
    }
    var playing = audio.play();
    if (playing && playing.catch) { playing.catch(function () {}); }
  }
  document.querySelectorAll("a[data-start]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var audio = document.getElementById(link.getAttribute("data-player"));
      if (!audio) { return; }
      event.preventDefault();
      seek(audio, parseFloat(link.getAttribute("data-start")) || 0);
    });
  });

  // One voice at a time: starting an episode pauses any other.
  document.addEventListener("play", function (event) {
    document.querySelectorAll("audio").forEach(function (audio) {
      if (audio !== event.target) { audio.pause(); }
    });
  }, true);

  // Browsers load but never draw captions for <audio>; show the current line under the player.
  document.querySelectorAll("[data-caption-for]").forEach(function (box) {
    var audio = document.getElementById(box.getAttribute("data-caption-for"));
    var track = audio && audio.textTracks && audio.textTracks[0];
    if (!track) { return; }
    track.mode = "hidden";
    track.addEventListener("cuechange", function () {
      var cue = track.activeCues && track.activeCues[0];
      box.textContent = cue ? cue.text : "";
      box.hidden = !cue;
    });
  });
})();
"""

PAGE = Template("""<!doctype html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>$title</title>
<meta name="description" content="$summary">
<link rel="alternate" type="application/rss+xml" title="$title" href="$feed_url">
<link rel="icon" href="data:,">
<style>$css</style>
</head>
<body>
<a class="skip" href="#episodes">Skip to the episodes</a>
<div class="wrap">
<header>
$header
</header>
<main>
$subscribe
$care
$episodes
</main>
<footer>
$footer
</footer>
</div>
<script>$script</script>
</body>
</html>
""")
