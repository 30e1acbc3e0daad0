"""What planning hands to rendering: a resolved voice, and one utterance to synthesise.

Its own small module so that planning, the project and rendering share these records without
importing each other (rendering's workers never import the planner or speech normalisation).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Voice:
    """A resolved engine and voice; ``rate`` in words per minute; ``fingerprint`` changes
    when it could sound different (engine version, resolved voice)."""

    engine: str
    voice: str | None
    rate: int
    fingerprint: str
    # The voices the script switches to with ``[voice NAME]``, by NAME.
    alternates: tuple[tuple[str, Voice], ...] = ()

    def named(self, name: str | None) -> Voice:
        """The voice a ``[voice NAME]`` selects (None: this one)."""
        return dict(self.alternates).get(name, self) if name else self


@dataclass(frozen=True)
class ClipTask:
    """One utterance to synthesise: ``key`` is its cache key, ``loudness`` its target in LUFS,
    ``where`` is ``path:line`` of its first use (for error messages)."""

    key: str
    text: str
    engine: str
    voice: str | None
    rate: int
    loudness: float
    where: str
    soft: bool = False  # [soft]: a gentler tone, a little quieter (dsp.soften)

    @property
    def timeout(self) -> float:
        """Seconds the engine may take for it (``RTR_AUDIO_CLIP_TIMEOUT`` overrides)."""
        configured = os.environ.get("RTR_AUDIO_CLIP_TIMEOUT")
        if configured:
            return float(configured)
        return 30.0 + 0.5 * len(self.text.split())
