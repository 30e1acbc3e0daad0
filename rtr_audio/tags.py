"""ID3 tags for episode MP3s: text frames, cover picture and chapters (CHAP + CTOC).

Written as ID3v2.4 (UTF-8 text). The date is v2.4's ``TDRC`` (ISO 8601, ``2026-11-20``): the
v2.3 pair ``TYER`` + ``TDAT`` (``DDMM``) is misread by ExifTool, which takes ``2011`` as
month 20, day 11, and ignored by eyeD3, which shows the year alone. Apple Podcasts, ffmpeg,
ExifTool, eyeD3 and mutagen all read v2.4, and the ID3 chapter addendum covers both versions.

The tag is an ID3v2 header in front of the first MPEG frame; the Xing/LAME "Info" frame that
follows is left untouched, so players still get exact duration and gapless data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TPE1,
    TRCK,
    CTOCFlags,
    Encoding,
    ID3NoHeaderError,
    PictureType,
)

from rtr_audio.model import Chapter
from rtr_audio.notes import plain_text
from rtr_audio.transcript import chapter_spans

ID3_VERSION = 4
TOC_ID = "toc"
NO_OFFSET = 0xFFFFFFFF  # CHAP byte offsets "not used": players seek by time

# ISO 639-1 → ISO 639-2/B, for COMM's three-letter language. "und" (undetermined) otherwise.
_LANGUAGES = {
    "ar": "ara", "bg": "bul", "ca": "cat", "cs": "cze", "cy": "wel", "da": "dan", "de": "ger",
    "el": "gre", "en": "eng", "es": "spa", "et": "est", "eu": "baq", "fa": "per", "fi": "fin",
    "fr": "fre", "ga": "gle", "he": "heb", "hi": "hin", "hr": "hrv", "hu": "hun", "id": "ind",
    "is": "ice", "it": "ita", "ja": "jpn", "ko": "kor", "lt": "lit", "lv": "lav", "ms": "may",
    "nb": "nob", "nl": "dut", "nn": "nno", "no": "nor", "pl": "pol", "pt": "por", "ro": "rum",
    "ru": "rus", "sk": "slo", "sl": "slv", "sr": "srp", "sv": "swe", "sw": "swa", "th": "tha",
    "tr": "tur", "uk": "ukr", "vi": "vie", "zh": "chi",
}


def write_tags(
    mp3: Path,
    *,
    title: str,
    artist: str,
    album: str,
    track: int | None,
    date: dt.date | None,
    description: str,
    cover_jpeg: bytes | None,
    chapters: Sequence[Chapter],
    duration: float,
    language: str,
) -> None:
    """Replace the MP3's ID3v2 tag with these frames (any tag ffmpeg wrote is dropped).

    ``duration`` and chapter starts are in seconds (frames store milliseconds); ``date`` is
    written as ``TDRC``; ``description`` (the notes) goes into COMM as plain text.
    """
    tags = _load(mp3)
    tags.clear()
    tags.add(TIT2(encoding=Encoding.UTF8, text=[title]))
    tags.add(TPE1(encoding=Encoding.UTF8, text=[artist]))
    tags.add(TALB(encoding=Encoding.UTF8, text=[album]))
    tags.add(TCON(encoding=Encoding.UTF8, text=["Podcast"]))
    if track is not None:
        tags.add(TRCK(encoding=Encoding.UTF8, text=[str(track)]))
    if date is not None:
        tags.add(TDRC(encoding=Encoding.UTF8, text=[date.isoformat()]))
    if description:  # plain text: a Markdown link is written "label (url)"
        tags.add(COMM(encoding=Encoding.UTF8, lang=id3_language(language), desc="",
                      text=[plain_text(description)]))
    if cover_jpeg:
        tags.add(APIC(encoding=Encoding.UTF8, mime="image/jpeg", type=PictureType.COVER_FRONT,
                      desc="Cover", data=cover_jpeg))
    for frame in chapter_frames(chapters, duration):
        tags.add(frame)
    tags.save(mp3, v2_version=ID3_VERSION)
    put_chapters_in_time_order(mp3)


def chapter_frames(chapters: Sequence[Chapter], duration: float) -> list[CHAP | CTOC]:
    """One CHAP per chapter (``chp0``…, times in ms, a TIT2 inside) and a top-level CTOC.

    A chapter ends where the next begins and the last at the end of the audio, as in the JSON
    and Podlove chapters. No chapters, no CTOC: an empty table of contents confuses some players.
    """
    spans = chapter_spans(chapters, duration)
    frames: list[CHAP | CTOC] = [
        CHAP(element_id=f"chp{index}", start_time=_ms(chapter.start), end_time=_ms(end),
             start_offset=NO_OFFSET, end_offset=NO_OFFSET,
             sub_frames=[TIT2(encoding=Encoding.UTF8, text=[chapter.title])])
        for index, (chapter, end) in enumerate(spans)
    ]
    if frames:
        frames.append(CTOC(element_id=TOC_ID, flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                           child_element_ids=[f"chp{index}" for index in range(len(spans))],
                           sub_frames=[TIT2(encoding=Encoding.UTF8, text=["Chapters"])]))
    return frames


def put_chapters_in_time_order(mp3: Path) -> None:
    """Reorder the saved tag's CHAP frames by start time, in place; the tag keeps its size.

    mutagen writes frames sorted by their size (quodlibet/mutagen#506), and ffmpeg — so VLC,
    mpv and ffmpeg-based players — lists ID3 chapters in file order, not the CTOC's order.
    Only a v2.3 or v2.4 tag without unsynchronisation or extended header (what mutagen writes)
    is touched; its frame headers are ``id(4) size(4) flags(2)``, the size big-endian in v2.3
    and synchsafe in v2.4.
    """
    with mp3.open("r+b") as file:
        header = file.read(10)
        if header[:3] != b"ID3" or header[3] not in (3, 4) or header[5] & 0xC0:
            return
        body = file.read(_synchsafe(header[6:10]))
        frames = _frames(body, header[3])
        chapters = sorted((f for f in frames if f[:4] == b"CHAP"), key=_chap_start)
        if not chapters:
            return
        first = next(i for i, f in enumerate(frames) if f[:4] == b"CHAP")
        others = [f for f in frames if f[:4] != b"CHAP"]
        ordered = others[:first] + chapters + others[first:]
        file.seek(10)
        file.write(b"".join(ordered))  # same frames, same total length: padding is untouched


def _frames(body: bytes, version: int) -> list[bytes]:
    frames, position = [], 0
    while position + 10 <= len(body) and body[position] != 0:  # a zero byte starts the padding
        raw = body[position + 4:position + 8]
        size = _synchsafe(raw) if version == 4 else int.from_bytes(raw, "big")
        frames.append(body[position:position + 10 + size])
        position += 10 + size
    return frames


def _chap_start(frame: bytes) -> tuple[int, bytes]:
    """CHAP body: element id, NUL, then start time in ms (4 bytes, big-endian)."""
    element_id, _, rest = frame[10:].partition(b"\0")
    return int.from_bytes(rest[:4], "big"), element_id


def _synchsafe(data: bytes) -> int:
    return (data[0] << 21) | (data[1] << 14) | (data[2] << 7) | data[3]


def id3_language(language: str) -> str:
    """``en-us`` → ``eng``: ID3 wants ISO 639-2 codes, show.yml has BCP 47 tags."""
    primary = language.split("-")[0].lower()
    if len(primary) == 3 and primary.isalpha():
        return primary
    return _LANGUAGES.get(primary, "und")


def _load(mp3: Path) -> ID3:
    try:
        return ID3(mp3)
    except ID3NoHeaderError:
        return ID3()


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))
