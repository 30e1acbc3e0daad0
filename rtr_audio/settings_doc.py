"""Write the README's key tables from the schema, or check that they are current.

Usage::

    python -m rtr_audio.settings_doc            # rewrite the tables in ./README.md
    python -m rtr_audio.settings_doc --check    # exit 1 if README.md differs from the schema

Each table sits between a ``<!-- BEGIN … -->`` and an ``<!-- END … -->`` marker; everything
outside the markers is left as written.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from rtr_audio.schema import Schema
from rtr_audio.script import FRONT_MATTER
from rtr_audio.settings import SHOW

COMMAND = "python -m rtr_audio.settings_doc"
TABLES: dict[str, Schema] = {"show.yml keys": SHOW, "front-matter keys": FRONT_MATTER}


def _block(name: str) -> re.Pattern[str]:
    name = re.escape(name)
    return re.compile(rf"(<!-- BEGIN {name} [^\n]*-->\n).*?(<!-- END {name} -->)", re.DOTALL)


def render(readme: str) -> str:
    """``readme`` with every marked table regenerated; raises ValueError if a marker pair is
    missing."""
    for name, schema in TABLES.items():
        found = _block(name).search(readme)
        if not found:
            raise ValueError(f"no `<!-- BEGIN {name} ({COMMAND}) -->` … `<!-- END {name} -->` "
                             "markers")
        readme = f"{readme[:found.end(1)]}{schema.table()}\n{readme[found.start(2):]}"
    return readme


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("readme", nargs="?", type=Path, default=Path("README.md"))
    parser.add_argument("--check", action="store_true",
                        help="only check; exit 1 if the README's tables differ from the schema")
    args = parser.parse_args(argv)
    current = args.readme.read_text(encoding="utf-8")
    try:
        wanted = render(current)
    except ValueError as exc:
        print(f"{args.readme}: {exc}", file=sys.stderr)
        return 1
    if args.check:
        if wanted != current:
            print(f"{args.readme}: the key tables differ from the schema; run `{COMMAND}`",
                  file=sys.stderr)
            return 1
        return 0
    if wanted != current:
        args.readme.write_text(wanted, encoding="utf-8")
        print(f"{args.readme}: key tables rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
