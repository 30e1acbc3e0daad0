"""Durations as writers type them: ``5s``, ``2.5s``, ``800ms``, or a bare number of seconds."""

from __future__ import annotations

import re

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds?)?\s*$", re.IGNORECASE)

# A pause longer than this is almost certainly a typo (5000s for 5s) and would make a dead episode.
MAX_PAUSE_SECONDS = 600.0


def parse_duration(value: object) -> float:
    """Seconds from ``5s``/``800ms``/``2``; raises ValueError with a reason a writer understands."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration like 2s or 800ms, got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = str(value)
        match = _DURATION.match(text)
        if not match:
            if text.strip().startswith("-"):
                raise ValueError(f"a duration cannot be negative: {text.strip()!r}")
            raise ValueError(f"expected a duration like 2s, 2.5s or 800ms, got {text.strip()!r}")
        number, unit = float(match.group(1)), (match.group(2) or "s").lower()
        seconds = number / 1000 if unit == "ms" else number
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative: {value!r}")
    if seconds > MAX_PAUSE_SECONDS:
        raise ValueError(f"{seconds:g}s is longer than the {MAX_PAUSE_SECONDS:g}s limit")
    return seconds
