"""Speech engines behind one small interface, looked up by name.

An engine runs inside a render worker process; the parent only asks it for metadata (version,
voices). Engines write a WAV file of any sample rate; the render stage converts it.
"""

from __future__ import annotations

import importlib
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


# name → "module:Class". A dotted "module:Class" is also accepted as an engine name, which
# lets tests plug in fault-injecting engines without touching this table.
ENGINES = {
    "pyttsx3": "rtr_audio.engines.pyttsx3_engine:Pyttsx3Engine",
    "piper": "rtr_audio.engines.piper_engine:PiperEngine",
}


def engine_names() -> list[str]:
    return sorted(ENGINES)


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
    target = ENGINES.get(name, name)
    if ":" not in target:
        known = ", ".join(engine_names())
        raise EngineUnavailable(f"unknown engine `{name}` (known engines: {known})")
    module_name, class_name = target.split(":", 1)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise EngineUnavailable(f"engine `{name}` cannot be loaded: {exc}") from exc
    return getattr(module, class_name)
