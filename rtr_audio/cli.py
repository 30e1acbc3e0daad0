"""The command line: parse options, call one core function, print. No audio work here.

Each command imports its core inside the command, not at the top: `rtr-audio --help`, `check`
and a build with nothing to do must not pay for numpy, the engines, Pillow or lxml (the
up-to-date answer takes a tenth of a second; tests/test_uptodate.py checks what it loads).
"""

from __future__ import annotations

import errno
import functools
import os
import select
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from rtr_audio import __version__, clock, uptodate
from rtr_audio.errors import InputError, RtrError, printable
from rtr_audio.layout import Layout
from rtr_audio.summary import Scheduled

SCRIPTS_OPTION = click.option("--scripts", "scripts_dir", type=click.Path(path_type=Path),
                              default=Path("scripts"), show_default=True,
                              help="Folder with show.yml and the *.md scripts.")
OUT_OPTION = click.option("--out", "out_dir", type=click.Path(path_type=Path),
                          default=Path("audio_out"), show_default=True,
                          help="Output folder (published files and the build cache).")
ENGINE_OPTION = click.option("--engine", default=None,
                             help="Speech engine (pyttsx3, piper); default from show.yml.")
VERBOSE_OPTION = click.option("--verbose", "-v", is_flag=True,
                              help="More detail, and a traceback on errors.")


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (a service manager stopping us, a closed terminal): stopped exactly as
    Ctrl-C stops a build, temporary files removed and nothing half-built published."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def stop_on_termination() -> None:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` (main thread only, as Python requires)."""

    def handler(signum: int, _frame: object) -> None:
        raise Terminated(signum)

    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):  # Windows has no SIGHUP
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), handler)


def reports_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain errors into one clear line each and a non-zero exit (traceback if -v)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            _trace(kwargs)
            sys.exit(1)
        except RtrError as exc:
            if getattr(exc, "located", False):  # already `path:line: message` lines
                for line in str(exc).split("\n"):
                    click.echo(printable(line), err=True)
            else:
                click.echo(printable(f"error: {exc}"), err=True)
            _trace(kwargs)
            sys.exit(1)
        except KeyboardInterrupt as exc:
            signum = exc.signum if isinstance(exc, Terminated) else signal.SIGINT
            how = "" if signum == signal.SIGINT else f" by {signal.Signals(signum).name}"
            click.echo(f"interrupted{how}: nothing half-built was published; run it again to "
                       "finish", err=True)
            sys.exit(128 + signum)  # the shell's convention: 130 for Ctrl-C, 143 for SIGTERM
        except Exception as exc:  # a bug: still one line, the details with --verbose
            if isinstance(exc, click.exceptions.Exit | click.ClickException):
                raise
            cause = _os_error_in(exc)
            named = kwargs.get("output") or kwargs.get("out_dir")  # when the error names no file
            if cause is not None and (fault := environment_problem(cause, named)):
                click.echo(printable(f"error: {fault}"), err=True)
                _trace(kwargs)
                sys.exit(1)
            _internal_error(exc, kwargs)

    return wrapper


def _internal_error(exc: Exception, kwargs: dict[str, Any]) -> None:
    if isinstance(exc, BrokenPipeError) and _stdout_closed():
        # The reader went away (`rtr-audio voices | head`): stop quietly, as Unix tools
        # do. (A broken pipe of our own, to ffmpeg or a worker, is a real failure.)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    click.echo(printable(f"internal error: {type(exc).__name__}: {exc} ")
               + "(rerun with --verbose for details)", err=True)
    _trace(kwargs)
    sys.exit(2)


# Faults of the machine, not of rtr-audio: the disk, the permissions, the paths given.
_ENVIRONMENT_HINTS = {
    errno.ENOSPC: "the disk is full; free some space and build again",
    errno.EDQUOT: "the disk quota is used up; free some space and build again",
    errno.EROFS: "the file system is read-only; choose another --out",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOTDIR: "a part of this path is a file, not a folder; choose another --out",
    errno.EISDIR: "this is a folder where a file was expected",
    errno.EEXIST: "this is a file where a folder was expected; choose another --out",
    errno.ENOENT: "no such file or folder",
    errno.ENAMETOOLONG: "the path is too long",
    errno.ELOOP: "too many symbolic links",
    errno.EIO: "input/output error (a failing disk?)",
    errno.EMFILE: "too many open files (raise `ulimit -n`)",
    errno.ENOMEM: "out of memory",
}


