"""Reading inputs safely (UTF-8, no NUL bytes) and writing outputs atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from rtr_audio.errors import Problem


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


def read_text(path: Path) -> tuple[str | None, list[Problem]]:
    """UTF-8 text without BOM and with LF line ends, or a problem naming the first bad line."""
    data = path.read_bytes()
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
