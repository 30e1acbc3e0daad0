"""Issue 17's import rules hold: no import cycle, no function-local import without a comment.

The checker is tools/imports.py (rerun it by hand for the figures); these tests run it on the
package, and on small made-up packages to show it catches what it should.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import imports  # noqa: E402

# Function-local imports known to close a cycle, not yet undone. Add nothing here.
KNOWN_LAZY_EDGES: set[tuple[str, str]] = set()


def test_rtr_audio_has_no_cycle_and_every_local_import_says_why():
    done = subprocess.run([sys.executable, str(REPO / "tools" / "imports.py"),
                           str(REPO / "rtr_audio")], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "import cycles: 0 (at import time)" in done.stdout


def test_no_new_cycle_hides_behind_a_local_import():
    report = imports.scan(REPO / "rtr_audio")
    edges = report.top_edges | (report.local_edges - KNOWN_LAZY_EDGES)
    assert imports.strongly_connected(edges) == []
    assert report.local_edges >= KNOWN_LAZY_EDGES  # else: gone, remove it from the list


def _package(root: Path, files: dict[str, str]) -> Path:
    package = root / "pkg"
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return package


def test_a_sibling_imported_through_the_package_init_is_a_cycle(tmp_path):
    package = _package(tmp_path, {
        "__init__.py": "from pkg.a import run\n",
        "a.py": "from pkg import b\n\ndef run():\n    return b\n",
        "b.py": "X = 1\n",
    })
    assert imports.scan(package).cycles() == [["pkg", "pkg.a"]]


def test_by_module_path_is_not_a_cycle(tmp_path):
    package = _package(tmp_path, {
        "__init__.py": "from pkg.a import run\n",
        "a.py": "import pkg.b as b\nfrom pkg.c import Y\n\ndef run():\n    return b, Y\n",
        "b.py": "X = 1\n",
        "c.py": "Y = 2\n",
    })
    assert imports.scan(package).cycles() == []


def test_a_cycle_through_a_local_import_is_reported_apart(tmp_path):
    package = _package(tmp_path, {
        "__init__.py": "",
        "a.py": "from pkg.b import X\n",
        "b.py": "X = 1\n\ndef f():\n    from pkg.a import X  # lazy: a cycle otherwise\n"
                "    return X\n",
        "c.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
                "    from pkg.d import Z\n",
        "d.py": "from pkg.c import TYPE_CHECKING\n",
    })
    report = imports.scan(package)
    assert report.cycles() == []  # and TYPE_CHECKING imports run never
    assert report.cycles(with_local=True) == [["pkg.a", "pkg.b"]]


@pytest.mark.parametrize(("body", "commented"), [
    ("    import json\n", False),
    ("    import json  # lazy: start-up time\n", True),
    ("    # Imported here: start-up time.\n    import json\n    import csv\n", True),
    ("    from json import (  # lazy: start-up time\n        dumps,\n    )\n", True),
    ('    x = "# not a comment"\n    import json\n', False),
])
def test_a_local_import_needs_a_comment(tmp_path, body, commented):
    package = _package(tmp_path, {"__init__.py": "", "m.py": f"def f():\n{body}"})
    found = imports.scan(package).local
    assert found and all(imp.commented is commented for imp in found)
