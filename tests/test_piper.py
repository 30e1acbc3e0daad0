"""The Piper engine (the ``piper`` extra): real synthesis with the bundled en_US-joe-medium voice.

A two-episode show is built end to end with Piper and read back by ffprobe/ffmpeg; the render
cache follows the model's bytes, not its path; a missing extra is one line saying how to install.
These tests need the extra (``make test`` installs it) and fail rather than skip without it, so
CI cannot silently stop covering Piper.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest
import webvtt

from rtr_audio.engines import UnknownVoice, load_engine, piper_engine
from rtr_audio.errors import EngineError
from tests.audio_probe import decode, ffprobe, loudness, silences
from tests.conftest import copy_show, run_cli

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("piper")]

INSTALL_LINE = ("the piper engine is not installed: pip install 'rtr-audio[piper]' "
                "(or `make build ENGINE=piper`)")
AFTER_PAUSE = "After three seconds of quiet, we carry on."


def piper_show(dest: Path, **settings: str) -> Path:
    """tests/fixtures/mini with ``engine: piper`` (and any other settings) in its show.yml."""
    scripts = copy_show("mini", dest)
    lines = ["engine: piper", *(f"{key}: {value}" for key, value in settings.items())]
    with (scripts / "show.yml").open("a", encoding="utf-8") as show:
        show.write("\n" + "\n".join(lines) + "\n")
    return scripts


def counts(stdout: str) -> tuple[int, int]:
    match = re.search(r"clips rendered (\d+), reused (\d+)", stdout)
    assert match, stdout
    return int(match.group(1)), int(match.group(2))


def bundled_model() -> Path:
    return piper_engine.locate_voice(None).model


def copy_voice(dest: Path, name: str, extra: bytes = b"") -> Path:
    """A copy of the bundled voice as ``dest/name.onnx``; ``extra`` is appended to the model.

    Appending a protobuf field (``doc_string``, field 6) keeps the ONNX model loadable while
    changing its bytes: to the cache it is a different model.
    """
    dest.mkdir(parents=True, exist_ok=True)
    model = dest / f"{name}.onnx"
    shutil.copyfile(bundled_model(), model)
    shutil.copyfile(piper_engine.locate_voice(None).config, dest / f"{name}.onnx.json")
    if extra:
        with model.open("ab") as handle:
            handle.write(extra)
    return model


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The mini show, plus a [pause 3s], built with Piper; returns the output folder."""
    root = tmp_path_factory.mktemp("piper")
    scripts = piper_show(root / "scripts")
    with (scripts / "02-second.md").open("a", encoding="utf-8") as script:
        script.write(f"\n[pause 3s]\n\n{AFTER_PAUSE}\n")
    out = root / "audio_out"
    result = run_cli("build", "--scripts", str(scripts), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Built 2 episodes" in result.stdout
    return out


def episode(out: Path, slug: str, ext: str) -> Path:
    (path,) = (out / "episodes").glob(f"{slug}.*.{ext}")
    return path


def vtt_cues(path: Path) -> list[tuple[float, str]]:
    """(start seconds, text) of every cue, as webvtt-py reads it (not our own code)."""
    def seconds(t: webvtt.models.Timestamp) -> float:
        return t.hours * 3600 + t.minutes * 60 + t.seconds + t.milliseconds / 1000

    return [(seconds(c.start_time), " ".join(c.text.split("\n"))) for c in webvtt.read(str(path))]


# ---- end to end ------------------------------------------------------------------------------

def test_piper_build_makes_mono_44k_mp3s_at_the_loudness_target(built: Path) -> None:
    for slug in ("first", "second"):
        info = ffprobe(episode(built, slug, "mp3"))
        audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
        assert (info["format"]["format_name"], audio["codec_name"]) == ("mp3", "mp3")
        assert audio["channels"] == 1
        assert audio["sample_rate"] == "44100"
        assert float(info["format"]["duration"]) > 3
        integrated, peak = loudness(episode(built, slug, "mp3"))
        assert abs(integrated - (-16.0)) <= 1.0, (slug, integrated)
        assert peak <= -1.0, (slug, peak)  # Piper's full-scale sentences are limited too


def test_pauses_are_exact_with_piper(built: Path) -> None:
    first = silences(decode(episode(built, "first", "mp3")))
    assert any(abs(length - 5.0) <= 0.02 for _start, length in first), first
    assert any(abs(length - 1.5) <= 0.02 for _start, length in first), first
    second = silences(decode(episode(built, "second", "mp3")))
    threes = [gap for gap in second if abs(gap[1] - 3.0) <= 0.02]
    assert len(threes) == 1, second


def test_transcript_cues_start_where_the_speech_starts(built: Path) -> None:
    second = silences(decode(episode(built, "second", "mp3")))
    ((start, length),) = [gap for gap in second if abs(gap[1] - 3.0) <= 0.1]
    cues = dict((text, at) for at, text in vtt_cues(episode(built, "second", "vtt")))
    assert abs(cues[AFTER_PAUSE] - (start + length)) <= 0.05, (cues, second)
    # And in the other episode, every cue that follows a silence starts as it ends.
    first = silences(decode(episode(built, "first", "mp3")))
    speech_starts = [begin + length for begin, length in first]
    for at, text in vtt_cues(episode(built, "first", "vtt")):
        assert min(abs(at - s) for s in speech_starts) <= 0.05, (text, at, speech_starts)


def test_cache_follows_the_model_bytes_not_its_path(tmp_path: Path) -> None:
    scripts = piper_show(tmp_path / "scripts")
    (scripts / "01-first.md").unlink()  # one short episode is enough here
    out = tmp_path / "out"
    first = run_cli("build", "--scripts", str(scripts), "--out", str(out), "--jobs", "1")
    assert first.returncode == 0, first.stderr
    rendered, reused = counts(first.stdout)
    assert rendered > 0 and reused == 0

    show = (scripts / "show.yml").read_text(encoding="utf-8")
    same = copy_voice(tmp_path / "voices", "same-bytes")
    (scripts / "show.yml").write_text(show + f"voice: {same}\n", encoding="utf-8")
    again = run_cli("build", "--scripts", str(scripts), "--out", str(out), "--jobs", "1")
    assert again.returncode == 0, again.stderr
    assert counts(again.stdout) == (0, rendered)  # same model, other path: nothing to do

    changed = copy_voice(tmp_path / "voices", "other-bytes", extra=b"\x32\x05other")
    (scripts / "show.yml").write_text(show + f"voice: {changed}\n", encoding="utf-8")
    third = run_cli("build", "--scripts", str(scripts), "--out", str(out), "--jobs", "1")
    assert third.returncode == 0, third.stderr
    assert counts(third.stdout) == (rendered, 0)  # every clip spoken again


# ---- the engine itself -------------------------------------------------------------------------

def test_fingerprint_is_the_model_and_config_content(tmp_path: Path) -> None:
    engine = load_engine("piper")
    bundled = engine.resolve_voice(None)
    assert bundled == engine.resolve_voice("en_US-joe-medium") == engine.resolve_voice("joe")
    assert piper_engine.file_digest(bundled_model()) in bundled
    config = json.loads(piper_engine.locate_voice(None).config.read_text(encoding="utf-8"))
    config["inference"]["noise_scale"] = 0.5
    model = copy_voice(tmp_path, "tweaked")
    (tmp_path / "tweaked.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    assert engine.resolve_voice(str(model)) != bundled  # a different config sounds different


def test_file_digest_is_computed_once_per_file_version(tmp_path: Path, monkeypatch) -> None:
    calls = []
    real = piper_engine.hashlib.sha256

    def counting(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(piper_engine.hashlib, "sha256", counting)
    data = tmp_path / "model.onnx"
    data.write_bytes(b"one")
    digest = piper_engine.file_digest(data)
    assert piper_engine.file_digest(data) == digest and len(calls) == 1
    data.write_bytes(b"two!")
    assert piper_engine.file_digest(data) != digest and len(calls) == 2


def test_rate_maps_to_length_scale() -> None:
    assert piper_engine.length_scale(piper_engine.NATURAL_RATE) == 1.0
    assert piper_engine.length_scale(150) == pytest.approx(1.2)
    assert piper_engine.length_scale(120, default=1.1) == pytest.approx(1.65)
    assert piper_engine.length_scale(1) == piper_engine.MAX_LENGTH_SCALE
    assert piper_engine.length_scale(10_000) == piper_engine.MIN_LENGTH_SCALE


def test_synthesis_loads_the_model_once_and_follows_the_rate(tmp_path: Path) -> None:
    engine = load_engine("piper")
    durations = {}
    for rate in (120, 240):
        out = tmp_path / f"{rate}.wav"
        engine.synthesize("Let your shoulders soften, and let the floor hold you.", None, rate,
                          out)
        with wave.open(str(out)) as wav:
            assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
            assert wav.getframerate() == 22050
            durations[rate] = wav.getnframes() / wav.getframerate()
    assert 1.5 <= durations[120] / durations[240] <= 2.5, durations
    model = str(bundled_model().resolve())
    assert sum(1 for key in piper_engine._LOADED if key[0][0] == model) == 1


def test_a_broken_model_is_reported_by_name(tmp_path: Path) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not an onnx model")
    shutil.copyfile(piper_engine.locate_voice(None).config, tmp_path / "broken.onnx.json")
    with pytest.raises(EngineError, match=r"piper voice .*broken\.onnx could not be loaded"):
        load_engine("piper").synthesize("Hello.", str(broken), 150, tmp_path / "x.wav")


def test_voices_lists_the_bundled_and_configured_voices(tmp_path: Path, monkeypatch) -> None:
    extra = tmp_path / "voices" / "en_GB-test-low.onnx"
    extra.parent.mkdir()
    extra.write_bytes(b"not read when listing")
    extra.with_name(extra.name + ".json").write_text(json.dumps(
        {"language": {"code": "en_GB"}, "audio": {"quality": "low"}, "dataset": "test"}))
    (tmp_path / "voices" / "no-config.onnx").write_bytes(b"ignored: no .onnx.json")
    monkeypatch.setenv(piper_engine.VOICES_ENV, str(extra.parent))
    voices = {v.id: v for v in load_engine("piper").voices()}
    assert set(voices) == {"en_US-joe-medium", "en_GB-test-low"}
    assert (voices["en_US-joe-medium"].language, voices["en_US-joe-medium"].gender) == (
        "en-us", "male")
    assert voices["en_GB-test-low"].language == "en-gb"
    assert piper_engine.locate_voice("en_GB-test-low").model == extra


def test_voices_command_lists_the_bundled_voice() -> None:
    result = run_cli("voices", "--engine", "piper")
    assert result.returncode == 0, result.stderr
    assert re.search(r"^en_US-joe-medium\s+joe .*en-us\s+male$", result.stdout, re.M)


def test_unknown_voice_names_the_available_ones(tmp_path: Path) -> None:
    engine = load_engine("piper")
    with pytest.raises(UnknownVoice, match=r"en_US-joe-mediun.*did you mean en_US-joe-medium"):
        engine.resolve_voice("en_US-joe-mediun")
    with pytest.raises(UnknownVoice, match="available: en_US-joe-medium"):
        engine.resolve_voice("amy")
    with pytest.raises(UnknownVoice, match="unknown voice `gmw/en-us` for piper"):
        engine.resolve_voice("gmw/en-us")  # an espeak voice, not a path
    with pytest.raises(UnknownVoice, match="not found"):
        engine.resolve_voice(str(tmp_path / "missing.onnx"))
    (tmp_path / "lonely.onnx").write_bytes(b"x")
    with pytest.raises(UnknownVoice, match=r"lonely\.onnx\.json is missing"):
        engine.resolve_voice(str(tmp_path / "lonely.onnx"))


# ---- without the extra -------------------------------------------------------------------------

BLOCKED = "import sys; sys.modules['piper'] = None; "


def test_missing_extra_is_one_clear_line(tmp_path: Path) -> None:
    out = tmp_path / "x.wav"
    code = BLOCKED + (
        "from pathlib import Path\n"
        "from rtr_audio.engines import EngineUnavailable, load_engine\n"
        "try:\n"
        f"    load_engine('piper').synthesize('Hello.', None, 150, Path({str(out)!r}))\n"
        "except EngineUnavailable as exc:\n"
        "    print(exc)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == INSTALL_LINE + "\n"


def test_missing_extra_on_the_command_line(tmp_path: Path) -> None:
    scripts = piper_show(tmp_path / "scripts")
    for args in (["voices", "--engine", "piper"],
                 ["build", "--scripts", str(scripts), "--out", str(tmp_path / "out")]):
        argv = ["rtr-audio", *args]
        code = BLOCKED + f"from rtr_audio.cli import main; sys.argv = {argv!r}; main()"
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 1
        assert result.stderr == f"error: {INSTALL_LINE}\n", result.stderr
        assert "Traceback" not in result.stdout + result.stderr
