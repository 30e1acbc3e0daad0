"""YAML loading that remembers where each key was written, so errors can say ``path:line``.

Input is bounded before PyYAML builds anything (issue 13, kind 1): show.yml, the lexicon and a
script's front matter are at most :data:`MAX_YAML_CHARS` characters, nest at most
:data:`MAX_DEPTH` levels (PyYAML's composer recurses once per level: 100,000 brackets were a
RecursionError) and their aliases may add at most :data:`ALIAS_BUDGET` nodes in all (a 1 KB
"billion laughs" file expands to 10⁹ nodes when printed or walked).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rtr_audio.errors import Problem, cut

MAX_YAML_CHARS = 1_000_000  # a lexicon of 20,000 entries is ~600 KB
MAX_SETTINGS_CHARS = 100_000  # show.yml and front matter: ~1 KB in practice
MAX_DEPTH = 20  # show.yml's deepest key (`owner.name`) is level 2
ALIAS_BUDGET = 1_000  # nodes that aliases may add; `<<: *defaults` merges stay far below


@dataclass
class Located:
    """A YAML mapping's values plus the 1-based line of each key."""

    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    line: int = 1  # where the mapping itself starts


def load_mapping(
    text: str, path: Path, first_line: int = 1, max_chars: int = MAX_YAML_CHARS
) -> tuple[Located | None, list[Problem]]:
    """Parse ``text`` as a YAML mapping; ``first_line`` is the file line where ``text`` starts.

    Text over ``max_chars`` characters, nested over MAX_DEPTH levels or with aliases adding over
    ALIAS_BUDGET values is one Problem, before anything is built."""
    offset = first_line - 1
    node, problems = _compose(text, path, first_line, max_chars)
    if problems:
        return None, problems
    if node is None:
        return Located(line=first_line), []
    if not isinstance(node, yaml.MappingNode):
        return None, [
            Problem(path, node.start_mark.line + 1 + offset, "expected a mapping of `key: value`")
        ]
    return _entries(node, text, path, offset)


def _compose(
    text: str, path: Path, first_line: int, max_chars: int
) -> tuple[yaml.Node | None, list[Problem]]:
    if len(text) > max_chars:
        return None, [Problem(path, first_line, f"{len(text):,} characters of YAML; the limit "
                                                f"is {max_chars:,}")]
    try:
        return yaml.compose(text, Loader=_BoundedLoader), []
    except _TooBig as exc:
        return None, [Problem(path, exc.line + first_line, exc.message)]
    except yaml.YAMLError as exc:
        return None, [_syntax_problem(exc, path, first_line - 1, first_line)]


def _entries(
    node: yaml.MappingNode, text: str, path: Path, offset: int
) -> tuple[Located, list[Problem]]:
    """Each key's value and line; a duplicate key or a value PyYAML cannot build is a Problem."""
    located = Located(line=node.start_mark.line + 1 + offset)
    problems: list[Problem] = []
    loader = yaml.SafeLoader("")
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1 + offset
        # A list or mapping as key is named by its source text (cut): the caller reports it as
        # an unknown key; str() of its node would print the whole, alias-expanded tree.
        key = (str(key_node.value) if isinstance(key_node, yaml.ScalarNode)
               else cut(text[key_node.start_mark.index:key_node.end_mark.index]))
        if key in located.values:
            problems.append(Problem(path, line, f"duplicate key `{cut(key)}`"))
            continue
        try:
            value = loader.construct_object(value_node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
            if not isinstance(value_node, yaml.ScalarNode):
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                problems.append(Problem(path, line, f"`{cut(key)}`: {cut(reason, 80)}"))
                continue
            # A scalar YAML resolves to a type it then cannot build (``2026-13-45`` as a date):
            # keep the text, so the key's own validation names the key and the expected form.
            value = value_node.value
        located.values[key] = value
        located.lines[key] = line
    return located, problems


class _TooBig(Exception):
    """Input beyond a bound; ``line`` is 0-based like PyYAML's marks."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader whose composer counts depth and alias expansion as it goes.

    Every node's expanded size is tallied as it closes (an alias adds its anchor's expanded
    size), so the check costs one pass and stops at the first level or alias over a bound."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._open: list[int] = []  # expanded node count of each node being composed
        self._sizes: dict[str, int] = {}  # anchor → expanded node count
        self._added = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        line = event.start_mark.line if event.start_mark else 0
        if isinstance(event, yaml.AliasEvent):
            self._added += self._sizes.get(event.anchor or "", 1)
            if self._added > ALIAS_BUDGET:
                raise _TooBig(line, f"YAML aliases expand to more than {ALIAS_BUDGET:,} values (at "
                              f"`*{cut(str(event.anchor))}`); write the values out")
            if self._open:
                self._open[-1] += self._sizes.get(event.anchor or "", 1)
            return super().compose_node(parent, index)
        if len(self._open) >= MAX_DEPTH:
            raise _TooBig(line, f"YAML nested more than {MAX_DEPTH} levels deep")
        self._open.append(1)
        node = super().compose_node(parent, index)
        size = self._open.pop()
        if self._open:
            self._open[-1] += size
        if getattr(event, "anchor", None):
            self._sizes[event.anchor] = size
        return node


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
        close = difflib.get_close_matches(key[:100], known, n=1, cutoff=0.6)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        problems.append(Problem(path, line, f"unknown {what} key `{cut(key)}`{hint}"))
    return problems

