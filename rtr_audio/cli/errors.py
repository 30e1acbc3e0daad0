"""How the commands report failure: one clear line per problem and a non-zero exit.

Input errors print their `path:line: message` lines and exit 1; faults of the machine (a full
disk, a read-only output) exit 1 with the path and a hint; Ctrl-C, SIGTERM and SIGHUP exit
128 + the signal number; anything else is a bug, still one line, exit 2 (traceback with -v).
"""

from __future__ import annotations

import errno
import functools
import os
import select
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from rtr_audio.errors import InputError, RtrError, printable


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (a service manager stopping us, a closed terminal): stopped exactly as
    Ctrl-C stops a build, temporary files removed and nothing half-built published."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def stop_on_termination() -> None:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` (main thread only, as Python requires)."""

    def handler(signum: int, _frame: object) -> None:
        raise Terminated(signum)

    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):  # Windows has no SIGHUP
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), handler)


def reports_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain errors into one clear line each and a non-zero exit (traceback if -v)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            _trace(kwargs)
            sys.exit(1)
        except RtrError as exc:
            if getattr(exc, "located", False):  # already `path:line: message` lines
                for line in str(exc).split("\n"):
                    click.echo(printable(line), err=True)
            else:
                click.echo(printable(f"error: {exc}"), err=True)
            _trace(kwargs)
            sys.exit(1)
        except KeyboardInterrupt as exc:
            signum = exc.signum if isinstance(exc, Terminated) else signal.SIGINT
            how = "" if signum == signal.SIGINT else f" by {signal.Signals(signum).name}"
            click.echo(f"interrupted{how}: nothing half-built was published; run it again to "
                       "finish", err=True)
            sys.exit(128 + signum)  # the shell's convention: 130 for Ctrl-C, 143 for SIGTERM
        except Exception as exc:  # a bug: still one line, the details with --verbose
            if isinstance(exc, click.exceptions.Exit | click.ClickException):
                raise
            cause = _os_error_in(exc)
            named = kwargs.get("output") or kwargs.get("out_dir")  # when the error names no file
            if cause is not None and (fault := environment_problem(cause, named)):
                click.echo(printable(f"error: {fault}"), err=True)
                _trace(kwargs)
                sys.exit(1)
            _internal_error(exc, kwargs)

    return wrapper


def _internal_error(exc: Exception, kwargs: dict[str, Any]) -> None:
    if isinstance(exc, BrokenPipeError) and _stdout_closed():
        # The reader went away (`rtr-audio voices | head`): stop quietly, as Unix tools
        # do. (A broken pipe of our own, to ffmpeg or a worker, is a real failure.)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    click.echo(printable(f"internal error: {type(exc).__name__}: {exc} ")
               + "(rerun with --verbose for details)", err=True)
    _trace(kwargs)
    sys.exit(2)


# Faults of the machine, not of rtr-audio: the disk, the permissions, the paths given.
_ENVIRONMENT_HINTS = {
    errno.ENOSPC: "the disk is full; free some space and build again",
    errno.EDQUOT: "the disk quota is used up; free some space and build again",
    errno.EROFS: "the file system is read-only; choose another --out",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOTDIR: "a part of this path is a file, not a folder; choose another --out",
    errno.EISDIR: "this is a folder where a file was expected",
    errno.EEXIST: "this is a file where a folder was expected; choose another --out",
    errno.ENOENT: "no such file or folder",
    errno.ENAMETOOLONG: "the path is too long",
    errno.ELOOP: "too many symbolic links",
    errno.EIO: "input/output error (a failing disk?)",
    errno.EMFILE: "too many open files (raise `ulimit -n`)",
    errno.ENOMEM: "out of memory",
}


def _os_error_in(exc: BaseException) -> OSError | None:
    """The OSError behind ``exc``: itself, or one it wraps (mutagen re-raises a full disk as
    its own error type; a worker's error arrives as the cause of ours)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and not isinstance(current, BrokenPipeError):
            return current
        wrapped = current.args[0] if current.args else None
        if isinstance(wrapped, OSError):
            return wrapped
        current = current.__cause__ or current.__context__
    return None


def environment_problem(exc: OSError, fallback: Path | None = None) -> str | None:
    """``path: reason`` for an OSError that is a fault of the machine (full disk, read-only
    output, a file where a folder belongs), or None for anything else (a bug). ``fallback``
    (the output folder) is named when the error names no file."""
    hint = _ENVIRONMENT_HINTS.get(exc.errno or 0)
    if hint is None:
        return None
    where = exc.filename if exc.filename is not None else fallback
    return f"{where or 'rtr-audio'}: {hint} ({exc.strerror or exc})"


def _stdout_closed() -> bool:
    """Whether whoever read our standard output has closed it (poll reports an error)."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _fd, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows), or no real stdout
        return False


def _trace(kwargs: dict[str, Any]) -> None:
    if kwargs.get("verbose"):
        traceback.print_exc()

