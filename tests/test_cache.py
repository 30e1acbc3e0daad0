"""The render cache: every ingredient of a clip's sound invalidates it, nothing else does.

Real builds of a tiny show (espeak-ng is quick), run as a user would run them, checked through
what they publish and the summary line they print. Ingredients that a user cannot change from a
script (engine version, sample format) are checked on the planned cache keys.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import re
import shutil
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from rtr_audio import dsp, pcm, plan
from rtr_audio.build.schedule import render_order
from rtr_audio.cache import Clip, ClipStore
from rtr_audio.layout import Layout
from rtr_audio.plan import EpisodePlan, plan_episode
from rtr_audio.project import EngineCatalog, load_project, resolve_voices
from rtr_audio.render import CLIPS_PER_PROCESS
from tests.audio_probe import loudness
from tests.conftest import REPO, run_cli

pytestmark = pytest.mark.slow

SHOW = {
    "show.yml": """\
title: Cache Show
description: A tiny show for the cache tests.
author: Test Author
language: en-us
owner: {name: Test Owner, email: owner@example.org}
rate: 170
""",
    "lexicon.yml": "RTR: R T R\n",
    "01-one.md": """\
---
title: One
description: The first episode.
episode: 1
date: 2026-01-01
---
Hello there. The RTR method is gentle.

Breathe in slowly.
""",
    "02-two.md": """\
---
title: Two
description: The second episode.
episode: 2
date: 2026-01-02
---
A second episode begins. It has two sentences.
""",
}
CLIPS = 5  # sentences in the show, all different
FAKE = "tests.fake_engine:FakeEngine"


def write_show(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name, text in SHOW.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def build(scripts: Path, out: Path, *extra: str) -> dict[str, int]:
    """Build; returns the summary's counts (rendered, reused, mastered)."""
    result = run_cli("build", "--scripts", str(scripts), "--out", str(out), *extra,
                     env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    found = re.search(r"clips rendered (\d+), reused (\d+); episodes mastered (\d+)",
                      result.stdout)
    assert found, result.stdout
    rendered, reused, mastered = map(int, found.groups())
    return {"rendered": rendered, "reused": reused, "mastered": mastered}


def enclosure_lengths(out: Path) -> dict[str, int]:
    from lxml import etree

    root = etree.parse(str(out / "feed.xml")).getroot()
    return {e.get("url").split("/", 3)[3]: int(e.get("length")) for e in root.iter("enclosure")}


def feed_durations(feed: bytes) -> list[float]:
    from lxml import etree

    ns = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}
    root = etree.fromstring(feed)
    return sorted(float(i.findtext("itunes:duration", namespaces=ns)) for i in root.iter("item"))


