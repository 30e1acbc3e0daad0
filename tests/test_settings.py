"""show.yml and front-matter keys from the declarative schema: defaults, new keys, messages."""

from __future__ import annotations

import dataclasses
import datetime as dt
import wave
from pathlib import Path

import pytest

from rtr_audio.script import FRONT_MATTER, parse_script
from rtr_audio.settings import SHOW, Gaps, ShowSettings, load_settings

BASE = "title: T\ndescription: D\nauthor: A\n"


def load(tmp_path: Path, extra: str) -> tuple[ShowSettings | None, list[str]]:
    path = tmp_path / "show.yml"
    path.write_text(BASE + extra, encoding="utf-8")
    settings, problems = load_settings(path)
    return settings, [f"{p.line}: {p.message}" for p in problems]


def write_wav(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 800)
    return path


def test_record_defaults_are_the_schema_defaults(tmp_path: Path) -> None:
    settings, problems = load(tmp_path, "")
    assert problems == [] and settings is not None
    defaults = SHOW.defaults()
    gap_fields = {"sentence_gap": "sentence", "paragraph_gap": "paragraph",
                  "heading_gap": "heading", "list_gap": "list_item"}
    for name, value in defaults.items():
        if name in gap_fields:
            assert getattr(settings.gaps, gap_fields[name]) == value
        else:
            assert getattr(settings, name) == value, name
    # The dataclass itself (used by tests and callers without a file) has the same defaults.
    bare = ShowSettings(path=tmp_path / "show.yml", title="T", description="D", author="A")
    assert dataclasses.replace(bare, lines={}) == dataclasses.replace(settings, lines={})
    assert Gaps() == settings.gaps


def test_new_show_keys_have_their_defaults(tmp_path: Path) -> None:
    settings, _ = load(tmp_path, "")
    assert settings is not None
    assert settings.type == "episodic"
    assert settings.license is None and settings.publish_to is None
    assert settings.fallback_engine is None
    assert settings.keep_previous == dt.timedelta(days=7)
    assert settings.bed == "none" and settings.bed_level == -38.0 and settings.bed_duck == 20.0


def test_new_show_keys_are_read(tmp_path: Path) -> None:
    bed = write_wav(tmp_path / "sounds" / "creek.wav")
    settings, problems = load(tmp_path, "type: serial\nlicense: CC BY-SA 4.0\n"
                                        "keep_previous: 12h\npublish_to: 'myserver:podcast/'\n"
                                        "fallback_engine: pyttsx3\nbed: sounds/creek.wav\n"
                                        "bed_level: -45\nbed_duck: 12.5\n")
    assert problems == [] and settings is not None
    assert settings.type == "serial" and settings.license == "CC BY-SA 4.0"
    assert settings.keep_previous == dt.timedelta(hours=12)
    assert settings.publish_to == "myserver:podcast/"
    assert settings.fallback_engine == "pyttsx3"
    assert settings.bed == bed.resolve()
    assert (settings.bed_level, settings.bed_duck) == (-45.0, 12.5)
    assert settings.line_of("bed") == 9


@pytest.mark.parametrize(("value", "expected"), [
    ("0", dt.timedelta(0)), (0, dt.timedelta(0)), ("7d", dt.timedelta(days=7)),
    ("30m", dt.timedelta(minutes=30)), ("1.5d", dt.timedelta(hours=36)),
])
def test_keep_previous_forms(tmp_path: Path, value: object, expected: dt.timedelta) -> None:
    settings, problems = load(tmp_path, f"keep_previous: {value}\n")
    assert problems == [] and settings is not None and settings.keep_previous == expected


@pytest.mark.parametrize("value", ["pad", "rain", "none", "Rain"])
def test_builtin_beds(tmp_path: Path, value: str) -> None:
    settings, problems = load(tmp_path, f"bed: {value}\n")
    assert problems == [] and settings is not None and settings.bed == value.lower()


