"""The build, phase by phase: validate → plan → release → render ∥ cover ∥ encode → publish →
stamp.

- validate: the show, its scripts and voices are read and checked, every problem reported at
  once (the CLI does this before importing the audio stack and hands the project in);
- plan: each script becomes a flat list of clips and silences with cache keys;
- release: which episodes are due by the build's clock (``release``); scheduled ones are
  spoken below but not encoded or published;
- render ∥ cover ∥ encode: missing clips are spoken while the cover is drawn, and each due
  episode is encoded (or its published files reused) as soon as its clips are ready
  (``schedule``);
- publish: the page, then the feed in one rename, then the files it no longer names go once
  their grace period (``keep_previous``) is over;
- stamp: the up-to-date record, so that the next build with nothing to do stops at once.

Everything from render on runs under the output folder's build lock, with the up-to-date
stamp removed first: a build that stops half-way leaves no stamp, and the next one checks all.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time

from rtr_audio import clock, cover, lock, uptodate
from rtr_audio.build.options import BuildOptions, Reporter, SilentReporter
from rtr_audio.build.publish import publish_show
from rtr_audio.build.schedule import render_and_encode
from rtr_audio.build.state import BuildState
from rtr_audio.layout import Layout
from rtr_audio.master import require_ffmpeg
from rtr_audio.plancache import plan_all
from rtr_audio.project import EngineCatalog, Project, load_project, resolve_voices
from rtr_audio.release import Release
from rtr_audio.render import start_workers_early
from rtr_audio.segments import SegmentStore
from rtr_audio.summary import BuildSummary, Scheduled
from rtr_audio.tasks import Voice


def build(options: BuildOptions, reporter: Reporter | None = None, *,
          project: Project | None = None, inputs: str | None = None) -> BuildSummary:
    """Build the show in ``options.scripts_dir`` into ``options.out_dir``.

    ``project``: the show, already validated (else it is loaded here); ``inputs``: its
    ``uptodate.fingerprint``, already computed (else computed here). Raises InputError (bad
    input, listing every problem), ToolMissing (no ffmpeg), EngineError (clips that could not
    be spoken) or EncodeError; the published files are then as the last build left them.
    """
    reporter = reporter or SilentReporter()
    started = time.monotonic()
    now = options.now or clock.now()
    out = options.out_dir
    if inputs is None:
        inputs = uptodate.fingerprint(options.scripts_dir, out, options.engine, options.base_url)
    _start_workers_if_speaking(options, inputs)
    project = project or load_project(options.scripts_dir, base_url=options.base_url)
    catalog = EngineCatalog()
    voices = validate(project, catalog, options)
    for note in catalog.notes.values():  # an engine replaced by the show's fallback_engine
        reporter.note(note)
    out.mkdir(parents=True, exist_ok=True)
    plans = plan_all(project, voices, Layout(out).plans)
    with lock.build_lock(out, reporter.note):
        uptodate.forget(out)
        state = BuildState(Layout(out))
        release = state.release(project.scripts, now)
        built, summary = render_and_encode(project, plans, options, state, reporter, release)
        if summary.episodes_mastered:  # segments of earlier versions of what was encoded
            SegmentStore(Layout(out).segments).prune([p.script.slug for p in plans])
        next_removal = publish_show(project, built, out, state, now)
        summary.feed = Layout(out).feed
        summary.scheduled = scheduled(project, release)
        # The stamp lasts until the next episode is due or a kept previous file is to go:
        # the first build after that has work to do.
        due_times = [s.at for s in summary.scheduled]
        expires = min([*due_times, *([next_removal] if next_removal else [])], default=None)
        stamp(project, catalog, options, inputs, summary, expires)
    summary.seconds = time.monotonic() - started
    return summary


def _start_workers_if_speaking(options: BuildOptions, inputs: str | None) -> None:
    if shutil.which("ffmpeg") and (options.force or uptodate.inputs_changed(options.out_dir,
                                                                            inputs)):
        # The scripts changed since the last build, so clips will most likely be spoken: the
        # fork server imports the audio stack (most of a second) while the scripts are planned.
        # (Not when ffmpeg is missing: that build stops at once, with one line.)
        start_workers_early()


def validate(project: Project, catalog: EngineCatalog,
             options: BuildOptions) -> dict[str, Voice]:
    """Every script's voice (unknown voices are InputErrors at their line); ffmpeg is there."""
    voices = resolve_voices(project, catalog, options.engine)
    require_ffmpeg()
    return voices


def scheduled(project: Project, release: Release) -> list[Scheduled]:
    """The episodes still ahead of the build's clock, soonest first."""
    return [Scheduled(str(s.path), s.title, release.times[s.slug])
            for s in release.scheduled(project.scripts)]


def stamp(project: Project, catalog: EngineCatalog, options: BuildOptions, inputs: str | None,
          summary: BuildSummary, expires: dt.datetime | None) -> None:
    """Record the finished build, with the files outside the scripts it depended on, valid
    until ``expires`` (None: until something changes)."""
    extra = catalog.version_files() + cover.version_files(project.settings)
    uptodate.write(options.out_dir, inputs, extra, summary, expires)
