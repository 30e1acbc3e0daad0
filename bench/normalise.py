"""Text normalisation benchmark: the shipped series' sentences normalised cold, and the time
for one long line without spaces (linear time: issue 13, kind 7).

"Cold" is a fresh Python process: importing the normaliser, reading its data files and the
dictionary (english-words) are all counted, exactly as a build pays them once. The sentences
are the clips of ``scripts/*.md`` as a build makes them (markup cleaned, split, lexicon
applied); figures are medians of ``ROUNDS`` processes.

Usage: .venv/bin/python bench/normalise.py [--results PATH]   (bench/run.py also calls it)
Target: the series normalises cold in at most ``TARGET_S`` seconds.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import section as section_cli  # bench/section.py, beside this file

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
ROUNDS = 5
TARGET_S = 0.3
LONG_LINE = 100_000  # characters, no spaces

# Runs in a fresh interpreter: the clock starts before the normaliser is imported.
_COLD = """
import json, sys, time
start, cpu = time.perf_counter(), time.process_time()
from rtr_audio.speech import to_spoken
texts = json.load(open(sys.argv[1], encoding="utf-8"))
for text in texts:
    to_spoken(text)
print(time.perf_counter() - start, time.process_time() - cpu)
"""


def series_sentences() -> list[str]:
    """Every sentence a build of ``scripts/`` hands to the normaliser, lexicon applied."""
    sys.path.insert(0, str(REPO))
    from rtr_audio import speech
    from rtr_audio.script import Speech, parse_script, script_paths

    lexicon, _ = speech.Lexicon.load(REPO / "scripts" / "lexicon.yml")
    found = []
    for path in script_paths(REPO / "scripts"):
        script, problems = parse_script(path)
        if script is None:
            raise SystemExit(f"{path}: {problems}")
        for block in script.blocks:
            for part in block.parts:
                if isinstance(part, Speech):
                    for sentence in speech.split_sentences(speech.clean_markup(part.text)):
                        found.append(lexicon.apply(sentence)[0])
    return found


def cold_seconds(texts: list[str]) -> tuple[float, float]:
    """Median wall and CPU seconds of ``ROUNDS`` fresh processes normalising ``texts``."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(texts, f)
    walls, cpus = [], []
    for _ in range(ROUNDS):
        out = subprocess.run([sys.executable, "-c", _COLD, f.name], cwd=REPO, check=True,
                             capture_output=True, text=True, env={"PYTHONPATH": str(REPO)})
        wall, cpu = (float(x) for x in out.stdout.split())
        walls.append(wall)
        cpus.append(cpu)
    Path(f.name).unlink()
    return statistics.median(walls), statistics.median(cpus)


def section() -> list[str]:
    """The Markdown section for bench/results.md."""
    texts = series_sentences()
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    series, series_cpu = cold_seconds(texts)
    long_line, long_cpu = cold_seconds(["a1-" * (LONG_LINE // 3)])
    verdict = "PASS" if series <= TARGET_S else "MISS"
    return [
        "## Text normalisation (bench/normalise.py)", "",
        f"Fresh process each time (import, data files and dictionary included), median of "
        f"{ROUNDS}; load average {load} at the start (CPU time is less sensitive to it).", "",
        "| figure | wall s | CPU s | target (wall) | result |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| the shipped series, {len(texts)} sentences, cold | {series:.3f} | {series_cpu:.3f} | "
        f"≤ {TARGET_S:g} | {verdict} |",
        f"| one {LONG_LINE:,}-character line without spaces, cold | {long_line:.3f} | "
        f"{long_cpu:.3f} | linear | — |", "",
    ]


def main() -> None:
    section_cli.run(section, __doc__ or "")


if __name__ == "__main__":
    main()
