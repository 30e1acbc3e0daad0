"""Publish a built show to any rclone remote in an order that never breaks a listener's feed.

rclone (https://rclone.org/) speaks to S3 and its compatibles, R2, B2, GCS, Azure Blob, WebDAV,
SFTP, FTP and a local path with one syntax, ``remote:path``; credentials stay in rclone's own
configuration file or its ``RCLONE_CONFIG_<NAME>_<KEY>`` environment variables and are never read
or printed here. Every call goes through the ``rclone`` program.

The order (each step starts only when the one before it succeeded):

1. new and changed episode files and sidecars (versioned names: a new version is a new name,
   so the feed on the remote never names a file that is still being written);
2. the cover and the page (where the backend will not move over a file, uploaded over the
   old one: never absent while the feed names them, though a reader at that instant may get
   the upload's partial bytes on servers that write in place, as rclone's WebDAV server does);
3. the feed, last, uploaded under a temporary name and moved into place server-side where the
   backend can move (local, SFTP, WebDAV, FTP…): one rename over the old feed where the server
   allows it (a local folder), else rclone deletes the old feed just before the move (SFTP and
   WebDAV with rclone 1.60: the feed is briefly absent, never partial); object stores (S3…)
   write whole objects anyway;
4. only then, files that no feed names any more, once past the grace period (``keep_previous``
   in show.yml, 7 days by default; issue 14: apps holding the previous feed still find them).

Versioned episode files are up to date when the remote has them at the same size. The feed, page
and cover keep their names and are compared by the backend's hash where it lists one (local,
SFTP, S3…), else by a small record in ``<out>/.cache/publish.json``: per destination, what was
uploaded (sha256, and the remote size and modification time just after), since when each remote
file has not been named (the grace clock), and whether a move may overwrite. A damaged record
is read as empty: at worst the few unversioned files go again and grace clocks restart.

The parts: ``show`` reads the built show, ``headers`` gives each file's headers, ``record`` keeps
the publish record, ``rclone`` runs rclone, ``plan`` decides what to send and delete; this module
runs the phases in order.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rtr_audio.errors import InputError, PublishError
from rtr_audio.layout import FEED, Layout
from rtr_audio.lock import build_lock
from rtr_audio.publish.headers import IMMUTABLE, SHORT, Headers, headers_for
from rtr_audio.publish.plan import Plan, make_plan
from rtr_audio.publish.rclone import Backend, Rclone, RemoteFile, check_dest, display_dest
from rtr_audio.publish.record import RECORD_LIMIT, Record, load_record, save_record
from rtr_audio.publish.show import BuiltShow, is_loopback, read_built_show, require_feed
from rtr_audio.settings import ShowSettings, load_settings

__all__ = [
    "IMMUTABLE", "RECORD_LIMIT", "SHORT", "Headers", "PublishError", "PublishOptions",
    "PublishSummary", "Record", "check_dest", "display_dest", "headers_for", "load_record",
    "publish", "publish_options", "read_built_show", "save_record",
]

@dataclass
class PublishSummary:
    dest: str
    uploaded: int = 0
    uploaded_bytes: int = 0
    deleted: int = 0
    kept: int = 0
    seconds: float = 0.0
    dry_run: bool = False

    def line(self) -> str:
        mb = self.uploaded_bytes / 1e6
        kept = f", {self.kept} kept for their grace period" if self.kept else ""
        if self.dry_run:
            return (f"Dry run: {self.uploaded} files ({mb:.1f} MB) would be uploaded and "
                    f"{self.deleted} deleted{kept}; nothing was changed on {self.dest}")
        if not self.uploaded and not self.deleted:
            return (f"Up to date on {self.dest}: 0 files uploaded (nothing changed){kept}; "
                    f"{self.seconds:.1f}s")
        return (f"Published to {self.dest}: {self.uploaded} files uploaded ({mb:.1f} MB), "
                f"{self.deleted} deleted{kept}; {self.seconds:.1f}s")


@dataclass(frozen=True)
class PublishOptions:
    dest: str
    out_dir: Path
    dry_run: bool = False
    keep_previous: dt.timedelta = dt.timedelta(0)
    expected_base_url: str | None = None


def publish(options: PublishOptions, say: Callable[[str], None],
            warn: Callable[[str], None], now: dt.datetime | None = None) -> PublishSummary:
    """Publish ``options.out_dir`` to ``options.dest`` in the four phases of the module doc.

    ``say`` gets one progress line per phase, ``warn`` each warning; ``now`` (UTC, for tests)
    is the clock the grace period is measured on. Raises PublishError (one line) on a bad DEST
    or an rclone failure, ToolMissing without rclone.
    """
    started = time.monotonic()
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    check_dest(options.dest, options.out_dir)
    rclone = Rclone(options.dest)
    shown = display_dest(options.dest)
    layout = Layout(options.out_dir)
    state = layout.publish_record
    require_feed(options.out_dir)  # before the lock, which would create folders
    with build_lock(layout.cache, warn):
        show = read_built_show(options.out_dir, options.expected_base_url)
        for message in show.warnings:
            warn(f"warning: {message}")
        record = load_record(state, options.dest)
        backend = rclone.backend()
        remote = rclone.files()
        remote.update(_compare_details(show, remote, rclone, backend))
        plan = make_plan(show, remote, record, options.keep_previous, now, backend.hash_type)
        summary = PublishSummary(shown, dry_run=options.dry_run)
        summary.uploaded = len(plan.uploads())
        summary.uploaded_bytes = sum(show.files[rel].size for rel in plan.uploads())
        summary.deleted, summary.kept = len(plan.delete), len(plan.kept)
        if options.dry_run:
            _describe(plan, show, remote, say)
        else:
            _execute(plan, show, remote, rclone, backend, record, state, options.dest, say)
    summary.seconds = time.monotonic() - started
    return summary


def _compare_details(show: BuiltShow, remote: Mapping[str, RemoteFile], rclone: Rclone,
                     backend: Backend) -> dict[str, RemoteFile]:
    """Hashes (or else modification times) of the remote copies of the unversioned files that
    have the right size: one listing of a handful of small files, never of the episodes."""
    same_size = [rel for rel, local in show.files.items() if local.sha256 is not None
                 and rel in remote and remote[rel].size == local.size]
    if not same_size:
        return {}
    return rclone.files(same_size, backend.hash_type, modtime=backend.hash_type is None)


def _describe(plan: Plan, show: BuiltShow, remote: Mapping[str, RemoteFile],
              say: Callable[[str], None]) -> None:
    for rel in plan.uploads():
        how = "replace" if rel in remote else "upload "
        say(f"would {how} {rel} ({show.files[rel].size} bytes, "
            f"{headers_for(rel).content_type})")
    for rel in plan.delete:
        say(f"would delete  {rel} (no feed names it)")
    for rel, due in sorted(plan.kept.items()):
        say(f"would keep    {rel} (no feed names it; removed after {due:%Y-%m-%d %H:%M} UTC)")


def _execute(plan: Plan, show: BuiltShow, remote: Mapping[str, RemoteFile], rclone: Rclone,
             backend: Backend, record: Record, state: Path, dest: str,
             say: Callable[[str], None]) -> None:
    """Run the four phases; the record is saved after every step, so a killed run loses
    nothing that finished."""
    books = _Books(show, rclone, record, state, dest)
    say(_phase(1, "episodes and sidecars", plan.media, show))
    groups: dict[Headers, list[str]] = {}
    for rel in plan.media:  # one rclone run per content type and cache lifetime
        groups.setdefault(headers_for(rel), []).append(rel)
    for headers, paths in groups.items():
        rclone.copy(show.out, paths, headers)
        books.sent(paths)
    say(_phase(2, "cover and page", plan.page, show))
    for rel in plan.page:
        rclone.replace(show.out / rel, rel, headers_for(rel), backend.can_move, rel in remote,
                       may_vanish=False)
        books.sent([rel])
    how = " (temporary name, then a server-side move)" if backend.can_move else ""
    say(_phase(3, f"feed{how}", [FEED] if plan.feed else [], show))
    if plan.feed:
        rclone.replace(show.out / FEED, FEED, headers_for(FEED), backend.can_move,
                       FEED in remote)
        books.sent([FEED])
    if backend.hash_type is None:  # nothing to compare by next time but modification times
        books.note_modtimes([*plan.page, *([FEED] if plan.feed else [])])
    say(f"4/4 old files: {len(plan.delete)} to delete, {len(plan.kept)} kept for their grace "
        "period")
    if plan.delete:
        rclone.delete(plan.delete)
    books.deleted(plan.delete)


class _Books:
    """Keeps the publish record in step with what rclone has done."""

    def __init__(self, show: BuiltShow, rclone: Rclone, record: Record, state: Path,
                 dest: str):
        self.show, self.rclone, self.record, self.state, self.dest = \
            show, rclone, record, state, dest
        rclone.overwrite_move = record.overwrite_move

    def sent(self, paths: list[str]) -> None:
        for rel in paths:
            local = self.show.files[rel]
            self.record.uploaded[rel] = {"size": local.size, "sha256": local.sha256}
        self.save()

    def note_modtimes(self, paths: list[str]) -> None:
        """The modification times the backend gave files just uploaded: another publisher's
        upload changes them, which the next publish sees."""
        if not paths:
            return
        for rel, listed in self.rclone.files(paths, modtime=True).items():
            if rel in self.record.uploaded:
                self.record.uploaded[rel]["modtime"] = listed.modtime
        self.save()

    def deleted(self, paths: list[str]) -> None:
        for rel in paths:
            self.record.uploaded.pop(rel, None)
            self.record.unnamed_since.pop(rel, None)
        self.save()

    def save(self) -> None:
        self.record.overwrite_move = self.rclone.overwrite_move
        save_record(self.state, self.dest, self.record)


def _phase(number: int, name: str, paths: list[str], show: BuiltShow) -> str:
    size = sum(show.files[rel].size for rel in paths) / 1e6
    if not paths:
        return f"{number}/4 {name}: nothing changed"
    files = "file" if len(paths) == 1 else "files"
    return f"{number}/4 {name}: uploading {len(paths)} {files} ({size:.1f} MB)"


def publish_options(dest: str | None, out_dir: Path, scripts_dir: Path,
                    dry_run: bool) -> PublishOptions:
    """Options from the command line and show.yml: ``publish_to`` when DEST is not given,
    ``keep_previous`` (the grace period) and ``base_url`` (to warn about a stale build).

    Without a show.yml the settings' defaults apply (a 7-day grace period). Raises InputError
    on a bad show.yml, PublishError when there is no destination at all.
    """
    settings: ShowSettings | None = None
    show_yml = scripts_dir / "show.yml"
    if show_yml.is_file():
        settings, problems = load_settings(show_yml)
        if problems:
            raise InputError(problems)
    dest = dest or (settings.publish_to if settings else None)
    if not dest:
        raise PublishError(f"no destination: give DEST (an rclone remote:path such as "
                           f"s3:bucket/show) or set publish_to in {show_yml}")
    keep = settings.keep_previous if settings else ShowSettings.keep_previous
    # A show.yml still on the local default is normal with `build --base-url`: nothing to check.
    expected = settings.base_url if settings and not is_loopback(settings.base_url) else None
    return PublishOptions(dest=dest, out_dir=out_dir, dry_run=dry_run, keep_previous=keep,
                          expected_base_url=expected)
