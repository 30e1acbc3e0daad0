"""Golden outputs: the published text files of tests/fixtures/mini, compared whole.

Pelican's ``tests/output`` is the model: build a small fixture show, then compare every text
file it publishes (``feed.xml``, ``index.html``, each episode's ``.vtt``, ``.srt`` and
``.chapters.json``) with the copy committed under ``tests/golden/mini/``. Any change to the
feed, the page template, caption timing or chapter JSON shows up as a unified diff.

Regenerate after an intended change, then read the diff in ``git diff tests/golden``::

    make golden                      # or: python -m tests.golden --update

What would vary from machine to machine or from run to run is pinned where it can be and
normalised where it cannot (tests/golden/README.md says why for each):

- speech comes from ``tests/fake_engine.py`` (fixed tones per word), so durations, cue times and
  chapter starts depend on rtr-audio's own planning and DSP only, not on espeak-ng's version;
- publication dates come from the fixture's front-matter ``date:``;
- the build's clock is pinned with ``RTR_AUDIO_NOW`` (``lastBuildDate``);
- normalised: the 8-hex episode key in file names and the MP3's byte count (enclosure
  ``length``, the page's "(0.3 MB)"), because both hash or contain the cover JPEG that Pillow,
  libjpeg and the system's fonts draw, and the MP3 also carries LAME's own header.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
REPO = HERE.parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "mini"
GOLDEN = HERE / "mini"
UPDATE_COMMAND = "make golden  (or: python -m tests.golden --update)"

ENGINE = "tests.fake_engine:FakeEngine"
# The build's clock: lastBuildDate, and "now" for anything else that asks.
NOW = "2026-11-28T12:00:00+00:00"

TEXT_SUFFIXES = (".xml", ".html", ".vtt", ".srt", ".json")

# (pattern, replacement, why): applied to file names and contents alike.
NORMALISE: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"(episodes/[a-z0-9-]+)\.[0-9a-f]{8}\."), r"\1.KEY.",
     "episode key: hashes the cover JPEG (Pillow, libjpeg, fonts)"),
    (re.compile(r'(<enclosure url="[^"]*" )length="\d+"'), r'\1length="BYTES"',
     "MP3 bytes: ID3 cover JPEG and LAME header"),
    (re.compile(r"(Download MP3) \(\d+\.\d MB\)"), r"\1 (SIZE MB)",
     "MP3 bytes, as shown on the page"),
)


def normalise(text: str) -> str:
    """``text`` with the machine-dependent parts listed in NORMALISE replaced by placeholders."""
    for pattern, replacement, _why in NORMALISE:
        text = pattern.sub(replacement, text)
    return text


def build_outputs(work: Path) -> dict[str, str]:
    """Build the fixture show in ``work`` with the real CLI; returns {normalised path: text}.

    Raises RuntimeError (with the build's stderr) when the build fails.
    """
    scripts = work / "scripts"
    shutil.copytree(FIXTURE, scripts)
    out = work / "audio_out"
    env = {**os.environ, "RTR_AUDIO_NOW": NOW, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "rtr_audio", "build", "--engine", ENGINE,
         "--scripts", str(scripts), "--out", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"building {FIXTURE} failed:\n{result.stderr}")
    outputs = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_file() and not rel.startswith(".cache/") and rel.endswith(TEXT_SUFFIXES):
            outputs[normalise(rel)] = normalise(path.read_text(encoding="utf-8"))
    return outputs


def golden_files() -> list[str]:
    """The committed golden files, as paths relative to tests/golden/mini."""
    return sorted(p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file())


def update() -> list[str]:
    """Rebuild the fixture and rewrite tests/golden/mini to match; returns the files written."""
    with tempfile.TemporaryDirectory(prefix="rtr-golden-") as work:
        outputs = build_outputs(Path(work))
    if GOLDEN.exists():
        shutil.rmtree(GOLDEN)
    for rel, text in outputs.items():
        dest = GOLDEN / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8", newline="")
    return list(outputs)
