"""``fallback_engine``: a show whose engine cannot load on this machine is built with its
fallback, saying so in one line; without a fallback it stops with one line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, copy_show

pytestmark = pytest.mark.slow
# Piper made unimportable in the build process, as on a machine without the extra.
NO_PIPER = ("import sys; sys.modules['piper'] = None; from rtr_audio.cli import main; "
            "main(prog_name='rtr-audio')")


def build_without_piper(scripts, out):
    return subprocess.run([sys.executable, "-c", NO_PIPER, "build", "--scripts", str(scripts),
                           "--out", str(out)], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)


def test_fallback_engine_speaks_when_piper_is_missing(tmp_path):
    scripts = copy_show("mini", tmp_path / "scripts")
    with (scripts / "show.yml").open("a") as show:
        show.write("engine: piper\nfallback_engine: pyttsx3\n")
    result = build_without_piper(scripts, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "fallback_engine" in line]
    assert notes == ["the piper engine is not installed: pip install 'rtr-audio[piper]' (or "
                     "`make build ENGINE=piper`); speaking with fallback_engine pyttsx3 instead"]
    assert list((tmp_path / "out" / "episodes").glob("*.mp3"))


def test_without_fallback_the_build_stops_with_one_line(tmp_path):
    scripts = copy_show("mini", tmp_path / "scripts")
    with (scripts / "show.yml").open("a") as show:
        show.write("engine: piper\n")
    result = build_without_piper(scripts, tmp_path / "out")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: the piper engine is not installed: pip install 'rtr-audio[piper]' (or "
        "`make build ENGINE=piper`)"]
