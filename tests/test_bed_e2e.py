"""A built episode with a bed, read back by independent tools: ffmpeg's ebur128 meter for
loudness and true peak, ffmpeg-decoded samples for the bed's level in a pause and at the ends,
webvtt-py for where the pause is. Changing the bed re-masters without speaking again.
"""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.asr import timed_cues
from tests.audio_probe import decode, loudness
from tests.conftest import copy_show, run_cli

pytestmark = pytest.mark.slow
RATE = 44100
BED_LEVEL = -38.0  # show.yml's default bed_level (dBFS)


def rms_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12))


def build(scripts: Path, out: Path) -> tuple[int, int]:
    result = run_cli("build", "--scripts", str(scripts), "--out", str(out))
    assert result.returncode == 0, result.stderr
    match = re.search(r"clips rendered (\d+), reused \d+; episodes mastered (\d+)", result.stdout)
    assert match, result.stdout
    return int(match.group(1)), int(match.group(2))


def episode(out: Path) -> tuple[Path, Path]:
    """The episode the last build wrote (earlier files stay published a while: keep_previous)."""
    mp3 = max((out / "episodes").glob("*.mp3"), key=lambda p: p.stat().st_mtime_ns)
    return mp3, mp3.with_suffix(".vtt")


def pause_of(vtt: Path) -> tuple[float, float]:
    """The five-second [pause 5s]: the longest gap between two cues."""
    cues = timed_cues(vtt)
    gaps = [(b[1] - a[2], a[2], b[1]) for a, b in itertools.pairwise(cues)]
    _, start, end = max(gaps)
    assert end - start == pytest.approx(5.0, abs=0.05)
    return start, end


def set_bed(scripts: Path, value: str) -> None:
    show = scripts / "show.yml"
    show.write_text(re.sub(r"(?m)^bed: .*$", f"bed: {value}", show.read_text()))


@pytest.fixture(scope="module")
def bedded(tmp_path_factory) -> tuple[Path, Path, tuple[int, int]]:
    root = tmp_path_factory.mktemp("bedded")
    scripts, out = copy_show("bedded", root / "scripts"), root / "out"
    return scripts, out, build(scripts, out)


@pytest.mark.parametrize("bed", ["pad", "rain", "file"])
def test_bed_in_pauses_fades_and_loudness(bedded, bed):
    scripts, out, _ = bedded
    if bed == "file":
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                        "-i", "anoisesrc=color=brown:duration=20:sample_rate=44100:seed=3",
                        "-c:a", "libvorbis", str(scripts / "room.ogg")], check=True)
        bed = "room.ogg"
    set_bed(scripts, bed)
    # The fixture was built with pad; a new bed re-masters, and no speech is spoken again.
    assert build(scripts, out) == (0, 0 if bed == "pad" else 1)
    mp3, vtt = episode(out)
    integrated, true_peak = loudness(mp3)
    assert -17.0 <= integrated <= -15.0
    assert true_peak <= -1.0
    audio = decode(mp3, RATE)
    start, end = pause_of(vtt)
    in_pause = rms_db(audio[int(start * RATE): int(end * RATE)])
    assert -50.0 < in_pause < -30.0, in_pause
    edge = int(0.3 * RATE)
    assert rms_db(audio[:edge]) < BED_LEVEL and rms_db(audio[-edge:]) < BED_LEVEL


def test_no_bed_leaves_digital_silence_and_the_first_key(bedded):
    scripts, out, (rendered, _) = bedded
    assert rendered > 0
    set_bed(scripts, "none")
    assert build(scripts, out) == (0, 1)
    mp3, vtt = episode(out)
    start, end = pause_of(vtt)
    audio = decode(mp3, RATE)
    assert np.abs(audio[int((start + 0.5) * RATE): int((end - 0.5) * RATE)]).max() < 1e-3


def test_front_matter_bed_overrides_the_show(tmp_path):
    scripts, out = copy_show("bedded", tmp_path / "scripts"), tmp_path / "out"
    set_bed(scripts, "none")
    episode_md = scripts / "01-pause.md"
    episode_md.write_text(episode_md.read_text().replace("episode: 1\n", "episode: 1\nbed: rain\n"))
    build(scripts, out)
    mp3, vtt = episode(out)
    start, end = pause_of(vtt)
    assert -50.0 < rms_db(decode(mp3, RATE)[int(start * RATE): int(end * RATE)]) < -30.0
