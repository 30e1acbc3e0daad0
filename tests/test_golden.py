"""The fixture show's published text files, compared whole with tests/golden/mini.

A failure prints a unified diff (golden → built) and the command that regenerates the golden
files; tests/golden/__init__.py says what is pinned and what is normalised, and why.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from tests.golden import GOLDEN, REPO, UPDATE_COMMAND, build_outputs, golden_files

pytestmark = pytest.mark.slow  # builds the fixture: fake speech, but real mastering and MP3s


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return build_outputs(tmp_path_factory.mktemp("golden"))


def test_the_same_files_are_published(built: dict[str, str]) -> None:
    expected = golden_files()
    if sorted(built) != expected:
        pytest.fail(f"published text files differ from {GOLDEN.relative_to(REPO)}:\n"
                    f"  only in the build: {sorted(set(built) - set(expected))}\n"
                    f"  only in golden:    {sorted(set(expected) - set(built))}\n"
                    f"If the change is intended, regenerate: {UPDATE_COMMAND}", pytrace=False)


@pytest.mark.parametrize("name", golden_files())
def test_output_matches_golden(built: dict[str, str], name: str) -> None:
    golden_path = GOLDEN / name
    expected = golden_path.read_text(encoding="utf-8")
    actual = built.get(name)
    if actual is None:
        pytest.fail(f"the build no longer publishes {name}; regenerate: {UPDATE_COMMAND}",
                    pytrace=False)
    if actual != expected:
        label = Path(golden_path).relative_to(REPO).as_posix()
        diff = "".join(difflib.unified_diff(
            expected.splitlines(keepends=True), actual.splitlines(keepends=True),
            fromfile=f"{label} (golden)", tofile=f"{name} (built now)"))
        pytest.fail(f"{name} differs from the golden copy:\n{diff}\n"
                    f"If the change is intended, regenerate: {UPDATE_COMMAND}\n"
                    "and check `git diff tests/golden` shows only what you meant.",
                    pytrace=False)
