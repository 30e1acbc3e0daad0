"""`build` and `check`: the show from scripts/ to audio_out/, and its validation alone.

The audio stack is imported inside the commands, not at the top: `rtr-audio --help`, `check`
and a build with nothing to do must not pay for numpy, the engines, Pillow or lxml (the
up-to-date answer takes a tenth of a second; tests/test_uptodate.py checks what it loads).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from rtr_audio import clock, uptodate
from rtr_audio.cli.errors import reports_errors, stop_on_termination
from rtr_audio.cli.options import ENGINE_OPTION, OUT_OPTION, SCRIPTS_OPTION, VERBOSE_OPTION
from rtr_audio.errors import printable
from rtr_audio.layout import Layout
from rtr_audio.summary import Scheduled


@click.command()
@SCRIPTS_OPTION
@OUT_OPTION
@ENGINE_OPTION
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Parallel workers (default: all cores).")
@click.option("--base-url", default=None, help="Where audio_out/ will be published "
              "(overrides show.yml's base_url).")
@click.option("--force", is_flag=True, help="Ignore the cache: render and encode everything.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.option("--watch", is_flag=True, help="Rebuild whenever a file in the scripts folder "
              "changes (Ctrl-C to stop).")
@VERBOSE_OPTION
@reports_errors
def build(scripts_dir: Path, out_dir: Path, engine: str | None, jobs: int | None,
          base_url: str | None, force: bool, quiet: bool, watch: bool, verbose: bool) -> None:
    """Build the show: episodes, transcripts, chapters, cover, page and feed.

    Only what changed is spoken and encoded again; when nothing changed since the last build,
    it says "Up to date" in a tenth of a second (--force rebuilds everything).

    An episode whose `date:` is in the future is scheduled: listed, left out of the feed and
    the page, and published by the first build once it is due (run it from cron or a systemd
    timer, see the README). Files of an episode's previous version stay for keep_previous.

    \b
    Example:
      rtr-audio build
      rtr-audio build --base-url https://example.org/podcast/ --jobs 4
    """
    # The audio stack (numpy, the engine) and the build are imported only once the show is
    # known to need building (see the module's docstring), and a typo in a script is reported
    # before they are.
    stop_on_termination()
    started = time.monotonic()
    inputs = None
    if not watch:
        inputs = uptodate.fingerprint(scripts_dir, out_dir, engine, base_url)
        done = None if force else uptodate.check(out_dir, inputs)
        if done is not None:  # nothing changed since the last build: it stands
            done.seconds = time.monotonic() - started
            if not quiet:
                click.echo(f"Up to date: {done.line()}")
                _echo_scheduled(done.scheduled)
                click.echo(printable(f"Feed: {done.feed}"))
            return
    from rtr_audio.project import load_project  # lazy: see above

    project = None if watch else load_project(scripts_dir, base_url=base_url)
    from rtr_audio.build import BuildOptions  # lazy: see above
    from rtr_audio.build import build as run_build  # lazy: see above
    from rtr_audio.progress import make_reporter  # lazy: rich takes 20 ms to import

    options = BuildOptions(scripts_dir=scripts_dir, out_dir=out_dir, engine=engine,
                           jobs=jobs or os.cpu_count() or 1, base_url=base_url, force=force)
    if watch:
        from rtr_audio.watch import watch_and_build  # lazy: see above

        watch_and_build(options, click.echo, quiet=quiet,
                        errors=lambda message: click.echo(message, err=True))
        return
    with make_reporter(quiet=quiet) as reporter:
        summary = run_build(options, reporter, project=project, inputs=inputs)
    if not quiet:
        click.echo(f"Built {summary.line()}")
        _echo_scheduled(summary.scheduled)
        click.echo(printable(f"Feed: {summary.feed}"))


def _echo_scheduled(scheduled: list[Scheduled]) -> None:
    """One line per episode dated in the future (it is in neither the feed nor the page)."""
    for episode in scheduled:
        click.echo(episode.line())


@click.command()
@SCRIPTS_OPTION
@OUT_OPTION
@ENGINE_OPTION
@VERBOSE_OPTION
@reports_errors
def check(scripts_dir: Path, out_dir: Path, engine: str | None, verbose: bool) -> None:
    """Check every script and the show settings without rendering; list every problem.

    Also checks a built feed (if there is one) against podcast-app and Apple requirements,
    and lists the episodes scheduled for later (a `date:` in the future).

    \b
    Example:
      rtr-audio check && rtr-audio build
    """
    from rtr_audio.feedcheck import check_feed  # lazy: see the module's docstring
    from rtr_audio.project import EngineCatalog, load_project, resolve_voices  # lazy: same
    from rtr_audio.release import Release  # lazy: same

    project = load_project(scripts_dir)
    resolve_voices(project, EngineCatalog(), engine)
    feed_problems = check_feed(out_dir) if Layout(out_dir).feed.exists() else []
    for line in feed_problems:
        click.echo(line, err=True)
    if feed_problems:
        sys.exit(1)
    from rtr_audio.spoken import reading_warnings  # lazy: see the module's docstring

    for warning in reading_warnings(project):
        click.echo(str(warning), err=True)
    # What a build now would leave scheduled. The build state (first-build times of scripts
    # without `date:`) is not needed: those times are never ahead of the clock, so they
    # neither are scheduled nor move a scheduled episode's time.
    release = Release.of(project.scripts, {}, clock.now())
    scheduled = release.scheduled(project.scripts)
    _echo_scheduled([Scheduled(str(s.path), s.title, release.times[s.slug]) for s in scheduled])
    later = f" ({len(scheduled)} scheduled)" if scheduled else ""
    click.echo(f"OK: show.yml and {len(project.scripts)} scripts are valid{later}")

