"""A build with nothing to do answers from the last build's stamp, without the audio stack;
anything that could change what a build publishes falls through to a full build."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rtr_audio import uptodate
from tests.conftest import REPO, run_cli

pytestmark = pytest.mark.slow  # every test builds the mini show with espeak-ng first

SUMMARY = "clips rendered 0, reused 10; episodes mastered 0"  # the mini show: 10 clips


@pytest.fixture
def show(built_mini, tmp_path) -> tuple[Path, Path]:
    """A private copy of the built mini show, built once where it now lives."""
    scripts, out = tmp_path / "scripts", tmp_path / "audio_out"
    shutil.copytree(built_mini.parent / "scripts", scripts)
    shutil.copytree(built_mini, out)
    assert first_line(build(scripts, out)).startswith("Built ")  # a new place: a full build
    return scripts, out


def build(scripts: Path, out: Path, *args: str, env: dict | None = None):
    result = run_cli("build", "--scripts", str(scripts), "--out", str(out), *args,
                     env={**os.environ, **(env or {})})
    assert result.returncode == 0, result.stderr
    return result


def first_line(result: subprocess.CompletedProcess) -> str:
    return result.stdout.splitlines()[0]


def published(out: Path) -> dict[str, tuple[bytes, int]]:
    """Every file in the output folder, the cache included: bytes and mtime_ns."""
    return {str(p.relative_to(out)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(out.rglob("*")) if p.is_file() and p.name != "build.lock"}


def test_nothing_changed_is_answered_without_the_audio_stack_or_the_engine(show):
    scripts, out = show
    before = published(out)
    probe = ("import sys\nfrom rtr_audio.cli import main\n"
             f"sys.argv = ['rtr-audio', 'build', '--scripts', {str(scripts)!r}, "
             f"'--out', {str(out)!r}]\n"
             "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
             "heavy = ['numpy', 'pyttsx3', 'rtr_audio.build', 'rtr_audio.project', 'yaml']\n"
             "print('loaded:', [m for m in heavy if m in sys.modules])\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Up to date: 2 episodes, 0.6 min of audio; " + SUMMARY)
    assert lines[1] == f"Feed: {out / 'feed.xml'}"
    assert lines[2] == "loaded: []"
    assert published(out) == before  # not a byte, not an mtime


def test_quiet_prints_nothing_and_force_builds(show):
    scripts, out = show
    assert build(scripts, out, "--quiet").stdout == ""
    assert first_line(build(scripts, out, "--force")).startswith("Built ")


def edit_sentence(scripts: Path, out: Path) -> None:
    path = scripts / "01-first.md"
    text = path.read_text()
    assert "Breathe in gently." in text
    path.write_text(text.replace("Breathe in gently.", "Breathe in slowly."))  # same length


def add_unrelated_file(scripts: Path, out: Path) -> None:
    (scripts / "notes.txt").write_text("ideas for later\n")


def delete_episode(scripts: Path, out: Path) -> None:
    next((out / "episodes").glob("*.mp3")).unlink()


def alter_page(scripts: Path, out: Path) -> None:
    with (out / "index.html").open("a") as page:
        page.write("<!-- edited by hand -->")


def truncate_clip(scripts: Path, out: Path) -> None:
    clip = next((out / ".cache" / "clips").rglob("*.clip"))
    clip.write_bytes(clip.read_bytes()[:100])


CHANGES = {
    "edited sentence": edit_sentence,
    "new file in the scripts folder": add_unrelated_file,
    "deleted episode": delete_episode,
    "hand-edited page": alter_page,
    "truncated cached clip": truncate_clip,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_any_change_to_inputs_or_outputs_means_a_full_build(show, change):
    scripts, out = show
    change(scripts, out)
    rebuilt = build(scripts, out)
    assert first_line(rebuilt).startswith("Built "), rebuilt.stdout
    # The full build put everything right: the next one has nothing to do.
    assert first_line(build(scripts, out)).startswith("Up to date: ")
    # Both episodes are there (an edited one's previous version stays for keep_previous).
    named = re.findall(r'<enclosure url="[^"]*/(episodes/[^"]+[.]mp3)"',
                       (out / "feed.xml").read_text())
    assert len(named) == 2 and all((out / name).is_file() for name in named)
    assert "edited by hand" not in (out / "index.html").read_text()


@pytest.mark.parametrize("option", [["--base-url", "https://example.org/elsewhere/"],
                                    ["--engine", "pyttsx3"]], ids=["base-url", "engine"])
def test_other_options_mean_a_full_build(show, option):
    scripts, out = show
    assert first_line(build(scripts, out, *option)).startswith("Built ")


def test_settings_in_the_environment_mean_a_full_build(show):
    scripts, out = show
    env = {"RTR_AUDIO_PIPER_VOICES": str(out)}
    assert first_line(build(scripts, out, env=env)).startswith("Built ")
    assert first_line(build(scripts, out, env=env)).startswith("Up to date: ")


def test_touching_a_script_without_changing_it_is_still_up_to_date(show):
    scripts, out = show
    script = scripts / "01-first.md"
    os.utime(script, ns=(script.stat().st_atime_ns, script.stat().st_mtime_ns + 10**9))
    assert first_line(build(scripts, out)).startswith("Up to date: ")


def test_a_changed_engine_file_means_a_full_build(show, tmp_path):
    scripts, out = show
    voice_data = tmp_path / "voice.bin"
    voice_data.write_bytes(b"one")
    inputs = uptodate.fingerprint(scripts, out, None, None)
    summary = uptodate.check(out, inputs)
    assert summary is not None and summary.episodes == 2
    uptodate.write(out, inputs, [voice_data], summary)
    assert uptodate.check(out, inputs) is not None
    voice_data.write_bytes(b"two")
    assert uptodate.check(out, inputs) is None


def test_the_stamp_watches_the_engine_and_rtr_audio_itself(show):
    _scripts, out = show
    stamp = json.loads((out / ".cache" / "uptodate.json").read_text())
    watched = [path for path, _size, _mtime in stamp["watched"]]
    assert any("espeak" in Path(p).name for p in watched)  # the library, found by the engine
    assert str(Path(uptodate.__file__).resolve()) in watched


def test_a_failed_build_leaves_no_stamp(show):
    scripts, out = show
    script = scripts / "01-first.md"
    original = script.read_text()
    script.write_text(original.replace("And out.", "And out. CRASH here."))
    result = run_cli("build", "--scripts", str(scripts), "--out", str(out),
                     "--engine", "tests.fake_engine:FakeEngine")
    assert result.returncode == 1 and "could not synthesise" in result.stderr
    assert not (out / ".cache" / "uptodate.json").exists()
    script.write_text(original)
    assert first_line(build(scripts, out)).startswith("Built ")


def test_the_stamp_watches_the_fonts_of_a_generated_cover(show):
    from rtr_audio.cover import TITLE_FONTS

    _scripts, out = show
    stamp = json.loads((out / ".cache" / "uptodate.json").read_text())
    watched = [path for path, _size, _mtime in stamp["watched"]]
    assert TITLE_FONTS[0] in watched  # a font installed there would change the cover


def test_an_output_folder_inside_the_scripts_folder_is_not_an_input(tmp_path):
    from tests.conftest import copy_show

    scripts = copy_show("mini", tmp_path / "scripts")
    out = scripts / "audio_out"
    assert first_line(build(scripts, out)).startswith("Built ")
    assert first_line(build(scripts, out)).startswith("Up to date: ")
