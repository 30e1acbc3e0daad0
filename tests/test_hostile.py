"""Hostile and careless input (issue 13): nothing hangs, nothing explodes, nothing that is not ours
is deleted. The cases need things git cannot hold (FIFOs, links to /dev/zero, escape codes in
file names, a full disk), so each is built here from ``tests/bad_inputs/_base``; the kinds and
cases are listed in ``tests/hostile/README.md``.

Every case runs ``check`` and ``build`` as real subprocesses (each with a time limit, so a hang
fails the test instead of stalling it) against a copy of a previously built output folder, and
asserts the rule: exit status 1, every line of stderr one clear ``path:line: message`` (or
``error: …`` naming the path or tool), the expected text present, no traceback, and the
published files byte-identical.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BASE = REPO / "tests" / "bad_inputs" / "_base"
PROBLEM_LINE = re.compile(r"^[^\s/:][^:]*(:\d+)?: \S")
LIMIT = 90  # seconds for one command: a hang fails the test rather than stalling the suite


def rtr(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, "-m", "rtr_audio", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=LIMIT, errors="replace")


def published_files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".cache" not in p.relative_to(out).parts}


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("published")
    shutil.copytree(BASE, root / "scripts")
    out = root / "audio_out"
    result = rtr("build", "--scripts", "scripts", "--out", str(out), "--jobs", "1", cwd=root)
    assert result.returncode == 0, result.stderr
    return out


def script(title: str, body: str, extra: str = "") -> str:
    return (f"---\ntitle: {title}\ndescription: A short valid episode.\nepisode: 2\n"
            f"{extra}---\n{body}\n")


@dataclass
class Case:
    """``setup(show)`` breaks a copy of the base show; ``expected`` must appear on stderr."""

    kind: int
    setup: Callable[[Path], None]
    expected: str
    options: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    commands: tuple[str, ...] = ("check", "build")
    never: str | None = None  # text that must not appear in the output (a leaked secret)


def _link(target: str, name: str) -> Callable[[Path], None]:
    return lambda show: (show / name).symlink_to(target)


def _fifo(name: str) -> Callable[[Path], None]:
    return lambda show: os.mkfifo(show / name)


def _write(name: str, text: str) -> Callable[[Path], None]:
    return lambda show: (show / name).write_text(text, encoding="utf-8")


def _append_show(line: str) -> Callable[[Path], None]:
    def setup(show: Path) -> None:
        with (show / "show.yml").open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    return setup


def _replace_show_yml(show: Path) -> None:
    (show / "show.yml").unlink()
    (show / "show.yml").symlink_to("/etc/passwd")


def _huge_script(show: Path) -> None:
    (show / "02-huge.md").write_text(script("Huge", "word " * 420_000), encoding="utf-8")


def _escape_name_fifo(show: Path) -> None:
    os.mkfifo(show / "02-\x1b]0;owned\x07\x1b[2J.md")


def _escape_name_script(show: Path) -> None:
    (show / "02-\x1b[31mred\nfake.md:1: OK.md").write_text("---\ntitle: x\n", encoding="utf-8")


def _bidi_name_script(show: Path) -> None:
    (show / "02-\u202edm.txt.md").write_text("no front matter\n", encoding="utf-8")


def _cover(name: str, size: tuple[int, int] | None = None,
           link: str | None = None) -> Callable[[Path], None]:
    def setup(show: Path) -> None:
        if size is not None:
            from PIL import Image

            Image.new("RGB", size, (40, 60, 90)).save(show / name)
        elif link is not None:
            (show / name).symlink_to(link)
        else:
            os.mkfifo(show / name)
        _append_show(f"cover: {name}")(show)
    return setup


def _evil_module(name: str) -> Callable[[Path], None]:
    def setup(show: Path) -> None:
        (show / f"{name}.py").write_text(
            "from pathlib import Path\nPath('PWNED').write_text('ran')\n"
            "class Engine:\n    pass\n", encoding="utf-8")
    return setup


def _both(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def setup(show: Path) -> None:
        for step in steps:
            step(show)
    return setup


CASES: dict[str, Case] = {
    # 2. special files: a read never hangs, never fills memory, never leaves the scripts folder
    "script-link-to-dev-zero": Case(2, _link("/dev/zero", "02-z.md"),
                                    "02-z.md: is a link to /dev/zero, outside the scripts folder"),
    "script-fifo": Case(2, _fifo("02-x.md"), "02-x.md: is a named pipe (FIFO), not a regular file"),
    "lexicon-fifo": Case(2, _fifo("lexicon.yml"),
                         "lexicon.yml: is a named pipe (FIFO), not a regular file"),
    "script-link-loop": Case(2, _link("loop.md", "loop.md"), "loop.md: is a symbolic link loop"),
    "script-dangling-link": Case(2, _link("gone.md", "02-d.md"),
                                 "02-d.md: is a link to gone.md, which does not exist"),
    "lexicon-dangling-link": Case(2, _link("gone.yml", "lexicon.yml"),
                                  "lexicon.yml: is a link to a file that does not exist"),
    "script-is-a-folder": Case(2, lambda show: (show / "x.md").mkdir(),
                               "x.md: is a folder, not a regular file"),
    "show-yml-link-to-secret": Case(2, _replace_show_yml, "show.yml: is a link to /etc/passwd",
                                    never="root:"),
    "script-link-out-of-folder": Case(2, _link(str(BASE / "01-ep.md"), "02-out.md"),
                                      "02-out.md: is a link to"),
    "script-over-1-mib": Case(2, _huge_script, "02-huge.md: is 2,100,068 bytes; the limit "
                              "for this file is 1,048,576 bytes (1 MiB)"),
    # 3. show.yml cannot run code
    "show-engine-evil-module": Case(3, _both(_evil_module("evil"),
                                             _append_show('engine: "evil:Engine"')),
                                    "show.yml:7: unknown engine `evil:Engine`"),
    "show-engine-evil-module-with-test-engines-on": Case(
        3, _both(_evil_module("evil"), _append_show('engine: "evil:Engine"')),
        "show.yml:7: unknown engine `evil:Engine`", env={"RTR_AUDIO_TEST_ENGINES": "1"}),
    "front-matter-engine-evil": Case(
        3, _both(_evil_module("evil"),
                 _write("02-e.md", script("E", "Hello.", 'engine: "evil:Engine"\n'))),
        "02-e.md:5: unknown engine `evil:Engine`"),
    "cli-engine-module-without-test-flag": Case(
        3, _evil_module("evil"), "error: unknown engine `evil:Engine`",
        options=("--engine", "evil:Engine"), env={"RTR_AUDIO_TEST_ENGINES": ""},
        commands=("build",)),
    # 6. URLs from the command line get show.yml's rule
    "base-url-no-scheme": Case(6, lambda show: None, "error: --base-url `example.org/podcast` "
                               "has no scheme", options=("--base-url", "example.org/podcast"),
                               commands=("build",)),
    "base-url-ftp": Case(6, lambda show: None, "must start with http:// or https://, not ftp:",
                         options=("--base-url", "ftp://example.org/p/"), commands=("build",)),
    "base-url-javascript": Case(6, lambda show: None, "not javascript:",
                                options=("--base-url", "javascript:alert(1)//"),
                                commands=("build",)),
    "base-url-raw-space": Case(6, lambda show: None, "contains a space or control character",
                               options=("--base-url", "https://example.org/my podcast/"),
                               commands=("build",)),
    "base-url-newline": Case(6, lambda show: None, "contains a space or control character",
                             options=("--base-url", "https://example.org/\n<script>"),
                             commands=("build",)),
    "base-url-credentials": Case(6, lambda show: None, "holds a user name or password",
                                 options=("--base-url", "https://me:secret@example.org/"),
                                 commands=("build",)),
    "base-url-bad-port": Case(6, lambda show: None, "is not a valid URL",
                              options=("--base-url", "https://example.org:99999/"),
                              commands=("build",)),
    # 12. messages: escape codes and newlines in file names never reach the terminal raw
    "file-name-with-escape-codes": Case(12, _escape_name_fifo,
                                        "02-\\x1b]0;owned\\x07\\x1b[2J.md: is a named pipe"),
    "file-name-with-newline": Case(12, _escape_name_script,
                                   "02-\\x1b[31mred\\nfake.md:1: OK.md:1: unterminated front"),
    "file-name-with-bidi-override": Case(12, _bidi_name_script, "02-\\u202edm.txt.md:1:"),
    "cover-12000-square": Case(12, _cover("huge.png", size=(12000, 12000)),
                               "show.yml:7: cover: image is 12000×12000; Apple needs a square",
                               never="DecompressionBomb"),
    "cover-fifo": Case(12, _cover("c.jpg"), "cover: ", never="Traceback"),
    "cover-dev-zero": Case(12, _cover("c.jpg", link="/dev/zero"), "is a device, not a regular "
                           "file"),
}


# The 12,000² cover case makes a 430 MB image to refuse: with the builds, in the slow tier.
@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.slow)
                                  if name == "cover-12000-square" else name
                                  for name in sorted(CASES)])
def test_hostile_case(name: str, published: Path, tmp_path: Path) -> None:
    case = CASES[name]
    show = shutil.copytree(BASE, tmp_path / "show")
    case.setup(show)
    out = shutil.copytree(published, tmp_path / "audio_out")
    for command in case.commands:
        result = rtr(command, "--scripts", ".", "--out", str(out), *case.options,
                     *(("--jobs", "1") if command == "build" else ()), cwd=show, env=case.env)
        output = result.stdout + result.stderr
        assert result.returncode == 1, f"{command}: {output}"
        assert "Traceback" not in output and "internal error" not in output, output
        lines = result.stderr.splitlines()
        assert any(case.expected in line for line in lines), f"{command}: {result.stderr}"
        assert len(lines) == 1 or all(PROBLEM_LINE.match(line) for line in lines), lines
        for line in lines:
            assert PROBLEM_LINE.match(line), f"not one clear line: {line!r}"
            assert not re.search(r"[\x00-\x1f\x7f]", line), f"raw control character: {line!r}"
        if case.never:
            assert case.never not in output
    assert not (show / "PWNED").exists(), "a module named by the show was imported"
    assert published_files(out) == published_files(published)


@pytest.mark.slow  # makes a 12,000² PNG (430 MB decoded) to refuse
def test_a_big_cover_is_refused_from_its_header(tmp_path: Path) -> None:
    """A 12,000² PNG (144 Mpx, 430 MB decoded) is refused before decoding: the check stays small
    (measured as the peak RSS of the check, run as the only child of a fresh process)."""
    show = shutil.copytree(BASE, tmp_path / "show")
    _cover("huge.png", size=(12000, 12000))(show)
    measure = ("import resource, subprocess, sys\n"
               "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
               "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
               "print(done.stderr, file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", measure, sys.executable, "-m", "rtr_audio",
                             "check", "--scripts", "."], cwd=show, capture_output=True,
                            text=True, timeout=LIMIT, env={**os.environ, "PYTHONPATH": str(REPO)})
    code, peak_kib = (int(x) for x in result.stdout.split())
    assert code == 1 and "image is 12000×12000" in result.stderr, result.stderr
    assert "DecompressionBomb" not in result.stderr
    assert peak_kib < 150_000, f"{peak_kib} KiB"


def test_python_m_ignores_modules_in_the_working_folder(tmp_path: Path) -> None:
    """``python -m rtr_audio`` from inside a show folder holding ``yaml.py``/``click.py``."""
    show = shutil.copytree(BASE, tmp_path / "show")
    for name in ("yaml", "click", "numpy", "PIL"):
        (show / f"{name}.py").write_text("from pathlib import Path\nPath('PWNED').touch()\n"
                                         "raise SystemExit('imported from the show folder')\n")
    env = {**os.environ}
    env.pop("PYTHONPATH", None)  # only the working folder and the installed package
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run([sys.executable, "-m", "rtr_audio", "check", "--scripts", "."],
                            cwd=show, env=env, capture_output=True, text=True, timeout=LIMIT)
    assert result.returncode == 0, result.stderr
    assert not (show / "PWNED").exists()


def test_links_inside_the_scripts_folder_still_work(tmp_path: Path) -> None:
    """The rule refuses links out of the folder, not links: a script linked to a file beside it
    is read (a show kept in a linked folder works too)."""
    real = shutil.copytree(BASE, tmp_path / "real")
    (real / "drafts").mkdir()
    (real / "drafts" / "two.txt").write_text(script("Two", "Hello again."), encoding="utf-8")
    (real / "02-two.md").symlink_to("drafts/two.txt")
    (tmp_path / "linked").symlink_to(real)
    result = rtr("check", "--scripts", "linked", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2 scripts" in result.stdout


# --- 9. environment faults -------------------------------------------------------------------

@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A small tmpfs mounted at ``path`` (needs root, as on the CI machine; skipped otherwise)."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _assert_environment_error(result: subprocess.CompletedProcess, expected: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output and "internal error" not in output, output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert expected in lines[0], lines


def test_output_under_a_file(tmp_path: Path) -> None:
    shutil.copytree(BASE, tmp_path / "scripts")
    (tmp_path / "afile").write_text("mine\n")
    result = rtr("build", "--out", "afile/out", cwd=tmp_path)
    _assert_environment_error(result, "error: afile/out: a part of this path is a file")
    result = rtr("build", "--out", "afile", cwd=tmp_path)
    _assert_environment_error(result, "error: afile: this is a file where a folder was expected")
    assert (tmp_path / "afile").read_text() == "mine\n"


@pytest.mark.slow  # builds: synthesises, encodes or draws a cover
def test_full_disk(tmp_path: Path) -> None:
    shutil.copytree(BASE, tmp_path / "scripts")
    with tmpfs(tmp_path / "small", "150k") as small:
        result = rtr("build", "--out", str(small / "out"), "--jobs", "1", cwd=tmp_path)
        _assert_environment_error(result, "the disk is full")


def test_read_only_output(published: Path, tmp_path: Path) -> None:
    shutil.copytree(BASE, tmp_path / "scripts")
    with contextlib.ExitStack() as stack:
        mount = stack.enter_context(tmpfs(tmp_path / "ro", "20m"))
        shutil.copytree(published, mount / "out")
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        before = published_files(mount / "out")
        result = rtr("build", "--out", str(mount / "out"), "--force", cwd=tmp_path)
        _assert_environment_error(result, "the file system is read-only")
        assert published_files(mount / "out") == before


@pytest.mark.slow  # builds: synthesises, encodes or draws a cover
def test_ffmpeg_that_writes_nothing(published: Path, tmp_path: Path) -> None:
    """An ffmpeg on the PATH that exits 0 without writing (a stub, a broken build)."""
    shutil.copytree(BASE, tmp_path / "scripts")
    out = shutil.copytree(published, tmp_path / "out")
    fake = tmp_path / "bin"
    fake.mkdir()
    for tool in ("ffmpeg", "ffprobe"):
        (fake / tool).write_text("#!/bin/sh\nexit 0\n")
        (fake / tool).chmod(0o755)
    result = rtr("build", "--out", "out", "--force", cwd=tmp_path,
                 env={"PATH": f"{fake}:{os.environ['PATH']}"})
    _assert_environment_error(result, f"{fake / 'ffmpeg'} exited without an error but wrote "
                                      "no MP3")
    assert published_files(out) == published_files(published)


def test_espeak_data_missing(tmp_path: Path) -> None:
    shutil.copytree(BASE, tmp_path / "scripts")
    (tmp_path / "empty" / "espeak-ng-data").mkdir(parents=True)
    env = {"ESPEAK_DATA_PATH": str(tmp_path / "empty")}
    for command in ("check", "build"):
        result = rtr(command, "--out", "out", cwd=tmp_path, env=env)
        _assert_environment_error(result, "espeak-ng's data is missing: "
                                          f"{tmp_path}/empty/espeak-ng-data/phontab not found")
    assert not (tmp_path / "out").exists()


# --- 7. the cover's drawing is bounded -------------------------------------------------------

def test_a_long_title_is_shortened_before_it_is_fitted() -> None:
    from rtr_audio.painting import MAX_TITLE_CHARS, _shortened

    long = "Breathing " * 200
    short = _shortened(long, MAX_TITLE_CHARS)
    assert len(short) <= MAX_TITLE_CHARS + 1 and short.endswith("Breathing…")
    assert _shortened("x" * 2000, MAX_TITLE_CHARS) == "x" * MAX_TITLE_CHARS + "…"
    assert _shortened("Relational Trauma Repair", MAX_TITLE_CHARS) == "Relational Trauma Repair"


@pytest.mark.slow  # builds: synthesises, encodes or draws a cover
def test_a_2000_character_title_still_draws_a_cover(tmp_path: Path) -> None:
    from PIL import Image

    shutil.copytree(BASE, tmp_path / "scripts")
    yml = tmp_path / "scripts" / "show.yml"
    text = yml.read_text(encoding="utf-8").replace("title: Base Show",
                                                   "title: " + "Quiet " * 333)
    yml.write_text(text, encoding="utf-8")
    result = rtr("build", "--out", "out", "--jobs", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / "out" / "cover.jpg") as cover:
        assert cover.size == (3000, 3000)


# --- 4. destructive commands: nothing that is not ours is deleted ------------------------------

def _user_folder(folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "diary.md").write_text("my own words\n", encoding="utf-8")
    (folder / "sub").mkdir(exist_ok=True)
    (folder / "sub" / "photo.jpg").write_bytes(b"\xff\xd8 not really")
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("target", ["notes", "scripts", "home", "linked-cache"])
def test_clean_refuses_a_folder_rtr_audio_did_not_make(target: str, tmp_path: Path) -> None:
    folder = tmp_path / target
    if target == "scripts":
        shutil.copytree(BASE, folder)
        before = _contents(folder)
    elif target == "linked-cache":  # a .cache that is a link to the user's own folder
        _user_folder(tmp_path / "mine")
        (tmp_path / "mine" / "uptodate.json").write_text("{}")
        before = _contents(tmp_path / "mine")
        folder.mkdir()
        (folder / ".cache").symlink_to(tmp_path / "mine")
    else:
        before = _user_folder(folder)
    env = {"HOME": str(folder)} if target == "home" else {}
    result = rtr("clean", "--out", str(folder), "--yes", cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stdout
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and "nothing was removed" in line, line
    after = _contents(tmp_path / "mine" if target == "linked-cache" else folder)
    assert after == before


def test_clean_keeps_what_it_did_not_make_and_asks_off_a_terminal(published: Path,
                                                                   tmp_path: Path) -> None:
    out = shutil.copytree(published, tmp_path / "out")
    (out / ".keep").write_text("")
    (out / "notes.txt").write_text("mine\n")
    (out / "episodes" / "my-recording.mp3").write_bytes(b"ID3 mine")
    mine = {name: data for name, data in _contents(out).items()
            if name in (".keep", "notes.txt", "episodes/my-recording.mp3")}
    asked = rtr("clean", "--out", str(out), cwd=tmp_path)  # stdin is not a terminal here
    assert asked.returncode == 1 and "add --yes" in asked.stderr, asked.stderr
    assert published_files(out) == {**published_files(published), **mine}
    result = rtr("clean", "--out", str(out), "--yes", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Kept 3 files rtr-audio did not make" in result.stdout
    after = _contents(out)
    assert {name: after.get(name) for name in mine} == mine
    assert not {"feed.xml", "index.html", "cover.jpg"} & set(after)  # (episode files stay
    # for keep_previous, for apps holding the last feed)


# --- 4 (builds), 5 and 8: only the publishing step changes what is published --------------------

def _retitle(show: Path, title: str = "A New Title") -> None:
    yml = show / "show.yml"
    yml.write_text(yml.read_text(encoding="utf-8").replace("title: Base Show", f"title: {title}"),
                   encoding="utf-8")


def _built(published: Path, tmp_path: Path) -> tuple[Path, Path]:
    show = shutil.copytree(BASE, tmp_path / "scripts")
    out = shutil.copytree(published, tmp_path / "out")
    return show, out


@pytest.mark.slow  # builds: synthesises, encodes or draws a cover
def test_a_build_keeps_files_it_did_not_publish(published: Path, tmp_path: Path) -> None:
    show, out = _built(published, tmp_path)
    (out / "episodes" / "my-recording.mp3").write_bytes(b"ID3 mine")
    (out / "episodes" / "ep.0123abcd.mp3").write_bytes(b"named like ours, but mine")
    (out / "notes.txt").write_text("mine\n")
    _append_show("keep_previous: 0s")(show)
    (show / "01-ep.md").write_text((show / "01-ep.md").read_text().replace("Hello there.",
                                                                          "Hello again."))
    result = rtr("build", "--out", "out", "--jobs", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (out / "episodes" / "my-recording.mp3").read_bytes() == b"ID3 mine"
    assert (out / "episodes" / "ep.0123abcd.mp3").read_bytes() == b"named like ours, but mine"
    assert (out / "notes.txt").read_text() == "mine\n"
    old = set(published_files(published)) - {"feed.xml", "index.html", "cover.jpg"}
    assert not any((out / name).exists() for name in old)  # the previous version, ours, went
    # (show.yml says keep_previous: 0s here; by default it would stay for apps for 7 days)


@pytest.mark.slow  # builds: synthesises, encodes or draws a cover
def test_a_linked_episodes_folder_keeps_what_is_in_it(published: Path, tmp_path: Path) -> None:
    show, out = _built(published, tmp_path)
    music = tmp_path / "music"
    shutil.move(out / "episodes", music)
    (music / "album-track.mp3").write_bytes(b"a song")
    (out / "episodes").symlink_to(music)
    (show / "01-ep.md").write_text((show / "01-ep.md").read_text().replace("Hello there.",
                                                                          "Hello again."))
    result = rtr("build", "--out", "out", "--jobs", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (music / "album-track.mp3").read_bytes() == b"a song"


@pytest.mark.slow  # builds: synthesises, encodes or draws a cover
def test_a_failed_build_after_a_title_change_publishes_nothing(published: Path,
                                                               tmp_path: Path) -> None:
    """The cover is drawn for the new title, then encoding fails (an ffmpeg that writes
    nothing): cover.jpg, the page, the feed and episodes/ are exactly as before."""
    show, out = _built(published, tmp_path)
    _retitle(show)
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "ffmpeg").write_text("#!/bin/sh\nexit 0\n")
    (fake / "ffmpeg").chmod(0o755)
    result = rtr("build", "--out", "out", "--jobs", "1", cwd=tmp_path,
                 env={"PATH": f"{fake}:{os.environ['PATH']}"})
    assert result.returncode == 1 and "wrote no MP3" in result.stderr, result.stderr
    assert published_files(out) == published_files(published)
    again = rtr("build", "--out", "out", "--jobs", "1", cwd=tmp_path)  # the real ffmpeg
    assert again.returncode == 0, again.stderr
    assert (out / "cover.jpg").read_bytes() != (published / "cover.jpg").read_bytes()


@pytest.mark.slow  # builds: synthesises, encodes or draws a cover
def test_a_full_disk_after_a_title_change_publishes_nothing(published: Path,
                                                            tmp_path: Path) -> None:
    show = shutil.copytree(BASE, tmp_path / "scripts")
    _retitle(show)
    used = sum(p.stat().st_size for p in published.rglob("*") if p.is_file())
    with tmpfs(tmp_path / "small", f"{used // 1024 + 200}k") as small:
        out = shutil.copytree(published, small / "out")
        result = rtr("build", "--out", str(out), "--jobs", "1", cwd=tmp_path)
        _assert_environment_error(result, "the disk is full")
        assert published_files(out) == published_files(published)


@pytest.mark.slow  # builds: synthesises, encodes or draws a cover
def test_sigterm_after_a_title_change_publishes_nothing(published: Path, tmp_path: Path) -> None:
    show, out = _built(published, tmp_path)
    _retitle(show)
    (show / "01-ep.md").write_text((show / "01-ep.md").read_text().replace(
        "Hello there.", "Hello there. " + " ".join(f"Sentence {n}." for n in range(30))))
    log = tmp_path / "fake.log"
    env = {**os.environ, "PYTHONPATH": str(REPO), "FAKE_ENGINE_LOG": str(log),
           "FAKE_ENGINE_DELAY": "1"}
    process = subprocess.Popen([sys.executable, "-m", "rtr_audio", "build", "--out", "out",
                                "--jobs", "1", "--engine", "tests.fake_engine:FakeEngine"],
                               cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    staged = out / ".cache" / "publish" / "cover.jpg"
    deadline = time.monotonic() + 60
    while not staged.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert staged.exists(), "the new cover was never drawn"
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 143, err
    assert err.splitlines() == ["interrupted by SIGTERM: nothing half-built was published; "
                                "run it again to finish"]
    assert published_files(out) == published_files(published)
    assert not [p for p in out.rglob("*.tmp") if ".cache" not in p.parts]


def _damage(path: Path, at: int = 2000) -> None:
    """Overwrite bytes in place: same size, other content."""
    data = bytearray(path.read_bytes())
    data[at:at + 64] = bytes(64)
    path.write_bytes(bytes(data))


@pytest.mark.slow  # builds: synthesises, encodes or draws a cover
@pytest.mark.parametrize("damage", ["state-not-utf8", "state-a-list", "state-wrong-types",
                                    "record-not-utf8", "record-hostile-paths"])
def test_a_damaged_cache_record_is_a_missing_one(damage: str, published: Path,
                                                 tmp_path: Path) -> None:
    show, out = _built(published, tmp_path)
    (out / "episodes" / "mine.mp3").write_bytes(b"mine")
    (tmp_path / "precious.txt").write_text("keep me\n")
    cache = out / ".cache"
    {
        "state-not-utf8": lambda: (cache / "state.json").write_bytes(b'{"format": 1, \xff\xfe}'),
        "state-a-list": lambda: (cache / "state.json").write_text("[]"),
        "state-wrong-types": lambda: (cache / "state.json").write_text(
            '{"format": 1, "episodes": {"ep": [1]}, "dates": {"ep": 5}, "feed_built": 7,'
            ' "cover": []}'),
        "record-not-utf8": lambda: (cache / "published.json").write_bytes(b"\xff\xfe[]"),
        "record-hostile-paths": lambda: (cache / "published.json").write_text(
            '{"format": 1, "files": {"../precious.txt": {"size": 8, "mtime_ns": 1, "sha256": '
            '"x"}, "/etc/hostname": {"size": 1, "mtime_ns": 1, "sha256": "x"}, '
            '"episodes/mine.mp3": {"size": 4, "mtime_ns": 1, "sha256": "x"}}}'),
    }[damage]()
    _retitle(show)  # something to publish
    result = rtr("build", "--out", "out", "--jobs", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "precious.txt").read_text() == "keep me\n"
    if damage != "record-hostile-paths":  # that record claims mine.mp3: it is removed as ours
        assert (out / "episodes" / "mine.mp3").read_bytes() == b"mine"
    again = rtr("build", "--out", "out", "--jobs", "1", cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.startswith("Up to date"), again.stdout


@pytest.mark.slow  # builds: synthesises, encodes or draws a cover
@pytest.mark.parametrize("victim", ["mp3", "cover", "vtt"])
def test_a_damaged_published_file_of_the_same_size_is_repaired(victim: str, published: Path,
                                                                tmp_path: Path) -> None:
    _show, out = _built(published, tmp_path)
    name = {"mp3": next(n for n in published_files(published) if n.endswith(".mp3")),
            "cover": "cover.jpg",
            "vtt": next(n for n in published_files(published) if n.endswith(".vtt"))}[victim]
    _damage(out / name, at=20 if victim == "vtt" else 2000)
    assert (out / name).read_bytes() != (published / name).read_bytes()
    result = rtr("build", "--out", "out", "--jobs", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert published_files(out) == published_files(published)


@pytest.mark.slow  # builds: synthesises, encodes or draws a cover
def test_a_truncated_cached_id3_cover_is_drawn_again(published: Path, tmp_path: Path) -> None:
    from mutagen.id3 import ID3
    from PIL import Image

    show, out = _built(published, tmp_path)
    id3 = out / ".cache" / "cover-id3.jpg"
    id3.write_bytes(id3.read_bytes()[:3000])
    (show / "01-ep.md").write_text((show / "01-ep.md").read_text().replace("Hello there.",
                                                                          "Hello again."))
    result = rtr("build", "--out", "out", "--jobs", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [mp3] = set((out / "episodes").glob("*.mp3")) - {out / n for n in published_files(published)}
    [art] = ID3(mp3).getall("APIC")
    with Image.open(io.BytesIO(art.data)) as image:
        image.load()  # whole: a truncated JPEG raises here
        assert image.size == (1400, 1400)
