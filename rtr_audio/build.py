"""The build: validate everything, render what is missing, master what changed, publish atomically.

Publishing order is what keeps ``audio_out/`` whole at every instant: new episode files get new
names (a version tag) and are complete before the feed names them; the feed is replaced last, in
one rename; files the new feed no longer names are removed only after it is in place.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from PIL import Image

from rtr_audio import cover as cover_stage
from rtr_audio import dsp, feed, lock, site, tags, transcript
from rtr_audio.assemble import Timeline, layout
from rtr_audio.cache import CLIP_FORMAT, Clip, ClipStore, atomic_write, cache_dir, digest
from rtr_audio.master import BITRATE, LAME_QUALITY, OUTPUT_RATE, encode, require_ffmpeg
from rtr_audio.model import BuiltEpisode, EpisodeFiles
from rtr_audio.plan import EpisodePlan, plan_episode
from rtr_audio.project import EngineCatalog, Project, load_project, resolve_voices
from rtr_audio.render import ClipTask, render_clips

EPISODES = "episodes"
FEED = "feed.xml"
PAGE = "index.html"
COVER = "cover.jpg"
MASTER_FORMAT = 2  # bump when mastering changes so episodes are re-encoded
ID3_COVER_PX = 1400  # embedded art: Apple's minimum; the 3000 px cover is in the feed


class Reporter(Protocol):
    """How the build tells the user what it is doing (the CLI draws progress bars)."""

    def stage(self, name: str, total: int) -> None: ...

    def advance(self, steps: int = 1) -> None: ...

    def note(self, message: str) -> None: ...


class SilentReporter:
    def stage(self, name: str, total: int) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass

    def note(self, message: str) -> None:
        pass


@dataclass(frozen=True)
class BuildOptions:
    scripts_dir: Path = Path("scripts")
    out_dir: Path = Path("audio_out")
    engine: str | None = None
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    base_url: str | None = None
    force: bool = False


@dataclass
class BuildSummary:
    episodes: int = 0
    audio_seconds: float = 0.0
    clips_rendered: int = 0
    clips_reused: int = 0
    episodes_mastered: int = 0
    seconds: float = 0.0
    feed: Path | None = None

    def line(self) -> str:
        return (f"{self.episodes} episodes, {self.audio_seconds / 60:.1f} min of audio; "
                f"clips rendered {self.clips_rendered}, reused {self.clips_reused}; "
                f"episodes mastered {self.episodes_mastered}; {self.seconds:.1f}s")


def build(options: BuildOptions, reporter: Reporter | None = None) -> BuildSummary:
    reporter = reporter or SilentReporter()
    started = time.monotonic()
    project = load_project(options.scripts_dir, base_url=options.base_url)
    catalog = EngineCatalog()
    voices = resolve_voices(project, catalog, options.engine)
    require_ffmpeg()
    plans = [plan_episode(s, project.settings, project.lexicon, voices[s.slug])
             for s in project.scripts]
    out = options.out_dir
    out.mkdir(parents=True, exist_ok=True)
    with lock.build_lock(cache_dir(out), reporter.note):
        summary = _build_locked(project, plans, options, reporter)
    summary.seconds = time.monotonic() - started
    return summary


def _build_locked(project: Project, plans: list[EpisodePlan], options: BuildOptions,
                  reporter: Reporter) -> BuildSummary:
    out = options.out_dir
    store = ClipStore(cache_dir(out))
    summary = BuildSummary(episodes=len(plans))
    rendered, reused = ensure_clips(plans, store, options, reporter)
    summary.clips_rendered, summary.clips_reused = rendered, reused
    cover_jpeg = publish_cover(project, out)
    built, mastered = master_episodes(project, plans, store, options, cover_jpeg, reporter)
    summary.episodes_mastered = mastered
    summary.audio_seconds = sum(e.duration for e in built)
    summary.feed = publish_show(project, built, out)
    return summary


# ---- rendering -----------------------------------------------------------------------------

def ensure_clips(plans: list[EpisodePlan], store: ClipStore, options: BuildOptions,
                 reporter: Reporter) -> tuple[int, int]:
    """Render every clip the plans need that the cache lacks; returns (rendered, reused)."""
    tasks: dict[str, ClipTask] = {}
    for plan in plans:
        tasks.update(plan.tasks)
        if plan.bell_key and (options.force or not store.has(plan.bell_key)):
            save_bell(store, plan.bell_key, plan.loudness)
    missing = [t for t in tasks.values() if options.force or not store.has(t.key)]
    reporter.stage("Speaking", len(missing))
    render_clips(missing, store, render_workers(options.jobs), lambda _task: reporter.advance())
    return len(missing), len(tasks) - len(missing)


def render_workers(jobs: int) -> int:
    # pyttsx3's espeak loop sleeps 10 ms after every utterance; a second worker per core keeps
    # the core busy during those sleeps (measured in bench/).
    return int(os.environ.get("RTR_W", max(1, jobs * 2)))  # TEMP experiment


def save_bell(store: ClipStore, key: str, loudness: float) -> None:
    chime = dsp.bell(loudness)
    store.save(key, Clip(dsp.to_int16(chime), dsp.frame_energies(chime)))


def _repair_clips(plan: EpisodePlan, store: ClipStore, options: BuildOptions) -> None:
    """Clips that fail their checksum are rendered again, never published."""
    damaged = [task for key, task in plan.tasks.items() if store.load(key) is None]
    if plan.bell_key and store.load(plan.bell_key) is None:
        save_bell(store, plan.bell_key, plan.loudness)
    for task in damaged:
        store.discard(task.key)
    render_clips(damaged, store, render_workers(options.jobs))


# ---- mastering -----------------------------------------------------------------------------

def master_episodes(project: Project, plans: list[EpisodePlan], store: ClipStore,
                    options: BuildOptions, cover_jpeg: bytes,
                    reporter: Reporter) -> tuple[list[BuiltEpisode], int]:
    out = options.out_dir
    jobs: list[Callable[[], BuiltEpisode]] = []
    built: list[BuiltEpisode] = []
    dates = _DateBook(cache_dir(out) / "dates.json")
    for plan in plans:
        timeline = layout(plan, _lengths(plan, store, options))
        published = dates.published(plan.script)
        key = episode_key(project, plan, timeline, cover_jpeg)
        ready = _reuse(out, plan, key, timeline, published, project)
        if ready and not options.force:
            built.append(ready)
        else:
            jobs.append(_master_job(project, plan, store, options, timeline, key, published,
                                    cover_jpeg))
    dates.save()
    reporter.stage("Mastering", len(jobs))
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        futures = [pool.submit(job) for job in jobs]
        try:
            for future in futures:
                built.append(future.result())
                reporter.advance()
        except BaseException:
            # Ctrl-C or a failed episode: start no more encodes (running ones are waited for).
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    order = {plan.script.slug: i for i, plan in enumerate(plans)}
    built.sort(key=lambda e: order[e.script.slug])
    return built, len(jobs)


def _lengths(plan: EpisodePlan, store: ClipStore, options: BuildOptions) -> dict[str, int]:
    keys = list(plan.tasks) + ([plan.bell_key] if plan.bell_key else [])
    lengths = {key: store.length(key) for key in keys}
    if any(length is None for length in lengths.values()):
        _repair_clips(plan, store, options)
        lengths = {key: store.length(key) for key in keys}
    return lengths  # type: ignore[return-value]


def episode_key(project: Project, plan: EpisodePlan, timeline: Timeline,
                cover_jpeg: bytes) -> str:
    """Hash of everything in an episode's published files: audio, tags, transcript text."""
    show, script = project.settings, plan.script
    return digest(
        "episode", MASTER_FORMAT, CLIP_FORMAT, BITRATE, LAME_QUALITY, OUTPUT_RATE, show.loudness,
        [(p.start, p.length, p.key) for p in timeline.placements],
        [(c.start, c.end, c.text) for c in timeline.cues],
        [(c.start, c.title) for c in timeline.chapters],
        script.title, script.description, script.episode, script.date, show.title, show.author,
        show.language, show.show_notes_footer, digest(cover_jpeg.hex()[:4096], len(cover_jpeg)),
    )