def _os_error_in(exc: BaseException) -> OSError | None:
    """The OSError behind ``exc``: itself, or one it wraps (mutagen re-raises a full disk as
    its own error type; a worker's error arrives as the cause of ours)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and not isinstance(current, BrokenPipeError):
            return current
        wrapped = current.args[0] if current.args else None
        if isinstance(wrapped, OSError):
            return wrapped
        current = current.__cause__ or current.__context__
    return None


def environment_problem(exc: OSError, fallback: Path | None = None) -> str | None:
    """``path: reason`` for an OSError that is a fault of the machine (full disk, read-only
    output, a file where a folder belongs), or None for anything else (a bug). ``fallback``
    (the output folder) is named when the error names no file."""
    hint = _ENVIRONMENT_HINTS.get(exc.errno or 0)
    if hint is None:
        return None
    where = exc.filename if exc.filename is not None else fallback
    return f"{where or 'rtr-audio'}: {hint} ({exc.strerror or exc})"


def _stdout_closed() -> bool:
    """Whether whoever read our standard output has closed it (poll reports an error)."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _fd, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows), or no real stdout
        return False


def _trace(kwargs: dict[str, Any]) -> None:
    if kwargs.get("verbose"):
        traceback.print_exc()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rtr-audio")
def main() -> None:
    """Turn narration scripts into a narrated podcast: episodes with real pauses, chapters,
    transcripts, a show page and a feed for podcast apps.

    \b
    Example:
      rtr-audio build            # scripts/ → audio_out/
      rtr-audio serve            # listen at http://127.0.0.1:8000/
    """


@main.command()
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


@main.command()
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


