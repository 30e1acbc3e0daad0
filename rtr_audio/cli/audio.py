"""`preview`, `spoken` and `voices`: hear, read or choose what the speech engine makes.

Each command imports its core inside the command, so that `rtr-audio --help` does not load
numpy or the engines (see rtr_audio/cli/build.py).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from rtr_audio.cli.errors import reports_errors
from rtr_audio.cli.options import ENGINE_OPTION, OUT_OPTION, SCRIPTS_OPTION, VERBOSE_OPTION
from rtr_audio.errors import printable


def _language_code(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """A language code as show.yml's `language` takes it (en-us, en-gb, de…)."""
    # Lazy: settings imports YAML, which a no-op `build` must not load (test_uptodate).
    from rtr_audio.settings import LANGUAGE_CODE

    if not LANGUAGE_CODE.match(value):
        raise click.BadParameter(f"{printable(value)[:40]!s} is not a language code like en-us")
    return value.lower()


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


@click.command()
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


@click.command()
@click.argument("script", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--text", "text", default=None, help="Print the engine text of this text.")
@click.option("--file", "text_file", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read one text per line; print exactly one line per input line.")
@click.option("--language", default="en-us", show_default=True, callback=_language_code,
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


@click.command()
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
    from rtr_audio.preview import play as play_file  # lazy: see the module's docstring
    from rtr_audio.samples import matching_voices, render_samples  # lazy: same

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
