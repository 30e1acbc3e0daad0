"""Cover art: validation of a given image, conversion, and the generated calm cover."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from rtr_audio.artwork import validate_cover
from rtr_audio.cover import MAX_BYTES, cover_key, write_cover
from rtr_audio.settings import ShowSettings

SETTINGS = Path("scripts/show.yml")


def make_show(cover: Path | None = None, title: str = "Calm Waters") -> ShowSettings:
    return ShowSettings(path=SETTINGS, title=title, description="A show.", author="A. Writer",
                        cover=cover)


def image_file(tmp_path: Path, name: str, size: tuple[int, int], mode: str = "RGB",
               fmt: str | None = None) -> Path:
    path = tmp_path / name
    colour = (40, 90, 140, 128) if mode == "RGBA" else (40, 90, 140)
    Image.new(mode, size, colour[: len(mode)]).save(path, fmt)
    return path


def read_back(path: Path) -> Image.Image:
    img = Image.open(path)
    img.load()
    return img


# --- the generated cover ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("cover") / "cover.jpg"
    write_cover(make_show(), dest)
    return dest


def test_generated_cover_is_a_3000px_rgb_baseline_jpeg(generated: Path) -> None:
    img = read_back(generated)
    assert (img.format, img.mode, img.size) == ("JPEG", "RGB", (3000, 3000))
    assert not img.info.get("progressive") and not img.info.get("progression")
    assert generated.stat().st_size <= MAX_BYTES


def test_generated_cover_is_not_blank(generated: Path) -> None:
    img = read_back(generated).convert("L").resize((60, 60))
    lo, hi = img.getextrema()
    assert hi - lo > 100  # a gradient, a moon and light text on a dark sky
    # The title sits in the upper half: bright text pixels on the dark blue sky.
    top = read_back(generated).crop((300, 300, 2700, 1500)).convert("L")
    assert top.getextrema()[1] > 230


def test_generated_cover_bytes_are_deterministic(generated: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.jpg"
    write_cover(make_show(), again)
    assert again.read_bytes() == generated.read_bytes()


def test_generated_cover_changes_with_the_title(generated: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.jpg"
    write_cover(make_show(title="Another Show"), other)
    assert other.read_bytes() != generated.read_bytes()


def test_very_long_title_and_unbreakable_word_still_render(tmp_path: Path) -> None:
    title = "A " + "Supercalifragilistic" * 4 + " title " + "and more words " * 12
    dest = tmp_path / "long.jpg"
    write_cover(make_show(title=title), dest)
    assert read_back(dest).size == (3000, 3000)


# --- a given cover ----------------------------------------------------------------------------


def test_given_png_with_alpha_becomes_3000px_rgb_jpeg_over_white(tmp_path: Path) -> None:
    source = image_file(tmp_path, "art.png", (2000, 2000), mode="RGBA")
    dest = tmp_path / "out" / "cover.jpg"
    write_cover(make_show(cover=source), dest)
    img = read_back(dest)
    assert (img.format, img.mode, img.size) == ("JPEG", "RGB", (3000, 3000))
    r, g, b = img.getpixel((1500, 1500))
    # Half-transparent blue over white, not over black.
    assert r > 120 and g > 150 and b > 180


def test_given_palette_png_is_converted(tmp_path: Path) -> None:
    source = image_file(tmp_path, "art.png", (1400, 1400), mode="P")
    dest = tmp_path / "cover.jpg"
    write_cover(make_show(cover=source), dest)
    assert read_back(dest).mode == "RGB"


def test_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    write_cover(make_show(), tmp_path / "cover.jpg")
    assert [p.name for p in tmp_path.iterdir()] == ["cover.jpg"]


# --- validation -------------------------------------------------------------------------------


def test_valid_square_jpeg_and_png_have_no_problems(tmp_path: Path) -> None:
    for name in ("ok.jpg", "ok.png"):
        path = image_file(tmp_path, name, (1400, 1400))
        assert validate_cover(path, 12, SETTINGS) == []


def test_non_square_cover_is_reported_against_the_settings_line(tmp_path: Path) -> None:
    path = image_file(tmp_path, "wide.jpg", (1200, 800))
    [problem] = validate_cover(path, 12, SETTINGS)
    assert (problem.path, problem.line) == (SETTINGS, 12)
    assert problem.message == ("cover: image is 1200×800; Apple needs a square between 1400 "
                               "and 3000 px")


@pytest.mark.parametrize("side", [1000, 3001])
def test_square_outside_apple_sizes_is_reported(tmp_path: Path, side: int) -> None:
    path = image_file(tmp_path, "small.png", (side, side))
    [problem] = validate_cover(path, 3, SETTINGS)
    assert f"{side}×{side}" in problem.message and "1400 and 3000" in problem.message


def test_text_file_named_jpg_is_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "cover.jpg"
    path.write_text("not really a picture\n")
    [problem] = validate_cover(path, 4, SETTINGS)
    assert problem.message.startswith("cover: cover.jpg is not a readable image")


def test_truncated_image_is_reported(tmp_path: Path) -> None:
    path = image_file(tmp_path, "cut.png", (1400, 1400))
    path.write_bytes(path.read_bytes()[:200])
    [problem] = validate_cover(path, 4, SETTINGS)
    assert "not a readable image" in problem.message


def test_missing_cover_is_reported(tmp_path: Path) -> None:
    [problem] = validate_cover(tmp_path / "nowhere.png", 5, SETTINGS)
    assert problem.line == 5 and "not found" in problem.message


def test_other_formats_are_refused(tmp_path: Path) -> None:
    path = image_file(tmp_path, "art.gif", (1400, 1400), fmt="GIF")
    [problem] = validate_cover(path, 6, SETTINGS)
    assert problem.message == "cover: image is GIF; Apple needs a JPEG or PNG"


# --- cache key --------------------------------------------------------------------------------


def test_cover_key_follows_what_changes_the_cover(tmp_path: Path) -> None:
    show = make_show()
    assert cover_key(show) == cover_key(make_show())
    assert cover_key(show) != cover_key(make_show(title="Other"))
    assert cover_key(show) != cover_key(replace(show, author="Someone else"))
    art = image_file(tmp_path, "art.png", (1400, 1400))
    with_art = cover_key(make_show(cover=art))
    assert with_art != cover_key(show)
    Image.new("RGB", (1400, 1400), (200, 10, 10)).save(art)
    assert cover_key(make_show(cover=art)) != with_art


def test_a_horizon_band_equals_blurring_and_compositing_the_whole_image():
    """``_band`` blurs and composites only the rows its curve reaches: it must give exactly
    what the straightforward whole-image version gives."""
    import math

    from PIL import ImageDraw, ImageFilter

    from rtr_audio import painting

    size = painting.SIZE
    base, amplitude, colour, opacity = 0.86 * size, 38, (90, 92, 118), 240
    sky = painting._gradient()
    points = [(x, base - amplitude * math.sin(math.pi * x / size * 1.4 + base / 700))
              for x in range(0, size + 1, 50)]
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).polygon([*points, (size, size), (0, size)], fill=opacity)
    mask = mask.filter(ImageFilter.GaussianBlur(2))
    expected = Image.composite(Image.new("RGB", sky.size, colour), sky, mask)
    assert painting._band(sky.copy(), base, amplitude, colour, opacity).tobytes() == \
        expected.tobytes()
