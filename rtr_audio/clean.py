"""``clean``: remove what rtr-audio published in an output folder, and its cache; nothing else.

A folder rtr-audio did not make (``--out ~/notes``, ``--out scripts``) is refused without
touching anything. In one it made, only the files its record names (``published``) and the
``.cache`` folder go; anything else (a ``.keep``, the writer's own notes, a recording dropped into
``episodes/``) stays, and is listed. The build lock is held meanwhile, so a build running on the
same folder finishes first.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rtr_audio import lock
from rtr_audio.errors import RtrError
from rtr_audio.published import CACHE, PublishedRecord, is_safe_name, made_by_us


@dataclass
class Cleaned:
    removed: int = 0
    kept: list[str] = field(default_factory=list)  # relative paths rtr-audio did not make


def refusal(out: Path) -> str | None:
    """Why ``out`` must not be cleaned, or None."""
    if not out.is_dir():
        return f"{out} is not a folder"
    resolved = out.resolve()
    if resolved == Path(resolved.anchor):
        return f"{out} is the root folder; nothing was removed"
    if resolved == Path.home().resolve():
        return f"{out} is your home folder; nothing was removed"
    if not made_by_us(out):
        return (f"{out} was not made by rtr-audio (it has no {CACHE}/ with a build record); "
                "nothing was removed")
    return None


def clean(out: Path, say: Callable[[str], None]) -> Cleaned:
    """Remove the published files and the cache of ``out``; raises RtrError for a folder that
    rtr-audio did not make."""
    problem = refusal(out)
    if problem:
        raise RtrError(problem)
    result = Cleaned()
    cache = out / CACHE
    with lock.build_lock(cache, say):
        record = PublishedRecord(out)
        names = list(record.files) if record.found else list(_files(out))
        for name in names:
            result.removed += record.remove(name)
        _remove_empty_folders(out)
        for child in cache.iterdir():
            if child.name != "build.lock":
                _remove_ours(child)
                result.removed += 1
    with contextlib.suppress(OSError):  # released: the lock and the folder go last
        (cache / "build.lock").unlink()
        cache.rmdir()
    result.kept = sorted(_files(out))
    return result


def _files(out: Path):
    """Files below ``out`` (not in its cache; links not followed), as relative names."""
    for folder, dirs, files in os.walk(out):
        dirs[:] = [d for d in dirs if not (folder == str(out) and d == CACHE)]
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            relative = Path(folder, name).relative_to(out).as_posix()
            if is_safe_name(relative):
                yield relative


def _remove_empty_folders(out: Path) -> None:
    for folder, _dirs, _files in sorted(os.walk(out), key=lambda w: -len(w[0])):
        if folder != str(out) and not folder.startswith(str(out / CACHE)):
            with contextlib.suppress(OSError):  # not empty: something not ours is in it
                os.rmdir(folder)


def _remove_ours(path: Path) -> None:
    """A cache entry: a link is removed, never followed."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
