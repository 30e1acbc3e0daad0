"""Which voice a script gets when engines are mixed or overridden."""

from __future__ import annotations

from pathlib import Path

import pytest

from rtr_audio.project import voice_for_engine
from rtr_audio.script import Script
from rtr_audio.settings import ShowSettings

SHOW = ShowSettings(path=Path("show.yml"), title="T", description="D", author="A",
                    engine="pyttsx3", voice="gmw/en-us")


def script(**fields) -> Script:
    return Script(path=Path("01-x.md"), slug="x", title="T", description="D", blocks=(),
                  **fields)


@pytest.mark.parametrize(("fields", "engine", "expected"), [
    ({}, "pyttsx3", "gmw/en-us"),                       # the show's voice for the show's engine
    ({}, "piper", None),                                # --engine piper: piper's default voice
    ({"voice": "gmw/en-gb-scotland"}, "pyttsx3", "gmw/en-gb-scotland"),
    ({"voice": "gmw/en-gb-scotland"}, "piper", None),
    ({"engine": "piper", "voice": "joe"}, "piper", "joe"),
    ({"engine": "piper"}, "piper", None),               # the show's espeak voice is not piper's
])
def test_a_voice_belongs_to_the_engine_it_was_written_for(fields, engine, expected):
    assert voice_for_engine(script(**fields), SHOW, engine) == expected
