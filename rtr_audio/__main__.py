import os
import sys


def _without_working_folder() -> None:
    """``python -m rtr_audio`` puts the working folder first on the import path, so a ``yaml.py``
    or ``numpy.py`` in a show's folder would be imported in place of the real library. Drop it,
    unless it is the folder rtr_audio itself was loaded from (a source checkout)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cwd = os.getcwd()
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or cwd) != cwd or cwd == here]


_without_working_folder()

from rtr_audio.cli import main  # noqa: E402

main()
