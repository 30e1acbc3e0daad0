"""The build benchmark (``make bench``): timings and peak memory, written to bench/results.md.

Everything is measured in one run. Each round runs every variant once, in a rotated order, so
drift on the machine (thermal, other load) touches every variant alike; figures are medians over
the rounds (ratios: the median of the per-round ratios).

Variants, all on the same generated show (5 episodes of plain paragraphs with some pauses):
  baseline  bench/baseline.sh: espeak-ng then ffmpeg/LAME per episode, serially
  naive     bench/naive.py: one pyttsx3 engine, pydub ``+=``, one export per episode
  cold      ``rtr-audio build`` into a fresh folder (no cache)
  no-op     the same build again
  edit      one sentence of one episode changed, build again
And two long single-episode shows (90 and 180 minutes, about half speech, every sentence
distinct so every clip is really rendered): cold build time and the peak RSS of every process
of the build (the CLI, render workers, ffmpeg), polled from /proc.

Usage: .venv/bin/python bench/run.py [--rounds N] [--no-long] [--no-naive] [--results PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work"
VENV_BIN = Path(sys.executable).parent
RTR = [str(VENV_BIN / "rtr-audio")]

RATE = 150  # words per minute, for every variant
BITRATE = "64k"  # rtr_audio.master.BITRATE
EPISODES = 5
WORDS_PER_EPISODE = 700  # 5 × 700 words: espeak-ng at -s 150 says them in about 20 minutes
EDITED_EPISODE = 3
LONG_MINUTES = (90, 180)
LONG_SPEECH_SHARE = 0.45

TARGETS = {
    "cold/baseline": 0.6,
    "noop/cold": 0.03,
    "edit/cold": 0.35,
    "rss180_mb": 250.0,
    "t180/t90": 2.15,
}

# ---- the generated show -------------------------------------------------------------------

OPENERS = ["Now", "Gently", "For a moment", "When you are ready", "Slowly", "If it feels right",
           "In your own time", "As you rest here", "Quietly", "Little by little", "Softly",
           "Without hurrying", "With each breath", "From here", "Once more"]
SUBJECTS = ["you notice", "you let", "you allow", "you feel", "you invite", "you sense",
            "you welcome", "you imagine", "you remember", "you follow", "you watch",
            "you soften", "you release", "you return to", "you rest with"]
OBJECTS = ["the weight of your hands", "the rhythm of your breathing", "your shoulders",
           "the ground beneath you", "the warmth in your chest", "the sounds around you",
           "a quiet corner of the mind", "the space between thoughts", "your steady heartbeat",
           "the air on your skin", "the length of your spine", "the softness of your jaw",
           "the colours behind your eyes", "a kind and patient voice", "the edges of the room"]
TAILS = ["settle a little deeper", "without needing to change anything",
         "like a wave reaching the shore", "as the afternoon light moves across the floor",
         "while the day grows calm and wide", "the way a river finds its course",
         "one breath after another", "with curiosity instead of judgement",
         "as if for the very first time", "knowing there is nothing to fix right now",
         "like leaves drifting on still water", "until the body feels held and safe",
         "in a rhythm that belongs to you", "while the world waits patiently outside",
         "as steady as the mountains far away"]


class Sentences:
    """Distinct calm sentences: a repeated sentence would be a cache hit, not a render."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.seen: set[str] = set()

    def next(self) -> str:
        while True:
            parts = [self.rng.choice(words) for words in (OPENERS, SUBJECTS, OBJECTS, TAILS)]
            sentence = f"{parts[0]}, {parts[1]} {parts[2]} {parts[3]}."
            if sentence not in self.seen:
                self.seen.add(sentence)
                return sentence


@dataclass
class Episode:
    slug: str
    title: str
    blocks: list[tuple[str, str]] = field(default_factory=list)  # ("heading"|"para"|"pause", …)

    def markdown(self, number: int) -> str:
        lines = ["---", f"title: {self.title}", f"description: Generated episode {number}.",
                 f"episode: {number}", f"date: 2026-01-{number:02d}", "---", ""]
        for kind, text in self.blocks:
            lines += [f"# {text}" if kind == "heading" else text, ""]
        return "\n".join(lines)

    def spoken_text(self) -> str:
        """What the engine says: headings and paragraphs, no markup."""
        return "\n\n".join(text if kind == "para" else f"{text}."
                           for kind, text in self.blocks if kind != "pause") + "\n"


