"""The script format: every element of SPEC's example, and the problems a writer can make."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rtr_audio.script import Bell, Pause, Speech, parse_script, slug_for

HEADER = "---\ntitle: T\ndescription: D\n---\n"


def write(tmp_path: Path, body: str, name: str = "01-ep.md") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def parse_ok(tmp_path: Path, body: str):
    script, problems = parse_script(write(tmp_path, HEADER + body))
    assert problems == []
    assert script is not None
    return script


def messages(tmp_path: Path, text: str | bytes) -> list[str]:
    path = tmp_path / "01-ep.md"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    script, problems = parse_script(path)
    assert script is None
    return [str(p) for p in problems]


def test_front_matter_keys_are_typed(tmp_path):
    text = ("---\ntitle: Finding Safety\ndescription: A practice.\nepisode: 2\ntype: bonus\n"
            "date: 2026-11-20\nvoice: gmw/en-us\nrate: 150\nparagraph_gap: 3s\n---\nHello.\n")
    script, problems = parse_script(write(tmp_path, text, "02-finding-safety.md"))
    assert problems == []
    assert script.title == "Finding Safety"
    assert script.episode == 2 and script.type == "bonus"
    assert script.date == dt.date(2026, 11, 20)
    assert script.voice == "gmw/en-us" and script.rate == 150
    assert script.gaps.paragraph == 3.0
    assert script.slug == "finding-safety"


def test_headings_paragraphs_items_and_lines(tmp_path):
    script = parse_ok(tmp_path, "# Arriving\n\nFirst line\ncontinues here.\n\n- one\n- two\n")
    kinds = [(b.kind, b.line, b.text) for b in script.blocks]
    assert kinds == [("heading", 5, "Arriving"), ("paragraph", 7, "First line continues here."),
                     ("item", 10, "one"), ("item", 11, "two")]


@pytest.mark.parametrize(("directive", "seconds"), [
    ("[pause 5s]", 5.0), ("[pause 2.5s]", 2.5), ("[pause 800ms]", 0.8), ("[pause]", 2.0),
    ("[pause 3]", 3.0), ("[Pause 4s]", 4.0),
])
def test_pause_forms(tmp_path, directive, seconds):
    script = parse_ok(tmp_path, f"Hi.\n\n{directive}\n")
    assert script.blocks[1].parts == (Pause(seconds, 7),)


def test_inline_pauses_and_bell(tmp_path):
    script = parse_ok(tmp_path, "Breathe in gently. [pause 4s] And out. [pause 6s]\n[bell]\n")
    parts = script.blocks[0].parts
    assert parts == (Speech("Breathe in gently.", 5), Pause(4.0, 5), Speech("And out.", 5),
                     Pause(6.0, 5), Bell(6))


def test_comments_are_not_spoken_and_keep_line_numbers(tmp_path):
    script = parse_ok(tmp_path, "<!-- a\nmulti-line\ncomment -->\nSpoken. <!-- hidden -->\n")
    assert [(b.line, b.text) for b in script.blocks] == [(8, "Spoken.")]


def test_bom_and_crlf_are_accepted(tmp_path):
    path = tmp_path / "01-ep.md"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "Hello.\r\n\r\nWorld.\r\n").replace(
        "\n", "\r\n").encode())
    script, problems = parse_script(path)
    assert problems == [] and [b.text for b in script.blocks] == ["Hello.", "World."]


def test_slug_strips_order_prefix():
    assert slug_for(Path("07-Feeling Accepted!.md")) == "feeling-accepted"
    assert slug_for(Path("trailer.md")) == "trailer"


@pytest.mark.parametrize(("text", "expected"), [
    ("", "01-ep.md:1: empty file"),
    ("Hello.\n", "01-ep.md:1: missing front matter"),
    ("---\ntitle: T\n", "01-ep.md:1: unterminated front matter"),
    ("---\ntitle: T\ndescription: D\n---\n", "01-ep.md:5: no narration"),
    ("---\ndescription: D\n---\nHi.\n", "01-ep.md:1: missing required key `title`"),
    ("---\ntitle: T\ndescription: D\ntitel: x\n---\nHi.\n",
     "01-ep.md:4: unknown front matter key `titel`; did you mean `title`?"),
    ("---\ntitle: T\ndescription: D\nepisode: two\n---\nHi.\n", "01-ep.md:4: `episode` must"),
    ("---\ntitle: T\ndescription: D\nrate: -5\n---\nHi.\n", "01-ep.md:4: `rate` -5 is out"),
    ("---\ntitle: T\ndescription: D\nrate: 9000\n---\nHi.\n", "01-ep.md:4: `rate` 9000"),
    ("---\ntitle: T\ndescription: D\ndate: 20/11/2026\n---\nHi.\n", "01-ep.md:4: `date` must"),
    ("---\ntitle: T\ndescription: D\ntype: teaser\n---\nHi.\n", "01-ep.md:4: `type` must"),
    ("---\ntitle: [unclosed\ndescription: D\n---\nHi.\n", "01-ep.md:2: YAML error"),
    (HEADER + "Hi.\n\n[pause -2s]\n", "01-ep.md:7: [pause -2s]: a duration cannot be negative"),
    (HEADER + "Hi. [pause 5min]\n", "01-ep.md:5: [pause 5min]: expected a duration"),
    (HEADER + "Hi. [pause soon]\n", "01-ep.md:5: [pause soon]: expected a duration"),
    (HEADER + "Hi. [paus 5s]\n", "01-ep.md:5: unknown directive [paus 5s]; did you mean"),
    (HEADER + "Hi.\n<!-- never closed\n", "01-ep.md:6: unclosed comment"),
    (b"---\ntitle: T\ndescription: D\n---\nHi \xff there\n", "01-ep.md:5: not valid UTF-8"),
    (b"---\ntitle: T\ndescription: D\n---\nHi\x00\n", "01-ep.md:5: contains a NUL byte"),
])
def test_problems_name_file_and_line(tmp_path, text, expected):
    found = messages(tmp_path, text)
    assert any(m.endswith(expected) or expected in m for m in found), found