def _files(slug: str, key: str) -> EpisodeFiles:
    stem = f"{EPISODES}/{slug}.{key[:8]}"
    return EpisodeFiles(f"{stem}.mp3", f"{stem}.vtt", f"{stem}.srt", f"{stem}.chapters.json")


def _built(project: Project, plan: EpisodePlan, timeline: Timeline, files: EpisodeFiles,
           size: int, published: dt.datetime) -> BuiltEpisode:
    show_guid = feed.podcast_guid(project.settings.base_url + FEED)
    return BuiltEpisode(
        script=plan.script, guid=feed.episode_guid(show_guid, plan.script), files=files,
        audio_bytes=size, duration=timeline.duration, chapters=timeline.chapters,
        cues=timeline.cues, published=published, notes=show_notes(project, plan),
    )


def show_notes(project: Project, plan: EpisodePlan) -> str:
    footer = project.settings.show_notes_footer
    return f"{plan.script.description}\n\n{footer}".strip()


def _reuse(out: Path, plan: EpisodePlan, key: str, timeline: Timeline, published: dt.datetime,
           project: Project) -> BuiltEpisode | None:
    """The already published episode, when its key matches and every file is intact."""
    files = _files(plan.script.slug, key)
    manifest = cache_dir(out) / "episodes" / f"{plan.script.slug}.json"
    try:
        recorded = json.loads(manifest.read_text())
        size = (out / files.audio).stat().st_size
    except (OSError, ValueError):
        return None
    if recorded.get("key") != key or recorded.get("bytes") != size:
        return None
    if not all((out / name).is_file() for name in (files.vtt, files.srt, files.chapters)):
        return None
    return _built(project, plan, timeline, files, size, published)


