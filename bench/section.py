"""The command line of a benchmark part that `bench/run.py` also imports: print its section of
bench/results.md, and with `--results FILE` write it there too."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path


def run(section: Callable[[], list[str]], doc: str) -> None:
    """Parse the command line, build ``section()`` (Markdown lines) and print it."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--results", type=Path, default=None,
                        help="also write the section to this file")
    args = parser.parse_args()
    text = "\n".join(section())
    if args.results:
        args.results.write_text(text)
    print(text)
