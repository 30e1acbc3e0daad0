"""The publish record, ``<out>/.cache/publish.json``: per rclone destination, what was uploaded
(sha256, and the remote size and modification time just after), since when each remote file has
not been named (the grace clock), and whether a move may overwrite. A damaged or oversized
record reads as empty: at worst the few unversioned files go again and grace clocks restart.
"""

from __future__ import annotations

import datetime as dt
import json
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rtr_audio.files import atomic_write
from rtr_audio.publish.rclone import display_dest

# ---- the publish record ----------------------------------------------------------------------

@dataclass
class Record:
    """What this output folder last published to one destination (``.cache/publish.json``).

    ``uploaded``: path → {"size": bytes, "sha256": hex or None, "modtime": as rclone listed it
    just after the upload, or None}, files we put there;
    ``unnamed_since``: path → ISO 8601 UTC time a remote file was first seen unnamed;
    ``overwrite_move``: whether a server-side move there may replace a file (None: not tried).
    """

    uploaded: dict[str, dict[str, Any]] = field(default_factory=dict)
    unnamed_since: dict[str, str] = field(default_factory=dict)
    overwrite_move: bool | None = None  # learnt: the backend's move replaces existing files


def load_record(path: Path, dest: str) -> Record:
    """The record for ``dest``; anything unreadable or malformed counts as no record.

    Records are kept under DEST with its secrets hidden (``display_dest``): a password in a
    connection string is never written to disk by us.
    """
    try:
        data = _read_json(path)
        entry = data["destinations"][display_dest(dest)]
        uploaded = {str(k): {"size": int(v["size"]), "sha256": v.get("sha256"),
                             "modtime": v.get("modtime")}
                    for k, v in entry.get("uploaded", {}).items()
                    if isinstance(v, dict) and isinstance(v.get("size"), int)}
        since = {str(k): v for k, v in entry.get("unnamed_since", {}).items()
                 if isinstance(v, str) and parse_time(v) is not None}
        overwrite = entry.get("overwrite_move")
        return Record(uploaded, since, overwrite if isinstance(overwrite, bool) else None)
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return Record()


def save_record(path: Path, dest: str, record: Record) -> None:
    """Write ``record`` for ``dest`` atomically, keeping other destinations' records."""
    try:
        data = _read_json(path)
        destinations = data["destinations"] if isinstance(data["destinations"], dict) else {}
    except (OSError, ValueError, TypeError, KeyError, RecursionError):
        destinations = {}
    destinations[display_dest(dest)] = {"uploaded": record.uploaded,
                                        "unnamed_since": record.unnamed_since,
                                        "overwrite_move": record.overwrite_move}
    atomic_write(path, json.dumps({"version": 1, "destinations": destinations},
                                  indent=1, sort_keys=True).encode())


RECORD_LIMIT = 64 * 2**20  # bytes; a real record is ~150 bytes per published file


def _read_json(path: Path) -> Any:
    """JSON of a regular file of at most RECORD_LIMIT bytes; ValueError for anything else.

    A record replaced by a link to ``/dev/zero`` or a FIFO would otherwise never finish reading.
    """
    info = path.stat()
    if not stat.S_ISREG(info.st_mode) or info.st_size > RECORD_LIMIT:
        raise ValueError(f"{path} is not a regular file under {RECORD_LIMIT} bytes")
    return json.loads(path.read_bytes())


def parse_time(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else None
