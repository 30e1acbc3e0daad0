"""Narration scripts: YAML front matter plus a small Markdown body, parsed into typed blocks.

Every block and directive keeps the line it came from, so problems and synthesis failures can be
reported as ``path:line``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from rtr_audio.durations import parse_duration
from rtr_audio.errors import Problem
from rtr_audio.files import read_text
from rtr_audio.settings import GAP_KEYS, Gaps, ShowSettings, check_rate, parse_gaps
from rtr_audio.yamlsrc import Located, load_mapping, unknown_key_problems

EPISODE_TYPES = ("full", "trailer", "bonus")
FRONT_MATTER_KEYS = ["title", "description", "episode", "type", "date", "voice", "rate",
                     "engine", "guid", *GAP_KEYS]
DEFAULT_PAUSE = 2.0

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s{0,3}(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
_DIRECTIVE = re.compile(r"\[\s*(/?)\s*([A-Za-z]+)\b([^\]\[]*)\](?!\()")
SLOW_SCALE = 0.8  # [slow]: the rate times this (every word about 25 % longer)
_ORDER_PREFIX = re.compile(r"^\d+[-_ .]+")


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
    type: str = "full"
    date: dt.date | None = None
    voice: str | None = None
    rate: int | None = None
    engine: str | None = None
    guid: str | None = None
    gaps: Gaps = field(default_factory=Gaps)
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def body_start(self) -> int:
        return self.blocks[0].line if self.blocks else 1


def slug_for(path: Path) -> str:
    """File name without ordering prefix: ``02-finding-safety.md`` → ``finding-safety``."""
    stem = _ORDER_PREFIX.sub("", path.stem) or path.stem
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return slug or "episode"


def script_paths(scripts_dir: Path) -> list[Path]:
    """Episode scripts: ``*.md`` files not starting with ``_``, in name order."""
    return sorted(p for p in scripts_dir.glob("*.md") if not p.name.startswith("_"))


def parse_script(
    path: Path, show: ShowSettings | None = None
) -> tuple[Script | None, list[Problem]]:
    """Parse one script; the Script is returned only when there are no problems."""
    text, problems = read_text(path)
    if text is None:
        return None, problems
    if not text.strip():
        return None, [Problem(path, 1, "empty file: a script needs front matter and narration")]
    front, body, body_line, problems = _split_front_matter(text, path)
    if front is None:
        return None, problems
    located, yaml_problems = load_mapping(front, path, first_line=2)
    if located is None:
        return None, yaml_problems
    problems += yaml_problems
    problems += unknown_key_problems(located, FRONT_MATTER_KEYS, path, "front matter")
    meta, meta_problems = _validate_front_matter(located, path, show)
    problems += meta_problems
    blocks, body_problems = parse_body(body, path, body_line)
    problems += body_problems
    if not any(isinstance(p, Speech) for b in blocks for p in b.parts) and not body_problems:
        problems.append(Problem(path, body_line, "no narration after the front matter"))
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
) -> tuple[dict, list[Problem]]:
    v, lines = located.values, located.lines
    problems: list[Problem] = []
    out: dict = {}

    def bad(key: str, message: str) -> None:
        problems.append(Problem(path, lines.get(key, located.line), message))

    for key in ("title", "description"):
        if key not in v:
            problems.append(Problem(path, 1, f"missing required key `{key}` in front matter"))
        elif not isinstance(v[key], str) or not v[key].strip():
            bad(key, f"`{key}` must be non-empty text")
        else:
            out[key] = v[key].strip()
    for key in ("voice", "engine", "guid"):
        if key in v:
            if isinstance(v[key], str) and v[key].strip():
                out[key] = v[key].strip()
            else:
                bad(key, f"`{key}` must be non-empty text")
    if "episode" in v:
        number = v["episode"]
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            bad("episode", f"`episode` must be a whole number ≥ 0, got {number!r}")
        else:
            out["episode"] = number
    if "type" in v:
        if v["type"] in EPISODE_TYPES:
            out["type"] = v["type"]
        else:
            close = difflib.get_close_matches(str(v["type"]), EPISODE_TYPES, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            bad("type", f"`type` must be one of full, trailer, bonus, got {v['type']!r}{hint}")
    if "date" in v:
        date = _as_date(v["date"])
        if date is None:
            bad("date", f"`date` must be a date like 2026-11-20, got {v['date']!r}")
        out["date"] = date
    if "rate" in v:
        rate, message = check_rate(v["rate"])
        if message:
            bad("rate", message)
        out["rate"] = rate
    gaps, gap_problems = parse_gaps(v, lines, path, show.gaps if show else Gaps())
    problems += gap_problems
    out["gaps"] = gaps
    return out, problems


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


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
                        parts.append(directive)  # type: ignore[arg-type]
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
            rate, message = check_rate(int(argument) if argument.isdigit() else argument)
            if message:
                bad(f"[rate {argument}]: {message}")
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


def duplicate_problems(scripts: list[Script]) -> list[Problem]:
    """Two scripts with one slug or one episode number would overwrite or confuse each other."""
    problems = []
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
