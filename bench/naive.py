"""The naive pyttsx3 + pydub script the benchmark compares against.

What someone would write in an afternoon: one pyttsx3 engine, one utterance per sentence, the
episode grown with ``+=`` and a silence after each sentence, one MP3 export per episode. It reads
the same generated scripts as ``rtr-audio build`` (front matter, ``# headings``, paragraphs and
``[pause Ns]``), at the same rate and bitrate.

Usage: python bench/naive.py SCRIPTS_DIR OUT_DIR RATE BITRATE
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

import pyttsx3
from pydub import AudioSegment

RATE = 22050  # what pyttsx3's espeak driver writes; pydub's silent() defaults to 11,025 Hz
SENTENCE_GAP_MS = 700
PARAGRAPH_GAP_MS = 1600
PAUSE = re.compile(r"\[pause(?:\s+([\d.]+)s)?\]")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def parts(markdown: str) -> list[tuple[str, object]]:
    """("say", sentence) and ("silence", ms) in script order."""
    body = markdown.split("---", 2)[2] if markdown.startswith("---") else markdown
    found: list[tuple[str, object]] = []
    for paragraph in re.split(r"\n\s*\n", body):
        text = " ".join(line.strip() for line in paragraph.splitlines()).lstrip("# ").strip()
        if not text:
            continue
        position = 0
        for match in PAUSE.finditer(text):
            found += [("say", s) for s in SENTENCE_END.split(text[position:match.start()])
                      if s.strip()]
            found.append(("silence", int(float(match.group(1) or 2) * 1000)))
            position = match.end()
        found += [("say", s) for s in SENTENCE_END.split(text[position:]) if s.strip()]
        found.append(("silence", PARAGRAPH_GAP_MS))
    return found


def main(scripts: Path, out: Path, rate: int, bitrate: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    engine = pyttsx3.init()
    engine.setProperty("rate", rate)
    scratch = Path(tempfile.mkdtemp(prefix="naive-"))
    wav = scratch / "sentence.wav"
    for script in sorted(scripts.glob("*.md")):
        episode = AudioSegment.silent(duration=600, frame_rate=RATE)
        for kind, value in parts(script.read_text()):
            if kind == "silence":
                episode += AudioSegment.silent(duration=value, frame_rate=RATE)
                continue
            engine.save_to_file(value, str(wav))
            engine.runAndWait()
            episode += AudioSegment.from_wav(wav)
            episode += AudioSegment.silent(duration=SENTENCE_GAP_MS, frame_rate=RATE)
        episode.export(out / f"{script.stem}.mp3", format="mp3", bitrate=bitrate)
    wav.unlink(missing_ok=True)
    scratch.rmdir()


if __name__ == "__main__":
    # pyttsx3's espeak driver prints "Audio saved to …" for every utterance.
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
