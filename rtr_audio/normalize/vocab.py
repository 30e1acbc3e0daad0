"""Vocabulary data files shipped with the package (``data/*.tsv``, ``data/*.txt``).

TSV rows are tab-separated; "# " (hash and space) starts a comment line. Word lists
(``*.txt``) are words separated by whitespace. A writer can extend them without reading Python.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


def _lines(name: str) -> list[str]:
    text = resources.files("rtr_audio.normalize").joinpath("data", name).read_text("utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("# ")]


@cache
def table(name: str) -> tuple[tuple[str, ...], ...]:
    """Rows of ``data/<name>.tsv`` as tuples of fields (missing trailing fields are "")."""
    return tuple(tuple(line.split("\t")) for line in _lines(f"{name}.tsv"))


@cache
def mapping(name: str) -> dict[str, str]:
    """First column to second column of ``data/<name>.tsv``."""
    return {row[0]: row[1] if len(row) > 1 else "" for row in table(name)}


@cache
def words(name: str) -> frozenset[str]:
    """The words of ``data/<name>.txt``."""
    return frozenset(word for line in _lines(f"{name}.txt") for word in line.split())
