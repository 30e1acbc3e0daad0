"""The scheduler: speak the missing clips while the cover is drawn and finished episodes encode.

Rendering, the cover and encoding overlap: an episode is handed to the encoder as soon as its
last clip is in the cache, so ffmpeg uses the CPU time rendering leaves idle (worker start-up,
the engine's sleeps, the last clips) instead of starting when all are spoken.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import zip_longest

from rtr_audio import cover as cover_stage
from rtr_audio.assemble import ClipMissing, layout
from rtr_audio.build.episodes import episode_key, master_job, reuse
from rtr_audio.build.options import BuildOptions, Reporter
from rtr_audio.build.state import BuildState
from rtr_audio.cache import ClipStore
from rtr_audio.layout import COVER, Layout
from rtr_audio.model import BuiltEpisode
from rtr_audio.plan import EpisodePlan
from rtr_audio.project import Project
from rtr_audio.release import Release
from rtr_audio.render import render_clips
from rtr_audio.summary import BuildSummary
from rtr_audio.tasks import ClipTask


def render_and_encode(project: Project, plans: list[EpisodePlan], options: BuildOptions,
                      state: BuildState, reporter: Reporter,
                      release: Release) -> tuple[list[BuiltEpisode], BuildSummary]:
    """Every due episode built (reused or encoded), in plan order, and what it took.

    The clips of scheduled episodes are spoken too (so a problem shows now, and the build on
    release day has only the encode to do), but they are not encoded before they are due:
    nothing of theirs is in the published folder until then."""
    out = options.out_dir
    store = ClipStore(Layout(out).clips)
    cover = cover_stage.CoverJob(project.settings, out, state.cover,
                                 state.record.present(COVER))
    due = [plan for plan in plans if release.is_due(plan.script)]
    try:
        tasks, missing = clips_to_render(plans, store, options)
        with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
            scheduler = Scheduler(project, due, store, options, state, cover, pool, missing,
                                  release)
            try:
                reporter.stage("Speaking", len(missing))
                render_clips(missing, store, options.jobs, scheduler.clip_rendered(reporter))
                built, mastered = scheduler.finish(reporter)
            except BaseException:
                # Ctrl-C or a failure: start no more encodes (running ones are waited for).
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        cover.stop()
    rendered = len(missing) + scheduler.repaired
    summary = BuildSummary(episodes=len(due), clips_rendered=rendered,
                           clips_reused=len(tasks) - rendered, episodes_mastered=mastered,
                           audio_seconds=sum(e.duration for e in built))
    return built, summary


def clips_to_render(plans: list[EpisodePlan], store: ClipStore,
                    options: BuildOptions) -> tuple[dict[str, ClipTask], list[ClipTask]]:
    """Every clip the plans need, and those the cache lacks (in render order); saves bells."""
    tasks: dict[str, ClipTask] = {}
    for plan in plans:
        tasks.update(plan.tasks)
        if plan.bell_key and (options.force or not store.has(plan.bell_key)):
            _save_bell(store, plan.bell_key, plan.loudness)
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


def _save_bell(store: ClipStore, key: str, loudness: float) -> None:
    # Here, not at the top: synth brings numpy and pydub (a tenth of a second or more), which a
    # build whose bell is already in the cache never needs.
    from rtr_audio.synth import save_bell

    save_bell(store, key, loudness)


def _repair_clips(plans: list[EpisodePlan], store: ClipStore, options: BuildOptions) -> int:
    """Clips that are missing or fail their checksum are rendered again, never published."""
    damaged: dict[str, ClipTask] = {}
    for plan in plans:
        damaged.update((key, task) for key, task in plan.tasks.items()
                       if store.load(key) is None)
        if plan.bell_key and store.load(plan.bell_key) is None:
            _save_bell(store, plan.bell_key, plan.loudness)
    for key in damaged:
        store.discard(key)
    render_clips(list(damaged.values()), store, options.jobs)
    return len(damaged)


class Scheduler:
    """Decides, as each episode's clips become ready, whether to reuse or encode it.

    Decisions run in the build's thread (from the render loop's callback); encodes run on
    ``pool``. An episode to be encoded has its clips verified (checksum) first: one that fails
    is set aside, rendered again after the main render, and only then encoded.
    """

    def __init__(self, project: Project, plans: list[EpisodePlan], store: ClipStore,
                 options: BuildOptions, state: BuildState, cover: cover_stage.CoverJob,
                 pool: ThreadPoolExecutor, missing: list[ClipTask], release: Release):
        self.project, self.plans, self.store, self.options = project, plans, store, options
        self.release = release
        self.state, self.cover, self.pool = state, cover, pool
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
        published = self.release.times[plan.script.slug]
        cover_jpeg = self.cover.result()
        key = episode_key(self.project, plan, timeline, cover_jpeg, published)
        out = self.options.out_dir
        ready = reuse(out, self.state, plan, key, timeline, published, self.project)
        if ready and not self.options.force:
            self.reused[i] = ready
        elif not all(self.store.load(k) is not None for k in keys):
            self._damaged(i, repaired)
        else:
            job = master_job(self.project, plan, self.store, out, self.state, timeline,
                             key, published, cover_jpeg, reuse_segments=not self.options.force)
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
        self.state.cover = self.cover.key
        self.state.save()  # the publication dates just given, and the cover drawn
        reporter.stage("Mastering", len(self.encoding))
        built = dict(self.reused)
        for i in sorted(self.encoding):
            built[i] = self.encoding[i].result()
            reporter.advance()
        return [built[i] for i in sorted(built)], len(self.encoding)
