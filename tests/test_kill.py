"""Interrupted and concurrent builds never leave a broken ``audio_out/``.

The invariant, checked after every interruption: ``feed.xml`` parses, and every file it names
(enclosures, transcripts, chapters, cover) exists, each enclosure with exactly the ``length`` the
feed states; the page only names files that exist; no half-written file is published.

The builds use the fake engine (``tests/fake_engine.py``): fast, so many trials fit in seconds,
and what is tested here is publishing, not speech.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import build_lock_held

pytestmark = [pytest.mark.slow,  # real builds, killed and rerun
              pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and sessions")]

REPO = Path(__file__).resolve().parent.parent
ENGINE = "tests.fake_engine:FakeEngine"
TRIALS = 12
NS = {"atom": "http://www.w3.org/2005/Atom", "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
      "podcast": "https://podcastindex.org/namespace/1.0"}
NUMBERS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
           "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"]
THIRD = """---
title: Third
description: A third short episode.
episode: 3
date: 2026-11-22
---
# Settling

A few more words, so that there is something to master. [pause 1s] And a little more.
"""


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), **extra}


def command(show: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "rtr_audio", "build", "--scripts", str(show), "--out", str(out),
            "--engine", ENGINE, "--jobs", "2"]


def build(show: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command(show, out), env=env(), capture_output=True, text=True,
                          timeout=300)


def start(show: Path, out: Path, stderr: Path, **extra: str) -> subprocess.Popen:
    """A build in a session of its own, so it and all its workers can be signalled together."""
    with stderr.open("wb") as err:
        return subprocess.Popen(command(show, out), env=env(**extra), stdout=subprocess.DEVNULL,
                                stderr=err, start_new_session=True)


def session_processes(sid: int) -> list[int]:
    """Processes still alive in session ``sid`` (zombies count as gone)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        state, session = fields[0], int(fields[3])
        if session == sid and state != "Z":
            found.append(int(stat.parent.name))
    return found


def published_files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".cache" not in p.relative_to(out).parts}


def check_invariant(out: Path) -> int:
    """The published folder is whole; returns the number of episodes in the feed."""
    root = etree.fromstring((out / "feed.xml").read_bytes())
    channel = root.find("channel")
    feed_url = channel.find("atom:link[@rel='self']", NS).get("href")
    base = feed_url[: -len("feed.xml")]

    def local(url: str) -> Path:
        assert url.startswith(base), url
        path = out / url[len(base):].split("?")[0]
        assert path.is_file(), f"the feed names {url}, which does not exist"
        return path

    local(channel.find("itunes:image", NS).get("href"))
    local(channel.findtext("image/url"))
    items = root.findall("channel/item")
    assert items
    for item in items:
        enclosure = item.find("enclosure")
        audio = local(enclosure.get("url"))
        assert audio.stat().st_size == int(enclosure.get("length")), audio
        transcripts = item.findall("podcast:transcript", NS)
        assert transcripts
        for transcript in transcripts:
            assert local(transcript.get("url")).read_text(encoding="utf-8").strip()
        json.loads(local(item.find("podcast:chapters", NS).get("url")).read_text())
    page = (out / "index.html").read_text(encoding="utf-8")
    for name in set(re.findall(r"episodes/[^\"'<>\s?#]+", page)):
        assert (out / name).is_file(), f"the page names {name}, which does not exist"
    return len(items)


