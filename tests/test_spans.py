"""Delivery spans and voices in a script: [slow], [rate N], [soft], [voice NAME] / [voice].

Parsing and planning are checked directly; the sound is checked on built episodes with
independent tools: span lengths from the VTT cues (webvtt-py) over ffmpeg-decoded audio, and
the two voices' pitch with a plain autocorrelation tracker (tests/asr.py).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from rtr_audio.plan import WORD_GAP, SilenceItem, SpeechItem, Voice, plan_episode
from rtr_audio.project import EngineCatalog
from rtr_audio.script import Delivery, Speech, parse_script
from rtr_audio.settings import ShowSettings
from rtr_audio.speech import Lexicon
from tests.asr import mean_pitch, timed_cues
from tests.audio_probe import decode
from tests.conftest import copy_show, run_cli

HEADER = "---\ntitle: T\ndescription: D\n---\n"
FAKE = "tests.fake_engine:FakeEngine"


def parse(tmp_path: Path, body: str):
    path = tmp_path / "01-ep.md"
    path.write_text(HEADER + body, encoding="utf-8")
    return parse_script(path)


def speech_parts(script) -> list[tuple[str, int, Delivery]]:
    return [(p.text, p.line, p.delivery) for b in script.blocks for p in b.parts
            if isinstance(p, Speech)]


def test_spans_set_the_delivery_of_the_words_inside(tmp_path):
    script, problems = parse(tmp_path, "Count [slow]One. Two.[/slow] and\n[rate 110]Left. "
                                       "[soft]Right.[/soft][/rate] Done.\n")
    assert problems == []
    assert speech_parts(script) == [
        ("Count", 5, Delivery()),
        ("One. Two.", 5, Delivery(scale=0.8)),
        ("and", 5, Delivery()),
        ("Left.", 6, Delivery(rate=110)),
        ("Right.", 6, Delivery(rate=110, soft=True)),
        ("Done.", 6, Delivery()),
    ]


def test_nested_rate_inside_slow_and_slow_inside_rate(tmp_path):
    script, problems = parse(tmp_path, "[slow]a [rate 100]b[/rate][/slow] "
                                       "[rate 100]c [slow]d[/slow][/rate]\n")
    assert problems == []
    assert [(t, d.rate, d.scale) for t, _, d in speech_parts(script)] == [
        ("a", None, 0.8), ("b", 100, 1.0), ("c", 100, 1.0), ("d", 100, 0.8)]


def test_voice_lasts_over_blocks_until_reset_or_heading(tmp_path):
    script, problems = parse(tmp_path, "[voice anna]\nOne.\n\nTwo.\n\n[voice]\nThree.\n\n"
                                       "[voice anna] Four.\n\n# Heading\n\nFive.\n")
    assert problems == []
    assert [(t, d.voice) for t, _, d in speech_parts(script)] == [
        ("One.", "anna"), ("Two.", "anna"), ("Three.", None), ("Four.", "anna"),
        ("Heading", None), ("Five.", None)]


@pytest.mark.parametrize(("body", "expected"), [
    ("Hi [slow]there.\n", "01-ep.md:5: unclosed [slow]: close it with [/slow]"),
    ("Hi.\nAnd [soft]x [slow]y[/soft] z[/slow]\n",
     "01-ep.md:6: [/soft] closes [soft] while [slow] (line 6) is still open inside it"),
    ("Hi there.[/slow]\n", "01-ep.md:5: [/slow] without an opening [slow]"),
    ("[rate fast]Hi.[/rate]\n", "01-ep.md:5: [rate fast]: expected a whole number of words"),
    ("[rate 30]Hi.[/rate]\n", "01-ep.md:5: [rate 30]: 30 is out of range (60–400 words"),
    ("[slow 2]Hi.[/slow]\n", "01-ep.md:5: [slow] takes no argument"),
    ("[sloow]Hi.\n", "01-ep.md:5: unknown directive [sloow]; did you mean [slow]?"),
    ("[voice x]Hi.[/voice]\n", "01-ep.md:5: [/voice] is not a tag"),
])
def test_span_mistakes_are_path_line_errors(tmp_path, body, expected):
    script, problems = parse(tmp_path, body)
    assert script is None
    found = [str(p) for p in problems]
    assert any(expected in m for m in found), found
    assert len(found) == 1, found  # one mistake, one line: no cascade


def test_a_span_cannot_cross_paragraphs(tmp_path):
    _, problems = parse(tmp_path, "Hi [slow]there.\n\nMore.[/slow]\n")
    assert [str(p).split("01-ep.md:")[1] for p in problems] == [
        "5: unclosed [slow]: close it with [/slow] in the same paragraph",
        "7: [/slow] without an opening [slow]"]


def test_unclosed_span_reports_the_line_it_opened_on(tmp_path):
    _, problems = parse(tmp_path, "First line,\nthen [soft]a second\nand a third.\n")
    assert [str(p).split(": ", 1)[0].rsplit(":", 1)[1] for p in problems] == ["6"]


def plan_of(tmp_path: Path, body: str):
    script, problems = parse(tmp_path, body)
    assert problems == [], problems
    show = ShowSettings(path=tmp_path / "show.yml", title="S", description="D", author="A",
                        engine=FAKE, rate=150)
    base = EngineCatalog().voice(FAKE, None, 150)
    other = Voice(FAKE, "other", 150, "another fingerprint")
    voice = replace(base, alternates=(("other", other),))
    return plan_episode(script, show, Lexicon({}), voice)


def test_plan_gives_spans_their_rate_softness_and_keys(tmp_path):
    plain = plan_of(tmp_path, "Breathe in gently.\n")
    spans = plan_of(tmp_path, "Breathe in gently.\n\n[slow]Breathe in gently.[/slow]\n\n"
                              "[soft]Breathe in gently.[/soft]\n\n[rate 100]Breathe in gently."
                              "[/rate]\n\n[voice other]\nBreathe in gently.\n")
    tasks = list(spans.tasks.values())
    assert [(t.rate, t.soft) for t in tasks] == [(150, False), (120, False), (150, True),
                                                (100, False), (150, False)]
    assert tasks[4].voice == "other"
    assert len({t.key for t in tasks}) == 5  # every delivery is a clip of its own
    assert list(plain.tasks) == [tasks[0].key]  # and plain speech keeps its key


def test_a_span_inside_a_sentence_leaves_only_a_word_gap(tmp_path):
    plan = plan_of(tmp_path, "Count [slow]slowly now[/slow] and rest.\n")
    items = [i for i in plan.items if isinstance(i, SpeechItem | SilenceItem)]
    kinds = [(type(i).__name__, getattr(i, "seconds", None)) for i in items]
    assert kinds[1:6] == [("SpeechItem", None), ("SilenceItem", WORD_GAP), ("SpeechItem", None),
                          ("SilenceItem", WORD_GAP), ("SpeechItem", None)]


def test_unknown_voice_is_checked_against_the_engine(tmp_path):
    scripts = copy_show("two_voices", tmp_path / "scripts")
    trailer = scripts / "00-trailer.md"
    trailer.write_text(trailer.read_text().replace("gmw/en-us+f3", "gmw/en-uss"))
    result = run_cli("check", "--scripts", str(scripts))
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"{trailer}:10: [voice gmw/en-uss]: unknown voice")


# ---- built with real engines -------------------------------------------------------------

def cues(out: Path) -> list[tuple[str, float, float]]:
    return timed_cues(next((out / "episodes").glob("*.vtt")))


def build_two_voices(tmp_path: Path, engine: str) -> Path:
    scripts = copy_show("two_voices", tmp_path / "scripts")
    if engine == "piper":  # Piper has one bundled voice: the two-voice part is pyttsx3's
        trailer = scripts / "00-trailer.md"
        text = trailer.read_text()
        trailer.write_text(text[: text.index("[voice gmw")] + text[text.index("[voice]\n") + 8:])
    out = tmp_path / "out"
    result = run_cli("build", "--scripts", str(scripts), "--out", str(out), "--engine", engine)
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["pyttsx3", pytest.param("piper", marks=pytest.mark.xdist_group(
    "piper"))])
def test_slow_makes_the_span_longer(tmp_path, engine):
    """The same sentence, plain and in [slow]: the slow one lasts at least 15 % longer
    (VTT cue times of the built episode)."""
    timed = cues(build_two_voices(tmp_path, engine))
    sentence = "Breathe in gently and let the shoulders settle down."
    plain, slow = [end - start for text, start, end in timed if text == sentence]
    assert slow >= 1.15 * plain, (plain, slow)


@pytest.mark.slow
def test_two_voices_differ_in_pitch(tmp_path):
    """Each voice's sentences, cut from the decoded MP3 by their VTT times: the second voice's
    median F0 is far from the first's (an autocorrelation tracker, not our code)."""
    out = build_two_voices(tmp_path, "pyttsx3")
    audio = decode(next((out / "episodes").glob("*.mp3")), 22050)
    first, second = [], []
    for text, start, end in cues(out):
        segment = audio[int(start * 22050): int(end * 22050)]
        if "second voice" in text or "carries on" in text:
            second.append(mean_pitch(segment, 22050))
        elif "first voice" in text:
            first.append(mean_pitch(segment, 22050))
    assert len(first) == 2 and len(second) == 2
    assert min(second) > 1.4 * max(first), (first, second)
