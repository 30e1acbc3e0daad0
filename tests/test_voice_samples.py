"""``rtr-audio voices --sample TEXT``: one WAV per voice, listed, and played with ``--play``."""

from __future__ import annotations

import os
import stat
import wave
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli

TEXT = "Take a slow breath, if that feels right."


def sample_lines(stdout: str) -> list[tuple[str, Path]]:
    rows = [line.split("\t") for line in stdout.splitlines() if "\t" in line]
    return [(voice, Path(path)) for voice, path, _seconds in rows]


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as handle:
        assert handle.getnchannels() == 1
        return handle.getnframes() / handle.getframerate()


@pytest.mark.slow
def test_sample_per_english_espeak_voice_and_play(tmp_path):
    # A stand-in for ffplay on PATH that records what it was asked to play.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    player = bin_dir / "ffplay"
    played = tmp_path / "played.txt"
    player.write_text(f'#!/bin/sh\nfor last; do :; done\necho "$last" >> {played}\n')
    player.chmod(player.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(REPO)}
    result = run_cli("voices", "--engine", "pyttsx3", "--sample", TEXT, "--language", "en",
                     "--play", "--scripts", str(tmp_path / "none"), "--out", str(tmp_path / "o"),
                     env=env)
    assert result.returncode == 0, result.stderr
    samples = sample_lines(result.stdout)
    voices = [voice for voice, _ in samples]
    assert "gmw/en-us" in voices and len(voices) >= 5
    assert all(voice.startswith("gmw/en") for voice in voices)
    for _, path in samples:
        assert 1.0 < wav_seconds(path) < 6.0
    assert played.read_text().split() == [str(path) for _, path in samples]


@pytest.mark.slow
@pytest.mark.xdist_group("piper")
def test_sample_of_the_bundled_piper_voice(tmp_path):
    result = run_cli("voices", "--engine", "piper", "--sample", TEXT, "--scripts",
                     str(tmp_path / "none"), "--out", str(tmp_path / "o"))
    assert result.returncode == 0, result.stderr
    [(voice, path)] = sample_lines(result.stdout)
    assert voice == "en_US-joe-medium"
    assert 1.0 < wav_seconds(path) < 6.0


def test_sample_of_an_unknown_language_is_one_line(tmp_path):
    result = run_cli("voices", "--engine", "pyttsx3", "--sample", TEXT, "--language", "xx",
                     "--scripts", str(tmp_path / "none"), "--out", str(tmp_path / "o"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: no pyttsx3 voice speaks `xx` (`rtr-audio voices --engine pyttsx3` lists them; "
        "`--language all` samples every voice)"]


def test_play_without_sample_is_a_usage_error(tmp_path):
    result = run_cli("voices", "--play", "--scripts", str(tmp_path / "none"))
    assert result.returncode == 2
    assert "--play plays the samples of --sample TEXT" in result.stderr