def change(show: Path, trial: int) -> None:
    """A new sentence in one script: the next build renders a clip and masters that episode."""
    script = sorted(show.glob("*.md"))[trial % 3]
    text = script.read_text(encoding="utf-8").rstrip("\n")
    script.write_text(f"{text}\n\nThis is change number {NUMBERS[trial]}.\n", encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A small show of three episodes, built once for the module."""
    root = tmp_path_factory.mktemp("built")
    scripts = shutil.copytree(REPO / "tests" / "fixtures" / "mini", root / "scripts")
    (scripts / "03-third.md").write_text(THIRD, encoding="utf-8")
    result = build(scripts, root / "audio_out")
    assert result.returncode == 0, result.stderr
    assert check_invariant(root / "audio_out") == 3
    return root


@pytest.fixture
def show(built, tmp_path) -> tuple[Path, Path]:
    """A copy of the built show for one test: (scripts, out)."""
    scripts = shutil.copytree(built / "scripts", tmp_path / "scripts")
    out = shutil.copytree(built / "audio_out", tmp_path / "audio_out")
    return scripts, out


def test_sigkill_at_random_moments_never_breaks_the_published_folder(show, tmp_path) -> None:
    scripts, out = show
    rng = random.Random(7)
    change(scripts, len(NUMBERS) - 1)
    started = time.monotonic()
    assert build(scripts, out).returncode == 0
    typical = time.monotonic() - started  # a build with one change, start to end
    episodes = out / "episodes"
    kills = []
    for trial in range(TRIALS):
        change(scripts, trial)
        before = set(os.listdir(episodes))
        process = start(scripts, out, tmp_path / "stderr.txt")
        if trial % 2 == 0:
            # Anywhere in the build: starting, validating, speaking, mastering, publishing.
            moment = rng.uniform(0.05, typical)
            time.sleep(moment)
            kills.append(f"{moment:.2f}s")
        else:
            # In the narrow window that matters most: new episode files are being written and
            # the feed is about to change.
            while process.poll() is None and set(os.listdir(episodes)) == before:
                time.sleep(0.002)
            delay = rng.uniform(0.0, 0.3)
            time.sleep(delay)
            kills.append(f"publishing+{delay:.2f}s")
        with contextlib.suppress(ProcessLookupError):  # it may have finished already
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 5
        while session_processes(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert session_processes(process.pid) == []
        try:
            assert check_invariant(out) == 3
        except AssertionError as exc:
            raise AssertionError(f"trial {trial}, killed at {kills[-1]}: {exc}") from exc
    result = build(scripts, out)
    assert result.returncode == 0, result.stderr
    assert check_invariant(out) == 3
    reused = int(re.search(r"reused (\d+)", result.stdout).group(1))
    assert reused > 0, result.stdout
    # The last change is published, and nothing an interrupted build wrote is left over.
    transcripts = "".join(p.read_text(encoding="utf-8")
                          for p in (out / "episodes").glob("*.vtt"))
    assert f"change number {NUMBERS[TRIALS - 1]}" in transcripts.replace("\n", " ")
    leftovers = [p.name for p in out.rglob(".*.tmp") if ".cache" not in p.parts]
    assert leftovers == []
    # Every MP3 there is one a feed named: the 3 of the current feed, and previous versions kept
    # for keep_previous (apps holding an older feed); none that an interrupted build left.
    recorded = json.loads((out / ".cache" / "state.json").read_text())["files"]
    mp3s = {f"episodes/{p.name}" for p in (out / "episodes").glob("*.mp3")}
    assert len(mp3s) >= 3 and mp3s <= set(recorded), mp3s - set(recorded)
    print(f"typical build {typical:.1f}s; killed at {', '.join(kills)}")


@pytest.mark.parametrize(("target", "signum"), [
    ("session", signal.SIGINT), ("parent", signal.SIGINT),
    ("session", signal.SIGTERM), ("parent", signal.SIGTERM), ("parent", signal.SIGHUP)])
def test_ctrl_c_stops_workers_promptly_and_publishes_nothing(show, tmp_path, target,
                                                             signum) -> None:
    """Ctrl-C, and SIGTERM or SIGHUP (a service manager, a closed terminal) the same way: exit
    status 128 + the signal's number (130, 143, 129), one line, nothing published."""
    scripts, out = show
    before = published_files(out)
    for trial in range(4):  # several new clips, each slow to speak: the build is busy rendering
        change(scripts, trial)
    log = tmp_path / "attempts.log"
    stderr = tmp_path / "stderr.txt"
    process = start(scripts, out, stderr, FAKE_ENGINE_LOG=str(log), FAKE_ENGINE_DELAY="3")
    deadline = time.monotonic() + 60
    while not (log.exists() and log.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, stderr.read_text()
    # A terminal's Ctrl-C reaches the whole foreground group; `kill -INT` only the parent.
    interrupted = time.monotonic()
    if target == "session":
        os.killpg(process.pid, signum)
    else:
        os.kill(process.pid, signum)
    process.wait(timeout=15)
    took = time.monotonic() - interrupted
    assert took < 5, f"took {took:.1f}s to stop"
    assert process.returncode == 128 + signum
    message = stderr.read_text()
    assert "Traceback" not in message
    how = "" if signum == signal.SIGINT else f" by {signal.Signals(signum).name}"
    assert message.splitlines() == [f"interrupted{how}: nothing half-built was published; "
                                    "run it again to finish"]
    deadline = time.monotonic() + 5
    while session_processes(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert session_processes(process.pid) == [], "worker processes were left running"
    check_invariant(out)
    assert published_files(out) == before


def test_a_second_build_waits_for_the_first(show, tmp_path) -> None:
    scripts, out = show
    change(scripts, 0)
    stderr = tmp_path / "stderr.txt"
    messages: list[str] = []
    with build_lock_held(out, messages):
        process = start(scripts, out, stderr)
        deadline = time.monotonic() + 60
        while "waiting" not in stderr.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, stderr.read_text()
            time.sleep(0.05)
        waiting = stderr.read_text().strip()
        assert waiting == (f"Another build is writing to {out} (pid {os.getpid()}); "
                           "waiting for it to finish…")
        time.sleep(1)
        assert process.poll() is None  # still waiting, not writing
    assert process.wait(timeout=120) == 0, stderr.read_text()
    assert check_invariant(out) == 3
    assert messages == []


def test_two_real_builds_at_once_both_succeed_one_after_the_other(show, tmp_path) -> None:
    scripts, out = show
    change(scripts, 1)
    first = start(scripts, out, tmp_path / "first.txt")
    second = start(scripts, out, tmp_path / "second.txt")
    assert first.wait(timeout=120) == 0, (tmp_path / "first.txt").read_text()
    assert second.wait(timeout=120) == 0, (tmp_path / "second.txt").read_text()
    assert check_invariant(out) == 3
    leftovers = [p.name for p in out.rglob(".*.tmp") if ".cache" not in p.parts]
    assert leftovers == []
