"""Transcripts and JSON chapters, read back with independent readers: the ``webvtt-py`` and
``srt`` packages, and ffmpeg (never with rtr_audio's own code)."""

from __future__ import annotations

import itertools
import json
import subprocess
from pathlib import Path

import pytest
import srt
import webvtt

from rtr_audio.model import Chapter, Cue
from rtr_audio.transcript import (
    MAX_CUE_CHARS,
    caption_cues,
    chapters_json,
    clock,
    split_cue,
    to_srt,
    to_vtt,
)

LONG = ("When you notice your breath, let it be exactly as it is, without changing it, "
        "and let your shoulders soften a little as the air leaves your body, slowly, "
        "in its own time, with nothing to fix and nowhere else to be.")


def read_vtt(text: str) -> list[tuple[str, float, float, str]]:
    """(identifier, start s, end s, text) per cue, as webvtt-py reads the file."""
    def seconds(t: webvtt.models.Timestamp) -> float:
        # webvtt-py 0.6's start_in_seconds drops the milliseconds: use the parts.
        return t.hours * 3600 + t.minutes * 60 + t.seconds + t.milliseconds / 1000

    return [(c.identifier, seconds(c.start_time), seconds(c.end_time), c.text)
            for c in webvtt.from_string(text)]


def read_srt(text: str) -> list[tuple[str, float, float, str]]:
    """(index, start s, end s, text) per subtitle, as the ``srt`` package reads the file."""
    return [(str(s.index), s.start.total_seconds(), s.end.total_seconds(), s.content)
            for s in srt.parse(text, ignore_errors=False)]


@pytest.fixture
def cues() -> list[Cue]:
    return [
        Cue(0.5, 2.25, "Welcome."),
        Cue(2.9, 4.0, "Fish & chips <b>bold</b> --> arrows."),
        Cue(5.0, 31.0, LONG),
        Cue(31.5, 33.0, "Last   one,\n  on two lines."),
    ]


def test_clock_formats_and_never_prints_sixty_seconds() -> None:
    assert clock(0) == "00:00:00.000"
    assert clock(3661.2346) == "01:01:01.235"
    assert clock(59.9996) == "00:01:00.000"
    assert clock(12.5, ",") == "00:00:12,500"
    assert clock(-0.2) == "00:00:00.000"


def test_vtt_has_header_numbered_cues_and_escapes_text(cues: list[Cue]) -> None:
    vtt = to_vtt(cues)
    assert vtt.startswith("WEBVTT\n\n")
    parsed = read_vtt(vtt)
    assert [c[0] for c in parsed] == [str(n) for n in range(1, len(parsed) + 1)]
    assert parsed[0][1:] == (0.5, 2.25, "Welcome.")
    # webvtt-py keeps character references as written: our escaping is what a browser decodes.
    assert parsed[1][3] == "Fish &amp; chips &lt;b&gt;bold&lt;/b&gt; --&gt; arrows."
    assert "-->" not in "".join(c[3] for c in parsed)
    assert parsed[-1][3] == "Last one, on two lines."


def test_srt_numbers_from_one_with_comma_times(cues: list[Cue]) -> None:
    text = to_srt(cues)
    assert text.startswith("1\n00:00:00,500 --> 00:00:02,250\nWelcome.\n\n2\n")
    parsed = read_srt(text)
    assert [c[0] for c in parsed] == [str(n) for n in range(1, len(parsed) + 1)]
    assert parsed[1][3] == "Fish & chips <b>bold</b> --> arrows."  # SRT has no escaping
    assert parsed[-1][3] == "Last one, on two lines."  # one line: a blank line would end it


def test_srt_package_reads_it_and_it_ends_with_a_blank_line(cues: list[Cue]) -> None:
    text = to_srt(cues)
    assert text.endswith(" lines.\n\n")
    parsed = list(srt.parse(text, ignore_errors=False))
    expected = caption_cues(cues)
    assert [s.index for s in parsed] == list(range(1, len(expected) + 1))
    assert [s.start.total_seconds() for s in parsed] == [c.start for c in expected]
    assert [s.end.total_seconds() for s in parsed] == [c.end for c in expected]
    assert [s.content for s in parsed] == [c.text for c in expected]
    assert srt.compose(parsed, reindex=False) == text  # byte for byte the canonical form


def test_webvtt_package_reads_a_file(tmp_path: Path, cues: list[Cue]) -> None:
    path = tmp_path / "episode.vtt"
    path.write_text(to_vtt(cues), encoding="utf-8")
    parsed = webvtt.read(str(path))
    expected = caption_cues(cues)
    assert [c.identifier for c in parsed] == [str(n) for n in range(1, len(expected) + 1)]
    assert [(c.start, c.end) for c in parsed][:2] == [("00:00:00.500", "00:00:02.250"),
                                                      ("00:00:02.900", "00:00:04.000")]
    assert [c[1:3] for c in read_vtt(path.read_text(encoding="utf-8"))] == \
        [(c.start, c.end) for c in expected]
    assert [c.text for c in parsed][-1] == "Last one, on two lines."


