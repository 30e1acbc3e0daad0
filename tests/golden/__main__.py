"""``python -m tests.golden --update``: rewrite tests/golden/mini from a fresh build."""

from __future__ import annotations

import argparse

from tests.golden import GOLDEN, REPO, update


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.golden",
        description="Rebuild tests/fixtures/mini and rewrite the golden outputs in "
                    "tests/golden/mini. Run from the repository root; review with "
                    "`git diff tests/golden` before committing.")
    parser.add_argument("--update", action="store_true", required=True,
                        help="rewrite the golden files (the only action)")
    parser.parse_args()
    for rel in update():
        print((GOLDEN / rel).relative_to(REPO))


if __name__ == "__main__":
    main()
