"""Which folders ``clean`` refuses: one rtr-audio did not make (``--out ~/notes``, ``--out
scripts``), the root and the home folder. Nothing in a refused folder is touched; in one
rtr-audio made, ``build.retention.clean`` removes only what rtr-audio put there.
"""

from __future__ import annotations

import os
from pathlib import Path

from rtr_audio.layout import CACHE

# What marks a folder as rtr-audio's output: its .cache holds one of these (the build state,
# the up-to-date stamp, the clip cache; earlier versions' episode records).
_CACHE_MARKS = ("state.json", "uptodate.json", "clips", "published.json", "episodes",
                "dates.json")


def made_by_us(out: Path) -> bool:
    """Whether ``out`` looks like an output folder rtr-audio made (a real ``.cache`` folder,
    not a link, holding one of its records)."""
    cache = out / CACHE
    return cache.is_dir() and not cache.is_symlink() and any(
        os.path.lexists(cache / mark) for mark in _CACHE_MARKS)


def refusal(out: Path) -> str | None:
    """Why ``out`` must not be cleaned, or None."""
    if not out.is_dir():
        return f"{out} is not a folder"
    resolved = out.resolve()
    if resolved == Path(resolved.anchor):
        return f"{out} is the root folder; nothing was removed"
    if resolved == Path.home().resolve():
        return f"{out} is your home folder; nothing was removed"
    if not made_by_us(out):
        return (f"{out} was not made by rtr-audio (it has no {CACHE}/ with a build record); "
                "nothing was removed")
    return None
