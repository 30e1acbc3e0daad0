"""`build --watch`: a save rebuilds; a broken script prints its error and the watch goes on."""

from __future__ import annotations

import threading
import time

import pytest

from rtr_audio.build import BuildOptions
from rtr_audio.watch import watch_and_build
from tests.conftest import copy_show

pytestmark = pytest.mark.slow


def wait_for(predicate, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_watch_rebuilds_on_save_and_survives_a_broken_script(tmp_path):
    scripts = copy_show("mini", tmp_path / "scripts")
    options = BuildOptions(scripts_dir=scripts, out_dir=tmp_path / "out", jobs=2)
    lines: list[str] = []
    watcher = threading.Thread(target=watch_and_build, args=(options, lines.append),
                               kwargs={"stop_after": 2}, daemon=True)
    watcher.start()
    wait_for(lambda: any(line.startswith("Watching") for line in lines))
    script = scripts / "02-second.md"
    script.write_text(script.read_text().replace("title: Second", "title: Second\nrate: fast"))
    wait_for(lambda: any("`rate` must be" in line for line in lines))
    script.write_text(script.read_text().replace("rate: fast\n", ""))
    watcher.join(timeout=90)
    assert not watcher.is_alive()
    assert any(line.startswith("Changed: 02-second.md") for line in lines)
    assert any(line.startswith("Rebuilt in") for line in lines)
    assert sum(line.startswith("Built ") for line in lines) == 2
