"""YAML loading that remembers where each key was written, so errors can say ``path:line``."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rtr_audio.errors import Problem


@dataclass
class Located:
    """A YAML mapping's values plus the 1-based line of each key."""

    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    line: int = 1  # where the mapping itself starts


def load_mapping(
    text: str, path: Path, first_line: int = 1
) -> tuple[Located | None, list[Problem]]:
    """Parse ``text`` as a YAML mapping; ``first_line`` is the file line where ``text`` starts."""
    offset = first_line - 1
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        return None, [_syntax_problem(exc, path, offset, first_line)]
    if node is None:
        return Located(line=first_line), []
    if not isinstance(node, yaml.MappingNode):
        return None, [
            Problem(path, node.start_mark.line + 1 + offset, "expected a mapping of `key: value`")
        ]
    located = Located(line=node.start_mark.line + 1 + offset)
    problems: list[Problem] = []
    loader = yaml.SafeLoader("")
    for key_node, value_node in node.value:
        key = str(key_node.value)
        line = key_node.start_mark.line + 1 + offset
        if key in located.values:
            problems.append(Problem(path, line, f"duplicate key `{key}`"))
            continue
        try:
            value = loader.construct_object(value_node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
            if not isinstance(value_node, yaml.ScalarNode):
                problems.append(Problem(path, line, f"`{key}`: {exc}"))
                continue
            # A scalar YAML resolves to a type it then cannot build (``2026-13-45`` as a date):
            # keep the text, so the key's own validation names the key and the expected form.
            value = value_node.value
        located.values[key] = value
        located.lines[key] = line
    return located, problems


def _syntax_problem(exc: yaml.YAMLError, path: Path, offset: int, first_line: int) -> Problem:
    """One line for a YAML syntax error. An unclosed quote or bracket is reported where it was
    opened, which is where the writer has to look, not where the parser gave up."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 + offset if mark else first_line
    reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None) or ""
    opened = getattr(exc, "context_mark", None)
    if opened and mark and opened.line != mark.line and ("flow" in context or "quoted" in context):
        what = context.removeprefix("while scanning ").removeprefix("while parsing ")
        return Problem(path, opened.line + 1 + offset,
                       f"YAML error: {reason} on line {line}, in {what} that starts here")
    return Problem(path, line, f"YAML error: {reason}")


def unknown_key_problems(
    located: Located, known: list[str], path: Path, what: str
) -> list[Problem]:
    """One problem per key not in ``known``, with a did-you-mean when one is close."""
    problems = []
    for key, line in located.lines.items():
        if key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        problems.append(Problem(path, line, f"unknown {what} key `{key}`{hint}"))
    return problems
