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
    assert set(state) == {"format", "episodes", "dates", "feed_built", "cover"}
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
    assert json.loads((cache / "state.json").read_text()) == state
    assert not {"dates.json", "feed-built.txt", "cover.key", "episodes"} & {
        p.name for p in cache.iterdir()}
