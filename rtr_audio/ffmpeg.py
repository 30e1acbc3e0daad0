"""Finding the ffmpeg program, for every stage that runs it (bed decoding, mastering).

Its own module, below both ``bed`` and ``master``, so neither has to import the other for it.
"""

from __future__ import annotations

import shutil

from rtr_audio.errors import ToolMissing

FFMPEG_HINT = ("ffmpeg is not installed: run `make build` (installs it), or "
               "`sudo apt-get install ffmpeg` (macOS: `brew install ffmpeg`)")


def require_ffmpeg() -> str:
    """The path of ``ffmpeg`` on PATH. Raises ToolMissing (one line, how to install it)."""
    found = shutil.which("ffmpeg")
    if not found:
        raise ToolMissing(FFMPEG_HINT)
    return found
