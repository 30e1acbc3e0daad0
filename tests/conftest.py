"""Shared fixtures: small shows built once per test session with the real engine."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

# `--engine tests.fake_engine:FakeEngine` (a `module:Class` engine) is accepted only with this
# set; every rtr-audio the tests start inherits it. Input files can never name such an engine.
os.environ["RTR_AUDIO_TEST_ENGINES"] = "1"

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


@contextlib.contextmanager
def build_lock_held(out: Path, messages: list[str] | None = None) -> Iterator[None]:
    """Another build, as far as the lock of ``out`` can tell: a thread of this process holds
    it until the block ends (what it is told goes to ``messages``)."""
    from rtr_audio.lock import build_lock

    told = messages if messages is not None else []
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with build_lock(out, told.append):
            holding.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    try:
        yield
    finally:
        release.set()
        holder.join()


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """``rtr-audio ARGS`` as a real subprocess, as a user would run it."""
    return subprocess.run([sys.executable, "-m", "rtr_audio", *args], cwd=cwd or REPO,
                          capture_output=True, text=True, env=env, timeout=timeout)


def copy_show(name: str, dest: Path) -> Path:
    shutil.copytree(FIXTURES / name, dest)
    return dest


@pytest.fixture(scope="session")
def built_mini(tmp_path_factory) -> Path:
    """tests/fixtures/mini built into a fresh output folder; returns that folder."""
    root = tmp_path_factory.mktemp("mini")
    scripts = copy_show("mini", root / "scripts")
    out = root / "audio_out"
    result = run_cli("build", "--scripts", str(scripts), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


# Fixtures that synthesise and encode a whole show: a test using one belongs to the slow tier
# whether or not it says so, so `make test-fast` never builds audio by accident.
BUILDING_FIXTURES = frozenset({"built_mini"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if BUILDING_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