@pytest.mark.parametrize(("extra", "message"), [
    ("type: seriel\n", "4: `type` must be one of episodic, serial, got 'seriel'; did you mean "
                       "`serial`?"),
    ("license: ''\n", "4: `license` must be non-empty text"),
    ("keep_previous: 7 days\n", "4: `keep_previous` must be a period like 7d, 12h, 30m or 0, "
                                "got '7 days'"),
    ("keep_previous: 400d\n", "4: `keep_previous` 400d is longer than the 365-day limit"),
    ("keep_previous: false\n", "4: `keep_previous` must be a period like 7d, 12h, 30m or 0, "
                                "got False"),
    ("keep_previous: -1d\n", "4: `keep_previous` must be a period like 7d, 12h, 30m or 0, "
                             "got '-1d'"),
    ("publish_to: /srv/podcast\n", "4: `publish_to` must be an rclone remote like "
                                   "`myserver:podcast/`"),
    ("publish_to: '-rf:x'\n", "4: `publish_to` must be an rclone remote"),
    ("fallback_engine: evil:Engine\n", "4: `fallback_engine` must be one of piper, pyttsx3, "
                                       "got 'evil:Engine'"),
    ("fallback_engine: pipr\n", "4: `fallback_engine` must be one of piper, pyttsx3, got "
                                "'pipr'; did you mean `piper`?"),
    ("bed: rian\n", "4: `bed` must be none, pad, rain or the path of an audio file"),
    ("bed: rian\n", "did you mean `rain`?"),
    ("bed: missing.wav\n", "4: `bed`: audio file not found: 'missing.wav'"),
    ("bed: ../outside.wav\n", "4: `bed`: '../outside.wav' is outside the scripts folder"),
    ("bed: [pad]\n", "4: `bed` must be none, pad, rain or the path of an audio file"),
    ("bed_level: -5\n", "4: `bed_level` must be a level in dBFS between -60 and -20, got -5"),
    ("bed_duck: true\n", "4: `bed_duck` must be a number of dB between 0 and 40, got True"),
    ("bed_duck: 60\n", "4: `bed_duck` must be a number of dB between 0 and 40, got 60"),
])
def test_new_show_keys_are_validated(tmp_path: Path, extra: str, message: str) -> None:
    write_wav(tmp_path.parent / "outside.wav")
    settings, problems = load(tmp_path, extra)
    assert settings is None
    assert len(problems) == 1 and message in problems[0], problems


def test_values_in_messages_are_cut(tmp_path: Path) -> None:
    _, problems = load(tmp_path, f"language: {'x' * 40_000}\ntype: {'y' * 40_000}\n"
                                 f"{'z' * 1000}: 1\n")  # YAML's longest plain key
    assert len(problems) == 3
    assert all(len(p) < 160 for p in problems), [len(p) for p in problems]


def write_script(tmp_path: Path, front: str) -> Path:
    path = tmp_path / "01-ep.md"
    path.write_text(f"---\ntitle: One\ndescription: D\n{front}---\nHello.\n", encoding="utf-8")
    return path


def test_front_matter_season_and_bed(tmp_path: Path) -> None:
    script, problems = parse_script(write_script(tmp_path, "season: 2\nbed: rain\n"))
    assert problems == [] and script is not None
    assert (script.season, script.bed) == (2, "rain")
    plain, _ = parse_script(write_script(tmp_path, ""))
    assert plain is not None and (plain.season, plain.bed) == (None, None)


@pytest.mark.parametrize(("front", "message"), [
    ("season: 0\n", "4: `season` must be a whole number ≥ 1, got 0"),
    ("season: two\n", "4: `season` must be a whole number ≥ 1, got 'two'"),
    ("bed: thunder\n", "4: `bed` must be none, pad, rain or the path of an audio file"),
    ("sesaon: 1\n", "4: unknown front matter key `sesaon`; did you mean `season`?"),
])
def test_front_matter_new_keys_are_validated(tmp_path: Path, front: str, message: str) -> None:
    _, problems = parse_script(write_script(tmp_path, front))
    assert [f"{p.line}: {p.message}" for p in problems] == [message] or \
        message in f"{problems[0].line}: {problems[0].message}"


def test_front_matter_gaps_override_the_show(tmp_path: Path) -> None:
    show = ShowSettings(path=tmp_path / "show.yml", title="T", description="D", author="A",
                        gaps=Gaps(sentence=1.0))
    script, _ = parse_script(write_script(tmp_path, "paragraph_gap: 3s\n"), show)
    assert script is not None and script.gaps == Gaps(sentence=1.0, paragraph=3.0)


def test_front_matter_shares_the_show_checks() -> None:
    for key in ("rate", "sentence_gap", "bed"):
        assert type(FRONT_MATTER[key]) is type(SHOW[key])
        assert FRONT_MATTER[key].default is None  # absent: the show's value applies
