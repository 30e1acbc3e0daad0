"""What a publication does: which files to upload in which phase (episode files, then cover and
page, then the feed), and which remote files to delete once past the grace period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rtr_audio.layout import EPISODES, FEED
from rtr_audio.publish.headers import VERSIONED
from rtr_audio.publish.rclone import TEMP_SUFFIX, RemoteFile
from rtr_audio.publish.record import Record, parse_time
from rtr_audio.publish.show import BuiltShow, LocalFile, digest

# ---- the plan and its execution --------------------------------------------------------------

@dataclass
class Plan:
    """What one publish does, phase by phase (paths relative to DEST)."""

    media: list[str]  # phase 1: episode files and sidecars, uploaded in place (new names)
    page: list[str]  # phase 2: cover, page and any other top-level file (atomic replace)
    feed: bool  # phase 3: the feed (atomic replace)
    delete: list[str]  # phase 4: files no feed names, past their grace period
    kept: dict[str, dt.datetime]  # unnamed files still inside their grace period → due time

    def uploads(self) -> list[str]:
        return [*self.media, *self.page, *([FEED] if self.feed else [])]


def make_plan(show: BuiltShow, remote: Mapping[str, RemoteFile], record: Record,
              keep_previous: dt.timedelta, now: dt.datetime, hash_type: str | None) -> Plan:
    """Decide what to upload and delete; updates ``record.unnamed_since`` for unnamed files.

    A versioned file is up to date when the remote has it at the same size: its name is its
    content. The feed, page and cover keep their names, so they are compared by content: by the
    backend's hash (``hash_type``, listed in ``remote``) where it has one, otherwise by the
    record of what this folder uploaded, valid while the remote file keeps the size and
    modification time it had just after that upload (someone else's upload changes them).
    """
    changed = [rel for rel, local in sorted(show.files.items())
               if _needs_upload(show.out, local, remote.get(rel), record, hash_type)]
    media = [rel for rel in changed if rel.startswith(f"{EPISODES}/")]
    page = [rel for rel in changed if rel not in media and rel != FEED]
    delete, kept = [], {}
    for rel in sorted(remote):
        if rel in show.files or not _ours(rel, record):
            record.unnamed_since.pop(rel, None)
            continue
        since = parse_time(record.unnamed_since.get(rel, "")) or now
        record.unnamed_since[rel] = since.isoformat()
        due = since + keep_previous
        if rel.endswith(TEMP_SUFFIX) or due <= now:
            delete.append(rel)
        else:
            kept[rel] = due
    for rel in list(record.unnamed_since):
        if rel not in remote:
            del record.unnamed_since[rel]
    return Plan(media, page, FEED in changed, delete, kept)


def _needs_upload(out: Path, local: LocalFile, remote: RemoteFile | None, record: Record,
                  hash_type: str | None) -> bool:
    if remote is None or remote.size != local.size:
        return True
    if local.sha256 is None:
        return False
    if hash_type and remote.hash:
        return remote.hash.lower() != digest(out / local.path, hash_type)
    sent = record.uploaded.get(local.path) or {}
    return (sent.get("sha256") != local.sha256 or sent.get("size") != local.size
            or not sent.get("modtime") or sent.get("modtime") != remote.modtime)


def _ours(rel: str, record: Record) -> bool:
    """Files rtr-audio put there: recorded uploads, versioned episodes, our temporary files.

    Anything else at DEST (a robots.txt, another site) belongs to someone else and stays.
    """
    return rel in record.uploaded or bool(VERSIONED.match(rel)) or rel.endswith(TEMP_SUFFIX)
