"""Bad input is refused with one clear line per problem; odd but valid input builds.

``tests/bad_inputs/<case>/`` is a tiny show (``_base/`` with one thing broken) plus
``expected.txt``: the lines (one or more) the user must see, paths relative to the show folder.
Every case runs through ``check`` and ``build`` as real subprocesses against a copy of a
previously built output folder, which must come out byte-identical, without a new clip.

``tests/odd_inputs/<case>/`` are unusual but valid shows (BOM, CRLF, a very long paragraph,
markup characters, emoji and accents) that must build into a feed strict parsers accept.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree

REPO = Path(__file__).resolve().parent.parent
BAD = REPO / "tests" / "bad_inputs"
ODD = REPO / "tests" / "odd_inputs"
CASES = sorted(p.name for p in BAD.iterdir() if (p / "expected.txt").is_file())
ODD_CASES = sorted(p.name for p in ODD.iterdir() if (p / "show.yml").is_file())
# `path:line: message` or `path: message`, the path relative to where the command ran.
PROBLEM_LINE = re.compile(r"^[^\s/:][^:]*(:\d+)?: \S")
PARALLEL = max(2, 2 * (os.cpu_count() or 1))
MAX_LINE = 300  # values echoed in messages are cut (issue 13, kind 1)


def rtr(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "rtr_audio", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def published_files(out: Path) -> dict[str, bytes]:
    """Every published file's bytes (the build cache excluded)."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".cache" not in p.relative_to(out).parts}


def clips(out: Path) -> set[str]:
    return {p.name for p in (out / ".cache" / "clips").rglob("*.clip")}


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """The valid base show, built once: the output every bad case must leave untouched."""
    root = tmp_path_factory.mktemp("published")
    shutil.copytree(BAD / "_base", root / "scripts")
    out = root / "audio_out"
    result = rtr("build", "--scripts", "scripts", "--out", str(out), "--jobs", "1", cwd=root)
    assert result.returncode == 0, result.stderr
    assert (out / "feed.xml").is_file() and clips(out)
    return out


@pytest.fixture(scope="module")
def bad_runs(published, tmp_path_factory) -> dict[str, dict]:
    """Every case through `check` and `build`, several at a time (each on its own copies)."""
    root = tmp_path_factory.mktemp("bad")

    def run(case: str) -> dict:
        show = shutil.copytree(BAD / case, root / case / "show")
        (show / "expected.txt").unlink()
        out = shutil.copytree(published, root / case / "audio_out")
        check = rtr("check", "--scripts", ".", "--out", str(out), cwd=show)
        build = rtr("build", "--scripts", ".", "--out", str(out), "--jobs", "1", cwd=show)
        return {"check": check, "build": build, "out": out}

    with ThreadPoolExecutor(PARALLEL) as pool:
        return dict(zip(CASES, pool.map(run, CASES), strict=True))


def test_the_corpus_is_complete() -> None:
    names = set(CASES)
    assert len(names) >= 40
    for required in ("show-missing-title", "script-missing-description", "show-yaml-error",
                     "script-yaml-error", "lexicon-yaml-error", "show-unknown-key",
                     "script-unknown-key", "script-episode-not-number", "show-rate-not-number",
                     "script-date-malformed", "show-explicit-not-bool",
                     "show-language-wrong-type", "show-rate-negative", "show-rate-absurd",
                     "script-pause-negative", "script-pause-malformed",
                     "script-pause-unknown-unit", "script-type-unknown",
                     "script-duplicate-episode", "script-same-slug", "script-empty-file",
                     "script-front-matter-only", "script-unterminated-front-matter",
                     "script-unclosed-comment", "script-non-utf8", "script-nul-byte",
                     "show-cover-missing", "show-cover-not-image", "show-unknown-voice",
                     "no-show-yml", "no-episodes", "show-not-mapping", "many-problems"):
        assert required in names


