"""The ``rclone`` program: every call to a remote goes through it (https://rclone.org/), and
DEST is rclone's ``remote:path``. Credentials stay in rclone's configuration or its
``RCLONE_CONFIG_<NAME>_<KEY>`` environment variables; what we print of a DEST, an error or a
log line has its secrets hidden.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rtr_audio.errors import PublishError, ToolMissing
from rtr_audio.publish.headers import Headers

TEMP_SUFFIX = ".rtr-publish.tmp"
_SECRET_KEY = re.compile(r"(pass|secret|key|token|auth|sas|credentials)", re.IGNORECASE)
_CONNECTION_VALUE = re.compile(r"([,:](\w+)=)(\"[^\"]*\"|'[^']*'|[^,:]*)")
_URL_PASSWORD = re.compile(r"://[^/:@\s]*:([^/@\s]+)@")
_LOG_PREFIX = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (?:[A-Z]+\s*:\s*)?")


# ---- rclone ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RemoteFile:
    path: str
    size: int
    modtime: str | None = None  # as rclone lists it, only asked for where it is needed
    hash: str | None = None  # of the type Backend.hash_type, only asked for where needed


@dataclass(frozen=True)
class Backend:
    """What the destination's backend can do (``rclone backend features``)."""

    can_move: bool  # server-side move: the feed can go up under a temporary name
    hash_type: str | None  # a hash it lists that hashlib also computes (md5, sha1, sha256)


class Rclone:
    """The ``rclone`` program against one destination ``remote:path`` (or a local path)."""

    def __init__(self, dest: str, program: str | None = None):
        found = program or shutil.which("rclone")
        if not found:
            raise ToolMissing("rclone is not installed: run tools/setup-system.sh or "
                              "`apt-get install rclone` (see README)")
        self.program = found
        self.dest = dest
        self.overwrite_move: bool | None = None  # whether a move may replace an existing file

    def target(self, rel: str = "") -> str:
        """``remote:path`` of ``rel`` under DEST (``remote:`` + ``a`` is ``remote:a``)."""
        if not rel:
            return self.dest
        sep = "" if self.dest.endswith((":", "/")) else "/"
        return f"{self.dest}{sep}{rel}"

    def run(self, args: list[str], doing: str, ok_codes: tuple[int, ...] = (0,)) -> str:
        """Run ``rclone ARGS`` quietly; a failure becomes one PublishError line."""
        try:
            done = subprocess.run([self.program, *args], capture_output=True, text=True,
                                  stdin=subprocess.DEVNULL)
        except OSError as exc:
            raise PublishError(f"rclone could not start: {exc}") from None
        if done.returncode not in ok_codes:
            # rclone may echo part of a connection string (with its pass=…) in its reason
            reason = hide_secrets(rclone_reason(done.stderr), self.dest)
            raise PublishError(f"rclone could not {doing} {display_dest(self.dest)}: {reason}")
        if done.returncode != 0:
            return ""
        return done.stdout

    def backend(self) -> Backend:
        """The backend's features; also the first contact, so a bad DEST fails here."""
        raw = self.run(["backend", "features", self.target()], "reach")
        try:
            data = json.loads(raw)
            hashes = [h.lower() for h in data.get("Hashes") or []]
            return Backend(bool(data["Features"]["Move"]),
                           next((h for h in ("md5", "sha1", "sha256") if h in hashes), None))
        except (ValueError, KeyError, TypeError, AttributeError):
            return Backend(False, None)

    def files(self, paths: list[str] | None = None, hash_type: str | None = None,
             modtime: bool = False) -> dict[str, RemoteFile]:
        """Files under DEST (all, or only ``paths``), with a hash or modtime when asked.

        DEST not existing yet lists as empty (rclone's exit code 3, directory not found).
        """
        args = ["lsjson", "-R", "--files-only", "--no-mimetype", self.target()]
        args += [] if modtime else ["--no-modtime"]
        args += ["--hash-type", hash_type] if hash_type else []
        if paths is None:
            raw = self.run(args, "list", ok_codes=(0, 3))
        else:
            with path_list(paths) as listing:
                raw = self.run([*args, "--files-from-raw", listing], "list", ok_codes=(0, 3))
        try:
            entries = json.loads(raw) if raw.strip() else []
            return {e["Path"]: RemoteFile(e["Path"], int(e["Size"]), e.get("ModTime"),
                                          (e.get("Hashes") or {}).get(hash_type or "") or None)
                    for e in entries}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PublishError(f"rclone listed {display_dest(self.dest)} in a form rtr-audio "
                               f"does not understand ({exc})") from None

    def copy(self, out: Path, paths: list[str], headers: Headers) -> None:
        """Upload ``paths`` (relative to ``out``) to the same paths under DEST."""
        with path_list(paths) as listing:
            self.run(["copy", str(out), self.target(), "--files-from-raw", listing,
                      "--no-traverse", "--no-check-dest", *headers.flags()], "upload to")

    def replace(self, local: Path, rel: str, headers: Headers, atomic: bool,
                existed: bool, may_vanish: bool = True) -> None:
        """Put ``local`` at ``rel``: under a temporary name, then a server-side move.

        The move first asks the backend to rename over the old file (``--no-check-dest``: one
        atomic rename on local disks and SFTP with OpenSSH's posix-rename). Backends that refuse
        to overwrite (WebDAV answers 412) get rclone's own replace: the old file is deleted just
        before the move, so the file is briefly absent, never partial. ``--ignore-times`` makes
        rclone move even when old and new have the same size and no comparable hash (it would
        otherwise keep the old file and drop the new one).

        A file the feed names (the cover, and the page it links) must not vanish even briefly:
        with ``may_vanish`` false, a backend that refuses to overwrite gets an upload over the old
        file instead (WebDAV PUT), and the temporary copy is removed.
        """
        if not atomic:
            self.run(["copyto", str(local), self.target(rel), "--no-check-dest",
                      *headers.flags()], "upload to")
            return
        temp = temp_name(rel)
        self.run(["copyto", str(local), self.target(temp), "--no-check-dest", *headers.flags()],
                 "upload to")
        if self.overwrite_move is not False or not existed:
            try:
                self.run(["moveto", self.target(temp), self.target(rel), "--no-check-dest",
                          "--retries", "1"], "move a file on")
                if existed:  # only a move onto an existing file shows that it overwrites
                    self.overwrite_move = True
                return
            except PublishError:
                if not existed:
                    raise
                self.overwrite_move = False
        if not may_vanish:
            self.run(["copyto", str(local), self.target(rel), "--no-check-dest",
                      *headers.flags()], "upload to")
            self.run(["deletefile", self.target(temp)], "delete on")
            return
        self.run(["moveto", self.target(temp), self.target(rel), "--ignore-times"],
                 "move a file on")

    def delete(self, paths: list[str]) -> None:
        with path_list(paths) as listing:
            self.run(["delete", self.target(), "--files-from-raw", listing], "delete on")