def _master_job(project: Project, plan: EpisodePlan, store: ClipStore, options: BuildOptions,
                timeline: Timeline, key: str, published: dt.datetime,
                cover_jpeg: bytes) -> Callable[[], BuiltEpisode]:
    def job() -> BuiltEpisode:
        out = options.out_dir
        files = _files(plan.script.slug, key)
        final = out / files.audio
        final.parent.mkdir(parents=True, exist_ok=True)
        scratch = final.with_name(f".{final.name}.tmp")
        try:
            encode(timeline, store, project.settings.loudness, scratch)
            _tag(project, plan, timeline, scratch, cover_jpeg)
            os.replace(scratch, final)
        except BaseException:
            scratch.unlink(missing_ok=True)  # no half-encoded leftovers in the published folder
            raise
        _write_sidecars(out, files, plan, timeline)
        size = final.stat().st_size
        manifest = cache_dir(out) / "episodes" / f"{plan.script.slug}.json"
        atomic_write(manifest, json.dumps({"key": key, "bytes": size}).encode())
        return _built(project, plan, timeline, files, size, published)

    return job


def _tag(project: Project, plan: EpisodePlan, timeline: Timeline, mp3: Path,
         cover_jpeg: bytes) -> None:
    show, script = project.settings, plan.script
    tags.write_tags(
        mp3, title=script.title, artist=show.author, album=show.title, track=script.episode,
        date=script.date, description=show_notes(project, plan), cover_jpeg=cover_jpeg,
        chapters=list(timeline.chapters), duration=timeline.duration, language=show.language,
    )


def _write_sidecars(out: Path, files: EpisodeFiles, plan: EpisodePlan,
                    timeline: Timeline) -> None:
    atomic_write(out / files.vtt, transcript.to_vtt(timeline.cues).encode())
    atomic_write(out / files.srt, transcript.to_srt(timeline.cues).encode())
    chapters = transcript.chapters_json(timeline.chapters, timeline.duration, plan.script.title)
    atomic_write(out / files.chapters, chapters.encode())


# ---- publishing ----------------------------------------------------------------------------

def publish_cover(project: Project, out: Path) -> bytes:
    """Write cover.jpg when what determines it changed; return the smaller copy for ID3."""
    key = cover_stage.cover_key(project.settings)
    stamp = cache_dir(out) / "cover.key"
    embedded = cache_dir(out) / "cover-id3.jpg"
    if not ((out / COVER).is_file() and stamp.is_file() and stamp.read_text() == key
            and embedded.is_file()):
        cover_stage.write_cover(project.settings, out / COVER)
        with Image.open(out / COVER) as image:
            small = image.resize((ID3_COVER_PX, ID3_COVER_PX), Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            small.save(buffer, "JPEG", quality=85)
        atomic_write(embedded, buffer.getvalue())
        atomic_write(stamp, key.encode())
    return embedded.read_bytes()


def publish_show(project: Project, built: list[BuiltEpisode], out: Path) -> Path:
    show = project.settings
    feed_url = show.base_url + FEED
    write_if_changed(out / PAGE, site.render_page(show, built, feed_url).encode())
    _publish_feed(project, built, out)
    remove_unlisted(out, built)
    return out / FEED


def _publish_feed(project: Project, built: list[BuiltEpisode], out: Path) -> None:
    """Write feed.xml last; lastBuildDate only moves when the feed's content changes."""
    state = cache_dir(out) / "feed-built.txt"
    try:
        previous = dt.datetime.fromisoformat(state.read_text().strip())
    except (OSError, ValueError):
        previous = None
    if previous is not None:
        candidate = feed.build_feed(project.settings, built, last_build=previous)
        if _read(out / FEED) == candidate:
            return
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    data = feed.build_feed(project.settings, built, last_build=now)
    atomic_write(state, now.isoformat().encode())
    atomic_write(out / FEED, data, durable=True)


def write_if_changed(path: Path, data: bytes) -> bool:
    if _read(path) == data:
        return False
    atomic_write(path, data, durable=True)
    return True


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def remove_unlisted(out: Path, built: list[BuiltEpisode]) -> None:
    """After the feed is in place: old versions and leftovers of interrupted builds go."""
    keep = {name for e in built
            for name in (e.files.audio, e.files.vtt, e.files.srt, e.files.chapters)}
    for leftover in out.glob(".*.tmp"):  # temporary files of a build that was killed
        leftover.unlink(missing_ok=True)
    folder = out / EPISODES
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.is_file() and f"{EPISODES}/{path.name}" not in keep:
            path.unlink(missing_ok=True)


class _DateBook:
    """Publication dates for scripts without ``date:``: the first build that published them."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.dates: dict[str, str] = json.loads(path.read_text())
        except (OSError, ValueError):
            self.dates = {}
        self.changed = False

    def published(self, script) -> dt.datetime:
        if script.date is not None:
            return dt.datetime.combine(script.date, dt.time(9, 0), tzinfo=dt.UTC)
        if script.slug not in self.dates:
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            self.dates[script.slug] = now.isoformat()
            self.changed = True
        return dt.datetime.fromisoformat(self.dates[script.slug])

    def save(self) -> None:
        if self.changed:
            atomic_write(self.path, json.dumps(self.dates, indent=1).encode())
