"""`rtr-audio publish` against real rclone remotes: a local folder, WebDAV (`rclone serve
webdav` with a user and password) and SFTP (OpenSSH's sshd), each read back over HTTP with
`rclone serve http`, parsed with podcastparser and compared byte for byte with the build."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3  # with moto[server]: reads what the S3 server stored, independently of rclone
import podcastparser
import pytest
from conftest import FIXTURES, REPO, run_cli
from remotes import obscure, rclone_env, rclone_serve, s3_server, sshd

from rtr_audio import publish as pub

BASE = "http://localhost:8000/"  # the fixture's base_url
URL_ATTR = re.compile(r'(?:url|href)="(http://localhost:8000/[^"]+)"|<url>(http://localhost:8000/[^<]+)</url>')
KILL_TRIALS = 12
KILL_TRIALS_WEBDAV = 10
SECRET = "s3cret pass phrase"


@pytest.fixture(scope="module")
def show_b(built_mini: Path, tmp_path_factory) -> Path:
    """The mini show rebuilt after an edit to its second episode: the second episode's files
    get new versioned names, the first episode's stay."""
    root = tmp_path_factory.mktemp("mini-b")
    scripts = root / "scripts"
    shutil.copytree(built_mini.parent / "scripts", scripts)
    shutil.copytree(built_mini, root / "audio_out", ignore=shutil.ignore_patterns("build.lock"))
    second = scripts / "02-second.md"
    second.write_text(second.read_text().replace("Just one paragraph", "Only one paragraph"))
    out = root / "audio_out"
    result = run_cli("build", "--scripts", str(scripts), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def show_a(built_mini: Path, tmp_path: Path) -> Path:
    """A private copy of the session's built mini show (each test keeps its own record)."""
    out = tmp_path / "out-a"
    shutil.copytree(built_mini, out, ignore=shutil.ignore_patterns("clips", "build.lock"))
    return out


SCRIPTS: dict[str, Path] = {}  # the show.yml the publish commands read (set once per module)


@pytest.fixture(scope="module", autouse=True)
def scripts_keep_nothing(tmp_path_factory) -> Path:
    """The mini show's show.yml with ``keep_previous: 0``: replaced files go at once, so each
    publish leaves exactly the current show (the grace period has a test of its own)."""
    scripts = tmp_path_factory.mktemp("scripts-keep0")
    text = (FIXTURES / "mini" / "show.yml").read_text()
    (scripts / "show.yml").write_text(text + "keep_previous: 0\n")
    SCRIPTS["keep0"] = scripts
    return scripts


def publish_cli(out: Path, dest: str, env: dict[str, str], *extra: str,
                timeout: float = 120) -> subprocess.CompletedProcess:
    return run_cli("publish", dest, "--out", str(out), "--scripts", str(SCRIPTS["keep0"]),
                   *extra, env={**env, "PYTHONPATH": str(REPO)}, timeout=timeout)


def feed_urls(feed: bytes) -> list[str]:
    return sorted({a or b for a, b in URL_ATTR.findall(feed.decode())})


def expected_files(out: Path) -> dict[str, bytes]:
    """What a complete publish of ``out`` leaves: the feed, page, cover and every named file."""
    feed = (out / "feed.xml").read_bytes()
    names = {url[len(BASE):] for url in feed_urls(feed)} | {"feed.xml", "index.html", "cover.jpg"}
    return {name: (out / name).read_bytes() for name in names}


def check_over_http(http_url: str, out: Path) -> None:
    """Fetch the feed from the served remote; podcastparser reads it; every file it names
    downloads byte-identical to the build."""
    with urllib.request.urlopen(http_url + "feed.xml", timeout=30) as response:
        feed = response.read()
    assert feed == (out / "feed.xml").read_bytes()
    parsed = podcastparser.parse(http_url + "feed.xml", io.BytesIO(feed))
    assert len(parsed["episodes"]) == 2
    urls = set(feed_urls(feed))
    for episode in parsed["episodes"]:
        assert episode["enclosures"], episode["title"]
        urls.update(e["url"] for e in episode["enclosures"])
    assert urls
    for url in sorted(urls):
        assert url.startswith(BASE), url
        with urllib.request.urlopen(http_url + url[len(BASE):], timeout=30) as response:
            assert response.read() == (out / url[len(BASE):]).read_bytes(), url


def assert_published(remote_root: Path, out: Path) -> None:
    want = expected_files(out)
    have = {p.relative_to(remote_root).as_posix() for p in remote_root.rglob("*") if p.is_file()}
    assert have == set(want)
    for name, data in want.items():
        assert (remote_root / name).read_bytes() == data, name


# ---- the local backend -----------------------------------------------------------------------

@pytest.mark.slow
def test_local_publish_then_nothing_to_do(show_a: Path, tmp_path: Path):
    env = rclone_env(tmp_path)
    dest = tmp_path / "site"
    first = publish_cli(show_a, str(dest), env)
    assert first.returncode == 0, first.stderr
    assert "1/4 episodes and sidecars: uploading 8 files" in first.stdout
    assert "3/4 feed (temporary name, then a server-side move): uploading 1 file" in first.stdout
    assert re.search(r"Published to .*: 11 files uploaded \(0\.\d MB\), 0 deleted; \d+\.\ds",
                     first.stdout), first.stdout
    assert "only this computer can reach" in first.stderr  # built for localhost
    assert_published(dest, show_a)
    with rclone_serve("http", str(dest), env) as url:
        check_over_http(url, show_a)

    second = publish_cli(show_a, str(dest), env)
    assert second.returncode == 0, second.stderr
    assert "0 files uploaded (nothing changed)" in second.stdout
    assert second.stdout.count("nothing changed") == 4  # phases 1-3, and the summary


@pytest.mark.slow
def test_new_version_replaces_old_after_feed(show_a: Path, show_b: Path, tmp_path: Path):
    env = rclone_env(tmp_path)
    dest = tmp_path / "site"
    (dest / "episodes").mkdir(parents=True)
    (dest / "robots.txt").write_text("User-agent: *\n")  # someone else's: never deleted
    (dest / "episodes" / "notes.txt").write_text("mine")
    assert publish_cli(show_a, str(dest), env).returncode == 0
    dry = publish_cli(show_b, str(dest), env, "--dry-run")
    old_mp3 = next(p.name for p in (dest / "episodes").glob("second.*.mp3"))
    assert f"would delete  episodes/{old_mp3} (no feed names it)" in dry.stdout
    assert "would replace feed.xml" in dry.stdout
    assert "Dry run: 6 files" in dry.stdout, dry.stdout  # 4 new episode files, page, feed
    assert "would be uploaded and 4 deleted" in dry.stdout
    result = publish_cli(show_b, str(dest), env)
    assert result.returncode == 0, result.stderr
    assert "1/4 episodes and sidecars: uploading 4 files" in result.stdout  # second's new version
    assert "4/4 old files: 4 to delete" in result.stdout
    # a local rename replaces the old feed in one step
    assert pub.load_record(show_b / ".cache" / "publish.json", str(dest)).overwrite_move is True
    assert (dest / "robots.txt").exists() and (dest / "episodes" / "notes.txt").exists()
    (dest / "robots.txt").unlink()
    (dest / "episodes" / "notes.txt").unlink()
    assert_published(dest, show_b)


@pytest.mark.slow
def test_dry_run_lists_and_changes_nothing(show_a: Path, tmp_path: Path):
    env = rclone_env(tmp_path)
    dest = tmp_path / "site"
    result = publish_cli(show_a, str(dest), env, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "would upload  feed.xml" in result.stdout
    assert "would upload  episodes/first." in result.stdout
    assert "Dry run: 11 files" in result.stdout
    assert not dest.exists()
    assert not (show_a / ".cache" / "publish.json").exists()


@pytest.mark.slow
def test_grace_period_keeps_unnamed_files_then_removes_them(show_a: Path, show_b: Path,
                                                             tmp_path: Path):
    dest = tmp_path / "site"
    week = dt.timedelta(days=7)
    start = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    lines: list[str] = []

    def run(out: Path, now: dt.datetime) -> pub.PublishSummary:
        options = pub.PublishOptions(dest=str(dest), out_dir=out, keep_previous=week)
        return pub.publish(options, lines.append, lines.append, now=now)

    run(show_a, start)
    old = {p.name for p in (dest / "episodes").iterdir() if p.name.startswith("second.")}
    # show_b's record knows nothing of show_a's uploads: versioned names are still ours
    summary = run(show_b, start + dt.timedelta(hours=1))
    assert (summary.deleted, summary.kept) == (0, 4)
    assert old <= {p.name for p in (dest / "episodes").iterdir()}
    summary = run(show_b, start + dt.timedelta(days=8))  # 7 days after it was first unnamed
    assert summary.deleted == 4 and summary.uploaded == 0
    assert not old & {p.name for p in (dest / "episodes").iterdir()}
    assert_published(dest, show_b)


@pytest.mark.slow
def test_damaged_record_is_read_as_missing(show_a: Path, tmp_path: Path):
    env = rclone_env(tmp_path)
    dest = tmp_path / "site"
    assert publish_cli(show_a, str(dest), env).returncode == 0
    record = show_a / ".cache" / "publish.json"
    for damage in (b"\x00garbage{", b'{"destinations": [1, 2]}', b"[" * 100_000,
                   json.dumps({"destinations": {str(dest): {"uploaded": {"feed.xml": 3}}}})
                   .encode()):
        record.write_bytes(damage)
        assert pub.load_record(record, str(dest)) == pub.Record()
        result = publish_cli(show_a, str(dest), env)
        assert result.returncode == 0, result.stderr
        # the local backend lists hashes: the feed, page and cover compare without the record
        assert "0 files uploaded (nothing changed)" in result.stdout
        assert_published(dest, show_a)
        assert pub.load_record(record, str(dest)).uploaded == {}  # rewritten, readable


@pytest.mark.slow
def test_errors_are_one_line_and_exit_1(show_a: Path, tmp_path: Path):
    env = rclone_env(tmp_path)
    bad = publish_cli(show_a, "nosuchremote:show", env)
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines()[-1] == (
        "error: rclone could not reach nosuchremote:show: didn't find section in config file "
        "(no such rclone remote: set it up with `rclone config` or RCLONE_CONFIG_<NAME>_TYPE=… "
        "variables, see README)")
    assert len([line for line in bad.stderr.splitlines() if not line.startswith("warning:")]) == 1

    empty = tmp_path / "empty"
    empty.mkdir()
    missing = publish_cli(empty, str(tmp_path / "site"), env)
    assert missing.returncode == 1
    assert missing.stderr.strip() == (f"error: {empty}/feed.xml: not found: build the show first "
                                      f"(rtr-audio build --out {empty})")

    nowhere = tmp_path / "never-built"
    assert publish_cli(nowhere, str(tmp_path / "site"), env).returncode == 1
    assert not nowhere.exists()  # nothing made where nothing was built

    no_dest = run_cli("publish", "--out", str(show_a), "--scripts", str(empty),
                      env={**env, "PYTHONPATH": str(REPO)})
    assert no_dest.returncode == 1 and "no destination: give DEST" in no_dest.stderr


@pytest.mark.slow
def test_warns_when_feed_urls_are_not_under_its_base_url(show_a: Path):
    feed = show_a / "feed.xml"
    text = feed.read_text()
    first = re.search(r'enclosure url="http://localhost:8000/(episodes/[^"]+)"', text)[1]
    feed.write_text(text.replace(f'enclosure url="http://localhost:8000/{first}"',
                                 f'enclosure url="https://cdn.example.org/{first}"'))
    show = pub.read_built_show(show_a, expected_base_url="https://podcast.example.org/")
    assert any("1 URLs don't point under the base_url it was built for "
               "(http://localhost:8000/), e.g. https://cdn.example.org/" in w
               for w in show.warnings)
    assert any("built for http://localhost:8000/ but show.yml's base_url is "
               "https://podcast.example.org/: run rtr-audio build first" in w
               for w in show.warnings)
    assert any("only this computer can reach" in w for w in show.warnings)


@pytest.mark.slow
def test_feed_naming_a_missing_file_is_refused(show_a: Path, tmp_path: Path):
    victim = next((show_a / "episodes").glob("second.*.vtt"))
    victim.unlink()
    result = publish_cli(show_a, str(tmp_path / "site"), rclone_env(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {show_a}/feed.xml: names episodes/{victim.name}, which is not in {show_a} "
        "(1 missing): run rtr-audio build again")
    assert not (tmp_path / "site").exists()


@pytest.mark.slow
def test_destination_and_grace_period_from_show_yml(show_a: Path, show_b: Path,
                                                    tmp_path: Path):
    """`publish_to` names DEST; without `keep_previous` the 7-day default keeps the old
    version (the local backend as an env remote, so publish_to is a remote:path)."""
    site = tmp_path / "site"
    env = rclone_env(tmp_path, pubdir={"type": "local"})
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "show.yml").write_text((FIXTURES / "mini" / "show.yml").read_text()
                                      + f"publish_to: pubdir:{site}\n")
    for out in (show_a, show_b):
        result = run_cli("publish", "--out", str(out), "--scripts", str(scripts),
                         env={**env, "PYTHONPATH": str(REPO)})
        assert result.returncode == 0, result.stderr
        assert f"pubdir:{site}" in result.stdout
    assert "4/4 old files: 0 to delete, 4 kept for their grace period" in result.stdout
    assert len(list((site / "episodes").glob("second.*.mp3"))) == 2  # old and new


def test_show_yml_base_url_checked_only_when_it_is_a_real_address(tmp_path: Path):
    text = (FIXTURES / "mini" / "show.yml").read_text()
    (tmp_path / "show.yml").write_text(text)  # base_url: http://localhost:8000/ (the default)
    options = pub.publish_options("remote:show", tmp_path / "out", tmp_path, dry_run=False)
    assert options.expected_base_url is None  # built with --base-url: nothing to compare
    assert options.keep_previous == dt.timedelta(days=7)
    (tmp_path / "show.yml").write_text(text.replace("http://localhost:8000/",
                                                    "https://podcast.example.org/"))
    options = pub.publish_options("remote:show", tmp_path / "out", tmp_path, dry_run=False)
    assert options.expected_base_url == "https://podcast.example.org/"


def test_help_has_examples():
    result = run_cli("publish", "--help")
    assert result.returncode == 0
    assert "Example:" in result.stdout and "--dry-run" in result.stdout


def test_headers_per_file():
    assert pub.headers_for("episodes/a.0123abcd.mp3") == pub.Headers("audio/mpeg", pub.IMMUTABLE)
    assert pub.headers_for("episodes/a.0123abcd.chapters.json").content_type == \
        "application/json+chapters"
    assert pub.headers_for("episodes/a.0123abcd.srt").content_type == "application/x-subrip"
    assert pub.headers_for("episodes/a.0123abcd.vtt").content_type == "text/vtt"
    assert pub.headers_for("feed.xml") == pub.Headers("application/rss+xml", pub.SHORT)
    assert pub.headers_for("cover.jpg") == pub.Headers("image/jpeg", pub.SHORT)
    assert pub.headers_for("index.html").content_type.startswith("text/html")


def test_connection_string_secrets_are_hidden():
    assert pub.display_dest(":webdav,url='https://h/dav',user=me,pass=XYZ:show") == \
        ":webdav,url='https://h/dav',user=me,pass=***:show"


# ---- WebDAV with a user and password ---------------------------------------------------------

def _dump_requests(log: str) -> list[tuple[str, dict[str, str]]]:
    """(request line, headers) of every HTTP request in an rclone ``--dump headers`` log."""
    requests = []
    for block in log.split("HTTP REQUEST")[1:]:
        block = block.split("HTTP RESPONSE")[0]  # the request's own headers only
        lines = [re.sub(r"^\S+ \S+ DEBUG : ", "", line) for line in block.splitlines()[1:]]
        head = {k.strip().lower(): v.strip() for k, _, v in
                (line.partition(":") for line in lines[1:] if ": " in line and "---" not in line)}
        requests.append((lines[0], head))
    return requests


@pytest.mark.slow
def test_webdav_with_password(show_a: Path, show_b: Path, tmp_path: Path):
    root = tmp_path / "dav-root"
    root.mkdir()
    serve_env = rclone_env(tmp_path)
    with rclone_serve("webdav", str(root), serve_env, "--user", "publisher",
                      "--pass", SECRET) as url:
        remote = {"type": "webdav", "url": url, "vendor": "other", "user": "publisher",
                  "pass": obscure(SECRET)}
        env = rclone_env(tmp_path, pubdav=remote)
        log = tmp_path / "rclone-dump.log"
        dumped = {**env, "RCLONE_DUMP": "headers", "RCLONE_LOG_FILE": str(log)}
        first = publish_cli(show_a, "pubdav:show", dumped, "--verbose")
        assert first.returncode == 0, first.stderr
        assert_published(root / "show", show_a)
        with rclone_serve("http", "pubdav:show", env) as http_url:
            check_over_http(http_url, show_a)
        puts = {line.split()[1]: head for line, head in _dump_requests(log.read_text())
                if line.startswith("PUT ")}
        assert puts, "no uploads in the dump"
        for path, head in puts.items():
            name = path.removeprefix("/show/")
            final = re.sub(r"^(.*?)\.(.+)\.rtr-publish\.tmp$", r"\1\2", name)
            want = pub.headers_for(final)
            assert (head["content-type"], head["cache-control"]) == \
                (want.content_type, want.cache_control), path
        assert {h["content-type"] for h in puts.values()} >= {
            "audio/mpeg", "application/rss+xml", "text/vtt", "application/x-subrip",
            "application/json+chapters", "image/jpeg", "text/html; charset=utf-8"}

        second = publish_cli(show_a, "pubdav:show", env)
        assert "0 files uploaded (nothing changed)" in second.stdout, second.stdout
        # WebDAV lists no hashes: without a readable record the feed, page and cover go again
        (show_a / ".cache" / "publish.json").write_text("{not json")
        again = publish_cli(show_a, "pubdav:show", env)
        assert "3 files uploaded" in again.stdout, again.stdout
        # WebDAV MOVE does not overwrite here (412): rclone deletes the old feed just before
        assert pub.load_record(show_a / ".cache" / "publish.json",
                               "pubdav:show").overwrite_move is False
        assert "0 files uploaded" in publish_cli(show_a, "pubdav:show", env).stdout
        third = publish_cli(show_b, "pubdav:show", env)
        assert third.returncode == 0, third.stderr
        assert_published(root / "show", show_b)
        with rclone_serve("http", "pubdav:show", env) as http_url:
            check_over_http(http_url, show_b)

        # A wrong password: one line, exit 1, and no password (plain or obscured) printed.
        wrong = rclone_env(tmp_path, pubdav={**remote, "pass": obscure("wrong " + SECRET)})
        failed = publish_cli(show_a, "pubdav:show", wrong, "--verbose")
        assert failed.returncode == 1
        assert failed.stderr.strip().splitlines()[-1].endswith(
            "rclone could not reach pubdav:show: read metadata failed: Unauthorized: "
            "401 Unauthorized")
        for output in (first, second, third, failed):
            for secret in (SECRET, remote["pass"], obscure("wrong " + SECRET)):
                assert secret not in output.stdout + output.stderr
        assert SECRET not in log.read_text()


# ---- SFTP on OpenSSH's sshd ------------------------------------------------------------------

@pytest.mark.slow
def test_sftp_on_openssh(show_a: Path, show_b: Path, tmp_path: Path):
    with sshd(tmp_path) as options:
        env = rclone_env(tmp_path, pubssh=options)
        root = tmp_path / "www"
        root.mkdir()
        dest = f"pubssh:{root}/podcast"
        first = publish_cli(show_a, dest, env)
        assert first.returncode == 0, first.stderr
        assert "server-side move" in first.stdout
        assert_published(root / "podcast", show_a)
        with rclone_serve("http", dest, env) as http_url:
            check_over_http(http_url, show_a)
        assert "0 files uploaded (nothing changed)" in publish_cli(show_a, dest, env).stdout
        assert publish_cli(show_b, dest, env).returncode == 0
        # rclone 1.60's SFTP rename does not replace a file (SSH_FX_FAILURE): rclone deletes
        # the old feed a moment before the move instead
        assert pub.load_record(show_b / ".cache" / "publish.json", dest).overwrite_move is False
        assert_published(root / "podcast", show_b)
        with rclone_serve("http", dest, env) as http_url:
            check_over_http(http_url, show_b)


# ---- S3-compatible storage (moto's S3 server) ------------------------------------------------

@pytest.mark.slow
def test_s3_compatible_with_headers(show_a: Path, show_b: Path, tmp_path: Path):
    with s3_server(tmp_path) as options:
        env = rclone_env(tmp_path, pubs3=options)
        made = subprocess.run(["rclone", "mkdir", "pubs3:podcast"], env=env, timeout=60,
                              capture_output=True, text=True)
        assert made.returncode == 0, made.stderr
        first = publish_cli(show_a, "pubs3:podcast/show", env)
        assert first.returncode == 0, first.stderr
        assert "3/4 feed: uploading 1 file" in first.stdout  # an S3 PUT replaces it whole
        with rclone_serve("http", "pubs3:podcast/show", env) as http_url:
            check_over_http(http_url, show_a)
        s3 = boto3.client("s3", endpoint_url=options["endpoint"], region_name="us-east-1",
                          aws_access_key_id=options["access_key_id"],
                          aws_secret_access_key=options["secret_access_key"])
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="podcast")["Contents"]]
        assert sorted(k.removeprefix("show/") for k in keys) == sorted(expected_files(show_a))
        for key in keys:
            head = s3.head_object(Bucket="podcast", Key=key)
            want = pub.headers_for(key.removeprefix("show/"))
            assert (head["ContentType"], head["CacheControl"]) == \
                (want.content_type, want.cache_control), key
        assert "0 files uploaded (nothing changed)" in \
            publish_cli(show_a, "pubs3:podcast/show", env).stdout
        assert publish_cli(show_b, "pubs3:podcast/show", env).returncode == 0
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="podcast")["Contents"]]
        assert sorted(k.removeprefix("show/") for k in keys) == sorted(expected_files(show_b))
        with rclone_serve("http", "pubs3:podcast/show", env) as http_url:
            check_over_http(http_url, show_b)


