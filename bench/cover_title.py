"""Cover benchmark: drawing the generated cover for titles of growing length (bounded time:
issue 13, kind 7). Only the first ``painting.MAX_TITLE_CHARS`` characters are fitted, so a
2,000-character title costs what a 200-character one does.

Usage: .venv/bin/python bench/cover_title.py [--results PATH]   (bench/run.py also calls it)
Target: a 2,000-character title draws in at most ``TARGET_RATIO`` × the time of a 200-character
one. Before the cut, on the 2-core machine: 5.1 s for 2,000 characters of words, 9.8 s for
2,000 without a space (issue 13 measured 48 s); after it, 1.1 s and 2.1 s.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import section as section_cli  # bench/section.py, beside this file

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
ROUNDS = 3
TARGET_RATIO = 1.5
TITLES = {
    "the shipped series' title (55 characters)":
        "Healing Where It Hurts: Relational Trauma Repair",
    "200 characters of words": ("Quiet " * 34)[:200],
    "2,000 characters of words": ("Quiet " * 334)[:2000],
    "2,000 characters without a space": "x" * 2000,
}


def seconds(title: str) -> float:
    """Median seconds to draw the generated cover for ``title`` (in this process)."""
    sys.path.insert(0, str(REPO))
    from rtr_audio.painting import generate_cover
    from rtr_audio.settings import ShowSettings

    show = ShowSettings(path=Path("show.yml"), title=title, description="-", author="Author")
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        generate_cover(show)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def section() -> list[str]:
    """The Markdown section for bench/results.md."""
    figures = {name: seconds(title) for name, title in TITLES.items()}
    ratio = figures["2,000 characters of words"] / figures["200 characters of words"]
    verdict = "PASS" if ratio <= TARGET_RATIO else "MISS"
    lines = ["## Generated cover (bench/cover_title.py)", "",
             f"Median of {ROUNDS} draws in one process (fonts loaded once).", "",
             "| title | seconds |", "| --- | ---: |"]
    lines += [f"| {name} | {value:.2f} |" for name, value in figures.items()]
    lines += ["", f"2,000 / 200 characters: {ratio:.2f} (target ≤ {TARGET_RATIO:g}): {verdict}",
              ""]
    return lines


def main() -> None:
    section_cli.run(section, __doc__ or "")


if __name__ == "__main__":
    main()
