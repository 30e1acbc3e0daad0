"""``preview``: hear one script, section or range of lines in seconds, through the same cache.

Only clips the cache lacks are spoken, so after editing one paragraph only that paragraph is
rendered again. The preview is a plain WAV (no encode) written beside the cache.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

from rtr_audio import pcm
from rtr_audio.assemble import layout, stream_pcm
from rtr_audio.cache import ClipStore
from rtr_audio.errors import RtrError
from rtr_audio.layout import Layout
from rtr_audio.plan import plan_episode
from rtr_audio.project import EngineCatalog, load_project, resolve_voices
from rtr_audio.render import render_clips
from rtr_audio.script import Block, Script
from rtr_audio.synth import save_bell

PLAYERS: tuple[tuple[str, list[str]], ...] = (
    ("ffplay", ["-nodisp", "-autoexit", "-loglevel", "error"]),
    ("paplay", []),
    ("aplay", ["-q"]),
    ("afplay", []),
)


class PreviewError(RtrError):
    """The requested part of the script does not exist or cannot be played."""


@dataclass(frozen=True)
class PreviewResult:
    path: Path
    seconds: float
    rendered: int
    reused: int


def select_blocks(script: Script, section: int | None,
                  lines: tuple[int, int] | None) -> tuple[Block, ...]:
    """The blocks of heading section ``section`` (1 = first heading) or within ``lines``."""
    blocks = script.blocks
    if section is not None:
        headings = [i for i, b in enumerate(blocks) if b.kind == "heading"]
        if not 1 <= section <= len(headings):
            raise PreviewError(f"{script.path}: no section {section} (it has {len(headings)} "
                               "headings)")
        start = headings[section - 1]
        end = headings[section] if section < len(headings) else len(blocks)
        blocks = blocks[start:end]
    if lines is not None:
        first, last = lines
        blocks = tuple(b for b in blocks if first <= b.line <= last)
        if not blocks:
            raise PreviewError(f"{script.path}: nothing to speak in lines {first}-{last}")
    return tuple(blocks)


def preview(script_path: Path, out_dir: Path, dest: Path | None = None, *,
            section: int | None = None, lines: tuple[int, int] | None = None,
            engine: str | None = None, jobs: int | None = None) -> PreviewResult:
    project = load_project(script_path.parent)
    script = next((s for s in project.scripts if s.path.resolve() == script_path.resolve()), None)
    if script is None:
        raise PreviewError(f"{script_path}: not an episode script of {script_path.parent}")
    part = dataclasses.replace(script, blocks=select_blocks(script, section, lines))
    voice = resolve_voices(project, EngineCatalog(), engine)[script.slug]
    plan = plan_episode(part, project.settings, project.lexicon, voice)
    store = ClipStore(Layout(out_dir).clips)
    missing = [task for task in plan.tasks.values() if not store.has(task.key)]
    render_clips(missing, store, jobs or os.cpu_count() or 1)
    if plan.bell_key and not store.has(plan.bell_key):
        save_bell(store, plan.bell_key, plan.loudness)
    timeline = layout(plan, {key: store.length(key) or 0 for key in _keys(plan)})
    dest = dest or Layout(out_dir).preview(script.slug)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(dest), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(pcm.RATE)
        for chunk in stream_pcm(timeline, store):
            handle.writeframes(chunk)
    return PreviewResult(dest, timeline.duration, len(missing), len(plan.tasks) - len(missing))


def _keys(plan) -> list[str]:
    return list(plan.tasks) + ([plan.bell_key] if plan.bell_key else [])


def play(path: Path) -> str:
    """Play with the first system player that works; returns its name."""
    tried = []
    for name, arguments in PLAYERS:
        found = shutil.which(name)
        if not found:
            continue
        result = subprocess.run([found, *arguments, str(path)], check=False,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if result.returncode == 0:
            return name
        tried.append(name)
    if tried:
        raise PreviewError(f"could not play the preview with {', '.join(tried)} (no sound "
                           f"device?); the file is at {path}")
    raise PreviewError(f"no audio player found (looked for {', '.join(n for n, _ in PLAYERS)}); "
                       f"the preview is at {path}")
