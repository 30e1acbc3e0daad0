"""Apple's podcast artwork rules, and the check of a cover image a writer names in show.yml.

Its own module so that validating show.yml (settings) never imports the cover painter (cover),
which itself needs the settings record: that pair used to be an import cycle. Source: Apple's
podcast artwork requirements (square RGB JPEG or PNG, 1400–3000 px).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from rtr_audio.errors import Problem

MIN_SIDE, MAX_SIDE = 1400, 3000
ALLOWED_FORMATS = ("JPEG", "PNG")


def validate_cover(path: Path, line: int | None, settings_path: Path) -> list[Problem]:
    """Problems with a user's cover image, reported against the `cover:` line of show.yml."""

    def problem(message: str) -> list[Problem]:
        return [Problem(settings_path, line, f"cover: {message}")]

    if not path.is_file():
        return problem(f"image not found: {path}")
    try:
        with Image.open(path) as img:
            fmt, size, mode = img.format, img.size, img.mode
            img.load()  # decode fully: a truncated file opens fine but fails later
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        return problem(f"{path.name} is not a readable image ({exc}); use a JPEG or PNG")
    if fmt not in ALLOWED_FORMATS:
        return problem(f"image is {fmt}; Apple needs a JPEG or PNG")
    if mode == "CMYK":
        return problem("image is CMYK; Apple needs RGB (export it as an RGB JPEG or PNG)")
    width, height = size
    if width != height or not MIN_SIDE <= width <= MAX_SIDE:
        return problem(f"image is {width}×{height}; Apple needs a square between "
                       f"{MIN_SIDE} and {MAX_SIDE} px")
    return []
