"""The build state is one record (.cache/state.json); output folders of earlier versions,
which kept it in four kinds of files, keep their publication dates and encoded episodes."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import copy_show, run_cli

pytestmark = pytest.mark.slow


def build(scripts, out, *extra):
    result = run_cli("build", "--scripts", str(scripts), "--out", str(out), "--jobs", "2",
                     *extra)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_state_of_an_earlier_version_is_read_once_and_replaced(tmp_path):
    scripts = copy_show("mini", tmp_path / "scripts")
    for script in scripts.glob("*.md"):  # no `date:`: the first build's time is kept
        script.write_text(re.sub(r"(?m)^date:.*\n", "", script.read_text()))
    out = tmp_path / "out"
    build(scripts, out)
    cache = out / ".cache"
    state = json.loads((cache / "state.json").read_text())
    assert set(state) == {"format", "episodes", "dates", "feed_built", "cover", "files",
                          "keep_previous"}
    assert len(state["episodes"]) == len(state["dates"]) == 2
    assert not {"dates.json", "feed-built.txt", "cover.key", "episodes"} & {
        p.name for p in cache.iterdir()}
    feed = (out / "feed.xml").read_bytes()

    # Turn it back into what an earlier version left: four kinds of files, no state.json.
    (cache / "episodes").mkdir()
    for slug, record in state["episodes"].items():
        (cache / "episodes" / f"{slug}.json").write_text(json.dumps(record))
    (cache / "dates.json").write_text(json.dumps(state["dates"]))
    (cache / "feed-built.txt").write_text(state["feed_built"])
    (cache / "cover.key").write_text(state["cover"])
    (cache / "state.json").unlink()
    (cache / "uptodate.json").unlink()  # as after an upgrade: the stamp's format differs

    line = build(scripts, out)
    assert "episodes mastered 0" in line  # the encoded episodes were recognised
    assert (out / "feed.xml").read_bytes() == feed  # same dates, same lastBuildDate
    # Earlier versions kept no record of published files: the feed's are recorded anew.
    again = json.loads((cache / "state.json").read_text())
    assert again.pop("files").keys() == state.pop("files").keys()
    assert again == state
    assert not {"dates.json", "feed-built.txt", "cover.key", "episodes"} & {
        p.name for p in cache.iterdir()}


def test_a_build_validates_once_and_digests_its_inputs_once(tmp_path, monkeypatch):
    """`rtr-audio build`: the show is loaded and checked once, the inputs hashed once (the CLI
    does both before importing the audio stack and hands them to the build)."""
    from click.testing import CliRunner

    from rtr_audio import project, uptodate
    from rtr_audio.build import pipeline
    from rtr_audio.cli import main

    calls = {"load": 0, "digest": 0}

    def counting(name, real):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)
        return wrapper

    load = counting("load", project.load_project)
    monkeypatch.setattr(project, "load_project", load)
    monkeypatch.setattr(pipeline, "load_project", load)
    monkeypatch.setattr(uptodate, "inputs_digest", counting("digest", uptodate.inputs_digest))
    scripts = copy_show("mini", tmp_path / "scripts")
    result = CliRunner().invoke(main, ["build", "--scripts", str(scripts), "--out",
                                       str(tmp_path / "out"), "--jobs", "2", "--quiet"])
    assert result.exit_code == 0, result.output
    assert calls == {"load": 1, "digest": 1}
