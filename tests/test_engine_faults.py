"""Engine faults: a clip that hangs, comes back empty or too short, or kills its worker is retried
once on a fresh worker, then reported as ``path:line: could not synthesise "first words…"
(reason)``; the published folder stays as it was. Missing system programs get a one-line hint.

The faults come from ``tests/fake_engine.py``, triggered by words in the script.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.fake_engine import _has as says

REPO = Path(__file__).resolve().parent.parent
BASE = REPO / "tests" / "bad_inputs" / "_base"
ENGINE = "tests.fake_engine:FakeEngine"
TIMEOUT = 2  # seconds per utterance (RTR_AUDIO_CLIP_TIMEOUT) for the hanging engine
FAULTS = {
    "HANG": f"no audio within {TIMEOUT}s",
    "EMPTY": "the engine wrote no audio",
    "SHORT": "audio too short for its text",
    "CRASH": "the engine process died (exit status 3)",
}


def rtr(*args: str, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "RTR_AUDIO_CLIP_TIMEOUT": str(TIMEOUT),
                **(env or {})}
    return subprocess.run([sys.executable, "-m", "rtr_audio", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def published_files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".cache" not in p.relative_to(out).parts}


def attempts(log: Path) -> list[tuple[int, str]]:
    """(worker pid, text) of every attempt at a clip."""
    if not log.exists():
        return []
    lines = (line.split(" ", 1) for line in log.read_text(encoding="utf-8").splitlines())
    return [(int(pid), text) for pid, text in lines]


def with_line(show: Path, text: str) -> None:
    """Replace the narration (line 6 of the base script) with ``text``."""
    script = show / "01-ep.md"
    lines = script.read_text(encoding="utf-8").splitlines()
    assert lines[5] == "Hello there."
    lines[5] = text
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """The base show built with the fake engine: what every failed build must leave alone."""
    root = tmp_path_factory.mktemp("faults")
    shutil.copytree(BASE, root / "show")
    out = root / "audio_out"
    result = rtr("build", "--scripts", ".", "--out", str(out), "--engine", ENGINE, "--jobs", "1",
                 cwd=root / "show")
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def fault_runs(published, tmp_path_factory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("fault-runs")

    def run(word: str) -> dict:
        show = shutil.copytree(BASE, root / word / "show")
        with_line(show, f"Please {word} here now.")
        out = shutil.copytree(published, root / word / "audio_out")
        log = root / word / "attempts.log"
        result = rtr("build", "--scripts", ".", "--out", str(out), "--engine", ENGINE,
                     "--jobs", "1", cwd=show, env={"FAKE_ENGINE_LOG": str(log)})
        return {"result": result, "out": out, "log": log}

    with ThreadPoolExecutor(len(FAULTS)) as pool:
        return dict(zip(FAULTS, pool.map(run, FAULTS), strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("word", list(FAULTS))
def test_failed_clip_is_retried_on_a_fresh_worker_then_reported(word, fault_runs,
                                                                 published) -> None:
    run = fault_runs[word]
    result = run["result"]
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    [line] = result.stderr.splitlines()
    reason = re.escape(FAULTS[word])
    pattern = rf'^01-ep\.md:6: could not synthesise "Please .+ here now\." \({reason}'
    assert re.match(pattern, line), line
    tries = attempts(run["log"])
    assert len(tries) == 2, tries  # the first attempt and one retry
    assert tries[0][1] == tries[1][1]
    assert tries[0][0] != tries[1][0], "the retry must run in a fresh worker process"
    assert published_files(run["out"]) == published_files(published)


@pytest.mark.slow
def test_several_failures_are_listed_in_script_order(published, tmp_path) -> None:
    show = shutil.copytree(BASE, tmp_path / "show")
    with_line(show, "One EMPTY clip.\n\nA plain sentence in between.\n\nThen SHORT again, "
                    "with many more words to speak than fit in it.")
    out = shutil.copytree(published, tmp_path / "audio_out")
    result = rtr("build", "--scripts", ".", "--out", str(out), "--engine", ENGINE, "--jobs", "2",
                 cwd=show)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert [line.split(": could not synthesise")[0] for line in lines] == ["01-ep.md:6",
                                                                          "01-ep.md:10"]
    assert published_files(out) == published_files(published)


@pytest.mark.slow
def test_a_clip_that_fails_once_succeeds_on_the_retry(published, tmp_path) -> None:
    show = shutil.copytree(BASE, tmp_path / "show")
    with_line(show, "A FLAKY word.")
    out = shutil.copytree(published, tmp_path / "audio_out")
    log = tmp_path / "attempts.log"
    result = rtr("build", "--scripts", ".", "--out", str(out), "--engine", ENGINE, "--jobs", "1",
                 cwd=show, env={"FAKE_ENGINE_LOG": str(log)})
    assert result.returncode == 0, result.stderr
    tries = attempts(log)
    assert len(tries) == 2 and tries[0][0] != tries[1][0], tries
    assert "clips rendered 1" in result.stdout


def test_missing_ffmpeg_is_one_line_with_the_install_hint(tmp_path) -> None:
    show = shutil.copytree(BASE, tmp_path / "show")
    empty = tmp_path / "bin"
    empty.mkdir()
    result = rtr("build", "--scripts", ".", "--out", str(tmp_path / "audio_out"),
                 "--engine", ENGINE, cwd=show, env={"PATH": str(empty)})
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    [line] = result.stderr.splitlines()
    assert "ffmpeg is not installed" in line and "apt-get install ffmpeg" in line
    assert not (tmp_path / "audio_out" / ".cache" / "clips").exists()  # refused before rendering


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="espeak-ng is Linux's voice")
def test_missing_espeak_is_one_line_with_the_install_hint(monkeypatch) -> None:
    from rtr_audio.cli import main
    from rtr_audio.engines import pyttsx3_engine

    monkeypatch.setattr(pyttsx3_engine, "_espeak_library_present", lambda: False)
    result = CliRunner().invoke(main, ["check", "--scripts", str(BASE)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 1, result.output
    assert "espeak-ng is not installed" in lines[0]
    assert "apt-get install espeak-ng" in lines[0]


@pytest.mark.slow
def test_faults_in_runs_of_a_stateful_engine(published, tmp_path) -> None:
    """An engine that keeps state is given fixed runs of clips, each in a fresh process: a
    failed clip is retried first in the rest of its run, on a fresh process, and the others
    are each spoken once."""
    show = shutil.copytree(BASE, tmp_path / "show")
    sentences = [f"Plain sentence {n} here." for n in range(1, 21)]
    sentences[2] = "A FLAKY word."
    sentences[9] = "This one will CRASH now."
    with_line(show, " ".join(sentences))
    out = shutil.copytree(published, tmp_path / "audio_out")
    log = tmp_path / "attempts.log"
    result = rtr("build", "--scripts", ".", "--out", str(out), "--engine",
                 "tests.fake_engine:StatefulFakeEngine", "--jobs", "1", cwd=show,
                 env={"FAKE_ENGINE_LOG": str(log)})
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith('01-ep.md:6: could not synthesise "This one will') and \
        "(the engine process died" in line, line
    tries = attempts(log)
    texts = [text for _pid, text in tries]
    flaky = [pid for pid, text in tries if says("FLAKY", text)]
    crash = [pid for pid, text in tries if says("CRASH", text)]
    assert len(flaky) == 2 and flaky[0] != flaky[1]
    assert len(crash) == 2 and crash[0] != crash[1]
    assert len(texts) == len(sentences) + 2  # every other clip once
    assert published_files(out) == published_files(published)
