"""Durations as writers type them: ``5s``, ``2.5s``, ``800ms``, or a bare number of seconds."""

from __future__ import annotations

import re

from rtr_audio.errors import shown

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds?)?\s*$", re.IGNORECASE)

# A pause longer than this is almost certainly a typo (5000s for 5s) and would make a dead episode.
MAX_PAUSE_SECONDS = 600.0


def parse_duration(value: object) -> float:
    """Seconds from ``5s``/``800ms``/``2``; raises ValueError with a reason a writer understands."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration like 2s or 800ms, got {shown(value)}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        # str() of a list or mapping would print all of it: only text is matched.
        text = value if isinstance(value, str) else ""
        match = _DURATION.match(text) if len(text) < 100 else None
        if not match:
            if text.strip().startswith("-"):
                raise ValueError(f"a duration cannot be negative: {shown(text.strip())}")
            raise ValueError(f"expected a duration like 2s, 2.5s or 800ms, got "
                             f"{shown(text.strip() if text else value)}")
        number, unit = float(match.group(1)), (match.group(2) or "s").lower()
        seconds = number / 1000 if unit == "ms" else number
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative: {shown(value)}")
    if seconds > MAX_PAUSE_SECONDS:
        raise ValueError(f"{seconds:g}s is longer than the {MAX_PAUSE_SECONDS:g}s limit")
    return seconds