SHOW_YML = """\
title: Bench Show
description: A generated show for the benchmark.
author: Bench
language: en-us
owner: {{name: Bench, email: bench@example.org}}
rate: {rate}
"""


NAMES = ["arriving", "breathing", "resting", "noticing", "returning"]


def make_episode(number: int, sentences: Sentences, words: int, pause_s: float,
                 sentences_per_paragraph: int = 5, name: str | None = None) -> Episode:
    name = name or NAMES[number - 1]
    episode = Episode(f"{number:02d}-{name}", f"Episode {number}, {name.title()}")
    said, section = 0, 0
    while said < words:
        if section % 4 == 0:
            episode.blocks.append(("heading", f"Part {section // 4 + 1}"))
        paragraph = " ".join(sentences.next() for _ in range(sentences_per_paragraph))
        said += len(paragraph.split())
        episode.blocks.append(("para", paragraph))
        if pause_s:
            episode.blocks.append(("pause", f"[pause {pause_s:g}s]"))
        section += 1
    return episode


def write_show(folder: Path, episodes: list[Episode]) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "show.yml").write_text(SHOW_YML.format(rate=RATE))
    for number, episode in enumerate(episodes, 1):
        (folder / f"{episode.slug}.md").write_text(episode.markdown(number))


def five_episode_show() -> list[Episode]:
    sentences = Sentences(seed=1)
    # Pauses: every paragraph ends with a short [pause], as meditation scripts do.
    return [make_episode(n, sentences, WORDS_PER_EPISODE, pause_s=3) for n in range(1, 6)]


