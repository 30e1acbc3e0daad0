"""``rtr-audio spoken`` (what the engine will receive), check's warning about other scripts,
and slugs that fold accents."""

from __future__ import annotations

from pathlib import Path

import pytest

from rtr_audio.script import slug_for
from tests.conftest import copy_show, run_cli


def test_spoken_script_prints_every_clip_with_its_path_and_line(tmp_path: Path) -> None:
    scripts = copy_show("mini", tmp_path / "scripts")
    script = scripts / "03-numbers.md"
    script.write_text("---\ntitle: Numbers\ndescription: x\n---\n# Call 116 123\n\n"
                      "In an emergency, call 911. She has a Ph.D. in psychology.\n\n"
                      "- Let it GO [pause 2s] now.\n", encoding="utf-8")
    result = run_cli("spoken", str(script))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{script}:5: Call one one six, one two three.",
        f"{script}:7: In an emergency, call nine one one.",
        f"{script}:7: She has a P H D in psychology.",
        f"{script}:9: Let it go",
        f"{script}:9: now.",
    ]


def test_spoken_script_uses_the_shows_lexicon(tmp_path: Path) -> None:
    scripts = copy_show("mini", tmp_path / "scripts")
    (scripts / "lexicon.yml").write_text("שלום: shah-LOHM\n", encoding="utf-8")
    script = scripts / "03-hello.md"
    script.write_text("---\ntitle: Hello\ndescription: x\n---\nWe say שלום here.\n",
                      encoding="utf-8")
    result = run_cli("spoken", str(script))
    assert result.stdout == f"{script}:5: We say shah-LOHM here.\n"


def test_spoken_text_prints_the_engine_text() -> None:
    result = run_cli("spoken", "--text", "Text HOME to 741741 by 7 a.m. Monday.")
    assert result.returncode == 0
    assert result.stdout == "Text home to seven four one seven four one by seven A-M Monday.\n"


def test_spoken_file_gives_one_line_per_input_line(tmp_path: Path) -> None:
    lines = ["Call 116 123. Or text 85258.", "", "Chapter 01", "   ", "Привет", "$150/hr"]
    source = tmp_path / "lines.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("spoken", "--file", str(source))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:-1] == [
        "Call one one six, one two three. Or text eight five two five eight.",
        "",
        "Chapter one",
        "",
        "Privet",
        "one hundred and fifty dollars per hour",
    ]


def test_spoken_language_decides_day_first_dates() -> None:
    us = run_cli("spoken", "--text", "03/07/2020").stdout
    gb = run_cli("spoken", "--language", "en-gb", "--text", "03/07/2020").stdout
    assert us == "March seventh, twenty twenty\n"
    assert gb == "the third of July, twenty twenty\n"


@pytest.mark.parametrize("args", [[], ["--text", "a", "--file", "x"]])
def test_spoken_needs_exactly_one_input(args: list[str], tmp_path: Path) -> None:
    (tmp_path / "x").write_text("a\n")
    result = run_cli("spoken", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert "exactly one of SCRIPT, --text or --file" in result.stderr


def test_spoken_file_that_is_not_utf8_is_one_line_with_its_place(tmp_path: Path) -> None:
    source = tmp_path / "bad.txt"
    source.write_bytes(b"fine\n\xff\xfe bad\n")
    result = run_cli("spoken", "--file", str(source))
    assert result.returncode == 1
    assert result.stderr.strip() == (f"{source}:2: not valid UTF-8 (byte 0xff); "
                                     "save the file as UTF-8")


def test_check_warns_about_words_in_another_script(tmp_path: Path) -> None:
    scripts = copy_show("mini", tmp_path / "scripts")
    (scripts / "lexicon.yml").write_text("Привет: pree-VYET\n", encoding="utf-8")
    (scripts / "03-hello.md").write_text(
        "---\ntitle: Hello\ndescription: x\n---\nWe say Привет and 你好.\n", encoding="utf-8")
    result = run_cli("check", "--scripts", str(scripts), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"{scripts / '03-hello.md'}:5: warning: `你好` is not in Latin letters; it will be read "
        'as "Ni Hao". To choose the reading, add it to lexicon.yml, e.g. `你好: how to say it`'
    ]


@pytest.mark.parametrize(("name", "slug"), [
    ("ça-va.md", "ca-va"),
    ("02-Über-Angst.md", "uber-angst"),
    ("03-niño y mamá.md", "nino-y-mama"),
    ("04-Привет.md", "privet"),
    ("05-crème_brûlée.md", "creme-brulee"),
])
def test_slugs_fold_accented_letters(name: str, slug: str) -> None:
    assert slug_for(Path(name)) == slug


def test_language_must_be_a_language_code():
    result = run_cli("spoken", "--language", "../../etc", "--text", "hello")
    assert result.returncode == 2
    assert "is not a language code like en-us" in result.stderr
    good = run_cli("spoken", "--language", "EN-GB", "--text", "on 03/04/2020")
    assert good.returncode == 0 and "third of April" in good.stdout
