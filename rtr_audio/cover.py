"""Cover art: convert a given cover (checked by ``artwork``), or paint a calm one (``painting``)
when none is given; publish it, and draw it in a process of its own during a build.

Apple Podcasts wants a square RGB JPEG or PNG between 1400 and 3000 px; we always publish a
3000×3000 RGB JPEG so every app gets the sharpest image it can use.
"""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path

from PIL import Image, ImageCms, ImageOps

from rtr_audio.errors import RtrError
from rtr_audio.files import atomic_write
from rtr_audio.layout import COVER, Layout
from rtr_audio.painting import AUTHOR_FONTS, SIZE, TITLE_FONTS, font_source, generate_cover
from rtr_audio.processes import sigint_ignored
from rtr_audio.settings import ShowSettings

# Bump when the drawing or encoding changes, so cached covers are rewritten.
COVER_VERSION = "1"
ID3_COVER_PX = 1400  # embedded art: Apple's minimum; the 3000 px cover is in the feed
MAX_BYTES = 512 * 1024  # Apple's historical limit; some directories still enforce it
QUALITIES = (88, 84, 80, 75, 70, 65, 60)  # tried in order until the file fits MAX_BYTES


# --- cache key --------------------------------------------------------------------------------


def cover_key(show: ShowSettings) -> str:
    """Hash of all that decides the cover's bytes, so an unchanged cover is not rewritten."""
    source: dict[str, str | list[str | None]]
    if show.cover is not None:
        source = {"file": hashlib.sha256(show.cover.read_bytes()).hexdigest()}
    else:
        # The fonts found on this machine change the drawing, so they are part of the key.
        source = {"title": show.title, "author": show.author,
                  "fonts": [font_source(TITLE_FONTS, "serif"),
                            font_source(AUTHOR_FONTS, "sans")]}
    blob = json.dumps({"version": COVER_VERSION, "pillow": Image.__version__, **source},
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def version_files(show: ShowSettings) -> list[Path]:
    """Files whose change would change the cover (for the up-to-date test): the given image, or
    the font candidates up to the one used, as one installed earlier in the list would win."""
    if show.cover is not None:
        return [show.cover]
    found: list[Path] = []
    for candidates, family in ((TITLE_FONTS, "serif"), (AUTHOR_FONTS, "sans")):
        source = font_source(candidates, family)
        for candidate in candidates:
            found.append(Path(candidate))
            if candidate == source:
                break
        if source is not None and source not in candidates:
            found.append(Path(source))
    return found


# --- writing ----------------------------------------------------------------------------------


def write_cover(show: ShowSettings, dest: Path) -> Image.Image:
    """Write ``dest`` as a 3000×3000 RGB JPEG: the given cover converted, or a generated one."""
    img = _convert_given(show.cover) if show.cover is not None else generate_cover(show)
    # Atomic: a build interrupted mid-write must not leave half a cover behind the feed.
    atomic_write(dest, encode_jpeg(img), durable=True)
    return img


# --- in a build: drawn alongside rendering ----------------------------------------------------


def is_current(out: Path, key: str, drawn: str | None, published_intact: bool) -> bool:
    """Whether the cover of ``out`` is the one whose ``cover_key`` is ``key``, given the key of
    the cover last drawn there (``drawn``, from the build state) and whether the published
    cover is as published (``published_intact``, from the record): a damaged cover.jpg is
    drawn again, as is a damaged ID3 copy (never embedded into every episode)."""
    paths = Layout(out)
    there = published_intact or paths.staged(COVER).is_file()
    return drawn == key and there and _id3_cover(out) is not None


def _id3_cover(out: Path) -> bytes | None:
    """The cached ID3 cover, if it is a whole JPEG of the right size (a truncated one is not)."""
    try:
        data = Layout(out).cover_id3.read_bytes()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            whole = img.format == "JPEG" and img.size == (ID3_COVER_PX, ID3_COVER_PX)
    except (OSError, ValueError, SyntaxError):
        return None
    return data if whole else None


def publish_cover(show: ShowSettings, out: Path) -> bytes:
    """cover.jpg, staged for the publishing step (``Layout.staged``), and the smaller JPEG
    embedded in every episode (returned). Nothing published changes here."""
    paths = Layout(out)
    img = write_cover(show, paths.staged(COVER))
    small = img.resize((ID3_COVER_PX, ID3_COVER_PX), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=85)
    atomic_write(paths.cover_id3, buffer.getvalue())
    return buffer.getvalue()


class CoverJob:
    """cover.jpg and its ID3 copy, drawn in a process of its own while the clips are spoken.

    Drawing the 3000 px cover takes a few tenths of a second of CPU and ~170 MB at its peak.
    In its own process, which imports only this module, it runs alongside rendering instead
    of before mastering, and the build process's memory never holds it. An up-to-date cover
    costs no process at all.
    """

    def __init__(self, show: ShowSettings, out: Path, drawn: str | None,
                 published_intact: bool = False):
        """``drawn``: the ``cover_key`` of the cover last drawn in ``out`` (None: none);
        ``published_intact``: whether the published cover.jpg is as it was published."""
        self.data: bytes | None = None
        self.process: multiprocessing.process.BaseProcess | None = None
        self.key = cover_key(show)
        if is_current(out, self.key, drawn, published_intact):
            self.data = _id3_cover(out)
            return
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe(duplex=False)
        self.process = context.Process(target=_cover_process, args=(child, show, out),
                                       daemon=True)
        with sigint_ignored():  # the build stops this process itself
            self.process.start()
        child.close()

    def done(self) -> bool:
        return self.data is not None or self.conn.poll()

    def result(self) -> bytes:
        if self.data is None:
            try:
                ok, value = self.conn.recv()
            except (EOFError, OSError):
                ok, value = False, RtrError("the process drawing the cover died")
            self.stop()
            if not ok:
                raise value
            self.data = value
        return self.data

    def stop(self) -> None:
        if self.process is not None:
            if self.process.is_alive() and self.data is None:
                self.process.kill()
            self.process.join()
            self.process = None


def _cover_process(conn: Connection, show: ShowSettings, out: Path) -> None:
    try:
        conn.send((True, publish_cover(show, out)))
    except Exception as exc:
        try:
            conn.send((False, exc))
        except Exception:  # an exception that does not pickle: its message will do
            conn.send((False, RtrError(f"{type(exc).__name__}: {exc}")))


def encode_jpeg(img: Image.Image) -> bytes:
    """Baseline JPEG (progressive trips some old podcast apps), as good as fits MAX_BYTES."""
    data = b""
    for quality in QUALITIES:
        out = io.BytesIO()
        img.save(out, "JPEG", quality=quality, optimize=True, progressive=False)
        data = out.getvalue()
        if len(data) <= MAX_BYTES:
            break
    return data


def _convert_given(path: Path) -> Image.Image:
    with Image.open(path) as opened:
        icc = opened.info.get("icc_profile")
        img = ImageOps.exif_transpose(opened)  # phone photos are often stored rotated
        img = _to_srgb(_flatten(img), icc)
    side = min(img.size)
    if img.width != img.height:  # validation reports this; still publish something square
        img = ImageOps.fit(img, (side, side), Image.Resampling.LANCZOS)
    if side != SIZE:
        img = img.resize((SIZE, SIZE), Image.Resampling.LANCZOS)
    return img


def _to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """Wide-gamut covers (Display P3 from phones) would look washed out untagged: convert them."""
    if not icc:
        return img
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        srgb = ImageCms.createProfile("sRGB")
        return ImageCms.profileToProfile(img, source, srgb, outputMode="RGB") or img
    except (ImageCms.PyCMSError, OSError, ValueError):
        return img  # an unreadable profile: keep the pixels as they are


def _flatten(img: Image.Image) -> Image.Image:
    """RGB over white: JPEG has no alpha and a black background would look broken."""
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")
