"""What a build is asked to do, and how it tells the user what it is doing."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class BuildOptions:
    scripts_dir: Path = Path("scripts")
    out_dir: Path = Path("audio_out")
    engine: str | None = None
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    base_url: str | None = None
    force: bool = False
    # The build's clock (timezone-aware): what is due, when old files go. None: ``clock.now()``.
    now: dt.datetime | None = None


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
