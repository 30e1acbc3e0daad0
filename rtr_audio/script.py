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
from rtr_audio.settings import GAP_KEYS, SHOW, Gaps, ShowSettings, gaps_over
from rtr_audio.yamlsrc import MAX_SETTINGS_CHARS, Located, load_mapping

EPISODE_TYPES = ("full", "trailer", "bonus")  # Apple's itunes:episodeType
DEFAULT_PAUSE = 2.0

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s{0,3}(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
_DIRECTIVE = re.compile(r"\[\s*([A-Za-z]+)\b([^\]\[]*)\](?!\()")
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
class Speech:
    """Text to be spoken, as written (markup is cleaned later, in the speech stage)."""

    text: str
    line: int


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
    """Blocks of the Markdown body; ``first_line`` is the file line of the body's first line."""
    body, problems = _blank_comments(body, path, first_line)
    blocks: list[Block] = []
    paragraph: list[tuple[int, str]] = []

    def flush() -> None:
        if paragraph:
            text = " ".join(t.strip() for _, t in paragraph)
            parts, part_problems = parse_parts(text, path, paragraph[0][0])
            problems.extend(part_problems)
            if parts:
                blocks.append(Block("paragraph", tuple(parts), paragraph[0][0]))
            paragraph.clear()

    for offset, raw in enumerate(body.split("\n")):
        number = first_line + offset
        line = raw.rstrip()
        if not line.strip():
            flush()
            continue
        heading = _HEADING.match(line)
        item = _ITEM.match(line)
        if heading or item:
            flush()
            kind: BlockKind = "heading" if heading else "item"
            text = heading.group(2) if heading else item.group(1)  # type: ignore[union-attr]
            parts, part_problems = parse_parts(text, path, number)
            problems.extend(part_problems)
            if parts:
                blocks.append(Block(kind, tuple(parts), number))
        elif blocks and blocks[-1].kind == "item" and raw[:1].isspace() and not paragraph:
            # An indented line continues the list item above it.
            last = blocks.pop()
            parts, part_problems = parse_parts(f"{last.text} {line.strip()}", path, last.line)
            problems.extend(part_problems)
            blocks.append(Block("item", tuple(parts), last.line))
        else:
            paragraph.append((number, line))
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
    """Split a line of text into speech, ``[pause …]`` and ``[bell]`` parts."""
    parts: list[Part] = []
    problems: list[Problem] = []
    position = 0
    for match in _DIRECTIVE.finditer(text):
        name, argument = match.group(1).lower(), match.group(2).strip()
        directive = _directive(name, argument, path, line, problems)
        if directive is _NOT_A_DIRECTIVE:
            continue
        _add_speech(parts, text[position:match.start()], line)
        if directive is not None:
            parts.append(directive)
        position = match.end()
    _add_speech(parts, text[position:], line)
    return parts, problems


_NOT_A_DIRECTIVE = object()


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
    close = difflib.get_close_matches(name, ["pause", "bell"], n=1, cutoff=0.6)
    if close:
        problems.append(Problem(path, line, f"unknown directive [{name}{' ' if argument else ''}"
                                            f"{argument}]; did you mean [{close[0]}]?"))
        return None
    return _NOT_A_DIRECTIVE  # ordinary bracketed text, spoken as written


def _add_speech(parts: list[Part], text: str, line: int) -> None:
    text = " ".join(text.split())
    if text and re.search(r"\w", text):
        parts.append(Speech(text, line))


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
