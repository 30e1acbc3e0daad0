"""Reading inputs safely and writing outputs atomically.

Inputs (show.yml, lexicon.yml, the scripts) are read only when they are regular files inside the
scripts folder and under a size limit: a FIFO would hang the read, ``/dev/zero`` would fill the
memory, and a link to a file elsewhere (``show.yml -> ~/.ssh/id_rsa``) would echo its lines in
error messages. Text must be UTF-8 without NUL bytes.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from rtr_audio.errors import Problem

# A ceiling for any text input, far above the YAML limits (yamlsrc), which then speak first.
MAX_TEXT_BYTES = 4 << 20
# An hour of narration is about 50 KB of text; 1 MiB is twenty hours, far beyond any episode,
# and keeps every later stage (normalising, planning, captions) small.
MAX_SCRIPT_BYTES = 1 << 20


class UnreadableInput(Exception):
    """An input file that is not read: ``problem`` says why (no line: the file as a whole)."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def atomic_write(path: Path, data: bytes, durable: bool = False) -> None:
    """Write ``data`` so that ``path`` is either the old file or the complete new one.

    ``durable`` also syncs to disk (for published files; cache entries carry a CRC instead).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600; published files must be readable by a web server.
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def regular_target(path: Path, within: Path | None = None) -> Path:
    """The regular file ``path`` names, links resolved, or UnreadableInput saying what it is.

    ``within``: a folder the file (after following links) must be inside; a link out of it is
    refused without reading anything there.
    """

    def refuse(message: str) -> UnreadableInput:
        return UnreadableInput(Problem(path, None, message))

    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        if path.is_symlink():
            raise refuse(f"is a link to {os.readlink(path)}, which does not exist") from None
        raise refuse("not found") from None
    except (RuntimeError, OSError) as exc:  # a link loop (ELOOP), a folder we may not enter
        if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
            raise refuse("is a symbolic link loop") from None
        raise refuse(f"cannot be read: {exc.strerror or exc}") from None
    if within is not None and not target.is_relative_to(within.resolve()):
        raise refuse(f"is a link to {target}, outside the scripts folder; copy the file in "
                     "instead (a link out of the folder is not followed)")
    try:
        mode = target.stat().st_mode
    except OSError as exc:
        raise refuse(f"cannot be read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise refuse(f"is {_kind(mode)}, not a regular file")
    return target


def read_limited(path: Path, limit: int = MAX_TEXT_BYTES, within: Path | None = None) -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit``), or UnreadableInput.

    The file is opened without blocking and checked again on the open descriptor, so a file
    swapped for a FIFO or a link in between is refused rather than followed.
    """
    target = regular_target(path, within)
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as exc:
        raise UnreadableInput(Problem(path, None, f"cannot be read: {exc.strerror}")) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableInput(Problem(path, None, f"is {_kind(info.st_mode)}, "
                                                      "not a regular file"))
        if info.st_size > limit:
            raise UnreadableInput(Problem(path, None, _too_big(info.st_size, limit)))
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise UnreadableInput(Problem(path, None, f"cannot be read: {exc.strerror}")) from None
    if len(data) > limit:  # it grew while we read it
        raise UnreadableInput(Problem(path, None, _too_big(len(data), limit)))
    return data


def _too_big(size: int, limit: int) -> str:
    return f"is {size:,} bytes; the limit for this file is {limit:,} bytes ({limit >> 20} MiB)"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def read_text(path: Path, limit: int = MAX_TEXT_BYTES) -> tuple[str | None, list[Problem]]:
    """UTF-8 text without BOM and with LF line ends, or a problem naming the first bad line.

    Only a regular file inside its own folder (links within the folder are followed) and at
    most ``limit`` bytes is read (see :func:`read_limited`).
    """
    try:
        data = read_limited(path, limit, within=path.parent)
    except UnreadableInput as exc:
        return None, [exc.problem]
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return None, [Problem(path, line, "contains a NUL byte: is this a text file?")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Problem(path, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
                                          "save the file as UTF-8")]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []
