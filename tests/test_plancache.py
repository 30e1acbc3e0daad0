"""The plan cache: unchanged scripts are not planned again; any input that shapes a plan
(the script, show.yml, the lexicon) makes it planned again, and the plan equals a fresh one."""

from __future__ import annotations

from pathlib import Path

import pytest

from rtr_audio import plancache
from rtr_audio.plan import plan_episode
from rtr_audio.project import EngineCatalog, load_project, resolve_voices
from tests.conftest import copy_show


def _plans(scripts: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    planned: list[str] = []

    def counting(script, *args):
        planned.append(script.slug)
        return plan_episode(script, *args)

    monkeypatch.setattr(plancache, "plan_episode", counting)
    project = load_project(scripts)
    voices = resolve_voices(project, EngineCatalog(), None)
    plans = plancache.plan_all(project, voices, cache)
    fresh = [plan_episode(s, project.settings, project.lexicon, voices[s.slug])
             for s in project.scripts]
    assert plans == fresh
    return planned, plans


def test_only_changed_inputs_are_planned_again(tmp_path: Path, monkeypatch) -> None:
    scripts, cache = copy_show("mini", tmp_path / "scripts"), tmp_path / "plans"
    assert sorted(_plans(scripts, cache, monkeypatch)[0]) == ["first", "second"]
    assert _plans(scripts, cache, monkeypatch)[0] == []
    first = next(scripts.glob("01-*.md"))
    first.write_text(first.read_text().replace("Thank you for listening.",
                                               "Thank you, gently, for listening."))
    assert _plans(scripts, cache, monkeypatch)[0] == ["first"]
    (scripts / "lexicon.yml").write_text("listening: lis-ning\n")
    assert sorted(_plans(scripts, cache, monkeypatch)[0]) == ["first", "second"]
    settings = scripts / "show.yml"
    settings.write_text(settings.read_text() + "sentence_gap: 0.9s\n")
    assert sorted(_plans(scripts, cache, monkeypatch)[0]) == ["first", "second"]


def test_a_damaged_cache_file_is_planned_again(tmp_path: Path, monkeypatch) -> None:
    scripts, cache = copy_show("mini", tmp_path / "scripts"), tmp_path / "plans"
    _plans(scripts, cache, monkeypatch)
    (cache / "first.pickle").write_bytes(b"not a pickle")
    assert _plans(scripts, cache, monkeypatch)[0] == ["first"]
