"""The default engine: pyttsx3, which drives the system's voices (espeak-ng on Linux,
SAPI5 on Windows, NSSpeechSynthesizer/AVSpeech on macOS)."""

from __future__ import annotations

import ctypes
import ctypes.util
import difflib
import importlib.metadata
import os
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

from rtr_audio.engines import EngineUnavailable, UnknownVoice, VoiceInfo

SAVE_ATTEMPTS = 3
WAV_HEADER_BYTES = 44
ESPEAK_HINT = ("espeak-ng is not installed: run `make build` (installs it), or "
               "`sudo apt-get install espeak-ng`")


class Pyttsx3Engine:
    name = "pyttsx3"
    # espeak-ng (pyttsx3's driver on Linux) keeps its pitch-flutter phase from one utterance to
    # the next (Flutter_ix in wavegen.c): render.py gives it fresh processes in fixed runs so
    # that audio is repeatable. (Not measured for the macOS and Windows voices.)
    state_across_utterances = sys.platform.startswith("linux")
    # pyttsx3's driver loop sleeps 10 ms after every utterance; a second process per core
    # keeps the core busy meanwhile. Measured on 2 cores (bench/): a 90-minute episode builds
    # 4 % faster with 4 processes than with 2.
    processes_per_job = 2

    def __init__(self) -> None:
        self._engine: Any = None
        self._default_voice: str | None = None

    def _get(self) -> Any:
        if self._engine is None:
            if sys.platform.startswith("linux") and not _espeak_library_present():
                raise EngineUnavailable(ESPEAK_HINT)
            if sys.platform.startswith("linux"):
                _require_espeak_data()
            try:
                # Here, when the engine is first used: pyttsx3 loads espeak-ng, which the fork
                # server and `check` must not do.
                import pyttsx3
            except ImportError as exc:  # pragma: no cover - dependency of the package
                raise EngineUnavailable(f"pyttsx3 is not installed: {exc}") from exc
            try:
                self._engine = pyttsx3.init()
                self._default_voice = self._engine.getProperty("voice")
            except (RuntimeError, OSError) as exc:
                hint = ESPEAK_HINT if sys.platform.startswith("linux") else str(exc)
                raise EngineUnavailable(hint) from exc
        return self._engine

    def version(self) -> str:
        parts = [f"pyttsx3-{importlib.metadata.version('pyttsx3')}", platform.system()]
        if sys.platform.startswith("linux"):
            self._get()
            from pyttsx3.drivers import _espeak  # loaded by _get() above; see there

            parts.append(f"espeak-ng-{_espeak.Info().decode(errors='replace')}")
        return " ".join(parts)

    def version_files(self) -> list[Path]:
        """Files whose change may change how it sounds (checked by the up-to-date test, which
        must not start the engine): espeak-ng's library and its data folder."""
        if not sys.platform.startswith("linux"):
            return []
        self._get()
        from pyttsx3.drivers import _espeak  # loaded by _get() above; see there

        data = ctypes.c_char_p()
        _espeak.Info(ctypes.byref(data))
        found = {Path(line.split()[-1]) for line in Path("/proc/self/maps").read_text().splitlines()
                 if "espeak" in line and line.split()[-1].startswith("/")}
        if data.value:
            folder = Path(data.value.decode(errors="replace"))
            found |= {folder, folder / "phontab", folder / "en_dict"}
        return sorted(found)

    def voices(self) -> list[VoiceInfo]:
        found = []
        for voice in self._get().getProperty("voices"):
            languages = [str(lang) for lang in (getattr(voice, "languages", None) or [])]
            found.append(VoiceInfo(
                id=str(voice.id),
                name=str(voice.name),
                language=", ".join(languages),
                gender=str(getattr(voice, "gender", None) or "unknown"),
            ))
        return found

    def variants(self) -> list[str]:
        """espeak-ng's voice variants (``f3``, ``m2``, ``klatt``…): a voice id followed by
        ``+variant`` (``gmw/en-us+f3``) speaks with that variant's pitch and timbre."""
        if not sys.platform.startswith("linux"):
            return []
        self._get()
        import ctypes  # only here: the variants are read through espeak-ng's C API (Linux)

        from pyttsx3.drivers import _espeak  # loaded by _get() above; see there

        data = ctypes.c_char_p()
        _espeak.Info(ctypes.byref(data))
        folder = Path(data.value.decode(errors="replace")) / "voices" / "!v" if data.value else None
        return sorted(p.name for p in folder.iterdir()) if folder and folder.is_dir() else []

    def resolve_voice(self, voice: str | None) -> str:
        if voice is None:
            return "default"
        if "+" in voice:
            base, variant = voice.rsplit("+", 1)
            variants = self.variants()
            if variant not in variants:
                close = difflib.get_close_matches(variant, variants, n=3)
                hint = f" (did you mean {', '.join(close)}?)" if close else ""
                raise UnknownVoice(f"unknown espeak-ng variant `{variant}` in `{voice}`{hint}; "
                                   "variants are f1–f5, m1–m8 and more (voices/!v in "
                                   "espeak-ng's data)")
            return f"{self.resolve_voice(base)}+{variant}"
        voices = self.voices()
        for info in voices:
            if voice in (info.id, info.name):
                return info.id
        ids = [v.id for v in voices]
        close = difflib.get_close_matches(voice, ids, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise UnknownVoice(f"unknown voice `{voice}` for pyttsx3{hint}; "
                           "`rtr-audio voices` lists them")

    def synthesize(self, text: str, voice: str | None, rate: int, out: Path) -> None:
        engine = self._get()
        # Set voice and rate on the driver itself, every time: pyttsx3 queues setProperty while
        # it considers itself busy, and the queued change then lands one utterance late
        # (measured: a 130 wpm sentence spoken at 150 after a 150 wpm one).
        if voice or self._default_voice:
            _set_now(engine, "voice", voice or self._default_voice)
        _set_now(engine, "rate", rate)
        # pyttsx3's espeak driver writes no file at all for text that ends without punctuation
        # (a chunk of a long unpunctuated paragraph): end it with a full stop.
        if text.rstrip()[-1:] not in (".", "!", "?", ",", ";", ":"):
            text = text.rstrip() + "."
        # pyttsx3 2.99's espeak driver sometimes finishes an utterance without writing it (no
        # file, or a bare 44-byte header), mostly on a fresh engine under load; saying it again
        # in the same engine works, so retry here before the render pool sees a failure.
        for _attempt in range(SAVE_ATTEMPTS):
            out.unlink(missing_ok=True)
            _save_now(engine, text, out)
            if out.exists() and out.stat().st_size > WAV_HEADER_BYTES:
                return


def _save_now(engine: Any, text: str, out: Path) -> None:
    """Speak ``text`` into ``out`` and wait for it, through the driver's own loop.

    ``runAndWait`` queues an ``endLoop`` that calls the driver's ``stop()``; while espeak is
    still synthesising (a loaded machine), that cancels the utterance half-way and the clip is
    silently truncated (measured: 2.43 s instead of 3.34 s). Driving the loop directly has no
    stop in it: it ends when espeak reports the message finished.
    """
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    if driver is not None and hasattr(driver, "startLoop") and hasattr(driver, "save_to_file"):
        driver.save_to_file(text, str(out))
        driver.startLoop()
    else:  # a pyttsx3 without the internal driver attribute: the public API
        engine.save_to_file(text, str(out))
        engine.runAndWait()


def _set_now(engine: Any, name: str, value: object) -> None:
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    if driver is not None and hasattr(driver, "setProperty"):
        driver.setProperty(name, value)
    else:  # a pyttsx3 without the internal driver attribute: the public, queued call
        engine.setProperty(name, value)


def _espeak_library_present() -> bool:
    return bool(ctypes.util.find_library("espeak-ng") or ctypes.util.find_library("espeak")
                or shutil.which("espeak-ng"))


# Where Debian, Fedora and source builds put espeak-ng's data (phoneme tables, dictionaries).
ESPEAK_DATA_FOLDERS = ("/usr/lib/x86_64-linux-gnu/espeak-ng-data",
                       "/usr/lib/aarch64-linux-gnu/espeak-ng-data", "/usr/lib64/espeak-ng-data",
                       "/usr/lib/espeak-ng-data", "/usr/share/espeak-ng-data",
                       "/usr/local/share/espeak-ng-data", "/usr/local/lib/espeak-ng-data")


def _require_espeak_data() -> None:
    """Refuse with one line when espeak-ng's data is missing: the library would print its own
    message and end the whole process from inside ``pyttsx3.init()``.

    ``$ESPEAK_DATA_PATH`` (the folder holding ``espeak-ng-data``) wins, as in espeak-ng itself;
    without it, any of the usual folders will do (one not listed here is not second-guessed).
    """
    configured = os.environ.get("ESPEAK_DATA_PATH")
    if configured:
        phontab = Path(configured) / "espeak-ng-data" / "phontab"
        if not phontab.is_file():
            raise EngineUnavailable(f"espeak-ng's data is missing: {phontab} not found "
                                    "(check $ESPEAK_DATA_PATH, or reinstall espeak-ng-data)")
        return
    known = [Path(folder) for folder in ESPEAK_DATA_FOLDERS if Path(folder).is_dir()]
    if known and not any((folder / "phontab").is_file() for folder in known):
        raise EngineUnavailable(f"espeak-ng's data is missing: {known[0] / 'phontab'} not "
                                "found (reinstall espeak-ng-data)")
