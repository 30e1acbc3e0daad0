"""`serve`, `clean` and `publish`: what happens to the built output folder.

Each command imports its core inside the command, so that `rtr-audio --help` does not load
the server, rclone runner or build (see rtr_audio/cli/build.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rtr_audio import clock
from rtr_audio.cli.errors import reports_errors, stop_on_termination
from rtr_audio.cli.options import OUT_OPTION, SCRIPTS_OPTION, VERBOSE_OPTION
from rtr_audio.errors import RtrError, printable


@click.command()
@OUT_OPTION
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 to let phones on your network subscribe.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@VERBOSE_OPTION
@reports_errors
def serve(out_dir: Path, host: str, port: int, verbose: bool) -> None:
    """Serve the built show over HTTP for podcast apps and browsers.

    \b
    Example:
      rtr-audio serve                      # this computer only
      rtr-audio serve --host 0.0.0.0       # phones on the same network (prints a QR code)
    """
    from rtr_audio.serve import run  # lazy: see the module's docstring

    run(out_dir, host, port, click.echo)


@click.command()
@OUT_OPTION
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@reports_errors
def clean(out_dir: Path, yes: bool) -> None:
    """Remove what rtr-audio built in the output folder, and its cache; nothing else.

    A folder rtr-audio did not make is refused. Files it did not publish (your own notes, a
    `.keep`) stay and are listed. Asks first on a terminal; elsewhere it needs --yes.

    Episode files the last feed named stay for show.yml's keep_previous (default 7 days), so
    apps that fetched that feed can still download them; a later build removes them.

    \b
    Example:
      rtr-audio clean -y
    """
    from rtr_audio.clean import refusal  # lazy: see the module's docstring

    stop_on_termination()
    if not out_dir.exists() and not out_dir.is_symlink():
        click.echo(printable(f"Nothing to clean: {out_dir} does not exist"))
        return
    problem = refusal(out_dir)
    if problem:
        raise RtrError(problem)
    if not yes:
        if not sys.stdin.isatty():
            raise RtrError(f"not on a terminal, so not asking: add --yes to remove what "
                           f"rtr-audio built in {out_dir}")
        click.confirm(f"Remove what rtr-audio built in {out_dir} (and its cache)?", abort=True)
    from rtr_audio.build.retention import clean as clean_output  # lazy: see the docstring
    from rtr_audio.lock import build_lock  # lazy: same
    from rtr_audio.settings import SHOW  # lazy: same

    # Under the build lock: a build writing to the folder finishes first.
    with build_lock(out_dir, lambda message: click.echo(printable(message), err=True)) as held:
        done = clean_output(out_dir, clock.now(), SHOW.defaults()["keep_previous"], held)
    click.echo(printable(f"Removed {done.removed} items from {out_dir}"))
    if done.kept and done.until:
        click.echo(f"Kept the files of {done.kept} episode version(s) until "
                   f"{clock.shown(done.until)} (keep_previous): apps holding the last feed can "
                   "still fetch them; the first build after that removes them")
    if done.theirs:
        shown = ", ".join(done.theirs[:5]) + (" …" if len(done.theirs) > 5 else "")
        click.echo(printable(f"Kept {len(done.theirs)} files rtr-audio did not make: {shown}"))


@click.command()
@click.argument("dest", required=False)
@OUT_OPTION
@SCRIPTS_OPTION
@click.option("--dry-run", "-n", is_flag=True, help="List what would change; change nothing.")
@VERBOSE_OPTION
@reports_errors
def publish(dest: str | None, out_dir: Path, scripts_dir: Path, dry_run: bool,
            verbose: bool) -> None:
    """Publish the built show to any rclone remote (S3, R2, B2, WebDAV, SFTP, FTP, a folder…).

    DEST is rclone's remote:path (default: publish_to in show.yml). Episode files go first, then
    the cover and page, then the feed (under a temporary name, moved into place where the
    backend can move files), and only then are files no feed names removed. Only what changed
    is uploaded. Set remotes up with `rclone config`; credentials stay in rclone's config or
    environment (RCLONE_CONFIG_<NAME>_<KEY>).

    \b
    Example:
      rtr-audio publish s3:my-bucket/podcast --dry-run
      rtr-audio publish s3:my-bucket/podcast
      rtr-audio publish myhost:/var/www/podcast --out audio_out
    """
    from rtr_audio.publish import PublishOptions, publish_options  # lazy: see docstring
    from rtr_audio.publish import publish as run_publish  # lazy: same

    options: PublishOptions = publish_options(dest, out_dir, scripts_dir, dry_run)
    summary = run_publish(options, click.echo, lambda line: click.echo(line, err=True))
    click.echo(summary.line())