def _line_range(_ctx: click.Context, _param: click.Parameter,
                value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        first, last = (int(v) for v in value.split("-", 1))
    except ValueError:
        raise click.BadParameter("expected a range like 12-30") from None
    if first < 1 or last < first:
        raise click.BadParameter("expected a range like 12-30")
    return first, last


@main.command()
@click.argument("script", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--section", type=click.IntRange(min=1), default=None,
              help="Only the N-th heading and what follows it (1 = first heading).")
@click.option("--lines", callback=_line_range, default=None, metavar="A-B",
              help="Only the blocks that start on lines A to B.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the WAV (default: audio_out/.cache/preview/<slug>.wav).")
@click.option("--play", is_flag=True, help="Play it with ffplay, paplay, aplay or afplay.")
@OUT_OPTION
@ENGINE_OPTION
@VERBOSE_OPTION
@reports_errors
def preview(script: Path, section: int | None, lines: tuple[int, int] | None,
            output: Path | None, play: bool, out_dir: Path, engine: str | None,
            verbose: bool) -> None:
    """Render one script, section or range of lines quickly, and optionally play it.

    Uses the build cache: after an edit only the changed sentences are spoken again.

    \b
    Example:
      rtr-audio preview scripts/02-arriving-in-safety.md --section 2 --play
      rtr-audio preview scripts/01-relational-trauma-repair.md --lines 10-20
    """
    from rtr_audio.preview import play as play_file  # lazy: see the module's docstring
    from rtr_audio.preview import preview as run_preview  # lazy: same

    started = time.monotonic()
    result = run_preview(script, out_dir, output, section=section, lines=lines, engine=engine)
    click.echo(f"Preview: {result.path} ({result.seconds:.1f}s of audio; rendered "
               f"{result.rendered}, reused {result.reused}; {time.monotonic() - started:.1f}s)")
    if play:
        click.echo(f"Played with {play_file(result.path)}")


@main.command()
@click.argument("script", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--text", "text", default=None, help="Print the engine text of this text.")
@click.option("--file", "text_file", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read one text per line; print exactly one line per input line.")
@click.option("--language", default="en-us", show_default=True,
              help="Language for --text/--file (day-first dates for en-gb...); a SCRIPT uses "
                   "its show.yml.")
@VERBOSE_OPTION
@reports_errors
def spoken(script: Path | None, text: str | None, text_file: Path | None, language: str,
           verbose: bool) -> None:
    """Print what the speech engine will receive, without rendering anything.

    With SCRIPT, every clip's engine text in order, each after its `path:line`.

    \b
    Example:
      rtr-audio spoken scripts/02-arriving-in-safety.md
      rtr-audio spoken --text "Call 116 123 at 7 a.m. on Jan. 15"
      rtr-audio spoken --file lines.txt
    """
    from rtr_audio import spoken as core  # lazy: see the module's docstring

    if sum(x is not None for x in (script, text, text_file)) != 1:
        raise click.UsageError("give exactly one of SCRIPT, --text or --file")
    if script is not None:
        for clip in core.script_clips(script):
            click.echo(printable(f"{clip.where}: {clip.text}"))
    elif text is not None:
        click.echo(" ".join(core.engine_texts(text, language=language)))
    else:
        assert text_file is not None
        for line in core.line_texts(core.file_lines(text_file), language=language):
            click.echo(line)


@main.command()
@ENGINE_OPTION
@SCRIPTS_OPTION
@click.option("--sample", "sample_text", default=None, metavar="TEXT",
              help="Speak TEXT in each voice and print the files (WAV).")
@click.option("--language", default=None, metavar="CODE",
              help="With --sample: only voices of this language (default: the show's, e.g. "
                   "en; `all` for every voice).")
@click.option("--play", is_flag=True, help="With --sample: play each sample in turn.")
@OUT_OPTION
@VERBOSE_OPTION
@reports_errors
def voices(engine: str | None, scripts_dir: Path, sample_text: str | None,
           language: str | None, play: bool, out_dir: Path, verbose: bool) -> None:
    """List the voices of the speech engine, or hear a sample of each.

    \b
    Example:
      rtr-audio voices
      rtr-audio voices --engine piper
      rtr-audio voices --sample "Take a slow breath, if that feels right." --play
    """
    from rtr_audio.engines import (  # lazy: see the module's docstring
        EngineUnavailable,
        is_registered,
        load_engine,
        unknown_engine_message,
    )
    from rtr_audio.settings import load_settings  # lazy: same

    settings, _problems = load_settings(scripts_dir / "show.yml")
    name = engine or (settings.engine if settings else "pyttsx3")
    if not engine and not is_registered(name):  # never import what a show.yml names
        raise EngineUnavailable(unknown_engine_message(name))
    if sample_text is not None:
        _voice_samples(name, sample_text, language, play, out_dir, settings)
        return
    if play:
        raise click.UsageError("--play plays the samples of --sample TEXT")
    found = load_engine(name).voices()
    width = max((len(v.id) for v in found), default=2)
    click.echo(f"{'ID':<{width}}  {'NAME':<28} {'LANGUAGE':<12} GENDER")
    for voice in found:
        click.echo(f"{voice.id:<{width}}  {voice.name[:28]:<28} {voice.language[:12]:<12} "
                   f"{voice.gender}")
    click.echo(f"\n{len(found)} voices for {name}. Choose one with `voice: <ID>` in "
               "scripts/show.yml or in a script's front matter.")


def _voice_samples(engine: str, text: str, language: str | None, play: bool, out_dir: Path,
                   settings: Any) -> None:
    from rtr_audio.preview import play as play_file
    from rtr_audio.samples import matching_voices, render_samples

    if language is None:
        language = (settings.language if settings else "en").split("-")[0]
    voices = matching_voices(engine, None if language == "all" else language)
    rate = settings.rate if settings else 150
    loudness = settings.loudness if settings else -16.0
    click.echo(f"Speaking the sample in {len(voices)} {engine} voices…", err=True)
    for sample in render_samples(text, engine, voices, rate, loudness, out_dir):
        click.echo(f"{sample.voice.id}\t{sample.path}\t{sample.seconds:.1f}s")
        if play:
            play_file(sample.path)


@main.command()
@OUT_OPTION
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 to let phones on your network subscribe.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@VERBOSE_OPTION
@reports_errors
def serve(out_dir: Path, host: str, port: int, verbose: bool) -> None:
    """Serve the built show over HTTP for podcast apps and browsers.

    \b
    Example:
      rtr-audio serve                      # this computer only
      rtr-audio serve --host 0.0.0.0       # phones on the same network (prints a QR code)
    """
    from rtr_audio.serve import run  # lazy: see the module's docstring

    run(out_dir, host, port, click.echo)


@main.command()
@OUT_OPTION
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@reports_errors
def clean(out_dir: Path, yes: bool) -> None:
    """Remove what rtr-audio built in the output folder, and its cache; nothing else.

    A folder rtr-audio did not make is refused. Files it did not publish (your own notes, a
    `.keep`) stay and are listed. Asks first on a terminal; elsewhere it needs --yes.

    Episode files the last feed named stay for show.yml's keep_previous (default 7 days), so
    apps that fetched that feed can still download them; a later build removes them.

    \b
    Example:
      rtr-audio clean -y
    """
    from rtr_audio.clean import refusal  # lazy: see the module's docstring

    stop_on_termination()
    if not out_dir.exists() and not out_dir.is_symlink():
        click.echo(printable(f"Nothing to clean: {out_dir} does not exist"))
        return
    problem = refusal(out_dir)
    if problem:
        raise RtrError(problem)
    if not yes:
        if not sys.stdin.isatty():
            raise RtrError(f"not on a terminal, so not asking: add --yes to remove what "
                           f"rtr-audio built in {out_dir}")
        click.confirm(f"Remove what rtr-audio built in {out_dir} (and its cache)?", abort=True)
    from rtr_audio.build.retention import clean as clean_output  # lazy: see the docstring
    from rtr_audio.lock import build_lock  # lazy: same
    from rtr_audio.settings import SHOW  # lazy: same

    # Under the build lock: a build writing to the folder finishes first.
    with build_lock(out_dir, lambda message: click.echo(printable(message), err=True)) as held:
        done = clean_output(out_dir, clock.now(), SHOW.defaults()["keep_previous"], held)
    click.echo(printable(f"Removed {done.removed} items from {out_dir}"))
    if done.kept and done.until:
        click.echo(f"Kept the files of {done.kept} episode version(s) until "
                   f"{clock.shown(done.until)} (keep_previous): apps holding the last feed can "
                   "still fetch them; the first build after that removes them")
    if done.theirs:
        shown = ", ".join(done.theirs[:5]) + (" …" if len(done.theirs) > 5 else "")
        click.echo(printable(f"Kept {len(done.theirs)} files rtr-audio did not make: {shown}"))


@main.command()
@click.argument("dest", required=False)
@OUT_OPTION
@SCRIPTS_OPTION
@click.option("--dry-run", "-n", is_flag=True, help="List what would change; change nothing.")
@VERBOSE_OPTION
@reports_errors
def publish(dest: str | None, out_dir: Path, scripts_dir: Path, dry_run: bool,
            verbose: bool) -> None:
    """Publish the built show to any rclone remote (S3, R2, B2, WebDAV, SFTP, FTP, a folder…).

    DEST is rclone's remote:path (default: publish_to in show.yml). Episode files go first, then
    the cover and page, then the feed (under a temporary name, moved into place where the
    backend can move files), and only then are files no feed names removed. Only what changed
    is uploaded. Set remotes up with `rclone config`; credentials stay in rclone's config or
    environment (RCLONE_CONFIG_<NAME>_<KEY>).

    \b
    Example:
      rtr-audio publish s3:my-bucket/podcast --dry-run
      rtr-audio publish s3:my-bucket/podcast
      rtr-audio publish myhost:/var/www/podcast --out audio_out
    """
    from rtr_audio.publish import PublishOptions, publish_options  # lazy: see docstring
    from rtr_audio.publish import publish as run_publish  # lazy: same

    options: PublishOptions = publish_options(dest, out_dir, scripts_dir, dry_run)
    summary = run_publish(options, click.echo, lambda line: click.echo(line, err=True))
    click.echo(summary.line())
