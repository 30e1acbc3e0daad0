"""ID3 tags on a real ffmpeg-encoded MP3, read back by mutagen and by ffprobe."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from mutagen.id3 import ID3, CTOCFlags, PictureType
from mutagen.mp3 import MP3
from PIL import Image

from rtr_audio.model import Chapter
from rtr_audio.tags import id3_language, write_tags

pytestmark = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None, reason="needs ffmpeg"
)

CHAPTERS = [Chapter(0.0, "Arriving"), Chapter(1.5, "Breathing & <resting>"),
            Chapter(3.25, "Café 🌿")]


@pytest.fixture(scope="module")
def encoded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mp3") / "sine.mp3"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=f=440:d=5", "-ac", "1",
         "-ar", "44100", "-b:a", "64k", "-codec:a", "libmp3lame", str(path)],
        check=True,
    )
    return path


@pytest.fixture
def cover() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (40, 90, 120)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def tagged(tmp_path: Path, encoded: Path, cover: bytes) -> Path:
    path = tmp_path / "episode.mp3"
    shutil.copy(encoded, path)
    tag(path, cover)
    return path


def tag(path: Path, cover: bytes | None, title: str = "Finding Safety 🌿") -> None:
    write_tags(path, title=title, artist="Anne Author", album="Healing & Repair", track=3,
               date=dt.date(2026, 11, 20), description="A short grounding practice.",
               cover_jpeg=cover, chapters=CHAPTERS, duration=5.0, language="en-us")


def audio_part(path: Path) -> bytes:
    """The file after its ID3v2 tag (size from the header's synchsafe integer)."""
    data = path.read_bytes()
    if data[:3] != b"ID3":
        return data
    size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
    footer = 10 if data[5] & 0x10 else 0
    return data[10 + size + footer:]


def ffprobe(path: Path, *args: str) -> dict:
    result = subprocess.run(["ffprobe", "-v", "error", *args, "-of", "json", str(path)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_text_frames_read_back(tagged: Path) -> None:
    tags = ID3(tagged)
    assert tags.version == (2, 4, 0)
    assert tags["TIT2"].text == ["Finding Safety 🌿"]
    assert tags["TPE1"].text == ["Anne Author"]
    assert tags["TALB"].text == ["Healing & Repair"]
    assert tags["TRCK"].text == ["3"]
    assert tags["TCON"].text == ["Podcast"]
    assert str(tags["TDRC"].text[0]) == "2026-11-20"
    comments = tags.getall("COMM")
    assert [(c.lang, c.text) for c in comments] == [("eng", ["A short grounding practice."])]


def test_date_is_stored_as_one_v24_tdrc_frame(tagged: Path) -> None:
    raw = ID3(tagged, translate=False)
    assert str(raw["TDRC"].text[0]) == "2026-11-20"
    assert "TYER" not in raw and "TDAT" not in raw  # ExifTool reads TDAT's DDMM as MMDD


@pytest.mark.skipif(shutil.which("exiftool") is None,
                    reason="needs exiftool (apt-get install libimage-exiftool-perl)")
def test_exiftool_reads_the_date_right(tagged: Path) -> None:
    result = subprocess.run(["exiftool", "-j", "-G1", "-ID3:all", "-Composite:all", str(tagged)],
                            capture_output=True, text=True, check=True)
    (info,) = json.loads(result.stdout)
    assert info["ID3v2_4:RecordingTime"] == "2026:11:20"
    assert info["Composite:DateTimeOriginal"] == "2026:11:20"
    assert "ExifTool:Warning" not in info


def test_eyed3_reads_the_date_right(tagged: Path) -> None:
    eyed3 = pytest.importorskip("eyed3")
    audio = eyed3.load(str(tagged))
    assert audio is not None and audio.tag is not None
    assert audio.tag.version == (2, 4, 0)
    assert str(audio.tag.recording_date) == "2026-11-20"
    assert audio.tag.title == "Finding Safety 🌿"


def test_comment_is_plain_text(tmp_path: Path, encoded: Path) -> None:
    path = tmp_path / "linked.mp3"
    shutil.copy(encoded, path)
    write_tags(path, title="T", artist="A", album="B", track=None, date=None,
               description="Help: [find a helpline](https://findahelpline.com).", cover_jpeg=None,
               chapters=[], duration=5.0, language="en")
    (comment,) = ID3(path).getall("COMM")
    assert comment.text == ["Help: find a helpline (https://findahelpline.com)."]


def test_cover_is_a_front_cover_jpeg(tagged: Path, cover: bytes) -> None:
    (picture,) = ID3(tagged).getall("APIC")
    assert picture.mime == "image/jpeg"
    assert picture.type == PictureType.COVER_FRONT
    assert picture.data == cover


def test_chap_frames_and_ordered_top_level_ctoc(tagged: Path) -> None:
    tags = ID3(tagged)
    (toc,) = tags.getall("CTOC")
    assert toc.element_id == "toc"
    assert toc.flags == CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    assert toc.child_element_ids == ["chp0", "chp1", "chp2"]
    assert toc.sub_frames["TIT2"].text == ["Chapters"]
    chapters = [tags[f"CHAP:{cid}"] for cid in toc.child_element_ids]
    assert [(c.start_time, c.end_time) for c in chapters] == [(0, 1500), (1500, 3250),
                                                               (3250, 5000)]
    assert [c.sub_frames["TIT2"].text[0] for c in chapters] == [c.title for c in CHAPTERS]


def test_ffprobe_reads_chapters_and_tags(tagged: Path) -> None:
    info = ffprobe(tagged, "-show_chapters", "-show_format")
    chapters = info["chapters"]
    assert [c["tags"]["title"] for c in chapters] == [c.title for c in CHAPTERS]
    assert [float(c["start_time"]) for c in chapters] == [0.0, 1.5, 3.25]
    assert float(chapters[-1]["end_time"]) == 5.0
    tags = info["format"]["tags"]
    assert tags["title"] == "Finding Safety 🌿"
    assert tags["album"] == "Healing & Repair"
    assert tags["date"] == "2026-11-20"


def test_audio_and_lame_header_untouched(encoded: Path, tagged: Path) -> None:
    assert audio_part(tagged) == audio_part(encoded)
    first_frame = audio_part(tagged)[:200]
    assert first_frame[:2] == b"\xff\xfb"  # MPEG-1 layer III sync
    assert b"Info" in first_frame or b"Xing" in first_frame  # the frame players get length from
    info = MP3(tagged).info
    assert info.sketchy is False
    assert info.length == pytest.approx(5.0, abs=0.1)
    duration = float(ffprobe(tagged, "-show_format")["format"]["duration"])
    assert duration == pytest.approx(5.0, abs=0.1)


def test_retagging_replaces_every_frame(tagged: Path, cover: bytes) -> None:
    tag(tagged, cover, title="Renamed")
    tags = ID3(tagged)
    assert tags.getall("TIT2") == [tags["TIT2"]] and tags["TIT2"].text == ["Renamed"]
    assert len(tags.getall("APIC")) == 1 and len(tags.getall("CHAP")) == 3
    assert len(tags.getall("CTOC")) == 1


def test_no_chapters_no_toc_and_no_optional_frames(tmp_path: Path, encoded: Path) -> None:
    path = tmp_path / "bare.mp3"
    shutil.copy(encoded, path)
    write_tags(path, title="T", artist="A", album="B", track=None, date=None, description="",
               cover_jpeg=None, chapters=[], duration=5.0, language="en-us")
    tags = ID3(path)
    assert not tags.getall("CTOC") and not tags.getall("CHAP") and not tags.getall("APIC")
    assert "TRCK" not in tags and "TDRC" not in tags and not tags.getall("COMM")
    assert not ffprobe(path, "-show_chapters").get("chapters")


def test_untagged_file_gets_a_tag(tmp_path: Path, encoded: Path) -> None:
    path = tmp_path / "plain.mp3"
    path.write_bytes(audio_part(encoded))
    tag(path, None)
    assert ID3(path)["TIT2"].text == ["Finding Safety 🌿"]
    assert audio_part(path) == audio_part(encoded)


@pytest.mark.parametrize(("bcp47", "iso639_2"),
                         [("en-us", "eng"), ("fr", "fre"), ("de-AT", "ger"), ("haw", "haw"),
                          ("xx", "und")])
def test_id3_language_codes(bcp47: str, iso639_2: str) -> None:
    assert id3_language(bcp47) == iso639_2


def test_chapters_are_stored_in_time_order(tmp_path: Path, encoded: Path) -> None:
    # Varied title lengths and more than ten chapters: mutagen alone would write them sorted by
    # frame size, and ffmpeg-based players list ID3 chapters in file order.
    path = tmp_path / "many.mp3"
    shutil.copy(encoded, path)
    chapters = [Chapter(i * 0.4, "x" * (20 - i)) for i in range(12)]
    write_tags(path, title="T", artist="A", album="B", track=None, date=None, description="",
               cover_jpeg=None, chapters=chapters, duration=5.0, language="en")
    in_file = re.findall(rb"CHAP.{6}(chp\d+)\0", path.read_bytes(), flags=re.DOTALL)
    assert in_file == [f"chp{i}".encode() for i in range(12)]
    probed = ffprobe(path, "-show_chapters")["chapters"]
    assert [float(c["start_time"]) for c in probed] == pytest.approx([c.start for c in chapters])
    assert [c["tags"]["title"] for c in probed] == [c.title for c in chapters]
    assert audio_part(path) == audio_part(encoded)
    assert ID3(path)["CTOC:toc"].child_element_ids == [f"chp{i}" for i in range(12)]
