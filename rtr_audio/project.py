"""A show on disk: settings, lexicon and scripts, loaded and validated together.

Everything is read and checked before anything is rendered, and every problem is reported at
once (the writer fixes them in one go instead of one per build).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from rtr_audio.cache import digest
from rtr_audio.engines import (
    Engine,
    EngineUnavailable,
    UnknownVoice,
    is_registered,
    load_engine,
    unknown_engine_message,
)
from rtr_audio.errors import InputError, Problem, RtrError
from rtr_audio.script import (
    Script,
    Speech,
    duplicate_problems,
    notes_problems,
    parse_script,
    script_paths,
)
from rtr_audio.settings import ShowSettings, load_settings
from rtr_audio.speech import Lexicon
from rtr_audio.tasks import Voice
from rtr_audio.urls import web_url_problem


@dataclass(frozen=True)
class Project:
    scripts_dir: Path
    settings: ShowSettings
    lexicon: Lexicon
    scripts: tuple[Script, ...]


def load_project(scripts_dir: Path, **overrides: object) -> Project:
    """Load and validate everything; raises InputError listing every problem.

    ``overrides``: settings given on the command line (``base_url``), validated as show.yml's
    own; a bad one raises RtrError naming the option.
    """
    url = overrides.get("base_url")
    if url is not None and (message := web_url_problem(url, "--base-url", base=True)):
        raise RtrError(message)
    if not scripts_dir.is_dir():
        raise InputError([Problem(scripts_dir, None, "scripts folder not found")])
    settings, problems = load_settings(scripts_dir / "show.yml")
    if settings is not None:
        settings = settings.with_overrides(**overrides)
    lexicon_path = scripts_dir / "lexicon.yml"
    if lexicon_path.is_symlink() and not lexicon_path.exists():  # not "no lexicon" in silence
        problems.append(Problem(lexicon_path, None, "is a link to a file that does not exist"))
    lexicon, lexicon_problems = Lexicon.load(lexicon_path)
    problems += lexicon_problems
    scripts: list[Script] = []
    paths = script_paths(scripts_dir)
    if not paths:
        problems.append(Problem(scripts_dir, None, "no episode scripts (*.md) in this folder"))
    for path in paths:
        script, script_problems = parse_script(path, settings)
        problems += script_problems
        if script is not None:
            scripts.append(script)
    problems += duplicate_problems(scripts)
    problems += _engine_problems(settings, scripts)
    if settings is not None:
        problems += notes_problems(scripts, settings)
    if problems or settings is None:
        raise InputError(problems)
    return Project(scripts_dir, settings, lexicon, tuple(scripts))


def _engine_problems(settings: ShowSettings | None, scripts: list[Script]) -> list[Problem]:
    """Engines named in show.yml or front matter must be registered ones: any other name would
    be imported as a module, running code that came with the show."""
    named = [(s.path, s.lines.get("engine"), s.engine) for s in scripts if s.engine]
    if settings is not None:
        named.append((settings.path, settings.line_of("engine"), settings.engine))
    return [Problem(path, line, unknown_engine_message(name))
            for path, line, name in named if not is_registered(name)]


class EngineCatalog:
    """Engines loaded in this (parent) process for metadata only; synthesis runs in workers."""

    def __init__(self) -> None:
        self._engines: dict[str, Engine] = {}
        self._versions: dict[str, str] = {}
        self.notes: dict[str, str] = {}  # one line per engine replaced by a fallback

    def engine(self, name: str) -> Engine:
        if name not in self._engines:
            self._engines[name] = load_engine(name)
            self._versions[name] = self._engines[name].version()
        return self._engines[name]

    def version_files(self) -> list[Path]:
        """Files whose change may change how the engines in use sound (an engine without
        ``version_files`` names none): the up-to-date test watches them."""
        found: list[Path] = []
        for engine in self._engines.values():
            found += getattr(engine, "version_files", list)()
        return found

    def voice(self, engine_name: str, voice: str | None, rate: int) -> Voice:
        engine = self.engine(engine_name)
        resolved = engine.resolve_voice(voice)
        fingerprint = digest(engine_name, self._versions[engine_name], resolved)
        return Voice(engine_name, voice, rate, fingerprint)


def voice_for_engine(script: Script, show: ShowSettings, engine: str) -> str | None:
    """The configured voice that was written for ``engine``, else None (its default voice).

    A voice name belongs to the engine it was configured with: ``--engine piper`` on a show whose
    voice is the espeak voice ``gmw/en-us`` uses Piper's default voice rather than failing.
    """
    if script.voice and (script.engine or show.engine) == engine:
        return script.voice
    if show.voice and show.engine == engine:
        return show.voice
    return None


def _show_engine(show: ShowSettings, catalog: EngineCatalog) -> str:
    """The show's engine; its ``fallback_engine`` (with a note) when that engine's library or
    program is missing and the show allows a fallback."""
    fallback = getattr(show, "fallback_engine", None)
    if not fallback or fallback == show.engine:
        return show.engine
    try:  # the voice too: an engine may load its library only to find a voice
        catalog.voice(show.engine, show.voice, show.rate)
    except UnknownVoice:
        return show.engine  # reported at its line by resolve_voices
    except EngineUnavailable as exc:
        catalog.notes.setdefault(
            show.engine, f"{exc}; speaking with fallback_engine {fallback} instead")
        return fallback
    return show.engine


def voice_directives(script: Script) -> dict[str, int]:
    """Every ``[voice NAME]`` the script speaks in, with the first line spoken in it."""
    found: dict[str, int] = {}
    for block in script.blocks:
        for part in block.parts:
            if isinstance(part, Speech) and part.delivery.voice:
                found.setdefault(part.delivery.voice, part.line)
    return found


def _alternate_voices(script: Script, catalog: EngineCatalog, engine: str, rate: int,
                      problems: list[Problem]) -> tuple[tuple[str, Voice], ...]:
    """The script's ``[voice NAME]`` voices, checked against ``engine`` (problems at their
    lines)."""
    alternates = []
    for name, line in voice_directives(script).items():
        try:
            alternates.append((name, catalog.voice(engine, name, rate)))
        except UnknownVoice as exc:
            problems.append(Problem(script.path, line, f"[voice {name}]: {exc}"))
    return tuple(alternates)


def resolve_voices(
    project: Project, catalog: EngineCatalog, engine_override: str | None = None
) -> dict[str, Voice]:
    """The voice of every script, by slug; unknown voices are InputErrors at their line."""
    show = project.settings
    voices: dict[str, Voice] = {}
    problems: list[Problem] = []
    for script in project.scripts:
        engine = engine_override or script.engine or _show_engine(show, catalog)
        voice = voice_for_engine(script, show, engine)
        try:
            voices[script.slug] = catalog.voice(engine, voice, script.rate or show.rate)
            alternates = _alternate_voices(script, catalog, engine, script.rate or show.rate,
                                           problems)
            if alternates:
                voices[script.slug] = replace(voices[script.slug], alternates=alternates)
        except UnknownVoice as exc:
            if script.voice:
                problems.append(Problem(script.path, script.lines.get("voice"), str(exc)))
            else:
                problems.append(Problem(show.path, show.line_of("voice"), str(exc)))
        except EngineUnavailable as exc:
            if engine_override:
                raise
            if script.engine:
                problems.append(Problem(script.path, script.lines.get("engine"), str(exc)))
            elif not is_registered(engine):
                # A misspelt engine name in show.yml is an input problem with a line; an engine
                # whose library or program is missing stays a one-line error of its own.
                problems.append(Problem(show.path, show.line_of("engine"), str(exc)))
            else:
                raise
    if problems:
        raise InputError(sorted(set(problems), key=lambda p: (str(p.path), p.line or 0)))
    return voices
