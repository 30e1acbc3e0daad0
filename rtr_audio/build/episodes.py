"""The work on one episode: its key, reuse of what is published, the mastering job, sidecars.

An episode's key is the hash of everything in its published files; the files are named after
it (``episodes/<slug>.<key[:8]>.mp3``), so new bytes never appear at an old URL. The build state
(``build.state``) records the key and the MP3's size of the last encode: an episode whose key,
size and files all still match is reused, not encoded again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from rtr_audio import feed, tags, transcript
from rtr_audio.assemble import Timeline
from rtr_audio.build.state import BuildState
from rtr_audio.cache import CLIP_FORMAT, ClipStore, digest
from rtr_audio.files import atomic_write
from rtr_audio.layout import FEED, EpisodeFiles, Layout, episode_files
from rtr_audio.master import BITRATE, LAME_QUALITY, OUTPUT_RATE, encode
from rtr_audio.model import BuiltEpisode
from rtr_audio.plan import EpisodePlan
from rtr_audio.project import Project
from rtr_audio.script import show_notes as script_notes
from rtr_audio.segments import SegmentStore

MASTER_FORMAT = 3  # bump when mastering changes so episodes are re-encoded


def episode_key(project: Project, plan: EpisodePlan, timeline: Timeline,
                cover_jpeg: bytes, published: dt.datetime) -> str:
    """Hash of everything in an episode's published files: audio, tags, transcript text.
    ``published``: the publication time, whose date is the ID3 date (TDRC)."""
    show, script = project.settings, plan.script
    return digest(
        "episode", MASTER_FORMAT, CLIP_FORMAT, BITRATE, LAME_QUALITY, OUTPUT_RATE, show.loudness,
        [(p.start, p.length, p.key) for p in timeline.placements],
        [(c.start, c.end, c.text) for c in timeline.cues],
        [(c.start, c.title) for c in timeline.chapters],
        script.title, script.description, script.episode, published.date(), show.title,
        show.author,
        show.language, show.show_notes_footer, hashlib.sha256(cover_jpeg).hexdigest(),
        # Only with a bed, so the episodes of a show without one keep their keys (and files).
        *([plan.bed.fingerprint()] if plan.bed else []),
    )


def _built(project: Project, plan: EpisodePlan, timeline: Timeline, files: EpisodeFiles,
           size: int, published: dt.datetime) -> BuiltEpisode:
    show_guid = feed.podcast_guid(project.settings.base_url + FEED)
    return BuiltEpisode(
        script=plan.script, guid=feed.episode_guid(show_guid, plan.script), files=files,
        audio_bytes=size, duration=timeline.duration, chapters=timeline.chapters,
        cues=timeline.cues, published=published, notes=show_notes(project, plan),
    )


def show_notes(project: Project, plan: EpisodePlan) -> str:
    return script_notes(plan.script, project.settings)


def reuse(out: Path, state: BuildState, plan: EpisodePlan, key: str, timeline: Timeline,
          published: dt.datetime, project: Project) -> BuiltEpisode | None:
    """The episode already encoded, when its key matches and every file is intact: published
    (as the record says: a damaged MP3 of the same size is encoded again) or staged by a build
    that stopped before publishing."""
    files, paths = episode_files(plan.script.slug, key), Layout(out)
    size = state.episode(plan.script.slug, key)
    if size is None:
        return None
    staged = [paths.staged(name) for name in files.all()]
    if all(path.is_file() for path in staged) and staged[0].stat().st_size == size:
        return _built(project, plan, timeline, files, size, published)
    if not all(state.record.present(name) for name in files.all()):
        return None
    if paths.published(files.audio).stat().st_size != size:
        return None
    return _built(project, plan, timeline, files, size, published)


def master_job(project: Project, plan: EpisodePlan, store: ClipStore, out: Path,
               state: BuildState, timeline: Timeline, key: str, published: dt.datetime,
               cover_jpeg: bytes, reuse_segments: bool = True) -> Callable[[], BuiltEpisode]:
    """The encode of one episode, to run on a thread: MP3, tags, sidecars, then its record in
    the build state. ``reuse_segments`` False (``--force``): every segment is encoded again and
    the episode's gain computed afresh."""

    def job() -> BuiltEpisode:
        # Staged: the publishing step renames the files into place, so nothing published
        # changes before everything else has succeeded.
        files, paths = episode_files(plan.script.slug, key), Layout(out)
        final = paths.staged(files.audio)
        final.parent.mkdir(parents=True, exist_ok=True)
        scratch = final.with_name(f".{final.name}.tmp")
        try:
            previous = state.gain(plan.script.slug) if reuse_segments else None
            mastered = encode(timeline, store, project.settings.loudness, scratch,
                              paths.segments, previous, reuse_segments, plan.bed)
            _tag(project, plan, timeline, scratch, cover_jpeg, published.date())
            os.replace(scratch, final)
        except BaseException:
            scratch.unlink(missing_ok=True)  # no half-encoded leftovers
            raise
        _write_sidecars(paths, files, plan, timeline)
        SegmentStore(paths.segments).record(plan.script.slug, list(mastered.segment_keys))
        size = final.stat().st_size
        state.record_episode(plan.script.slug, key, size, mastered.gain_db)
        return _built(project, plan, timeline, files, size, published)

    return job


def _tag(project: Project, plan: EpisodePlan, timeline: Timeline, mp3: Path,
         cover_jpeg: bytes, date: dt.date) -> None:
    show, script = project.settings, plan.script
    tags.write_tags(
        mp3, title=script.title, artist=show.author, album=show.title, track=script.episode,
        date=date, description=show_notes(project, plan), cover_jpeg=cover_jpeg,
        chapters=list(timeline.chapters), duration=timeline.duration, language=show.language,
    )


def _write_sidecars(paths: Layout, files: EpisodeFiles, plan: EpisodePlan,
                    timeline: Timeline) -> None:
    atomic_write(paths.staged(files.vtt), transcript.to_vtt(timeline.cues).encode())
    atomic_write(paths.staged(files.srt), transcript.to_srt(timeline.cues).encode())
    chapters = transcript.chapters_json(timeline.chapters, timeline.duration, plan.script.title)
    atomic_write(paths.staged(files.chapters), chapters.encode())