# ---- killed at random points -----------------------------------------------------------------

def _start(out: Path, dest: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as handle:  # unbuffered: the last phase line survives the kill
        return subprocess.Popen(
            [sys.executable, "-m", "rtr_audio", "publish", dest, "--out", str(out),
             "--scripts", str(SCRIPTS["keep0"])], cwd=REPO,
            env={**env, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"},
            stdout=handle, stderr=subprocess.DEVNULL, start_new_session=True)


def _assert_feed_consistent(root: Path, builds: list[Path]) -> None:
    """The remote feed (if any) names only files that are on the remote, complete."""
    feed = root / "feed.xml"
    if not feed.exists():
        return
    data = feed.read_bytes()
    assert any(data == (out / "feed.xml").read_bytes() for out in builds), "partial feed"
    for url in feed_urls(data):
        name = url[len(BASE):]
        assert (root / name).is_file(), f"the feed names {name}, which is not there"
        content = (root / name).read_bytes()
        assert any((out / name).is_file() and content == (out / name).read_bytes()
                   for out in builds), f"{name} is incomplete"


def kill_trials(dest: str, root: Path, env: dict[str, str], builds: list[Path], logs: Path,
                trials: int, seed: int) -> dict[str, int]:
    """SIGKILL to the publish and its rclone (the whole process group) at seeded random points
    of publishes that each put a new version in place; after each kill the remote (``root``
    on disk) is checked, and the next publish must complete. Returns where the kills landed."""
    assert publish_cli(builds[1], dest, env).returncode == 0
    rng = random.Random(seed)
    landed: dict[str, int] = {}
    kills = 0
    for trial in range(3 * trials):  # until `trials` kills landed mid-publish
        if kills == trials:
            break
        out = builds[trial % 2]
        log = logs / f"trial-{trial}.log"
        # Aim at a phase (0: before the first), then wait a random moment into it.
        target, delay = rng.randrange(5), rng.uniform(0.0, 0.25)
        proc = _start(out, dest, env, log)
        deadline = time.monotonic() + 60
        while target and proc.poll() is None and time.monotonic() < deadline \
                and f"{target}/4 " not in log.read_text():
            time.sleep(0.005)
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the publish and its rclone, mid-step
            proc.wait(timeout=30)
            phases = re.findall(r"^(\d)/4 ", log.read_text(), re.MULTILINE)
            where = f"phase {phases[-1]}" if phases else "before phase 1"
            kills += 1
        else:
            where = "after the end"
        landed[where] = landed.get(where, 0) + 1
        _assert_feed_consistent(root, builds)
        result = publish_cli(out, dest, env)
        assert result.returncode == 0, (trial, result.stderr)
        assert_published(root, out)
        assert "0 files uploaded" in publish_cli(out, dest, env).stdout
    print(f"kill trials on {dest}: {kills}; the kill landed: {sorted(landed.items())}")
    assert kills == trials, landed
    assert len(landed.keys() - {"after the end"}) >= 3, landed  # spread over the phases
    return landed


@pytest.mark.slow
def test_killed_publish_local(show_a: Path, show_b: Path, tmp_path: Path):
    dest = tmp_path / "site"
    kill_trials(str(dest), dest, rclone_env(tmp_path), [show_a, show_b], tmp_path,
                KILL_TRIALS, seed=16)


@pytest.mark.slow
def test_killed_publish_webdav(show_a: Path, show_b: Path, tmp_path: Path):
    """WebDAV: no hashes (the record and modification times decide) and a feed replaced by
    delete-then-move."""
    root = tmp_path / "dav-root"
    root.mkdir()
    with rclone_serve("webdav", str(root), rclone_env(tmp_path), "--user", "publisher",
                      "--pass", SECRET) as url:
        env = rclone_env(tmp_path, pubdav={"type": "webdav", "url": url, "vendor": "other",
                                           "user": "publisher", "pass": obscure(SECRET)})
        kill_trials("pubdav:show", root / "show", env, [show_a, show_b], tmp_path,
                    KILL_TRIALS_WEBDAV, seed=1616)
