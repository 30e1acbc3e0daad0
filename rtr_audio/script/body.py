"""The Markdown body of a script: headings, paragraphs and list items, each split into speech,
``[pause …]`` and ``[bell]`` parts that keep the file line they came from.

``<!-- comments -->`` are blanked (line numbers stay right); a bracketed word that is neither
directive nor a near miss of one (`[pase]` → did you mean [pause]?) is spoken as written.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rtr_audio.durations import parse_duration
from rtr_audio.errors import Problem

DEFAULT_PAUSE = 2.0

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s{0,3}(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
_DIRECTIVE = re.compile(r"\[\s*([A-Za-z]+)\b([^\]\[]*)\](?!\()")
_WORD_CHARACTER = re.compile(r"[^\W_]")  # a letter or digit: markup alone (`___`) says nothing
# Nobody follows a number of more digits read aloud; far longer ones (thousands of digits) also
# exceed what the number reading can convert.
MAX_DIGITS = 100
_LONG_NUMBER = re.compile(rf"\d{{{MAX_DIGITS + 1},}}")


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


def long_number_problems(blocks: list[Block], path: Path) -> list[Problem]:
    """Numbers too long to read aloud (more than MAX_DIGITS digits), at their lines."""
    problems = []
    for block in blocks:
        for part in block.parts:
            found = _LONG_NUMBER.search(part.text) if isinstance(part, Speech) else None
            if found:
                problems.append(Problem(path, part.line, f"a number of {len(found.group())} "
                                        f"digits; at most {MAX_DIGITS} can be read aloud"))
    return problems


def has_words(part: object) -> bool:
    """Whether ``part`` is speech with a letter or digit in it (not markup alone)."""
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
