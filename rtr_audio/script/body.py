"""The Markdown body of a script: headings, paragraphs and list items, each made of the
parts ``markup`` reads, keeping the file line they came from.

``<!-- comments -->`` are blanked (line numbers stay right); an indented line continues the list
item above it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rtr_audio.errors import Problem
from rtr_audio.script.markup import Markup, Part, Speech

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s{0,3}(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
_WORD_CHARACTER = re.compile(r"[^\W_]")  # a letter or digit: markup alone (`___`) says nothing
# Nobody follows a number of more digits read aloud; far longer ones (thousands of digits) also
# exceed what the number reading can convert.
MAX_DIGITS = 100
_LONG_NUMBER = re.compile(rf"\d{{{MAX_DIGITS + 1},}}")


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
