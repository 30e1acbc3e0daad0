"""The README's key tables are generated from the schema and must match it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rtr_audio.settings_doc import COMMAND, main, render

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"


def test_readme_key_tables_match_the_schema() -> None:
    current = README.read_text(encoding="utf-8")
    assert render(current) == current, (
        f"README.md's key tables differ from the schema: run `{COMMAND}` and commit README.md")


def test_every_declared_key_is_in_the_readme() -> None:
    from rtr_audio.script import FRONT_MATTER
    from rtr_audio.settings import SHOW

    text = README.read_text(encoding="utf-8")
    for key in [*SHOW.options, *FRONT_MATTER.options]:
        assert f"| `{key}` |" in text


def test_check_fails_on_a_stale_readme_and_the_command_fixes_it(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    stale = README.read_text(encoding="utf-8").replace("| `bed_duck` |", "| `bed_dock` |")
    readme.write_text(stale, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "rtr_audio.settings_doc", "--check",
                             str(readme)], capture_output=True, text=True, cwd=REPO,
                            env={"PYTHONPATH": str(REPO)})
    assert result.returncode == 1
    assert result.stderr == (f"{readme}: the key tables differ from the schema; run "
                             f"`{COMMAND}`\n")
    assert main([str(readme)]) == 0
    assert readme.read_text(encoding="utf-8") == README.read_text(encoding="utf-8")
    assert main(["--check", str(readme)]) == 0


def test_missing_markers_are_an_error(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# A readme without tables\n", encoding="utf-8")
    assert main(["--check", str(readme)]) == 1
    with pytest.raises(ValueError, match="markers"):
        render("nothing here")