def published(out: Path) -> dict[str, tuple[bytes, int]]:
    """Every published file (not the cache): its bytes and mtime_ns."""
    return {str(p.relative_to(out)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(out.rglob("*"))
            if p.is_file() and ".cache" not in p.relative_to(out).parts}


def clip_files(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (out / ".cache" / "clips").rglob("*.clip")}


def mp3s(out: Path) -> dict[str, bytes]:
    """Episode MP3s by slug (the name also carries a version tag)."""
    return {p.name.split(".")[0]: p.read_bytes() for p in (out / "episodes").glob("*.mp3")}


def mp3_names(out: Path) -> dict[str, str]:
    """The MP3 the feed names for each slug (previous versions may still be in the folder)."""
    named = re.findall(r'<enclosure url="[^"]*/episodes/([^"/]+[.]mp3)"',
                       (out / "feed.xml").read_text())
    return {name.split(".")[0]: name for name in named}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def built_once(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cache-show")
    scripts, out = write_show(root / "scripts"), root / "audio_out"
    counts = build(scripts, out)
    assert counts == {"rendered": CLIPS, "reused": 0, "mastered": 2}
    return scripts, out


@pytest.fixture
def show(built_once, tmp_path) -> tuple[Path, Path]:
    """A private copy of the built show (scripts and output, mtimes kept)."""
    scripts, out = built_once
    shutil.copytree(scripts, tmp_path / "scripts")
    shutil.copytree(out, tmp_path / "audio_out")
    return tmp_path / "scripts", tmp_path / "audio_out"


# ---- what a rebuild does ---------------------------------------------------------------------

def test_noop_build_renders_nothing_and_rewrites_nothing(show):
    scripts, out = show
    before, clips = published(out), clip_files(out)
    assert build(scripts, out) == {"rendered": 0, "reused": CLIPS, "mastered": 0}
    assert published(out) == before  # bytes and mtime_ns of every published file
    assert clip_files(out) == clips


def test_editing_one_sentence_renders_one_clip_and_remasters_one_episode(show):
    scripts, out = show
    names, audio = mp3_names(out), mp3s(out)
    edit(scripts / "02-two.md", "It has two sentences.", "It has two short sentences.")
    assert build(scripts, out) == {"rendered": 1, "reused": CLIPS - 1, "mastered": 1}
    after = mp3_names(out)
    assert after["one"] == names["one"] and mp3s(out)["one"] == audio["one"]
    assert after["two"] != names["two"]  # a new URL for new audio
    # The old version stays for keep_previous (apps holding the old feed still fetch it).
    assert len(list((out / "episodes").glob("*.mp3"))) == 3


@pytest.mark.parametrize("setting", ["voice: gmw/en-gb-x-rp", "rate: 160", "loudness: -18"])
def test_changing_the_show_voice_rate_or_loudness_renders_everything(show, setting):
    scripts, out = show
    key = setting.split(":")[0]
    text = (scripts / "show.yml").read_text()
    text = re.sub(rf"^{key}:.*\n", "", text, flags=re.MULTILINE) + setting + "\n"
    (scripts / "show.yml").write_text(text)
    assert build(scripts, out) == {"rendered": CLIPS, "reused": 0, "mastered": 2}


def test_changing_the_engine_renders_everything(show):
    scripts, out = show
    assert build(scripts, out, "--engine", FAKE) == {"rendered": CLIPS, "reused": 0,
                                                      "mastered": 2}


def test_a_lexicon_entry_invalidates_only_the_clips_that_use_it(show):
    scripts, out = show
    names = mp3_names(out)
    (scripts / "lexicon.yml").write_text("RTR: are tee are\nZebra: zeb rah\n")
    # Changed entry: its one sentence; new entry "Zebra": used nowhere, nothing.
    assert build(scripts, out) == {"rendered": 1, "reused": CLIPS - 1, "mastered": 1}
    assert mp3_names(out)["two"] == names["two"]


def test_force_renders_and_masters_everything(show):
    scripts, out = show
    assert build(scripts, out, "--force") == {"rendered": CLIPS, "reused": 0, "mastered": 2}


def test_clean_removes_the_cache_and_the_output_once_the_grace_is_over(show):
    _scripts, out = show
    result = run_cli("clean", "-y", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert len(list((out / "episodes").glob("*.mp3"))) == 2  # kept for keep_previous (7d)
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=7, minutes=5)).isoformat()
    result = run_cli("clean", "-y", "--out", str(out),
                     env={**os.environ, "RTR_AUDIO_NOW": later})
    assert result.returncode == 0, result.stderr
    assert list(out.iterdir()) == []


# ---- damaged cache entries ---------------------------------------------------------------------

def test_truncated_clip_is_rendered_again_and_published_files_stay(show):
    scripts, out = show
    before = published(out)
    store = ClipStore(Layout(out).clips)
    victim = next((out / ".cache" / "clips").rglob("*.clip"))
    seconds = store.load(victim.stem).seconds
    victim.write_bytes(victim.read_bytes()[:-1000])
    assert build(scripts, out)["rendered"] == 1
    assert abs(store.load(victim.stem).seconds - seconds) < 0.05  # the same sentence again
    # espeak-ng carries state across utterances, and the clip is re-rendered in a process of
    # its own rather than after the clips of its run, so it can differ by a few samples and
    # re-master its episode. What must hold: nothing published
    # comes from the truncated entry — every enclosure is whole, and as long as it was.
    assert feed_durations((out / "feed.xml").read_bytes()) == feed_durations(
        before["feed.xml"][0])
    for name, length in enclosure_lengths(out).items():
        assert (out / name).stat().st_size == length


def test_corrupt_clip_is_rendered_again_and_never_published(show):
    scripts, out = show
    store = ClipStore(Layout(out).clips)
    victim = next((out / ".cache" / "clips").rglob("*.clip"))
    clip = store.load(victim.stem)
    data = bytearray(victim.read_bytes())
    # Same size, so only the checksum can tell: a full-scale click in the middle of speech.
    loudest = 24 + 2 * int(np.argmax(np.abs(clip.samples)))  # after the 24-byte header
    data[loudest:loudest + 2] = (32767 if clip.samples.max() > 0 else -32768).to_bytes(
        2, "little", signed=True)
    data[loudest + 2:loudest + 4] = (-32768).to_bytes(2, "little", signed=True)
    victim.write_bytes(bytes(data))
    assert store.load(victim.stem) is None
    for mp3 in (out / "episodes").glob("*.mp3"):
        mp3.unlink()  # every episode must be encoded again, so every clip is read
    counts = build(scripts, out)
    assert counts["rendered"] == 1 and counts["mastered"] == 2
    assert store.load(victim.stem) is not None
    for mp3 in (out / "episodes").glob("*.mp3"):
        _integrated, true_peak = loudness(mp3)
        assert true_peak <= -1.0, (mp3.name, true_peak)  # the click was never published


# ---- serial and parallel ---------------------------------------------------------------------

def test_serial_and_parallel_builds_give_identical_audio(tmp_path):
    """espeak-ng carries synthesis state from one utterance to the next (its pitch-flutter
    phase), so this holds because clips are spoken in fixed runs, each by a fresh process —
    tried here on enough clips for several runs, four processes at a time with --jobs 2."""
    scripts = write_show(tmp_path / "scripts")
    sentences = " ".join(f"Sentence number {n} rests here, quietly." for n in range(1, 41))
    edit(scripts / "02-two.md", "It has two sentences.", sentences)
    assert CLIPS + 40 > 2 * CLIPS_PER_PROCESS
    build(scripts, tmp_path / "serial", "--jobs", "1")
    build(scripts, tmp_path / "parallel", "--jobs", "2")
    serial, parallel = mp3s(tmp_path / "serial"), mp3s(tmp_path / "parallel")
    assert serial.keys() == {"one", "two"}
    assert serial == parallel
    assert mp3_names(tmp_path / "serial") == mp3_names(tmp_path / "parallel")


# ---- concurrent writers ----------------------------------------------------------------------

def _clip(seed: int, seconds: float = 20.0) -> Clip:
    rng = np.random.default_rng(seed)
    samples = rng.integers(-20000, 20000, int(dsp.RATE * seconds), dtype=np.int16)
    return Clip(samples, rng.random(len(samples) // pcm.FRAME, dtype=np.float32))


def _keep_saving(root: str, key: str, seed: int, ready) -> None:
    store, clip = ClipStore(Path(root)), _clip(seed)
    ready.set()
    while True:
        store.save(key, clip)


def test_concurrent_and_killed_writers_never_publish_a_half_written_clip(tmp_path):
    """Worker processes saving the same clip, killed at random moments mid-write: a reader
    sees no clip or a whole one, never part of one."""
    key = "ab" * 32
    store = ClipStore(tmp_path)
    expected = {seed: _clip(seed).samples for seed in (1, 2)}
    context = multiprocessing.get_context("spawn")  # never fork a test process
    rng = np.random.default_rng(0)
    seen = set()
    for _round in range(6):
        ready = [context.Event() for _ in expected]
        writers = [context.Process(target=_keep_saving, args=(str(tmp_path), key, seed, event))
                   for seed, event in zip(expected, ready, strict=True)]
        for writer in writers:
            writer.start()
        for event in ready:
            assert event.wait(60)
        deadline = time.monotonic() + rng.uniform(0.05, 0.3)
        while time.monotonic() < deadline:  # read while both write
            clip = store.load(key)
            length = store.length(key)
            assert length in (None, len(expected[1]))
            if clip is not None:
                matches = [seed for seed, samples in expected.items()
                           if np.array_equal(clip.samples, samples)]
                assert len(matches) == 1
                seen.update(matches)
        for writer in writers:
            os.kill(writer.pid, signal.SIGKILL)  # mid-write, most likely
            writer.join()
        clip = store.load(key)
        assert clip is not None
        assert any(np.array_equal(clip.samples, s) for s in expected.values())
    assert seen == set(expected)
    # What a killed writer leaves is a temporary file, never a clip under a clip's name.
    leftovers = [p for p in store.path(key).parent.iterdir() if p != store.path(key)]
    assert all(p.name.startswith(".") and p.name.endswith(".tmp") for p in leftovers)


def test_truncated_or_flipped_entries_are_refused_by_the_store(tmp_path):
    store, key = ClipStore(tmp_path), "cd" * 32
    store.save(key, _clip(3, seconds=1.0))
    data = store.path(key).read_bytes()
    store.path(key).write_bytes(data[:-10])
    assert store.length(key) is None and store.load(key) is None and not store.has(key)
    flipped = bytearray(data)
    flipped[-5] ^= 0x01
    store.path(key).write_bytes(bytes(flipped))
    assert store.length(key) is not None  # the cheap check cannot see it…
    assert store.load(key) is None  # …the checksum does


# ---- what a clip's key is made of ------------------------------------------------------------

def _keys(scripts: Path, engine: str = FAKE) -> set[str]:
    project = load_project(scripts)
    voices = resolve_voices(project, EngineCatalog(), engine)
    keys: set[str] = set()
    for script in project.scripts:
        keys |= set(plan_episode(script, project.settings, project.lexicon,
                                 voices[script.slug]).tasks)
    return keys


def test_each_ingredient_of_a_clip_changes_its_key(tmp_path, monkeypatch):
    """Engine version and sample format cannot be changed from a script: checked on the keys
    (the fake engine stands in, so no engine is started in the test process)."""
    from tests.fake_engine import FakeEngine

    scripts = write_show(tmp_path / "scripts")
    base = _keys(scripts)
    assert len(base) == CLIPS
    assert _keys(scripts) == base  # stable
    with monkeypatch.context() as patch:
        patch.setattr(FakeEngine, "version", lambda self: "fake-2")
        assert _keys(scripts).isdisjoint(base)
    with monkeypatch.context() as patch:
        patch.setattr(plan, "CLIP_FORMAT", plan.CLIP_FORMAT + 1)
        assert _keys(scripts).isdisjoint(base)
    with monkeypatch.context() as patch:
        patch.setattr(pcm, "RATE", 24000)
        assert _keys(scripts).isdisjoint(base)
    (scripts / "lexicon.yml").write_text("RTR: are tee are\nZebra: zeb rah\n")
    assert len(_keys(scripts) - base) == 1


def plans_of(scripts: Path) -> list[EpisodePlan]:
    project = load_project(scripts)
    voices = resolve_voices(project, EngineCatalog(), FAKE)
    return [plan_episode(s, project.settings, project.lexicon, voices[s.slug])
            for s in project.scripts]


def test_render_order_alternates_the_last_two_episodes_and_lists_each_clip_once(tmp_path):
    scripts = write_show(tmp_path / "scripts")
    (scripts / "03-three.md").write_text(
        "---\ntitle: Three\ndescription: The third.\nepisode: 3\ndate: 2026-01-03\n---\n"
        "A third episode. Longer than the others. Hello there.\n")
    plans = plans_of(scripts)
    one, two, three = ([t.text for t in plan.tasks.values()] for plan in plans)
    assert one[0] == "Hello there." and three[2] == "Hello there."  # shared: spoken once
    order = [task.text for task in render_order(plans)]
    assert order == [*one, two[0], three[0], two[1], three[1]]
    assert len(order) == len(set(order))


@pytest.mark.parametrize(("engine", "stateful"), [(FAKE, False),
                                                  (FAKE.replace(":", ":Stateful"), True)])
def test_engine_processes_speak_fixed_runs_only_when_the_engine_keeps_state(
        tmp_path, engine, stateful):
    scripts = write_show(tmp_path / "scripts")
    sentences = [f"Sentence number {n} rests here." for n in range(1, 41)]
    edit(scripts / "02-two.md", "It has two sentences.", " ".join(sentences))
    log = tmp_path / "engine.log"
    result = run_cli("build", "--scripts", str(scripts), "--out", str(tmp_path / "out"),
                     "--engine", engine, "--jobs", "1",
                     env={**os.environ, "PYTHONPATH": str(REPO), "FAKE_ENGINE_LOG": str(log)})
    assert result.returncode == 0, result.stderr
    spoken = [line.split(" ", 1) for line in log.read_text().splitlines()]
    by_process: dict[str, list[str]] = {}
    for pid, text in spoken:
        by_process.setdefault(pid, []).append(text)
    total = CLIPS - 1 + len(sentences)  # "It has two sentences." is gone
    assert len(spoken) == total
    if stateful:  # runs of CLIPS_PER_PROCESS in render order, each in a process of its own
        order = [task.text for task in render_order(plans_of(scripts))]
        runs = [order[i: i + CLIPS_PER_PROCESS] for i in range(0, total, CLIPS_PER_PROCESS)]
        assert sorted(by_process.values()) == sorted(runs)
    else:  # one core, one process (the fake engine never sleeps), which keeps its model
        assert len(by_process) == 1
