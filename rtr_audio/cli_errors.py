"""How every command reports failure: one clear line per problem and a non-zero exit.

Bad input (InputError): each ``path:line: message``, exit 1; other domain errors
(RtrError): ``error: …``, exit 1; Ctrl-C: one line, exit 130; a bug: ``internal error: …``,
exit 2. ``--verbose`` adds the traceback.
"""

from __future__ import annotations

import functools
import os
import select
import sys
import traceback
from collections.abc import Callable
from typing import Any

import click

from rtr_audio.errors import InputError, RtrError


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
                click.echo(str(exc), err=True)
            else:
                click.echo(f"error: {exc}", err=True)
            _trace(kwargs)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted: nothing half-built was published; run it again to finish",
                       err=True)
            sys.exit(130)
        except Exception as exc:  # a bug: still one line, the details with --verbose
            if isinstance(exc, click.exceptions.Exit | click.ClickException):
                raise
            if isinstance(exc, BrokenPipeError) and _stdout_closed():
                # The reader went away (`rtr-audio voices | head`): stop quietly, as Unix tools
                # do. (A broken pipe of our own, to ffmpeg or a worker, is a real failure.)
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                sys.exit(1)
            click.echo(f"internal error: {type(exc).__name__}: {exc} "
                       "(rerun with --verbose for details)", err=True)
            _trace(kwargs)
            sys.exit(2)

    return wrapper


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
