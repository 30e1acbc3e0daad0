"""Streaming assembly: the episode streamed clip by clip is exactly the straightforward one.

The show is built with the fake engine (fast, and no speech engine is started in the test
process); the plan is then recomputed here and the streamed samples compared with a plain
numpy concatenation of the cached clips and the planned silences.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from rtr_audio import dsp, loudness
from rtr_audio.assemble import (
    ClipMissing,
    Placement,
    Timeline,
    episode_loudness,
    layout,
    stream_pcm,
)
from rtr_audio.cache import ClipStore
from rtr_audio.layout import Layout
from rtr_audio.plan import BellItem, ChapterItem, EpisodePlan, SilenceItem, SpeechItem, plan_episode
from rtr_audio.project import EngineCatalog, load_project, resolve_voices
from tests.conftest import REPO, copy_show, run_cli

FAKE = "tests.fake_engine:FakeEngine"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[list[EpisodePlan], ClipStore]:
    """tests/fixtures/mini (pauses, a bell, a list, headings) built; its plans and cache."""
    root = tmp_path_factory.mktemp("streaming")
    scripts, out = copy_show("mini", root / "scripts"), root / "audio_out"
    result = run_cli("build", "--scripts", str(scripts), "--out", str(out), "--engine", FAKE,
                     env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    project = load_project(scripts)
    voices = resolve_voices(project, EngineCatalog(), FAKE)
    plans = [plan_episode(s, project.settings, project.lexicon, voices[s.slug])
             for s in project.scripts]
    return plans, ClipStore(Layout(out).clips)


def timeline_of(plan: EpisodePlan, store: ClipStore) -> Timeline:
    keys = [item.key for item in plan.items if isinstance(item, SpeechItem | BellItem)]
    return layout(plan, {key: store.length(key) for key in keys})


def straightforward(plan: EpisodePlan, store: ClipStore) -> np.ndarray:
    """The whole episode in memory, item by item: what streaming must reproduce. A silence of
    1.2 s or more after the start is longer or shorter by what puts its middle on the nearest
    point of the MP3 frame grid (576 samples at 22.05 kHz: 1152 at 44.1 kHz), where a segment
    of the encode begins."""
    parts: list[np.ndarray] = []
    for item in plan.items:
        if isinstance(item, SilenceItem):
            length = round(item.seconds * dsp.RATE)
            position = sum(len(p) for p in parts)
            if position and item.seconds >= 1.2:
                middle = position + length // 2
                length += (middle + 288) // 576 * 576 - middle
            parts.append(np.zeros(length, dtype=np.int16))
        elif isinstance(item, SpeechItem | BellItem):
            parts.append(store.load(item.key).samples)
        else:
            assert isinstance(item, ChapterItem)
    return np.concatenate(parts)


@pytest.mark.slow
def test_streamed_episode_equals_the_straightforward_concatenation(built):
    plans, store = built
    assert any(isinstance(i, BellItem) for plan in plans for i in plan.items)  # covers a bell
    for plan in plans:
        timeline = timeline_of(plan, store)
        streamed = np.frombuffer(b"".join(stream_pcm(timeline, store)), dtype="<i2")
        expected = straightforward(plan, store)
        assert len(streamed) == timeline.total == len(expected)
        assert np.array_equal(streamed, expected)


@pytest.mark.slow
def test_stream_holds_at_most_one_clip_or_one_second(built):
    plans, store = built
    for plan in plans:
        timeline = timeline_of(plan, store)
        longest_clip = max(p.length for p in timeline.placements if p.key is not None)
        largest = max(len(chunk) for chunk in stream_pcm(timeline, store)) // 2
        assert largest <= max(longest_clip, dsp.RATE)


def test_three_hours_of_silence_stream_in_one_second_pieces():
    three_hours = 3 * 3600 * dsp.RATE
    timeline = Timeline((Placement(0, three_hours, None),), (), (), three_hours)
    total = 0
    for chunk in stream_pcm(timeline, ClipStore(Path("/nonexistent"))):
        assert len(chunk) <= 2 * dsp.RATE
        total += len(chunk) // 2
    assert total == three_hours


@pytest.mark.slow
def test_loudness_from_cached_frames_matches_measuring_the_whole_episode(built):
    plans, store = built
    for plan in plans:
        timeline = timeline_of(plan, store)
        whole = dsp.to_float(straightforward(plan, store))
        direct = loudness.integrated_loudness(loudness.frame_energies(whole))
        assert abs(episode_loudness(timeline, store) - direct) < 0.2


@pytest.mark.slow
def test_a_damaged_clip_stops_the_stream_instead_of_being_streamed(built, tmp_path):
    plans, store = built
    timeline = timeline_of(plans[0], store)
    key = next(p.key for p in timeline.placements if p.key is not None)
    copy = ClipStore(tmp_path)
    for placement in timeline.placements:
        if placement.key is not None:
            copy.save(placement.key, store.load(placement.key))
    data = bytearray(copy.path(key).read_bytes())
    data[-1] ^= 0xFF
    copy.path(key).write_bytes(bytes(data))
    with pytest.raises(ClipMissing):
        for _chunk in stream_pcm(timeline, copy):
            pass


def test_level_limits_a_clip_already_at_the_target_loudness():
    """A clip that sits at the target loudness with a full-scale peak still gets limited."""
    import numpy as np

    from rtr_audio import dsp

    rng = np.random.default_rng(7)
    t = np.arange(dsp.RATE) / dsp.RATE
    clip = (0.2 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(len(t))).astype(
        np.float32)
    clip[len(clip) // 2] = 0.99  # one full-scale click, as Piper's normalisation produces
    target = loudness.integrated_loudness(loudness.frame_energies(clip))  # already "at the target"
    assert loudness.true_peak_db(clip) > dsp.TRUE_PEAK_CEILING_DB
    levelled = dsp.level(clip, target)
    assert loudness.true_peak_db(levelled) <= dsp.TRUE_PEAK_CEILING_DB + 0.1
    assert abs(loudness.integrated_loudness(loudness.frame_energies(levelled)) - target) <= 0.3
