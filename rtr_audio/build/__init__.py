"""The build: validate everything, render what is missing, master what changed, publish atomically.

``pipeline`` shows the phases in order; ``schedule`` overlaps rendering, the cover and encoding;
``episodes`` is the work on one episode (key, reuse, mastering job, sidecars); ``publish``
writes the page and feed and removes what the feed no longer names.
"""

from rtr_audio.build.options import BuildOptions, Reporter, SilentReporter
from rtr_audio.build.pipeline import build

__all__ = ["BuildOptions", "Reporter", "SilentReporter", "build"]
