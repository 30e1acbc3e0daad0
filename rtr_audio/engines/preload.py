"""Imported by the render fork server before it forks any worker: engine libraries that are
safe to share that way, so each fresh engine process starts in milliseconds instead of
importing them again (pyttsx3's espeak driver: about 0.05 s of CPU per process).

Loading a library, never starting one: a forked copy of an initialised espeak deadlocks, so
``espeak_Initialize`` runs in each worker, when its engine is first used.
"""

import contextlib
import sys

if sys.platform.startswith("linux"):
    # Without espeak-ng this fails; the engine reports that itself, with how to install it.
    with contextlib.suppress(Exception):
        import pyttsx3
        import pyttsx3.drivers.espeak  # noqa: F401