def edit_one_sentence(folder: Path) -> str:
    """Change one word of one sentence in the middle of one episode; returns its slug."""
    path = sorted(folder.glob("*.md"))[EDITED_EPISODE - 1]
    text = path.read_text()
    paragraphs = [m for m in re.finditer(r"^[A-Z].*\.$", text, re.MULTILINE)]
    target = paragraphs[len(paragraphs) // 2]
    first_sentence_end = text.index(".", target.start()) + 1
    sentence = text[target.start():first_sentence_end]
    edited = sentence.replace(" you ", " you quietly ", 1)
    assert edited != sentence
    path.write_text(text[:target.start()] + edited + text[first_sentence_end:])
    return path.stem


def long_episode(minutes: int, seconds_per_word: float) -> Episode:
    """One episode of ``minutes``, about LONG_SPEECH_SHARE of it speech, the rest pauses."""
    total = minutes * 60
    words = round(total * LONG_SPEECH_SHARE / seconds_per_word)
    per_paragraph = 5 * 13  # five sentences of about 13 words
    paragraphs = max(1, words // per_paragraph)
    # Per paragraph: its speech, four sentence gaps and one paragraph gap (see settings.Gaps),
    # then the [pause] that fills the rest of the episode's length.
    gaps = 4 * 0.7 + 1.6
    pause = max(0.0, (total - words * seconds_per_word) / paragraphs - gaps)
    return make_episode(1, Sentences(seed=minutes), words, pause_s=round(pause, 1),
                        name=f"long-{minutes}")


# ---- measuring ----------------------------------------------------------------------------

@dataclass
class Run:
    seconds: float
    peak_mb: dict[str, float] = field(default_factory=dict)  # role → max VmHWM over processes


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _descendants(root: int) -> list[int]:
    children = _children_map()
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _role(pid: int, root: int) -> str:
    if pid == root:
        return "build (CLI)"
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"
    if "ffmpeg" in cmdline.split(" ")[0]:
        return "ffmpeg"
    if "resource_tracker" in cmdline:
        return "resource tracker"
    if "spawn_main" in cmdline:
        return "render worker"
    return cmdline.split(" ")[0].rsplit("/", 1)[-1]


def _hwm_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def run(command: list[str], watch_memory: bool = False) -> Run:
    """Run ``command`` to completion; with ``watch_memory`` also poll every descendant's VmHWM."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               cwd=REPO)
    peaks: dict[int, tuple[str, int]] = {}
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            for pid in _descendants(process.pid):
                kb = _hwm_kb(pid)
                if kb is None:
                    continue
                role = peaks[pid][0] if pid in peaks else _role(pid, process.pid)
                peaks[pid] = (role, max(kb, peaks.get(pid, ("", 0))[1]))
            stop.wait(0.02)

    poller = threading.Thread(target=poll, daemon=True)
    if watch_memory:
        poller.start()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    stop.set()
    if watch_memory:
        poller.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    errors = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{errors}")
    by_role: dict[str, float] = {"build (CLI)": usage.ru_maxrss / 1024}  # exact, from wait4
    for role, kb in peaks.values():
        by_role[role] = max(by_role.get(role, 0.0), kb / 1024)
    return Run(seconds, by_role)


def build(scripts: Path, out: Path, watch_memory: bool = False, *extra: str) -> Run:
    return run([*RTR, "build", "--scripts", str(scripts), "--out", str(out), "--quiet", *extra],
               watch_memory)


def snapshot(out: Path) -> dict[str, tuple[int, int]]:
    """Published files → (size, mtime_ns); the cache is not published."""
    return {str(p.relative_to(out)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts}


def clip_count(out: Path) -> int:
    return sum(1 for _ in (out / ".cache" / "clips").rglob("*.clip"))


def wav_seconds(folder: Path) -> float:
    total = 0.0
    for path in folder.glob("*.wav"):
        with wave.open(str(path)) as handle:
            total += handle.getnframes() / handle.getframerate()
    return total


def speech_share(out: Path) -> tuple[float, float]:
    """(episode minutes, share of it that is speech) from the published VTT transcript."""
    vtt = next((out / "episodes").glob("*.vtt")).read_text()
    spoken = 0.0
    for start, end in re.findall(r"([\d:.]+) --> ([\d:.]+)", vtt):
        spoken += _seconds(end) - _seconds(start)
    duration = float(subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
         str(next((out / "episodes").glob("*.mp3")))],
        capture_output=True, text=True, check=True).stdout)
    return duration / 60, spoken / duration


def _seconds(stamp: str) -> float:
    total = 0.0
    for part in stamp.split(":"):
        total = total * 60 + float(part)
    return total


# ---- the rounds ---------------------------------------------------------------------------

@dataclass
class Results:
    rounds: int
    times: dict[str, list[float]] = field(default_factory=dict)
    ratios: dict[str, list[float]] = field(default_factory=dict)
    rss: dict[int, list[dict[str, float]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    speech_minutes: float = 0.0
    long_shape: dict[int, tuple[float, float]] = field(default_factory=dict)

    def add(self, name: str, seconds: float) -> None:
        self.times.setdefault(name, []).append(seconds)

    def median(self, name: str) -> float:
        return statistics.median(self.times[name])

    def ratio(self, name: str) -> float:
        return statistics.median(self.ratios[name])


def show_rounds(results: Results, naive: bool) -> None:
    show = WORK / "show"
    episodes = five_episode_show()
    texts = WORK / "text"
    if texts.exists():
        shutil.rmtree(texts)
    texts.mkdir(parents=True)
    for episode in episodes:
        (texts / f"{episode.slug}.txt").write_text(episode.spoken_text())
    words = sum(len(e.spoken_text().split()) for e in episodes)

    def baseline() -> None:
        out = WORK / "baseline-out"
        shutil.rmtree(out, ignore_errors=True)
        results.add("baseline", run(["sh", str(BENCH / "baseline.sh"), str(texts), str(out),
                                     str(RATE), BITRATE]).seconds)
        results.speech_minutes = wav_seconds(out) / 60

    def naive_script() -> None:
        write_show(show, episodes)
        out = WORK / "naive-out"
        shutil.rmtree(out, ignore_errors=True)
        results.add("naive", run([sys.executable, str(BENCH / "naive.py"), str(show), str(out),
                                  str(RATE), BITRATE]).seconds)

    def ours() -> None:
        write_show(show, episodes)
        out = WORK / "out"
        shutil.rmtree(out, ignore_errors=True)
        results.add("cold", build(show, out).seconds)
        clips, before = clip_count(out), snapshot(out)
        results.add("noop", build(show, out).seconds)
        if snapshot(out) != before or clip_count(out) != clips:
            results.notes.append("no-op build changed published files or the cache!")
        edited = edit_one_sentence(show)
        results.add("edit", build(show, out).seconds)
        after = snapshot(out)
        rendered = clip_count(out) - clips
        changed = sorted({name.split("/")[-1].split(".")[0] for name in set(after) ^ set(before)
                          if name.endswith(".mp3")})
        if rendered != 1 or changed != [edited.split("-", 1)[1]]:
            results.notes.append(f"edit build: {rendered} clips rendered, mp3 changed: {changed}")

    variants: list[tuple[str, Callable[[], None]]] = [("baseline", baseline), ("ours", ours)]
    if naive:
        variants.insert(1, ("naive", naive_script))
    print(f"show: {len(episodes)} episodes, {words} spoken words", flush=True)
    for index in range(results.rounds):
        order = variants[index % len(variants):] + variants[:index % len(variants)]
        for name, variant in order:
            variant()
            print(f"  round {index + 1}: {name} done "
                  f"({', '.join(f'{k} {v[-1]:.2f}s' for k, v in results.times.items())})",
                  flush=True)
        results.ratios.setdefault("cold/baseline", []).append(
            results.times["cold"][-1] / results.times["baseline"][-1])
        if naive:
            results.ratios.setdefault("cold/naive", []).append(
                results.times["cold"][-1] / results.times["naive"][-1])
        for name in ("noop", "edit"):
            results.ratios.setdefault(f"{name}/cold", []).append(
                results.times[name][-1] / results.times["cold"][-1])


def seconds_per_word() -> float:
    """espeak-ng's pace at RATE on the generated sentences (to size the long episodes)."""
    sample = WORK / "pace.txt"
    sample.parent.mkdir(parents=True, exist_ok=True)
    sentences = Sentences(seed=0)
    text = " ".join(sentences.next() for _ in range(40))
    sample.write_text(text)
    wav = WORK / "pace.wav"
    subprocess.run(["espeak-ng", "-s", str(RATE), "-w", str(wav), "-f", str(sample)], check=True)
    with wave.open(str(wav)) as handle:
        return handle.getnframes() / handle.getframerate() / len(text.split())


def long_rounds(results: Results) -> None:
    pace = seconds_per_word()
    shows = {}
    for minutes in LONG_MINUTES:
        folder = WORK / f"long{minutes}"
        write_show(folder, [long_episode(minutes, pace)])
        shows[minutes] = folder
    for index in range(results.rounds):
        order = LONG_MINUTES if index % 2 == 0 else LONG_MINUTES[::-1]
        for minutes in order:
            out = WORK / f"long{minutes}-out"
            shutil.rmtree(out, ignore_errors=True)
            measured = build(shows[minutes], out, True)
            results.add(f"long{minutes}", measured.seconds)
            results.rss.setdefault(minutes, []).append(measured.peak_mb)
            results.long_shape[minutes] = speech_share(out)
            print(f"  round {index + 1}: {minutes} min {measured.seconds:.1f}s, peak "
                  f"{max(measured.peak_mb.values()):.0f} MB", flush=True)
        results.ratios.setdefault("t180/t90", []).append(
            results.times["long180"][-1] / results.times["long90"][-1])


# ---- the report ---------------------------------------------------------------------------

def _cmd(*command: str) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor() or "?")
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
    import importlib.metadata as md

    commit = _cmd("git", "-C", str(REPO), "rev-parse", "--short", "HEAD")
    dirty = " (with uncommitted changes)" if _cmd("git", "-C", str(REPO), "status",
                                                   "--porcelain", "--", "rtr_audio") else ""
    return [
        f"- Date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- Machine: {os.cpu_count()} cores (`nproc` {_cmd('nproc')}), {cpu}, "
        f"{mem_kb / 1024 / 1024:.1f} GiB RAM, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; pyttsx3 {md.version('pyttsx3')}, "
        f"pydub {md.version('pydub')}, numpy {md.version('numpy')}, scipy {md.version('scipy')}",
        f"- {_cmd('espeak-ng', '--version').split('  Data')[0]}; "
        f"{_cmd('ffmpeg', '-version').splitlines()[0]}",
        f"- rtr-audio at {commit}{dirty}; `--jobs` default ({os.cpu_count()} cores)",
    ]


def verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "MISS"


def report(results: Results, path: Path) -> str:
    t = results.times
    lines = ["# Benchmark results", "", "Written by `make bench` (`bench/run.py`); see "
             "`bench/README.md` for what each figure means.", "", *machine(), "",
             f"Rounds: {results.rounds}, variants alternated (rotated order) in every round; "
             "times are medians, ratios the median of the per-round ratios.", ""]
    if "cold" in t:
        lines += [
            f"## Five-episode show ({results.speech_minutes:.1f} min of speech, rate {RATE})", "",
            "| variant | median s | all runs (s) |", "| --- | ---: | --- |",
        ]
        labels = {"baseline": "serial shell baseline (espeak-ng + ffmpeg)",
                  "naive": "naive pyttsx3 + pydub script", "cold": "rtr-audio cold build",
                  "noop": "rtr-audio no-op rebuild", "edit": "rtr-audio one-sentence edit"}
        for name, label in labels.items():
            if name in t:
                runs = ", ".join(f"{v:.2f}" for v in t[name])
                lines.append(f"| {label} | {results.median(name):.2f} | {runs} |")
        lines += ["", "| ratio | measured | target | result |", "| --- | ---: | ---: | --- |"]
        for name in ("cold/baseline", "cold/naive", "noop/cold", "edit/cold"):
            if name not in results.ratios:
                continue
            value = results.ratio(name)
            target = TARGETS.get(name)
            lines.append(f"| {name} | {value:.3f} | "
                         f"{'≤ ' + format(target, 'g') if target else '—'} | "
                         f"{verdict(value, target) if target else 'informative'} |")
        lines.append("")
    if results.rss:
        lines += ["## Long episodes (cold build, one episode each)", "",
                  "| episode | speech share | median s | peak RSS, largest process (MB) | "
                  "peak RSS by process kind (MB, max over rounds) |",
                  "| --- | ---: | ---: | ---: | --- |"]
        for minutes in LONG_MINUTES:
            runs = results.rss[minutes]
            roles: dict[str, float] = {}
            for one in runs:
                for role, mb in one.items():
                    roles[role] = max(roles.get(role, 0.0), mb)
            length, share = results.long_shape[minutes]
            lines.append(
                f"| {length:.1f} min | {share:.0%} | {results.median(f'long{minutes}'):.1f} | "
                f"{max(roles.values()):.0f} | "
                + ", ".join(f"{role} {mb:.0f}" for role, mb in sorted(roles.items())) + " |")
        rss180 = max(max(one.values()) for one in results.rss[180])
        ratio = results.ratio("t180/t90")
        lines += ["", "| figure | measured | target | result |", "| --- | ---: | ---: | --- |",
                  f"| 180-min peak RSS (max over rounds) | {rss180:.0f} MB | ≤ 250 MB | "
                  f"{verdict(rss180, TARGETS['rss180_mb'])} |",
                  f"| time 180 min / 90 min | {ratio:.2f} | ≤ 2.15 | "
                  f"{verdict(ratio, TARGETS['t180/t90'])} |", ""]
    if results.notes:
        lines += ["## Problems seen during the run", "", *[f"- {n}" for n in results.notes], ""]
    notes = path.with_name("notes.md")
    if notes.exists():
        lines += [notes.read_text().strip(), ""]
    text = "\n".join(lines)
    path.write_text(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-long", action="store_true", help="skip the 90/180-minute episodes")
    parser.add_argument("--no-show", action="store_true", help="skip the five-episode show")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive script")
    parser.add_argument("--results", type=Path, default=BENCH / "results.md")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    results = Results(rounds=args.rounds)
    # Warm up: imports and the engine's data in the page cache, for every variant alike.
    warm = WORK / "warmup"
    shutil.rmtree(warm, ignore_errors=True)
    build(REPO / "tests" / "fixtures" / "mini", warm)
    if not args.no_show:
        show_rounds(results, naive=not args.no_naive)
    if not args.no_long:
        long_rounds(results)
    print(report(results, args.results))


if __name__ == "__main__":
    main()
