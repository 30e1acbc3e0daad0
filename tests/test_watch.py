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


def test_watch_quiet_prints_nothing_but_errors(tmp_path):
    """`build --watch --quiet` as a user runs it: the builds and the watching say nothing on
    stdout; a broken script's error line reaches stderr; Ctrl-C stops it."""
    import signal
    import subprocess
    import sys

    from tests.conftest import REPO

    scripts = copy_show("mini", tmp_path / "scripts")
    out = tmp_path / "out"
    stderr = tmp_path / "stderr.txt"
    with stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "rtr_audio", "build", "--watch", "--quiet", "--jobs", "2",
             "--scripts", str(scripts), "--out", str(out)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        wait_for(lambda: (out / ".cache" / "uptodate.json").exists())  # the first build is done
        time.sleep(1)  # the watcher is set up
        script = scripts / "02-second.md"
        script.write_text(script.read_text().replace("title: Second", "title: Second\nrate: x"))
        wait_for(lambda: "`rate` must be" in stderr.read_text())
    finally:
        process.send_signal(signal.SIGINT)
        stdout, _ = process.communicate(timeout=60)
    assert stdout == ""
    lines = stderr.read_text().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{script}:")
    assert process.returncode == 0
