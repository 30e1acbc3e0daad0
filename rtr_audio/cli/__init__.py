"""The command line: parse options, call one core function, print. No audio work here.

The group lives here; the commands live one family per module (``build``: build and check;
``audio``: preview, spoken and voices; ``output``: serve, clean and publish), the shared
options in ``options`` and the error reporting in ``errors``. Each command imports its core
inside the command, not at the top: `rtr-audio --help`, `check` and a build with nothing to do
must not pay for numpy, the engines, Pillow or lxml (tests/test_uptodate.py checks what the
up-to-date answer loads).
"""

from __future__ import annotations

import click

from rtr_audio import __version__
from rtr_audio.cli import audio, build, output


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rtr-audio")
def main() -> None:
    """Turn narration scripts into a narrated podcast: episodes with real pauses, chapters,
    transcripts, a show page and a feed for podcast apps.

    \b
    Example:
      rtr-audio build            # scripts/ → audio_out/
      rtr-audio serve            # listen at http://127.0.0.1:8000/
    """



for _command in (build.build, build.check, audio.preview, audio.spoken, audio.voices,
                 output.serve, output.clean, output.publish):
    main.add_command(_command)
