"""Answering "is the show already built?" in milliseconds, before anything heavy is imported.

A complete build proves the published show matches its inputs; it then leaves a stamp with what
that proof rested on:

- a digest of the inputs: every file of the scripts folder (by content), the build options
  that change the output, ``RTR_AUDIO_*`` settings, the Python and rtr-audio versions;
- files whose change could change the sound without touching the scripts (the speech engine's
  library or voice model, a cover outside the scripts folder, installed packages, ffmpeg,
  rtr-audio's own code), by size and mtime;
- every published file and cached clip, by size and mtime;
- when it expires: the time the next scheduled episode is due, or a kept previous version of
  an episode file is to go (by ``clock``, so ``RTR_AUDIO_NOW`` moves it).

When all three still hold, the build would render, encode and write nothing, so the command
reports the previous summary and stops: like ``make``, but deciding on content for the inputs
a writer edits. Anything else (an edit, a deleted or damaged file, a new engine) falls through
to the full build, which checks everything again. A build removes the stamp before it changes
any output and writes a new one only when it has finished.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import click  # already imported by the CLI; its folder is the environment's site-packages

from rtr_audio import __version__, clock
from rtr_audio.layout import Layout
from rtr_audio.summary import BuildSummary, Scheduled

STAMP_FORMAT = 1
PACKAGE = Path(__file__).resolve().parent
BIG_FILE = 8 * 2**20  # bytes; larger files in the scripts folder are judged by size and mtime


def fingerprint(scripts_dir: Path, out_dir: Path, engine: str | None,
                base_url: str | None) -> str | None:
    """The digest of a build's inputs (see ``inputs_digest``), computed once per build; None
    when a file of the scripts folder cannot be read (the build then reports it)."""
    try:
        return inputs_digest(scripts_dir, out_dir, engine, base_url)
    except OSError:
        return None


def check(out_dir: Path, inputs: str | None) -> BuildSummary | None:
    """What the last build reported, if it still describes what a build would publish now
    from inputs whose ``fingerprint`` is ``inputs``; None means "build"."""
    try:
        stamp = _stamp(out_dir)
        if stamp is None or inputs is None or stamp["inputs"] != inputs:
            return None
        if file_states(_watched(stamp["extra"])) != stamp["watched"]:
            return None
        if output_states(out_dir) != stamp["outputs"]:
            return None
        if _expired(stamp["expires"]):
            return None
        done = stamp["summary"]
        scheduled = [Scheduled.from_record(record) for record in done["scheduled"]]
    except (OSError, KeyError, TypeError, ValueError):
        return None  # a stamp this version cannot read: build
    return BuildSummary(episodes=done["episodes"], audio_seconds=done["audio_seconds"],
                        clips_reused=done["clips"], feed=out_dir / done["feed"],
                        scheduled=scheduled)


def _expired(expires: str | None) -> bool:
    """Whether the build's clock has reached ``expires`` (when the next scheduled episode is
    due, or a kept previous file is to go): a build then has work to do."""
    if expires is None:
        return False
    moment = clock.parse(expires)
    return moment is None or clock.now() >= moment


def inputs_changed(out_dir: Path, inputs: str | None) -> bool:
    """Whether the inputs (``fingerprint``) differ from the last finished build's (or there is
    none): clips will most likely be spoken."""
    stamp = _stamp(out_dir)
    return stamp is None or inputs is None or stamp.get("inputs") != inputs


def _stamp(out_dir: Path) -> dict | None:
    """The last finished build's stamp, if there is one in this version's format."""
    try:
        stamp = json.loads(Layout(out_dir).stamp.read_bytes())
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) and stamp.get("format") == STAMP_FORMAT else None


def write(out_dir: Path, inputs: str | None, extra: list[Path], summary: BuildSummary,
          expires: dt.datetime | None = None) -> None:
    """Record a finished build (with the build lock held, after the feed is written).

    ``inputs``: the ``fingerprint`` taken before the build read its inputs (a script saved
    during the build then makes the next build run); ``extra``: files outside the scripts
    folder the build depended on (the engine's library or voice model, the cover);
    ``expires``: when the stamp stops holding although nothing changed (a scheduled episode
    falls due, a kept previous file is to go), None for never.
    """
    # Not at the top: the up-to-date check imports this module and never writes (tempfile
    # costs ~5 ms of its 0.1 s).
    from rtr_audio.files import atomic_write

    if inputs is None:
        return
    extra_paths = sorted({str(p) for p in extra})
    stamp = {
        "format": STAMP_FORMAT,
        "inputs": inputs,
        "extra": extra_paths,
        "watched": file_states(_watched(extra_paths)),
        "outputs": output_states(out_dir),
        "summary": {"episodes": summary.episodes, "audio_seconds": summary.audio_seconds,
                    "clips": summary.clips_rendered + summary.clips_reused,
                    "feed": str(summary.feed.relative_to(out_dir)) if summary.feed else "",
                    "scheduled": [s.record() for s in summary.scheduled]},
        "expires": clock.stamp(expires) if expires else None,
    }
    atomic_write(Layout(out_dir).stamp, json.dumps(stamp).encode())


def _watched(extra: list[str]) -> list[Path]:
    return sorted({*map(Path, extra), *environment_files()})


def forget(out_dir: Path) -> None:
    """Before a build changes any output: the stamp no longer describes what is published."""
    Layout(out_dir).stamp.unlink(missing_ok=True)


def inputs_digest(scripts_dir: Path, out_dir: Path, engine: str | None,
                  base_url: str | None) -> str:
    h = hashlib.sha256()
    settings = {
        "format": STAMP_FORMAT, "rtr-audio": __version__, "python": sys.version,
        "scripts": str(scripts_dir.resolve()), "out": str(out_dir.resolve()),
        "engine": engine, "base_url": base_url,
        # (Not the clock: its moving is the stamp's expiry, not a change of input.)
        "env": sorted((k, v) for k, v in os.environ.items()
                      if k.startswith("RTR_AUDIO") and k != clock.ENV),
    }
    h.update(json.dumps(settings, sort_keys=True).encode())
    # Every file, hidden ones too (the scripts are found by ``*.md``, which matches ``.x.md``),
    # but not the output folder, should it be inside the scripts folder.
    for path in sorted(_files_under(scripts_dir, skip=out_dir.resolve())):
        h.update(b"\0" + str(path.relative_to(scripts_dir)).encode() + b"\0")
        info = path.stat()
        if info.st_size > BIG_FILE:  # not text a writer edits (a recording?): size and mtime
            h.update(f"{info.st_size} {info.st_mtime_ns}".encode())
        else:
            h.update(path.read_bytes())
    return h.hexdigest()


def environment_files() -> list[Path]:
    """Files outside the scripts whose change may change the output: rtr-audio's own code,
    the installed packages (the folder changes when one is added, removed or upgraded), ffmpeg."""
    found = [p for p in _files_under(PACKAGE) if p.suffix != ".pyc"]
    found.append(Path(click.__file__).resolve().parent.parent)
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg:
        found.append(Path(ffmpeg).resolve())
    return found


def file_states(paths: list[Path]) -> list[list]:
    """[path, size, mtime_ns] of each file (size and mtime None if it is gone)."""
    states = []
    for path in paths:
        try:
            info = path.stat()
            states.append([str(path), info.st_size, info.st_mtime_ns])
        except OSError:
            states.append([str(path), None, None])
    return states


def output_states(out_dir: Path) -> list[list]:
    """Every published file and every cached clip, as [relative path, size, mtime_ns], sorted
    by path. Strings and ``os.scandir`` only, no ``Path`` per file: a show of 100 episodes has
    10,000 clips, and this runs on every build, a no-op's included (0.15 → 0.03 s there)."""
    states: list[list] = []
    _states_under(str(out_dir), "", states, skip_hidden=True)
    clips = Layout(out_dir).clips
    _states_under(str(clips), str(clips.relative_to(out_dir)) + os.sep, states)
    states.sort(key=lambda state: state[0])
    return states


def _states_under(folder: str, prefix: str, states: list[list], skip_hidden: bool = False) -> None:
    for rel, entry in _entries(folder, prefix, skip_hidden):
        info = entry.stat()
        states.append([rel, info.st_size, info.st_mtime_ns])


def _files_under(folder: Path, skip_hidden: bool = False, skip: Path | None = None):
    """Files below ``folder`` (recursively), without ``__pycache__``, the folder ``skip``, and
    (if asked) hidden ones."""
    for _rel, entry in _entries(str(folder), "", skip_hidden, skip):
        yield Path(entry.path)


def _entries(folder: str, prefix: str, skip_hidden: bool, skip: Path | None = None
             ) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """(path relative to the walk's start, entry) of every regular file below ``folder``, with
    ``os.scandir`` and strings only; ``__pycache__``, the folder ``skip`` and (if asked) hidden
    names are left out, and links to folders are not followed."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name == "__pycache__" or (skip_hidden and entry.name.startswith(".")):
            continue
        if entry.is_dir(follow_symlinks=False):
            if skip is None or Path(entry.path).resolve() != skip:
                yield from _entries(entry.path, prefix + entry.name + os.sep, skip_hidden, skip)
        elif entry.is_file():
            yield prefix + entry.name, entry
