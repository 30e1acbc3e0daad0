"""The generated cover: a quiet dusk (gradient sky, a soft low moon, gentle horizon lines) with
the show's title and author, 3000 × 3000 px (``cover.SIZE``), drawn with Pillow.

The fonts are the first found of the candidate lists below; since the font found changes the
drawing, ``cover.cover_key`` includes it and the up-to-date stamp watches the candidates.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from rtr_audio.settings import ShowSettings

SIZE = 3000
EDGE_MARGIN = 16  # px around a blurred edge: well beyond the reach of a radius-2 blur

# Dusk to warm sand, top to bottom: (position 0..1, RGB).
SKY: tuple[tuple[float, tuple[int, int, int]], ...] = (
    (0.00, (30, 44, 72)),
    (0.42, (63, 82, 117)),
    (0.68, (146, 134, 150)),
    (0.82, (214, 178, 152)),
    (1.00, (236, 214, 184)),
)
MAX_TITLE_PX, MIN_TITLE_PX = 340, 120
# Five lines of 120 px serif across 78 % of the cover hold about 200 characters.
MAX_TITLE_CHARS = 200
INK = (250, 246, 238)  # title colour: warm white, clearly legible on the dusk blues
SOFT_INK = (222, 226, 236)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
TITLE_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Georgia.ttf",
    "C:/Windows/Fonts/georgia.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
AUTHOR_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "C:/Windows/Fonts/arial.ttf",
)



def generate_cover(show: ShowSettings) -> Image.Image:
    """A quiet dusk: gradient sky, a soft low moon, gentle horizon lines, the title, the author."""
    img = _gradient()
    img = _glow(img, centre=(SIZE * 0.5, SIZE * 0.735), radius=SIZE * 0.095)
    img = _horizon(img)
    _draw_text(img, _shortened(show.title, MAX_TITLE_CHARS), _shortened(show.author, 200))
    return img


def _shortened(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a space with an ellipsis: more never fits on the
    cover, and fitting (wrap, balance, try each size) grows with the length of the text."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:–—-") + "…"


def _gradient() -> Image.Image:
    # One column of colours stretched sideways: fast, and smooth enough at 3000 px.
    column = Image.new("RGB", (1, SIZE))
    column.putdata([_sky_at(y / (SIZE - 1)) for y in range(SIZE)])
    return column.resize((SIZE, SIZE), Image.Resampling.NEAREST)


def _sky_at(t: float) -> tuple[int, int, int]:
    for (t0, c0), (t1, c1) in pairwise(SKY):
        if t <= t1:
            f = (t - t0) / (t1 - t0)
            f = f * f * (3 - 2 * f)  # smoothstep: no visible seams between colour stops
            r, g, b = (round(a + (b - a) * f) for a, b in zip(c0, c1, strict=True))
            return r, g, b
    return SKY[-1][1]


def _glow(img: Image.Image, centre: tuple[float, float], radius: float) -> Image.Image:
    """A pale disc with a wide halo, blurred at low resolution for softness and speed."""
    scale = 4
    small = SIZE // scale
    mask = Image.new("L", (small, small), 0)
    draw = ImageDraw.Draw(mask)
    cx, cy, r = centre[0] / scale, centre[1] / scale, radius / scale
    draw.ellipse((cx - r * 2.2, cy - r * 2.2, cx + r * 2.2, cy + r * 2.2), fill=40)
    halo = mask.filter(ImageFilter.GaussianBlur(r * 0.9))
    disc = Image.new("L", (small, small), 0)
    ImageDraw.Draw(disc).ellipse((cx - r, cy - r, cx + r, cy + r), fill=170)
    disc = disc.filter(ImageFilter.GaussianBlur(r * 0.03))
    alpha = ImageChops.add(halo, disc).resize((SIZE, SIZE), Image.Resampling.BICUBIC)
    light = Image.new("RGB", (SIZE, SIZE), (255, 240, 222))
    return Image.composite(light, img, alpha)


def _horizon(img: Image.Image) -> Image.Image:
    """Three low, gently curving bands, each a little darker: a calm landscape, not a scene."""
    layers = (
        (0.79, 46, (126, 116, 134), 235),
        (0.86, 38, (90, 92, 118), 240),
        (0.93, 30, (58, 66, 96), 245),
    )
    for base, amplitude, colour, opacity in layers:
        img = _band(img, base * SIZE, amplitude, colour, opacity)
    return img


def _band(img: Image.Image, base: float, amplitude: float, colour: tuple[int, int, int],
          opacity: int) -> Image.Image:
    """A filled curve with a softened edge, composited over the rows from the curve down.

    Only the rows the curve crosses are blurred: above them the mask is 0 and below them
    ``opacity``, which a blur leaves as they are. The result is the same as blurring and
    compositing the whole image, for a fifth of the work.
    """
    points = [(x, base - amplitude * math.sin(math.pi * x / SIZE * 1.4 + base / 700))
              for x in range(0, SIZE + 1, 50)]
    top = max(0, math.floor(min(y for _x, y in points)) - EDGE_MARGIN)
    edge_end = math.ceil(max(y for _x, y in points)) + EDGE_MARGIN - top
    mask = Image.new("L", (SIZE, SIZE - top), 0)
    outline = [(x, y - top) for x, y in points]
    ImageDraw.Draw(mask).polygon([*outline, (SIZE, SIZE - top), (0, SIZE - top)], fill=opacity)
    mask.paste(mask.crop((0, 0, SIZE, edge_end)).filter(ImageFilter.GaussianBlur(2)), (0, 0))
    lower = img.crop((0, top, SIZE, SIZE))
    img.paste(Image.composite(Image.new("RGB", lower.size, colour), lower, mask), (0, top))
    return img


def _draw_text(img: Image.Image, title: str, author: str) -> None:
    """Title, a short rule and the author, centred together in the sky above the moon."""
    draw = ImageDraw.Draw(img)
    width = SIZE * 0.78
    font, lines = _fit_title(draw, title, width)
    block, spacing = "\n".join(lines), round(_font_size(font) * 0.28)
    small = _load_font(AUTHOR_FONTS, "sans", 110)
    byline = _byline(draw, author, small, width)
    box = draw.multiline_textbbox((0, 0), block, font=font, anchor="la", spacing=spacing)
    rule_gap, author_gap = 110, 90
    height = box[3] + rule_gap + author_gap + 110
    top = max(SIZE * 0.08, SIZE * 0.33 - height / 2)
    draw.multiline_text((SIZE / 2, top), block, font=font, fill=INK, anchor="ma",
                        align="center", spacing=spacing)
    rule_y = top + box[3] + rule_gap
    draw.line((SIZE / 2 - 120, rule_y, SIZE / 2 + 120, rule_y), fill=SOFT_INK, width=6)
    draw.text((SIZE / 2, rule_y + author_gap), byline, font=small, fill=SOFT_INK, anchor="ma")


def _byline(draw: ImageDraw.ImageDraw, author: str, font: Font, width: float) -> str:
    lines = _wrap(draw, author, font, width)
    return lines[0] if len(lines) == 1 else lines[0].rstrip(" ,;") + "…"


def _fit_title(draw: ImageDraw.ImageDraw, title: str, width: float) -> tuple[Font, list[str]]:
    """The largest size at which the title wraps into at most five balanced lines."""
    for size in range(MAX_TITLE_PX, MIN_TITLE_PX - 1, -10):
        font = _load_font(TITLE_FONTS, "serif", size)
        lines = _balanced(draw, title, font, width)
        if len(lines) <= _max_lines(size) and all(_width(draw, ln, font) <= width
                                                  for ln in lines):
            return font, lines
    # Absurdly long titles: smallest size, every word kept (it may run into the moon).
    font = _load_font(TITLE_FONTS, "serif", MIN_TITLE_PX)
    return font, _balanced(draw, title, font, width)


def _max_lines(size: int) -> int:
    # Big type gets fewer lines, so the text block never fills the whole sky.
    return 3 if size > 260 else 5


def _balanced(draw: ImageDraw.ImageDraw, text: str, font: Font, width: float) -> list[str]:
    """Greedy wrap, then narrow the measure while the line count holds: even, calm lines."""
    lines = _wrap(draw, text, font, width)
    lo, hi = width * 0.4, width
    while hi - lo > 8:
        mid = (lo + hi) / 2
        if len(_wrap(draw, text, font, mid)) == len(lines):
            hi = mid
        else:
            lo = mid
    return _wrap(draw, text, font, hi)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Font, width: float) -> list[str]:
    lines: list[str] = []
    for word in _words(text):
        if lines and _width(draw, f"{lines[-1]} {word}", font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.extend(_split_long(draw, word, font, width))
    return lines or [""]


def _words(text: str) -> list[str]:
    """Words, with a free-standing dash kept on the previous line (a line never starts with one)."""
    words: list[str] = []
    for token in text.split():
        if words and token in ("–", "—", "-", "·", "|"):
            words[-1] = f"{words[-1]}\u00a0{token}"
        else:
            words.append(token)
    return words


def _split_long(draw: ImageDraw.ImageDraw, word: str, font: Font, width: float) -> list[str]:
    # A word wider than the cover (a URL, a long compound) is broken by characters.
    parts = [""]
    for char in word:
        if parts[-1] and _width(draw, parts[-1] + char, font) > width:
            parts.append("")
        parts[-1] += char
    return parts


def _width(draw: ImageDraw.ImageDraw, text: str, font: Font) -> float:
    return draw.textlength(text, font=font)


def _font_size(font: Font) -> int:
    return int(getattr(font, "size", 100))


def _load_font(candidates: Sequence[str], family: str, size: int) -> Font:
    source = font_source(candidates, family)
    if source:
        return ImageFont.truetype(source, size)
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=8)
def font_source(candidates: Sequence[str], family: str) -> str | None:
    """First TrueType file found: known paths, then fontconfig; None means Pillow's own font."""
    for candidate in candidates:
        if Path(candidate).is_file():
            return candidate
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True,
                               text=True, check=False, timeout=10).stdout.strip()
        if found.lower().endswith((".ttf", ".otf")) and Path(found).is_file():
            return found
    return None