def test_vtt_and_srt_carry_the_same_cues(cues: list[Cue]) -> None:
    vtt, subtitles = read_vtt(to_vtt(cues)), read_srt(to_srt(cues))
    assert [c[:3] for c in vtt] == [c[:3] for c in subtitles]
    assert subtitles[0][3] == vtt[0][3] == "Welcome."


@pytest.mark.parametrize(("suffix", "render"), [(".vtt", to_vtt), (".srt", to_srt)])
def test_ffmpeg_reads_every_cue(tmp_path: Path, cues: list[Cue], suffix: str, render) -> None:
    path = tmp_path / f"episode{suffix}"
    path.write_text(render(cues), encoding="utf-8")
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_packets", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )
    assert result.stderr == ""
    packets = json.loads(result.stdout)["packets"]
    expected = caption_cues(cues)
    assert len(packets) == len(expected)
    assert [float(p["pts_time"]) for p in packets] == pytest.approx([c.start for c in expected])
    ends = [float(p["pts_time"]) + float(p["duration_time"]) for p in packets]
    assert ends == pytest.approx([c.end for c in expected])


def test_empty_cues_are_dropped_and_order_fixed() -> None:
    out = caption_cues([Cue(3, 4, "Second."), Cue(0, 1, "   "), Cue(1, 2, "First."),
                        Cue(5, 5, "No time at all.")])
    assert [c.text for c in out] == ["First.", "Second."]
    assert to_srt([Cue(0, 1, " ")]) == ""
    assert to_vtt([]) == "WEBVTT\n"


def test_overlapping_cue_is_cut_at_the_next_start() -> None:
    out = caption_cues([Cue(0, 2.5, "One."), Cue(2.0, 3.0, "Two.")])
    assert out == [Cue(0, 2.0, "One."), Cue(2.0, 3.0, "Two.")]


def test_long_caption_is_split_within_its_sentence_span() -> None:
    sentence = Cue(5.0, 31.0, LONG)
    pieces = split_cue(sentence)
    assert len(pieces) >= 2
    assert all(0 < len(p.text) <= MAX_CUE_CHARS for p in pieces)
    assert " ".join(p.text for p in pieces) == LONG
    assert pieces[0].start == 5.0 and pieces[-1].end == 31.0
    for before, after in itertools.pairwise(pieces):
        assert before.end == after.start  # contiguous, never overlapping
    total = sum(len(p.text) for p in pieces)
    for piece in pieces:  # time shared by character count, to the millisecond
        assert piece.end - piece.start == pytest.approx(26.0 * len(piece.text) / total, abs=2e-3)


def test_split_is_balanced_and_prefers_clause_ends() -> None:
    text = ("Let the breath come in slowly through the nose, and then let it go again "
            "through the mouth.")  # 91 characters: just over the limit
    first, second = split_cue(Cue(0, 9, text))
    assert first.text.endswith("nose,")
    assert len(second.text) > 30


def test_split_pieces_end_before_the_next_sentence() -> None:
    out = caption_cues([Cue(0, 10, LONG), Cue(10.0, 12.0, "Next.")])
    assert out[-1] == Cue(10.0, 12.0, "Next.")
    assert all(c.end <= 10.0 for c in out[:-1])
    assert [c.start for c in out] == sorted(c.start for c in out)


def test_one_overlong_word_stays_whole() -> None:
    word = "x" * 120
    assert [c.text for c in split_cue(Cue(0, 4, f"{word} end"))] == [word, "end"]


def test_chapters_json_schema_and_times() -> None:
    chapters = [Chapter(61.25, "Breathing & <b>"), Chapter(0, "Arriving"), Chapter(200, "Late")]
    document = json.loads(chapters_json(chapters, 120.5, "Finding Safety 🌿"))
    assert set(document) == {"version", "title", "chapters"}
    assert document["version"] == "1.2.0"
    assert document["title"] == "Finding Safety 🌿"
    assert document["chapters"] == [
        {"startTime": 0.0, "endTime": 61.25, "title": "Arriving"},
        {"startTime": 61.25, "endTime": 120.5, "title": "Breathing & <b>"},
    ]  # sorted; a chapter after the end of the audio is dropped
    for chapter in document["chapters"]:
        assert isinstance(chapter["startTime"], float) and isinstance(chapter["endTime"], float)
        assert isinstance(chapter["title"], str)


def test_chapters_json_is_utf8_text_not_ascii_escapes() -> None:
    text = chapters_json([Chapter(0, "Café")], 10, "Ça va")
    assert "Café" in text and "\\u" not in text and text.endswith("\n")


def test_chapters_json_without_chapters() -> None:
    assert json.loads(chapters_json([], 10, "T")) == {"version": "1.2.0", "title": "T",
                                                      "chapters": []}
