"""Finding the ffmpeg program, for every stage that runs it (bed decoding, mastering).

Its own module, below both ``bed`` and ``master``, so neither has to import the other for it.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from typing import IO

from rtr_audio.errors import ToolMissing

FFMPEG_HINT = ("ffmpeg is not installed: run `make build` (installs it), or "
               "`sudo apt-get install ffmpeg` (macOS: `brew install ffmpeg`)")


def require_ffmpeg() -> str:
    """The path of ``ffmpeg`` on PATH. Raises ToolMissing (one line, how to install it)."""
    found = shutil.which("ffmpeg")
    if not found:
        raise ToolMissing(FFMPEG_HINT)
    return found


def feed(command: list[str], chunks: Iterable[bytes], stdout: IO[bytes] | None = None
         ) -> tuple[int, str]:
    """Run ``command`` (an ffmpeg reading ``pipe:0``), write ``chunks`` to its stdin and wait.

    Returns its exit status and the last line of its stderr ("" when it said nothing). An
    ffmpeg that stops reading early (BrokenPipeError) is left to say why through its status;
    any other exception while feeding kills it and is raised.
    """
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=stdout,
                          stderr=subprocess.PIPE) as process:
        assert process.stdin is not None
        try:
            for chunk in chunks:
                process.stdin.write(chunk)
            process.stdin.close()
        except BrokenPipeError:
            pass
        except BaseException:
            process.kill()
            raise
        errors = process.stderr.read().decode(errors="replace") if process.stderr else ""
        process.wait()
    lines = errors.strip().splitlines()
    return process.returncode, lines[-1] if lines else ""
