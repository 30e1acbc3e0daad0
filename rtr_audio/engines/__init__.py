"""Speech engines behind one small interface, looked up by name.

An engine runs inside a render worker process; the parent only asks it for metadata (version,
voices). Engines write a WAV file of any sample rate; the render stage converts it.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rtr_audio.errors import RtrError


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    language: str
    gender: str


class Engine(Protocol):
    """A speech engine. It may also offer ``version_files() -> list[Path]``: files whose change
    may change its sound (library, voice data), which lets a build with nothing to do say so
    without starting the engine (for one without it, only its settings, rtr-audio's code and
    the installed packages are watched). ``state_across_utterances = True`` says that what a
    process spoke before changes how the next utterance sounds (see render.py);
    ``processes_per_job = 2``, that it leaves its core idle between utterances."""

    name: str

    def version(self) -> str:
        """Changes whenever the engine could sound different; part of every cache key."""
        ...

    def voices(self) -> list[VoiceInfo]: ...

    def resolve_voice(self, voice: str | None) -> str:
        """A canonical voice id plus anything identifying its data (e.g. a model hash).

        Raises UnknownVoice for a voice the engine does not have.
        """
        ...

    def synthesize(self, text: str, voice: str | None, rate: int, out: Path) -> None:
        """Speak ``text`` into the WAV file ``out``."""
        ...


class UnknownVoice(RtrError):
    """The requested voice is not available in the engine."""


class EngineUnavailable(RtrError):
    """The engine's library or its system program is not installed."""


# name → "module:Class": the only engines a show.yml, a script or ``--engine`` can name.
ENGINES = {
    "pyttsx3": "rtr_audio.engines.pyttsx3_engine:Pyttsx3Engine",
    "piper": "rtr_audio.engines.piper_engine:PiperEngine",
}


# Set to 1 (tests do, in conftest.py) to accept a "module:Class" engine name on the command
# line, which plugs in fault-injecting engines. Never from input files: load_project refuses any
# engine in show.yml or front matter that is not in ENGINES, as importing a module named there
# would run code that came with the show (``engine: evil:Engine`` beside an evil.py).
TEST_ENGINES_ENV = "RTR_AUDIO_TEST_ENGINES"


def engine_names() -> list[str]:
    return sorted(ENGINES)


def is_registered(name: str) -> bool:
    """Whether ``name`` is a registered engine (the only names input files may use)."""
    return name in ENGINES


def unknown_engine_message(name: str) -> str:
    return f"unknown engine `{name}` (known engines: {', '.join(engine_names())})"


def load_engine(name: str) -> Engine:
    """Instantiate an engine by registry name or ``module:Class``."""
    return engine_class(name)()


def keeps_state(name: str) -> bool:
    """Whether the engine's sound depends on what the same process said before
    (``state_across_utterances``; engines without the attribute do not)."""
    return bool(getattr(engine_class(name), "state_across_utterances", False))


def processes_per_job(name: str) -> int:
    """Engine processes per core of ``--jobs`` (``processes_per_job``; default one): more
    than one only for an engine that leaves its core idle between utterances."""
    return max(1, int(getattr(engine_class(name), "processes_per_job", 1)))


def engine_class(name: str) -> type:
    """The class of a registered engine, or of a ``module:Class`` name when
    ``$RTR_AUDIO_TEST_ENGINES`` is 1; raises EngineUnavailable otherwise."""
    target = ENGINES.get(name)
    if target is None and ":" in name and os.environ.get(TEST_ENGINES_ENV) == "1":
        target = name
    if target is None:
        raise EngineUnavailable(unknown_engine_message(name))
    module_name, class_name = target.split(":", 1)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise EngineUnavailable(f"engine `{name}` cannot be loaded: {exc}") from exc
    try:
        return getattr(module, class_name)
    except AttributeError:
        raise EngineUnavailable(f"engine `{name}`: {module_name} has no {class_name}") from None
