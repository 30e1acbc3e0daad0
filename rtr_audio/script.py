"""Narration scripts: YAML front matter plus a small Markdown body, parsed into typed blocks.

Every block and directive keeps the line it came from, so problems and synthesis failures can be
reported as ``path:line``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import re
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from rtr_audio.durations import parse_duration
from rtr_audio.errors import Problem, cut, shown
from rtr_audio.files import MAX_SCRIPT_BYTES, read_text
from rtr_audio.schema import Choice, Custom, Invalid, Schema, Text, Where, Whole
from rtr_audio.settings import (
    GAP_KEYS,
    MAX_RATE,
    MIN_RATE,
    SHOW,
    Gaps,
    ShowSettings,
    gaps_over,
)
from rtr_audio.yamlsrc import MAX_SETTINGS_CHARS, Located, load_mapping

EPISODE_TYPES = ("full", "trailer", "bonus")  # Apple's itunes:episodeType
DEFAULT_PAUSE = 2.0

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s{0,3}(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
_DIRECTIVE = re.compile(r"\[\s*(/?)\s*([A-Za-z]+)\b([^\]\[]*)\](?!\()")
SLOW_SCALE = 0.8  # [slow]: the rate times this (every word about 25 % longer)
_ORDER_PREFIX = re.compile(r"^\d+[-_ .]+")
_WORD_CHARACTER = re.compile(r"[^\W_]")  # a letter or digit: markup alone (`___`) says nothing
# Nobody follows a number of more digits read aloud; far longer ones (thousands of digits) also
# exceed what the number reading can convert.
MAX_DIGITS = 100
_LONG_NUMBER = re.compile(rf"\d{{{MAX_DIGITS + 1},}}")
# rtr-audio's own namespace for episode GUIDs. Fixed forever: changing it re-announces every
# episode as new in every subscriber's app. (= uuid5(NAMESPACE_URL, "https://rtr-audio/episode"))
EPISODE_GUID_NAMESPACE = uuid.UUID("c60f6d97-0202-57d1-afb3-3cd806417677")
MAX_NOTES_BYTES = 4000  # Apple Podcasts: an item's <description> holds at most 4,000 bytes
# Year 1 passes the calendar but not the apps: RFC 822 dates, ID3 and many players cannot hold
# a year before 1970 (Unix time) or after 9998.
FIRST_DATE, LAST_DATE = dt.date(1970, 1, 1), dt.date(9998, 12, 31)


@dataclass(frozen=True)
class Delivery:
    """How a stretch of speech is delivered, from the spans and ``[voice]`` around it.

    ``rate`` is a ``[rate N]`` in words per minute (None: the script's rate), ``scale``
    multiplies the rate (``[slow]``: 0.8), ``soft`` is ``[soft]`` and ``voice`` a
    ``[voice NAME]`` (None: the episode's voice).
    """

    rate: int | None = None
    scale: float = 1.0
    soft: bool = False
    voice: str | None = None


PLAIN = Delivery()


@dataclass(frozen=True)
class Speech:
    """Text to be spoken, as written (markup is cleaned later, in the speech stage)."""

    text: str
    line: int
    delivery: Delivery = PLAIN


@dataclass(frozen=True)
class Pause:
    seconds: float
    line: int


@dataclass(frozen=True)
class Bell:
    line: int


Part = Speech | Pause | Bell
BlockKind = Literal["heading", "paragraph", "item"]


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    parts: tuple[Part, ...]
    line: int

    @property
    def text(self) -> str:
        return " ".join(p.text for p in self.parts if isinstance(p, Speech))


@dataclass(frozen=True)
class Script:
    """One episode's script, validated."""

    path: Path
    slug: str
    title: str
    description: str
    blocks: tuple[Block, ...]
    episode: int | None = None
    season: int | None = None
    type: str = "full"
    date: dt.date | None = None  # the publication day (in the zone written, if a time was)
    date_time: dt.datetime | None = None  # timezone-aware: set when `date:` gives a time
    voice: str | None = None
    rate: int | None = None
    engine: str | None = None
    guid: str | None = None
    gaps: Gaps = field(default_factory=Gaps)
    bed: str | Path | None = None  # None: the show's bed (see ShowSettings.bed)
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def feed_guid(self) -> str:
        """The item's ``<guid>``: ``guid:`` if set, else derived from the slug (see
        ``feed.episode_guid``)."""
        if self.guid:
            return self.guid
        return str(uuid.uuid5(EPISODE_GUID_NAMESPACE, f"rtr-audio:{self.slug}"))

    @property
    def body_start(self) -> int:
        return self.blocks[0].line if self.blocks else 1


_SHOWS = "show.yml's"
FRONT_MATTER = Schema("front matter", {
    "title": Text(required=True, help="The episode's title."),
    "description": Text(required=True, help="The show notes: feed, page and ID3 comment."),
    "episode": Whole(minimum=0, help="Episode number (itunes:episode), unique in the show."),
    "season": Whole(minimum=1, help="Season number (itunes:season)."),
    "type": Choice(choices=EPISODE_TYPES, default="full",
                   help="Apple's itunes:episodeType."),
    "date": Custom(check=lambda key, value, where: _date(key, value, where),
                   split=lambda d: {"date": d[0], "date_time": d[1]},
                   kind_doc="date (`2026-11-20`) or date-time with zone "
                            "(`2026-12-04T07:30+01:00`)",
                   default_doc="first build",
                   help="Publication date (a date alone is 09:00 UTC). An episode dated in the "
                        "future is scheduled: it stays out of the feed and page until then."),
    "guid": Text(default_doc="derived from the slug",
                 help="The episode's guid; set it before renaming a published episode's file "
                      "so apps don't see it as new."),
    "engine": Text(default_doc=_SHOWS, help="Speech engine for this episode."),
    "voice": Text(default_doc=_SHOWS, help="Voice id for this episode."),
    "rate": replace(SHOW["rate"], default=None, default_doc=_SHOWS,
                    help="Speaking rate for this episode."),
    **{key: replace(SHOW[key], default=None, default_doc=_SHOWS) for key in GAP_KEYS},
    "bed": replace(SHOW["bed"], default=None, default_doc=_SHOWS,
                   help="Sound bed for this episode (a path is relative to the scripts "
                        "folder)."),
}, missing_suffix=" in front matter")
FRONT_MATTER_KEYS = list(FRONT_MATTER.options)


def slug_for(path: Path) -> str:
    """File name without ordering prefix, accents folded: ``02-ça-va.md`` → ``ca-va``."""
    stem = _ORDER_PREFIX.sub("", path.stem) or path.stem
    # Accents fold to their letters ("ça-va" → "ca-va") rather than vanish; other scripts are
    # transliterated by the same library the normaliser uses.
    from anyascii import anyascii

    slug = re.sub(r"[^a-z0-9]+", "-", anyascii(stem).lower()).strip("-")
    return slug or "episode"


def script_paths(scripts_dir: Path) -> list[Path]:
    """Episode scripts: ``*.md`` files not starting with ``_``, in name order."""
    return sorted(p for p in scripts_dir.glob("*.md") if not p.name.startswith("_"))


def parse_script(
    path: Path, show: ShowSettings | None = None
) -> tuple[Script | None, list[Problem]]:
    """Parse one script; the Script is returned only when there are no problems."""
    text, problems = read_text(path, limit=MAX_SCRIPT_BYTES)
    if text is None:
        return None, problems
    if not text.strip():
        return None, [Problem(path, 1, "empty file: a script needs front matter and narration")]
    front, body, body_line, problems = _split_front_matter(text, path)
    if front is None:
        return None, problems
    located, yaml_problems = load_mapping(front, path, first_line=2,
                                          max_chars=MAX_SETTINGS_CHARS)
    if located is None:
        return None, yaml_problems
    problems += yaml_problems
    meta, meta_problems = _validate_front_matter(located, path, show)
    problems += meta_problems
    blocks, body_problems = parse_body(body, path, body_line)
    problems += body_problems
    problems += _long_number_problems(blocks, path)
    if not any(_has_words(p) for b in blocks for p in b.parts) and not body_problems:
        problems.append(Problem(path, body_line, "no narration after the front matter (only "
                                                 "markup or punctuation: nothing to speak)"))
    if problems:
        return None, problems
    return Script(path=path, slug=slug_for(path), blocks=tuple(blocks),
                  lines=dict(located.lines), **meta), []


def _split_front_matter(
    text: str, path: Path
) -> tuple[str | None, str, int, list[Problem]]:
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return None, "", 1, [Problem(path, 1, "missing front matter: start the file with a `---` "
                                              "line, then `title:` and `description:`, then `---`")]
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            front = "\n".join(lines[1:index])
            return front, "\n".join(lines[index + 1:]), index + 2, []
    return None, "", 1, [Problem(path, 1, "unterminated front matter: no closing `---` line")]


def _validate_front_matter(
    located: Located, path: Path, show: ShowSettings | None
) -> tuple[dict[str, Any], list[Problem]]:
    values, problems = FRONT_MATTER.validate(located, path, missing_line=1)
    values["gaps"] = gaps_over(show.gaps if show else Gaps(), values)
    return values, problems


def _date(key: str, value: object, where: Where) -> tuple[dt.date, dt.datetime | None]:
    """The day, and the exact moment when a time is given (it must carry its zone: a build
    on a server in another zone must publish it at the same instant)."""
    if isinstance(value, str):
        text = value.strip()
        with contextlib.suppress(ValueError):  # not ISO 8601: refused below
            value = (dt.datetime.fromisoformat(text) if len(text) > 10
                     else dt.date.fromisoformat(text))
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise Invalid(f"`date` {shown(value.isoformat())} has a time but no zone; add one, "
                          "like 2026-12-04T07:30+01:00 or 2026-12-04T06:30Z")
        return _in_range(value.date()), value
    if isinstance(value, dt.date):
        return _in_range(value), None
    raise Invalid("`date` must be a date like 2026-11-20 or a date-time with zone like "
                  f"2026-12-04T07:30+01:00, got {shown(value)}")


def _in_range(date: dt.date) -> dt.date:
    if not FIRST_DATE <= date <= LAST_DATE:
        raise Invalid(f"`date` {date.isoformat()} is out of range ({FIRST_DATE.isoformat()} to "
                      f"{LAST_DATE.isoformat()})")
    return date


def _long_number_problems(blocks: list[Block], path: Path) -> list[Problem]:
    problems = []
    for block in blocks:
        for part in block.parts:
            found = _LONG_NUMBER.search(part.text) if isinstance(part, Speech) else None
            if found:
                problems.append(Problem(path, part.line, f"a number of {len(found.group())} "
                                        f"digits; at most {MAX_DIGITS} can be read aloud"))
    return problems


def _has_words(part: object) -> bool:
    return isinstance(part, Speech) and bool(_WORD_CHARACTER.search(part.text))


def parse_body(body: str, path: Path, first_line: int) -> tuple[list[Block], list[Problem]]:
    """Blocks of the Markdown body; ``first_line`` is the file line of the body's first line.

    Delivery spans (``[slow]``, ``[rate N]``, ``[soft]``) open and close inside one block; a
    ``[voice NAME]`` lasts over the following blocks until ``[voice]`` or the next heading.
    """
    body, problems = _blank_comments(body, path, first_line)
    blocks: list[Block] = []
    pending: list[tuple[int, str]] = []  # lines of the paragraph or list item being read
    pending_kind: list[BlockKind] = []
    state = Markup(path)

    def flush() -> None:
        if pending:
            kind = pending_kind[0]
            parts = state.parse_block(pending, problems)
            if parts:
                blocks.append(Block(kind, tuple(parts), pending[0][0]))
            pending.clear()
            pending_kind.clear()

    for offset, raw in enumerate(body.split("\n")):
        number = first_line + offset
        line = raw.rstrip()
        if not line.strip():
            flush()
            continue
        heading = _HEADING.match(line)
        item = _ITEM.match(line)
        if heading:
            flush()
            state.voice = None  # a heading starts a section in the episode's own voice
            parts = state.parse_block([(number, heading.group(2))], problems)
            if parts:
                blocks.append(Block("heading", tuple(parts), number))
        elif item:
            flush()
            pending.append((number, item.group(1)))
            pending_kind.append("item")
        elif pending_kind[:1] == ["item"] and raw[:1].isspace():
            pending.append((number, line.strip()))  # an indented line continues the item
        else:
            if pending_kind[:1] == ["item"]:
                flush()
            if not pending:
                pending_kind.append("paragraph")
            pending.append((number, line))
    flush()
    return blocks, problems


def _blank_comments(body: str, path: Path, first_line: int) -> tuple[str, list[Problem]]:
    """Replace ``<!-- … -->`` with spaces, keeping newlines so line numbers stay right."""
    problems: list[Problem] = []
    out: list[str] = []
    position = 0
    while True:
        start = body.find("<!--", position)
        if start < 0:
            out.append(body[position:])
            break
        end = body.find("-->", start + 4)
        if end < 0:
            line = first_line + body.count("\n", 0, start)
            problems.append(Problem(path, line, "unclosed comment: `<!--` without `-->`"))
            out.append(body[position:start])
            break
        out.append(body[position:start])
        out.append(re.sub(r"[^\n]", " ", body[start:end + 3]))
        position = end + 3
    return "".join(out), problems


def parse_parts(text: str, path: Path, line: int) -> tuple[list[Part], list[Problem]]:
    """Split one line of text into speech, ``[pause …]`` and ``[bell]`` parts (with spans)."""
    problems: list[Problem] = []
    parts = Markup(path).parse_block([(line, text)], problems)
    return parts, problems


@dataclass
class _Open:
    """A delivery span still open: its tag name, argument and line."""

    name: str
    argument: str
    line: int


@dataclass
class Markup:
    """Reads the directives of a script body, keeping the spans and the voice in force."""

    path: Path
    voice: str | None = None
    spans: list[_Open] = field(default_factory=list)

    def parse_block(self, lines: list[tuple[int, str]], problems: list[Problem]) -> list[Part]:
        """The parts of one block, given as (file line, text) pairs; spans must close in it."""
        parts: list[Part] = []
        words: list[tuple[str, int]] = []  # speech so far, with its line, under current spans

        def speak() -> None:
            text = " ".join(t for t, _ in words)
            if words:
                _add_speech(parts, text, words[0][1], self.delivery())
            words.clear()

        for number, text in lines:
            position = 0
            for match in _DIRECTIVE.finditer(text):
                closing, name = bool(match.group(1)), match.group(2).lower()
                argument = match.group(3).strip()
                if not closing and name not in _SPAN_NAMES and name != "voice":
                    directive = _directive(name, argument, self.path, number, problems)
                    if directive is _NOT_A_DIRECTIVE:
                        continue
                    words.append((text[position:match.start()], number))
                    speak()
                    if directive is not None:
                        parts.append(directive)
                else:
                    words.append((text[position:match.start()], number))
                    speak()
                    self._span(closing, name, argument, number, problems)
                position = match.end()
            words.append((text[position:], number))
        speak()
        for span in self.spans:
            problems.append(Problem(self.path, span.line, f"unclosed [{span.name}]: close it "
                                                          f"with [/{span.name}] in the same "
                                                          "paragraph"))
        self.spans.clear()
        return parts

    def delivery(self) -> Delivery:
        rate, scale, soft = None, 1.0, False
        for span in self.spans:  # outermost first: an inner [rate N] replaces an outer pace
            if span.name == "slow":
                scale *= SLOW_SCALE
            elif span.name == "rate" and span.argument:
                rate, scale = int(span.argument), 1.0
            elif span.name == "soft":
                soft = True
        return Delivery(rate=rate, scale=round(scale, 4), soft=soft, voice=self.voice)

    def _span(self, closing: bool, name: str, argument: str, line: int,
              problems: list[Problem]) -> None:
        def bad(message: str) -> None:
            problems.append(Problem(self.path, line, message))

        if name == "voice":
            if closing:
                bad("[/voice] is not a tag: [voice] alone switches back to the episode's voice")
            else:
                self.voice = argument or None
            return
        if closing:
            if argument:
                bad(f"[/{name}] takes no argument, got {argument!r}")
            open_names = [span.name for span in self.spans]
            if name not in open_names:
                bad(f"[/{name}] without an opening [{name}]")
            elif open_names[-1] != name:
                inner = self.spans[-1]
                bad(f"[/{name}] closes [{name}] while [{inner.name}] (line {inner.line}) is still "
                    f"open inside it: close [/{inner.name}] first")
                # Only that span ends, so its partner's close is not reported a second time.
                del self.spans[len(open_names) - 1 - open_names[::-1].index(name)]
            else:
                self.spans.pop()
            return
        if name == "rate":
            rate = int(argument) if argument.isdigit() else None
            if rate is None:
                bad(f"[rate {argument}]: expected a whole number of words per minute, like "
                    "[rate 120]")
            elif not MIN_RATE <= rate <= MAX_RATE:
                bad(f"[rate {argument}]: {rate} is out of range ({MIN_RATE}–{MAX_RATE} words "
                    "per minute)")
                rate = None
            self.spans.append(_Open(name, str(rate or ""), line))
            return
        if argument:
            bad(f"[{name}] takes no argument, got {argument!r}")
        self.spans.append(_Open(name, "", line))


_NOT_A_DIRECTIVE = object()
_SPAN_NAMES = ("slow", "rate", "soft")
DIRECTIVES = ("pause", "bell", *_SPAN_NAMES, "voice")


def _directive(name: str, argument: str, path: Path, line: int, problems: list[Problem]):
    if name == "pause":
        if not argument:
            return Pause(DEFAULT_PAUSE, line)
        try:
            return Pause(parse_duration(argument), line)
        except ValueError as exc:
            problems.append(Problem(path, line, f"[pause {argument}]: {exc}"))
            return None
    if name == "bell":
        if argument:
            problems.append(Problem(path, line, f"[bell] takes no argument, got {argument!r}"))
        return Bell(line)
    close = difflib.get_close_matches(name, DIRECTIVES, n=1, cutoff=0.6)
    if close:
        problems.append(Problem(path, line, f"unknown directive [{name}{' ' if argument else ''}"
                                            f"{argument}]; did you mean [{close[0]}]?"))
        return None
    return _NOT_A_DIRECTIVE  # ordinary bracketed text, spoken as written


def _add_speech(parts: list[Part], text: str, line: int, delivery: Delivery) -> None:
    text = " ".join(text.split())
    if text and re.search(r"\w", text):
        parts.append(Speech(text, line, delivery))


def show_notes(script: Script, show: ShowSettings) -> str:
    """An episode's notes: its ``description``, then the show's ``show_notes_footer``."""
    return f"{script.description}\n\n{show.show_notes_footer}".strip()


def notes_problems(scripts: list[Script], show: ShowSettings) -> list[Problem]:
    """Notes over Apple's limit of 4,000 bytes for an item's ``<description>`` (Apple Podcasts
    RSS feed requirements), counted in UTF-8 with the footer, at the ``description:`` line."""
    problems = []
    footer = len(show.show_notes_footer.encode()) if show.show_notes_footer.strip() else 0
    for script in scripts:
        size = len(show_notes(script, show).encode())
        if size > MAX_NOTES_BYTES:
            with_footer = f" with show.yml's show_notes_footer ({footer:,})" if footer else ""
            problems.append(Problem(
                script.path, script.lines.get("description", 1),
                f"show notes are {size:,} bytes{with_footer}; Apple's limit is "
                f"{MAX_NOTES_BYTES:,}: shorten `description` by {size - MAX_NOTES_BYTES:,}"))
    return problems


def duplicate_problems(scripts: list[Script]) -> list[Problem]:
    """Two scripts with one slug, episode number or guid would overwrite or confuse each
    other (apps show one episode per guid)."""
    problems = _guid_problems(scripts)
    by_slug: dict[str, Script] = {}
    by_number: dict[int, Script] = {}
    for script in scripts:
        if script.slug in by_slug:
            other = by_slug[script.slug]
            problems.append(Problem(script.path, 1, f"same slug `{script.slug}` as {other.path}: "
                                                    "rename one of the files"))
        by_slug.setdefault(script.slug, script)
        if script.episode is not None:
            if script.episode in by_number:
                other = by_number[script.episode]
                problems.append(Problem(script.path, script.lines.get("episode", 1),
                                        f"episode {script.episode} is also used by {other.path}"))
            by_number.setdefault(script.episode, script)
    return problems


def _guid_problems(scripts: list[Script]) -> list[Problem]:
    """A ``guid:`` that another script also has (set, or derived from its slug)."""
    if not any(script.guid for script in scripts):
        return []  # derived guids differ when slugs do (those are checked on their own)
    problems = []
    by_guid: dict[str, Script] = {}
    for script in scripts:
        guid = script.feed_guid
        other = by_guid.setdefault(guid, script)
        if other is not script:
            culprit, first = (script, other) if script.guid else (other, script)
            problems.append(Problem(culprit.path, culprit.lines.get("guid", 1),
                                    f"guid `{cut(guid)}` is also the guid of {first.path}: "
                                    "apps would show only one of them; give each its own"))
    return problems
