"""Options shared by several commands, spelled once so their names and help agree."""

from __future__ import annotations

from pathlib import Path

import click

SCRIPTS_OPTION = click.option("--scripts", "scripts_dir", type=click.Path(path_type=Path),
                              default=Path("scripts"), show_default=True,
                              help="Folder with show.yml and the *.md scripts.")
OUT_OPTION = click.option("--out", "out_dir", type=click.Path(path_type=Path),
                          default=Path("audio_out"), show_default=True,
                          help="Output folder (published files and the build cache).")
ENGINE_OPTION = click.option("--engine", default=None,
                             help="Speech engine (pyttsx3, piper); default from show.yml.")
VERBOSE_OPTION = click.option("--verbose", "-v", is_flag=True,
                              help="More detail, and a traceback on errors.")