@pytest.mark.slow
def test_the_base_show_is_valid(published) -> None:
    result = rtr("check", "--scripts", str(BAD / "_base"), "--out", str(published), cwd=REPO)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_refused_with_one_line_per_problem(case, bad_runs, published) -> None:
    expected = (BAD / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    run = bad_runs[case]
    for command in ("check", "build"):
        result = run[command]
        output = result.stdout + result.stderr
        assert result.returncode == 1, f"{command}: {output}"
        assert "Traceback" not in output, f"{command}: {output}"
        lines = result.stderr.splitlines()
        for line in expected:
            assert line in lines or any(line in got for got in lines), (
                f"{command}: expected {line!r} in:\n{result.stderr}")
        for line in lines:
            assert PROBLEM_LINE.match(line), f"{command}: not `path:line: message`: {line!r}"
            assert len(line) <= MAX_LINE, f"{command}: {len(line)} characters: {line[:200]!r}"
    # Nothing was rendered, and the previous build's published files are byte-identical.
    assert published_files(run["out"]) == published_files(published)
    assert clips(run["out"]) == clips(published)


@pytest.mark.slow
def test_check_lists_every_problem_at_once(bad_runs) -> None:
    stderr = bad_runs["many-problems"]["check"].stderr
    assert len(stderr.splitlines()) == 4, stderr


def test_verbose_shows_the_traceback(tmp_path) -> None:
    show = shutil.copytree(BAD / "show-cover-not-image", tmp_path / "show")
    result = rtr("check", "--scripts", ".", "--verbose", cwd=show)
    assert result.returncode == 1
    assert "show.yml:7: cover: cover.jpg is not a readable image" in result.stderr
    assert "Traceback" in result.stderr


# --- odd but valid ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def odd_builds(tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, Path]]:
    root = tmp_path_factory.mktemp("odd")

    def run(case: str) -> tuple[subprocess.CompletedProcess, Path]:
        show = shutil.copytree(ODD / case, root / case / "scripts")
        out = root / case / "audio_out"
        result = rtr("build", "--scripts", str(show), "--out", str(out), "--jobs", "1",
                     cwd=root / case)
        return result, out

    with ThreadPoolExecutor(len(ODD_CASES)) as pool:
        return dict(zip(ODD_CASES, pool.map(run, ODD_CASES), strict=True))


def _feed(out: Path) -> tuple[dict, feedparser.FeedParserDict]:
    data = (out / "feed.xml").read_bytes()
    etree.fromstring(data)  # well-formed XML
    strict = podcastparser.parse("http://localhost:8000/feed.xml", io.BytesIO(data))
    lenient = feedparser.parse(data)
    assert lenient.bozo == 0, lenient.get("bozo_exception")
    return strict, lenient


@pytest.mark.slow
@pytest.mark.parametrize("case", ODD_CASES)
def test_odd_but_valid_input_builds(case, odd_builds) -> None:
    result, out = odd_builds[case]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    strict, lenient = _feed(out)
    [episode] = strict["episodes"]
    assert episode["enclosures"][0]["file_size"] > 0
    assert len(lenient.entries) == 1
    if case == "special-characters":
        assert strict["title"] == "Tom & Jerry <Live> \"Quoted\" it's 🌿"
        assert lenient.feed.title == strict["title"]
        itunes = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
        channel = etree.parse(str(out / "feed.xml")).getroot().find("channel")
        assert channel.findtext(f"{itunes}author") == "Zoë Ångström & Co"
        assert episode["title"] == "Über <One> & 'Two' \"3\" 😊"
        assert lenient.entries[0].title == episode["title"]
        item = channel.find("item")
        assert item.findtext("description") == "Crème brûlée & <tags> \"here\" it's fine 🌊"
        page = (out / "index.html").read_text(encoding="utf-8")
        assert "Über &lt;One&gt; &amp;" in page and "<One>" not in page
    else:
        assert episode["title"] == "One"  # no BOM or CR glued to the front matter
        assert strict["title"] == "Base Show"
    vtt = next((out / "episodes").glob("*.vtt")).read_text(encoding="utf-8")
    assert "\r" not in vtt and "\ufeff" not in vtt
    if case in ("bom", "crlf"):
        from rtr_audio.project import load_project

        assert load_project(ODD / case).lexicon.entries == (("RTR", "R T R"),)
    if case == "crlf":
        assert "Second paragraph" in vtt and "comment" not in vtt
        assert len(strict["episodes"][0]["chapters"]) >= 1
    if case == "long-paragraph":
        assert vtt.count("notice the weight") >= 10  # every word spoken and captioned