@contextlib.contextmanager
def path_list(paths: Iterable[str]) -> Iterator[str]:
    """A temporary file naming ``paths``, one per line, for rclone's ``--files-from-raw``."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("".join(f"{rel}\n" for rel in paths))
    try:
        yield listing.name
    finally:
        os.unlink(listing.name)


def temp_name(rel: str) -> str:
    """``episodes/x.mp3`` → ``episodes/.x.mp3.rtr-publish.tmp`` (hidden, ours, one per file)."""
    folder, _, name = rel.rpartition("/")
    return f"{folder}/.{name}{TEMP_SUFFIX}" if folder else f".{name}{TEMP_SUFFIX}"


def check_dest(dest: str, out: Path) -> None:
    """Refuse a DEST that rclone would misread, or a local DEST overlapping ``out``.

    A leading ``-`` makes rclone read DEST as one of its own options (``--config=…``, ``-vv``);
    control characters (a newline, a tab) are never part of a real path and break our one-line
    messages; a local folder inside ``out`` (or ``out`` itself, or one holding it) would be
    published into itself again on every publish. Raises PublishError (one line).
    """
    if not dest.strip():
        raise PublishError("DEST is empty: give an rclone remote:path such as s3:bucket/show")
    if dest.startswith("-"):
        raise PublishError(f"DEST {dest[:60]!r} starts with '-', which rclone would read as an "
                           "option: for a local folder of that name write ./" + dest[:60])
    if any(ord(c) < 32 or ord(c) == 127 for c in dest):
        raise PublishError(f"DEST {display_dest(dest)[:60]!r} contains a control character "
                           "(newline, tab…): give an rclone remote:path on one line")
    local = _local_path(dest)
    if local is not None:
        there, built = local.resolve(), out.resolve()
        if there == built or built in there.parents or there in built.parents:
            raise PublishError(f"DEST {dest} overlaps the output folder {out}: publish to a "
                               "folder outside it (and not one that holds it)")


def _local_path(dest: str) -> Path | None:
    """The local folder DEST names (a plain path or ``:local:path``), else None (a remote)."""
    if dest.startswith(":local:"):
        return Path(dest[len(":local:"):] or ".")
    head = dest.split("/", 1)[0]
    return Path(dest) if ":" not in head else None


def display_dest(dest: str) -> str:
    """DEST for messages, with secrets in an rclone connection string replaced by ``***``.

    ``:webdav,url=https://h/,pass=XYZ:show`` → ``:webdav,url=https://h/,pass=***:show``; a
    password in a URL's user part (``https://u:XYZ@h/``) too.
    """
    return hide_secrets(dest, dest)


def hide_secrets(text: str, dest: str) -> str:
    """``text`` with every secret of ``dest`` (and any ``pass=…``-like value or URL password in
    ``text`` itself) replaced by ``***``."""
    secrets = [m.group(3).strip("'\"") for m in _CONNECTION_VALUE.finditer(dest)
               if _SECRET_KEY.search(m.group(2))]
    secrets += [m.group(1) for m in _URL_PASSWORD.finditer(dest)]
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, "***")
    text = _CONNECTION_VALUE.sub(lambda m: m.group(1) + ("***" if _SECRET_KEY.search(m.group(2))
                                                         else m.group(3)), text)
    return _URL_PASSWORD.sub(lambda m: m.group(0).replace(m.group(1), "***"), text)


def rclone_reason(stderr: str) -> str:
    """The one line of rclone's error output that says why, credentials removed."""
    lines = [_LOG_PREFIX.sub("", line).strip() for line in stderr.splitlines()]
    lines = [line for line in lines if line and not line.startswith("NOTICE")]
    reason = next((line for line in reversed(lines) if line.startswith("Failed to")),
                  lines[-1] if lines else "unknown error")
    # "Failed to create file system for "x:y": why" and "Failed to copy: why" → why
    reason = re.sub(r'^Failed to [\w ]+?(?: for "[^"]*")?: ', "", reason)
    if "didn't find section in config file" in reason:
        reason += (" (no such rclone remote: set it up with `rclone config` or "
                   "RCLONE_CONFIG_<NAME>_TYPE=… variables, see README)")
    return redact(reason)


def redact(text: str) -> str:
    """Replace the value of every credential-like RCLONE_* environment variable by ``***``."""
    for name, value in os.environ.items():
        if name.startswith("RCLONE_") and _SECRET_KEY.search(name) and len(value) >= 4:
            text = text.replace(value, "***")
    return text
