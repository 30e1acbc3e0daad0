"""The normaliser against the case files in tests/tn_cases/ (one per semiotic class), and its
running time: every step is linear in its input (issue 13, kind 7)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from rtr_audio.spoken import engine_texts
from tests.conftest import REPO

CASES = Path(__file__).parent / "tn_cases"


def _cases() -> list:
    found = []
    for path in sorted(CASES.glob("*.txt")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "~" in line and not line.startswith("#"):
                written, spoken, *language = line.split("~")
                found.append(pytest.param(written, spoken, language[0] if language else "en-us",
                                          id=f"{path.stem}:{number}"))
    return found


def words(text: str) -> list[str]:
    """Words as ../shared/tn-cases/score.py compares them: case, hyphens and punctuation set
    aside, short all-capital words as letters ("A-M", "A M", "AM" and "a.m." are the same)."""
    text = text.replace("-", " ")
    text = re.sub(r"\b([A-Za-z])\.(?=[A-Za-z]\.|\s|$)", r"\1 ", text)
    text = re.sub(r"\b[A-Z]{2,5}\b", lambda m: " ".join(m.group(0)), text)
    return re.sub(r"[^a-z0-9' ]", " ", text.lower()).split()


@pytest.mark.parametrize(("written", "spoken", "language"), _cases())
def test_case_is_read_as_written_down(written: str, spoken: str, language: str) -> None:
    said = " ".join(engine_texts(written, language=language))
    assert words(said) == words(spoken), said
    # The sentence's own full stop (or ? !) survives every class: "on 116 123.", "at 7 a.m."
    if spoken[-1:] in ".?!":
        assert said.endswith(spoken[-1]), said


def test_every_kind_of_issue_12_has_five_cases() -> None:
    per_file = {p.stem: sum(1 for line in p.read_text(encoding="utf-8").splitlines()
                            if "~" in line and not line.startswith("#"))
                for p in CASES.glob("*.txt")}
    for name in ("letters", "abbreviations", "roman", "time", "telephone", "cardinal",
                 "measure", "money", "date", "address", "transliteration"):
        assert per_file[name] >= 5, name


@pytest.mark.parametrize("text", [
    "He joined the U.S. Army in May.",
    "We meet at 7 a.m. Monday.",
    "She has a Ph.D. in psychology.",
    "Bring tea, e.g. Earl Grey.",
    "It takes approx. Ten minutes.",
])
def test_periods_inside_abbreviations_do_not_cut_the_sentence(text: str) -> None:
    said = engine_texts(text)
    assert len(said) == 1
    assert "." not in said[0].removesuffix("."), said  # nor a full stop the engine stops at


@pytest.mark.parametrize("text", [
    "She moved to the U.S. Then she rested.",
    "She has a Ph.D. She rested.",
    "I live in the U.K. My home is small.",
    "Bring pens, etc. Then rest.",
    "Come at 7 a.m. Then rest.",
    "We met on 12 May. Then we talked.",
    "It was 7 p.m. 5 of us came.",
])
def test_an_abbreviation_before_a_new_sentence_ends_its_clip(text: str) -> None:
    said = engine_texts(text)
    assert len(said) == 2 and said[0].endswith("."), said


def test_no_letter_names_and_no_digits_reach_the_engine() -> None:
    said = " ".join(engine_texts("שלום Привет 你好 Ⅳ 12:00:01am 116 123 ½ ²"))
    assert not re.search(r"\d|HEBREW|LETTER", said), said


_HUGE = "9" * 5000  # int() refuses strings over 4,300 digits: no rule may call it on one


@pytest.mark.parametrize("text", [
    _HUGE, f"${_HUGE}", f"${_HUGE}.50", f"{_HUGE}kg", f"{_HUGE}th", f"-{_HUGE}",
    f"$1,{'000,' * 2000}000", f"{_HUGE}:00", f"call {_HUGE}", f"{_HUGE} million",
])
def test_numbers_of_thousands_of_digits_are_read_as_digits(text: str) -> None:
    said = " ".join(engine_texts(text))
    assert said.count("nine") >= 4000 or said.count("zero") >= 4000


# Inputs that made the old normaliser quadratic (145 s for 100,000 characters), and more
# runs of the characters the rules repeat over. Linear rules need about a second each here;
# a quadratic one would need many minutes, far past the subprocess timeout.
_LONG_INPUTS = ["a1-", "1-", "a.", "I ", "$1-", "a@", "A", "1", "www.a", "1:"]


@pytest.mark.slow  # a stress test: 200 000-character lines, 4.6 s of CPU on its own
def test_every_step_is_linear_on_long_lines_without_spaces() -> None:
    program = (
        "from rtr_audio.speech import to_spoken\n"
        f"for unit in {_LONG_INPUTS!r}:\n"
        "    to_spoken(unit * (200_000 // len(unit)))\n"
    )
    result = subprocess.run([sys.executable, "-c", program], cwd=REPO, timeout=240,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
