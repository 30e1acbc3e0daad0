"""The command line as users meet it: help with examples, one-line errors, preview, clean."""

from __future__ import annotations

import wave

import pytest
from click.testing import CliRunner

from rtr_audio.cli import main
from tests.conftest import copy_show, run_cli

COMMANDS = ["build", "check", "preview", "voices", "serve", "clean", "spoken"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"rtr-audio {command}" in result.output


def test_module_entry_point_runs():
    result = run_cli("--help")
    assert result.returncode == 0 and "build" in result.stdout


def test_check_reports_every_problem_at_once(tmp_path):
    scripts = copy_show("mini", tmp_path / "scripts")
    (scripts / "03-bad.md").write_text("---\ntitle: Bad\ndescription: x\nrate: fast\n---\n"
                                       "Hi. [pause -1s]\n")
    result = run_cli("check", "--scripts", str(scripts))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert any(line.endswith("03-bad.md:4: `rate` must be a whole number of words per minute, "
                             "got 'fast'") for line in lines)
    assert any("03-bad.md:6: [pause -1s]" in line for line in lines)
    assert "Traceback" not in result.stderr


def test_check_passes_the_shipped_series():
    result = run_cli("check", "--out", "/nonexistent-out")
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


def test_voices_lists_espeak_voices():
    result = run_cli("voices")
    assert result.returncode == 0
    assert "gmw/en-us" in result.stdout


def test_a_reader_that_stops_early_gets_no_error_message():
    """`rtr-audio voices | head -1`: the reader closes the pipe; no "internal error" line."""
    import subprocess
    import sys

    from tests.conftest import REPO

    voices = subprocess.Popen([sys.executable, "-m", "rtr_audio", "voices"], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert voices.stdout is not None
    voices.stdout.readline()
    voices.stdout.close()  # what `head -1` does after its line
    _out, err = voices.communicate(timeout=60)
    assert err == b""
    assert voices.returncode in (0, 1)  # 0 if it had written everything before the close


@pytest.mark.slow
def test_preview_renders_only_the_changed_paragraph(tmp_path):
    scripts = copy_show("mini", tmp_path / "scripts")
    out = tmp_path / "out"
    script = scripts / "01-first.md"
    first = run_cli("preview", str(script), "--section", "1", "--out", str(out))
    assert first.returncode == 0, first.stderr
    assert "reused 0" in first.stdout
    script.write_text(script.read_text().replace("Hello there.", "Hello again."))
    second = run_cli("preview", str(script), "--section", "1", "--out", str(out))
    assert "rendered 1," in second.stdout, second.stdout
    wav = out / ".cache" / "preview" / "first.wav"
    with wave.open(str(wav)) as handle:
        assert handle.getnchannels() == 1
        assert 5 < handle.getnframes() / handle.getframerate() < 30


def test_preview_rejects_a_missing_section(tmp_path):
    scripts = copy_show("mini", tmp_path / "scripts")
    result = run_cli("preview", str(scripts / "02-second.md"), "--section", "3",
                     "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "no section 3" in result.stderr and "Traceback" not in result.stderr


def test_clean_removes_output_and_cache_but_keeps_keep_file(built_mini, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(built_mini, out)
    (out / ".keep").write_text("")
    named = sorted(p.name for p in (out / "episodes").iterdir())
    result = run_cli("clean", "--out", str(out), "--yes")
    assert result.returncode == 0
    # The episode files the feed named stay for keep_previous (apps may still fetch them),
    # with the record of when they were dropped; everything else goes.
    assert sorted(p.name for p in out.iterdir()) == [".cache", ".keep", "episodes"]
    assert [p.name for p in (out / ".cache").iterdir()] == ["state.json"]
    assert sorted(p.name for p in (out / "episodes").iterdir()) == named
    assert "Kept the files of 2 episode version(s) until " in result.stdout


def test_clean_waits_for_a_build_writing_to_the_folder(built_mini, tmp_path):
    import os
    import shutil
    import subprocess
    import sys
    import time

    from tests.conftest import REPO, build_lock_held

    out = tmp_path / "out"
    shutil.copytree(built_mini, out)
    with build_lock_held(out):
        clean = subprocess.Popen([sys.executable, "-m", "rtr_audio", "clean", "--out", str(out),
                                  "--yes"], cwd=REPO, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        time.sleep(3)  # without the lock, clean is done in well under a second
        assert clean.poll() is None  # waiting, not removing
        assert (out / "feed.xml").exists()
    stdout, stderr = clean.communicate(timeout=60)
    assert clean.returncode == 0, stderr
    assert stderr.strip() == (f"Another build is writing to {out} (pid {os.getpid()}); "
                              "waiting for it to finish…")
    assert stdout.startswith("Removed ")
    # Everything but the episode files apps may still fetch (keep_previous) and their record.
    assert sorted(p.name for p in out.iterdir()) == [".cache", "episodes"]
    assert [p.name for p in (out / ".cache").iterdir()] == ["state.json"]
