"""The command line as users meet it: help with examples, one-line errors, preview, clean."""

from __future__ import annotations

import shlex
import wave

import click
import pytest
from click.testing import CliRunner

from rtr_audio.cli import main
from tests.conftest import REPO, copy_show, run_cli


def command_paths(group: click.Group = main, path: tuple[str, ...] = ()
                  ) -> list[tuple[str, ...]]:
    """Every command under ``group`` (the group itself first), walked from Click, not listed:
    a new command is checked as soon as it is registered."""
    paths = [path]
    ctx = click.Context(group, info_name="rtr-audio")
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, (*path, name)))
        elif command is not None:
            paths.append((*path, name))
    return paths


def examples(help_text: str) -> list[str]:
    """The invocations under ``Example:`` (or ``Examples:``), comments and blank lines dropped;
    ``a && b`` gives both."""
    lines = help_text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() in ("Example:", "Examples:")]
    found = []
    for start in starts:
        for line in lines[start + 1:]:
            if not line.startswith("    ") or not line.strip():
                break
            command = line.split("  #", 1)[0].strip()
            found.extend(part.strip() for part in command.split("&&"))
    return found


def parse_invocation(words: list[str]) -> click.Context:
    """Parse ``rtr-audio ...`` as Click would, without running it; UsageError when it is not
    a valid invocation (unknown command or option, bad value, missing argument)."""
    assert words[0] == "rtr-audio", f"an example must start with rtr-audio: {words}"
    command: click.Command = main
    ctx = click.Context(main, info_name="rtr-audio")
    rest = words[1:]
    while isinstance(command, click.Group):
        assert rest, "an example of a group must name a command"
        name, *rest = rest
        sub = command.get_command(ctx, name)
        assert sub is not None, f"no command {name!r}"
        command = sub
        ctx = click.Context(command, info_name=name, parent=ctx)
    return command.make_context(ctx.info_name, rest, parent=ctx.parent)


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "rtr-audio")
def test_every_command_has_help_with_a_real_example(path: tuple[str, ...], monkeypatch,
                                                    tmp_path) -> None:
    result = CliRunner().invoke(main, [*path, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    invocations = examples(result.output)
    assert invocations, f"`rtr-audio {' '.join(path)} --help` has no Example: block"
    # Examples name the shipped scripts/ (as in a checkout) and, for `spoken --file`, a text
    # file of the user's own: both are there, so a path that exists is checked like any value.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scripts").symlink_to(REPO / "scripts")
    (tmp_path / "lines.txt").write_text("Call 116 123.\n", encoding="utf-8")
    commands = [shlex.split(invocation) for invocation in invocations]
    assert any(tuple(words[1:len(path) + 1]) == path for words in commands), \
        f"no example runs `rtr-audio {' '.join(path)}`: {invocations}"
    for invocation, words in zip(invocations, commands, strict=True):
        try:
            parse_invocation(words)
        except click.UsageError as exc:
            pytest.fail(f"example {invocation!r} does not parse: {exc.format_message()}")


def test_an_example_with_an_unknown_option_is_caught() -> None:
    with pytest.raises(click.UsageError):
        parse_invocation(["rtr-audio", "build", "--no-such-option"])
    assert examples("Example:\n    rtr-audio a  # note\n    rtr-audio b && rtr-audio c\n\nX") \
        == ["rtr-audio a", "rtr-audio b", "rtr-audio c"]


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
    # The shipped show speaks with Piper; espeak-ng's voices are pyttsx3's.
    result = run_cli("voices", "--engine", "pyttsx3")
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


@pytest.mark.slow
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
