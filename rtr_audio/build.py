"""The build: validate everything, render what is missing, master what changed, publish atomically.

Publishing order is what keeps ``audio_out/`` whole at every instant: new episode files get new
names (a version tag) and are complete before the feed names them; the feed is replaced last, in
one rename; files the new feed no longer names are removed only after it is in place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Protocol

from rtr_audio import cover as cover_stage
from rtr_audio import dsp, feed, lock, site, tags, transcript, uptodate
from rtr_audio.assemble import ClipMissing, Timeline, layout
from rtr_audio.cache import CLIP_FORMAT, Clip, ClipStore, cache_dir, digest
from rtr_audio.files import atomic_write
from rtr_audio.master import BITRATE, LAME_QUALITY, OUTPUT_RATE, encode, require_ffmpeg
from rtr_audio.model import BuiltEpisode, EpisodeFiles
from rtr_audio.plan import EpisodePlan, plan_episode
from rtr_audio.project import EngineCatalog, Project, load_project, resolve_voices
from rtr_audio.render import ClipTask, render_clips, start_workers_early
from rtr_audio.uptodate import BuildSummary

EPISODES = "episodes"
FEED = "feed.xml"
PAGE = "index.html"
MASTER_FORMAT = 2  # bump when mastering changes so episodes are re-encoded


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


def build(options: BuildOptions, reporter: Reporter | None = None) -> BuildSummary:
    reporter = reporter or SilentReporter()
    started = time.monotonic()
    changed = options.force or uptodate.inputs_changed(
        options.scripts_dir, options.out_dir, options.engine, options.base_url)
    if changed and shutil.which("ffmpeg"):
        # The scripts changed since the last build, so clips will most likely be spoken: the
        # fork server imports the audio stack (most of a second) while the scripts are planned.
        # (Not when ffmpeg is missing: that build stops at once, with one line.)
        start_workers_early()
    project = load_project(options.scripts_dir, base_url=options.base_url)
    catalog = EngineCatalog()
    voices = resolve_voices(project, catalog, options.engine)
    require_ffmpeg()
    plans = [plan_episode(s, project.settings, project.lexicon, voices[s.slug])
             for s in project.scripts]
    out = options.out_dir
    out.mkdir(parents=True, exist_ok=True)
    with lock.build_lock(cache_dir(out), reporter.note):
        uptodate.forget(out)
        summary = _build_locked(project, plans, options, reporter)
        extra = catalog.version_files() + cover_stage.version_files(project.settings)
        uptodate.write(options.scripts_dir, out, options.engine, options.base_url, extra, summary)
    summary.seconds = time.monotonic() - started
    return summary


def _build_locked(project: Project, plans: list[EpisodePlan], options: BuildOptions,
                  reporter: Reporter) -> BuildSummary:
    """Speak the missing clips while the cover is drawn and finished episodes are encoded.

    Rendering, the cover and encoding overlap: an episode is handed to the encoder as soon as
    its last clip is in the cache, so ffmpeg uses the CPU time rendering leaves idle (worker
    start-up, the engine's sleeps, the last clips) instead of starting when all are spoken.
    """
    out = options.out_dir
    store = ClipStore(cache_dir(out))
    summary = BuildSummary(episodes=len(plans))
    cover = cover_stage.CoverJob(project.settings, out)
    try:
        tasks, missing = clips_to_render(plans, store, options)
        with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
            mastering = _Mastering(project, plans, store, options, cover, pool, missing)
            try:
                reporter.stage("Speaking", len(missing))
                render_clips(missing, store, options.jobs,
                             mastering.clip_rendered(reporter))
                built, mastered = mastering.finish(reporter)
            except BaseException:
                # Ctrl-C or a failure: start no more encodes (running ones are waited for).
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        cover.stop()
    summary.clips_rendered = len(missing) + mastering.repaired
    summary.clips_reused = len(tasks) - summary.clips_rendered
    summary.episodes_mastered = mastered
    summary.audio_seconds = sum(e.duration for e in built)
    summary.feed = publish_show(project, built, out)
    return summary


# ---- rendering -----------------------------------------------------------------------------

def clips_to_render(plans: list[EpisodePlan], store: ClipStore,
                    options: BuildOptions) -> tuple[dict[str, ClipTask], list[ClipTask]]:
    """Every clip the plans need, and those the cache lacks (in render order); saves bells."""
    tasks: dict[str, ClipTask] = {}
    for plan in plans:
        tasks.update(plan.tasks)
        if plan.bell_key and (options.force or not store.has(plan.bell_key)):
            save_bell(store, plan.bell_key, plan.loudness)
    missing = [t for t in render_order(plans) if options.force or not store.has(t.key)]
    return tasks, missing


def render_order(plans: list[EpisodePlan]) -> list[ClipTask]:
    """Every distinct clip once, in episode order, except that the last two episodes' clips
    alternate.

    An episode is encoded as soon as its clips are spoken. One after the other, the last
    episode would be encoded alone at the end, with a core idle (on the five-episode bench
    show, ~0.7 s); finishing together, the last two are encoded side by side. The order is
    fixed, not chosen by ``--jobs``, so the runs of clips, and with them the audio, are the
    same whatever the number of workers.
    """
    ordered: dict[str, ClipTask] = {}
    for plan in plans[:-2]:
        ordered.update((key, task) for key, task in plan.tasks.items() if key not in ordered)
    last_two = [list(plan.tasks.values()) for plan in plans[-2:]]
    for pair in zip_longest(*last_two):
        ordered.update((task.key, task) for task in pair
                       if task is not None and task.key not in ordered)
    return list(ordered.values())


def save_bell(store: ClipStore, key: str, loudness: float) -> None:
    chime = dsp.bell(loudness)
    store.save(key, Clip(dsp.to_int16(chime), dsp.frame_energies(chime)))


def _repair_clips(plans: list[EpisodePlan], store: ClipStore, options: BuildOptions) -> int:
    """Clips that are missing or fail their checksum are rendered again, never published."""
    damaged: dict[str, ClipTask] = {}
    for plan in plans:
        damaged.update((key, task) for key, task in plan.tasks.items()
                       if store.load(key) is None)
        if plan.bell_key and store.load(plan.bell_key) is None:
            save_bell(store, plan.bell_key, plan.loudness)
    for key in damaged:
        store.discard(key)
    render_clips(list(damaged.values()), store, options.jobs)
    return len(damaged)


# ---- mastering -----------------------------------------------------------------------------

class _Mastering:
    """Decides, as each episode's clips become ready, whether to reuse or encode it.

    Decisions run in the build's thread (from the render loop's callback); encodes run on
    ``pool``. An episode to be encoded has its clips verified (checksum) first: one that fails
    is set aside, rendered again after the main render, and only then encoded.
    """

    def __init__(self, project: Project, plans: list[EpisodePlan], store: ClipStore,
                 options: BuildOptions, cover: cover_stage.CoverJob, pool: ThreadPoolExecutor,
                 missing: list[ClipTask]):
        self.project, self.plans, self.store, self.options = project, plans, store, options
        self.cover, self.pool = cover, pool
        self.dates = _DateBook(cache_dir(options.out_dir) / "dates.json")
        keys = {task.key for task in missing}
        self.pending = [{key for key in plan.tasks if key in keys} for plan in plans]
        self.ready = [i for i, waiting in enumerate(self.pending) if not waiting]
        self.users: dict[str, list[int]] = {}
        for i, waiting in enumerate(self.pending):
            for key in waiting:
                self.users.setdefault(key, []).append(i)
        self.reused: dict[int, BuiltEpisode] = {}
        self.encoding: dict[int, Future[BuiltEpisode]] = {}
        self.damaged: list[int] = []
        self.repaired = 0  # clips rendered again because their cache entry was damaged
        self._decide_ready()

    def clip_rendered(self, reporter: Reporter) -> Callable[[ClipTask], None]:
        def done(task: ClipTask) -> None:
            reporter.advance()
            for i in self.users.get(task.key, ()):
                self.pending[i].discard(task.key)
                if not self.pending[i]:
                    self.ready.append(i)
            self._decide_ready()

        return done

    def _decide_ready(self) -> None:
        # Episode keys include the cover: until it is drawn, ready episodes wait.
        if self.ready and self.cover.done():
            ready, self.ready = self.ready, []
            for i in ready:
                self._decide(i)

    def _decide(self, i: int, repaired: bool = False) -> None:
        plan = self.plans[i]
        keys = list(plan.tasks) + ([plan.bell_key] if plan.bell_key else [])
        lengths = {key: self.store.length(key) for key in keys}
        if any(length is None for length in lengths.values()):
            self._damaged(i, repaired)
            return
        timeline = layout(plan, lengths)  # type: ignore[arg-type]
        published = self.dates.published(plan.script)
        cover_jpeg = self.cover.result()
        key = episode_key(self.project, plan, timeline, cover_jpeg)
        ready = _reuse(self.options.out_dir, plan, key, timeline, published, self.project)
        if ready and not self.options.force:
            self.reused[i] = ready
        elif not all(self.store.load(k) is not None for k in keys):
            self._damaged(i, repaired)
        else:
            job = _master_job(self.project, plan, self.store, self.options, timeline, key,
                              published, cover_jpeg)
            self.encoding[i] = self.pool.submit(job)

    def _damaged(self, i: int, repaired: bool) -> None:
        if repaired:
            raise ClipMissing(f"{self.plans[i].script.path}: clips are still damaged after "
                              "rendering them again")
        self.damaged.append(i)

    def finish(self, reporter: Reporter) -> tuple[list[BuiltEpisode], int]:
        """After the main render: the remaining decisions, repairs, then every encode's end."""
        self.cover.result()
        self._decide_ready()
        if self.damaged:
            damaged, self.damaged = self.damaged, []
            self.repaired = _repair_clips([self.plans[i] for i in damaged], self.store,
                                          self.options)
            for i in damaged:
                self._decide(i, repaired=True)
        self.dates.save()
        reporter.stage("Mastering", len(self.encoding))
        built = dict(self.reused)
        for i in sorted(self.encoding):
            built[i] = self.encoding[i].result()
            reporter.advance()
        return [built[i] for i in sorted(built)], len(self.encoding)


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
        show.language, show.show_notes_footer, hashlib.sha256(cover_jpeg).hexdigest(),
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
