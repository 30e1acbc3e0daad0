"""Apple's podcast artwork rules, and the check of a cover image a writer names in show.yml.

Its own module so that validating show.yml (settings) never imports the cover painter (cover),
which itself needs the settings record: that pair used to be an import cycle. Source: Apple's
podcast artwork requirements (square RGB JPEG or PNG, 1400–3000 px).
"""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image

from rtr_audio.errors import Problem
from rtr_audio.files import UnreadableInput, regular_target

MIN_SIDE, MAX_SIDE = 1400, 3000
ALLOWED_FORMATS = ("JPEG", "PNG")
# A 3000² PNG is at most 27 MB uncompressed; anything larger is not a cover.
MAX_COVER_FILE = 40 * 1024 * 1024


def validate_cover(path: Path, line: int | None, settings_path: Path) -> list[Problem]:
    """Problems with a user's cover image, reported against the `cover:` line of show.yml.

    Only a regular file up to MAX_COVER_FILE bytes is opened, and its width and height are read
    from the header and checked before any pixel is decoded: a 12,000² image would otherwise
    take half a gigabyte (and Pillow would print its own warnings).
    """

    def problem(message: str) -> list[Problem]:
        return [Problem(settings_path, line, f"cover: {message}")]

    try:
        target = regular_target(path)
    except UnreadableInput as exc:
        message = exc.problem.message
        return problem(f"image not found: {path}" if message == "not found" else
                       f"{path} {message}")
    if target.stat().st_size > MAX_COVER_FILE:
        return problem(f"{path.name} is {target.stat().st_size / 1024 / 1024:.0f} MiB; a cover "
                       f"is at most {MAX_COVER_FILE // 1024 // 1024} MiB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(target) as img:
                fmt, size, mode = img.format, img.size, img.mode
                width, height = size
                if width != height or not MIN_SIDE <= width <= MAX_SIDE:
                    return problem(f"image is {width}×{height}; Apple needs a square between "
                                   f"{MIN_SIDE} and {MAX_SIDE} px")
                img.load()  # decode fully: a truncated file opens fine but fails later
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        return problem(f"{path.name} is not a readable image ({exc}); use a JPEG or PNG")
    if fmt not in ALLOWED_FORMATS:
        return problem(f"image is {fmt}; Apple needs a JPEG or PNG")
    if mode == "CMYK":
        return problem("image is CMYK; Apple needs RGB (export it as an RGB JPEG or PNG)")
    return []
