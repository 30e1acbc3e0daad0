"""What podcast apps and directories need from publishing (issue 14, points 1, 2, 3 and 6):
scheduled release, distinct pubDates in episode order, guid and notes refused before
publishing, and no 404 for the previous version of an edited episode.

Real builds of the mini show with the default engine (its clips come from the session's
build, so most builds here only encode), with the clock moved by RTR_AUDIO_NOW; feeds are read
with podcastparser and feedparser, files are fetched through the serve package over HTTP.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import feedparser
import podcastparser
import pytest
from mutagen.id3 import ID3

from tests.conftest import run_cli
from tests.test_serve import serving

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture
def show(built_mini: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the built mini show (scripts and output, its clips included)."""
    scripts, out = tmp_path / "scripts", tmp_path / "audio_out"
    shutil.copytree(built_mini.parent / "scripts", scripts)
    shutil.copytree(built_mini, out)
    return scripts, out


def cli(*args: str, at: dt.datetime = NOW) -> subprocess.CompletedProcess:
    return run_cli(*args, env={**os.environ, "RTR_AUDIO_NOW": at.isoformat()})


def build(scripts: Path, out: Path, *args: str, at: dt.datetime = NOW) -> str:
    result = cli("build", "--scripts", str(scripts), "--out", str(out), *args, at=at)
    assert result.returncode == 0, result.stderr
    return result.stdout


def set_front_matter(script: Path, key: str, value: str | None) -> None:
    """``key: value`` in the script's front matter (replaced, added, or removed if None)."""
    text = re.sub(rf"(?m)^{key}:.*\n", "", script.read_text())
    if value is not None:
        text = text.replace("---\n", f"---\n{key}: {value}\n", 1)
    script.write_text(text)


def feed_entries(out: Path) -> list[dict]:
    """podcastparser's episodes (newest first), checked against feedparser's."""
    with (out / "feed.xml").open("rb") as stream:
        episodes = podcastparser.parse("http://localhost:8000/feed.xml", stream)["episodes"]
    parsed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    assert [e["title"] for e in episodes] == [e.title for e in parsed.entries]
    assert [e["published"] for e in episodes] == [
        dt.datetime(*e.published_parsed[:6], tzinfo=dt.UTC).timestamp() for e in parsed.entries]
    return episodes


# --- point 1: scheduled release -------------------------------------------------------------

@pytest.mark.slow  # builds the mini show
def test_an_episode_due_tomorrow_is_left_out_until_the_clock_passes_its_date(show):
    scripts, out = show
    tomorrow = (NOW + dt.timedelta(days=1)).date()
    third = scripts / "03-third.md"
    third.write_text((scripts / "02-second.md").read_text().replace("Another short one", "Soon"))
    set_front_matter(third, "title", "Third")
    set_front_matter(third, "episode", "3")
    set_front_matter(third, "date", tomorrow.isoformat())
    line = f'Scheduled: {third} "Third" goes out {tomorrow} 09:00 UTC'

    printed = build(scripts, out)
    assert printed.startswith("Built 2 episodes") and line in printed.splitlines()
    assert [e["number"] for e in feed_entries(out)] == [2, 1]
    page = (out / "index.html").read_text()
    assert "Third" not in page and "Soon" not in page
    assert not list((out / "episodes").glob("third.*"))  # nothing of it is published yet
    checked = cli("check", "--scripts", str(scripts), "--out", str(out))
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.splitlines() == [
        line, "OK: show.yml and 3 scripts are valid (1 scheduled)"]
    again = build(scripts, out).splitlines()  # nothing changed: the stamp says so
    assert again[0].startswith("Up to date: 2 episodes") and again[1] == line

    due = dt.datetime.combine(tomorrow, dt.time(9, 0, 1), tzinfo=dt.UTC)
    printed = build(scripts, out, at=due)  # no edit: the stamp expired at 09:00
    assert printed.startswith("Built 3 episodes") and "Scheduled" not in printed
    episodes = feed_entries(out)
    assert [e["number"] for e in episodes] == [3, 2, 1]
    assert episodes[0]["published"] == due.timestamp() - 1
    assert "Soon" in (out / "index.html").read_text()


@pytest.mark.slow  # builds the mini show
def test_a_date_time_with_a_zone_is_that_instant_and_one_without_is_refused(show):
    scripts, out = show
    set_front_matter(scripts / "02-second.md", "date", "2026-12-04T07:30:00+01:00")
    due = dt.datetime(2026, 12, 4, 6, 30, tzinfo=dt.UTC)
    assert "goes out 2026-12-04 06:30 UTC" in build(scripts, out, at=due - dt.timedelta(hours=1))
    build(scripts, out, at=due)
    assert feed_entries(out)[0]["published"] == due.timestamp()

    set_front_matter(scripts / "02-second.md", "date", "2026-12-04 07:30:00")
    result = cli("check", "--scripts", str(scripts), "--out", str(out))
    assert result.returncode == 1
    assert result.stderr.startswith(f"{scripts / '02-second.md'}:2: `date` ")
    assert "no zone" in result.stderr


# --- point 2: order -------------------------------------------------------------------------

@pytest.mark.slow  # builds the mini show
def test_episodes_sharing_a_date_or_without_one_get_distinct_times_in_episode_order(show):
    scripts, out = show
    for script in scripts.glob("*.md"):
        set_front_matter(script, "date", "2026-11-21")
    build(scripts, out)
    episodes = feed_entries(out)
    assert [e["number"] for e in episodes] == [2, 1]  # newest first: episode 2 after 1
    start = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC).timestamp()
    assert [e["published"] for e in episodes] == [start + 60, start]

    for script in scripts.glob("*.md"):  # no date: both first seen by one build
        set_front_matter(script, "date", None)
    build(scripts, out)
    first = feed_entries(out)
    assert [e["number"] for e in first] == [2, 1]
    assert first[0]["published"] > first[1]["published"]
    build(scripts, out, "--force", at=NOW + dt.timedelta(days=3))
    assert feed_entries(out) == first  # the same dates, build after build
    # Without a `date:`, the MP3's ID3 date is still its publication date (read by mutagen).
    for entry in first:
        mp3 = out / "episodes" / entry["enclosures"][0]["url"].rsplit("/", 1)[-1]
        day = dt.datetime.fromtimestamp(entry["published"], dt.UTC).date().isoformat()
        assert str(ID3(mp3)["TDRC"].text[0]) == day


# --- point 3: refused before publishing -------------------------------------------------------

def long_notes(scripts: Path) -> tuple[Path, int]:
    script = scripts / "02-second.md"
    set_front_matter(script, "description", "'" + "Breathe. " * 450 + "'")  # 4,050 bytes
    return script, 2


def duplicate_guid(scripts: Path) -> tuple[Path, int]:
    set_front_matter(scripts / "01-first.md", "guid", "rtr-episode-one")
    set_front_matter(scripts / "02-second.md", "guid", "rtr-episode-one")
    return scripts / "02-second.md", 2


@pytest.mark.parametrize(("damage", "message"), [
    (long_notes, "show notes are 4,049 bytes; Apple's limit is 4,000"),
    (duplicate_guid, "guid `rtr-episode-one` is also the guid of "),
], ids=["notes over 4,000 bytes", "duplicate guid"])
@pytest.mark.slow  # builds the mini show
def test_bad_inputs_are_refused_by_check_and_build_with_one_line(show, damage, message):
    scripts, out = show
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    path, line = damage(scripts)
    for command in ("check", "build"):
        result = cli(command, "--scripts", str(scripts), "--out", str(out))
        assert result.returncode == 1, result.stdout
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert result.stderr.startswith(f"{path}:{line}: {message}"), result.stderr
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    assert after == before


# --- point 6: no 404 after an edit ------------------------------------------------------------

def status(port: int, name: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/{name}", timeout=10) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.slow  # builds the mini show
def test_the_previous_mp3_answers_200_through_serve_until_the_grace_is_over(show):
    scripts, out = show
    old = re.findall(r'url="[^"]*/(episodes/first[^"]+[.]mp3)"', (out / "feed.xml").read_text())
    script = scripts / "01-first.md"
    script.write_text(script.read_text().replace("Breathe in gently.", "Breathe in slowly."))
    edited = NOW + dt.timedelta(hours=1)
    build(scripts, out, at=edited)
    new = re.findall(r'url="[^"]*/(episodes/first[^"]+[.]mp3)"', (out / "feed.xml").read_text())
    assert len(old) == len(new) == 1 and old != new
    state = json.loads((out / ".cache" / "state.json").read_text())
    assert state["files"][old[0]]["dropped"] == edited.isoformat()  # when it stopped being named
    assert state["files"][new[0]] == {"published": edited.isoformat(), "dropped": None}

    build(scripts, out, "--force", at=edited + dt.timedelta(days=6))  # --force keeps it too
    with serving(out) as (port, _log):
        assert status(port, old[0]) == 200 and status(port, new[0]) == 200
        printed = build(scripts, out, at=edited + dt.timedelta(days=7, seconds=1))
        assert printed.startswith("Built ")  # the stamp expired with the grace period
        assert status(port, old[0]) == 404 and status(port, new[0]) == 200
    assert not list((out / "episodes").glob(Path(old[0]).name.removesuffix(".mp3") + ".*"))
    assert old[0] not in json.loads((out / ".cache" / "state.json").read_text())["files"]


@pytest.mark.slow  # builds the mini show
def test_a_damaged_state_keeps_files_longer_never_shorter_and_spares_what_is_not_ours(show):
    scripts, out = show
    orphan = out / "episodes" / "first.0123abcd.mp3"  # ours by its name, but in no record
    orphan.write_bytes(b"ID3 an earlier version")
    mine = out / "episodes" / "notes.txt"  # not a name we give: never removed
    mine.write_text("the writer's own file")
    (out / ".cache" / "state.json").write_text('{"format": 1, "files": {"../../x": 5}')
    build(scripts, out)
    assert orphan.is_file() and mine.is_file()  # counts as dropped now: a whole grace period
    build(scripts, out, at=NOW + dt.timedelta(days=7, seconds=1))
    # Named like ours, but no feed of ours named it (in the state or the published record):
    # never removed, as a build deletes only files it published itself (issue 13, kind 4).
    assert orphan.is_file() and mine.is_file()
    assert len(feed_entries(out)) == 2


def test_publication_times_spread_ties_in_episode_then_file_order():
    from rtr_audio.release import Release
    from rtr_audio.script import Script

    day = dt.date(2026, 12, 4)

    def script(slug: str, **meta: object) -> Script:
        return Script(path=Path(f"{slug}.md"), slug=slug, title=slug, description="",
                      blocks=(), **meta)  # type: ignore[arg-type]

    nine = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
    scripts = [script("a", episode=2, date=day), script("b", episode=1, date=day),
               script("c", date=day), script("d", date=day, date_time=nine),
               script("e"), script("f"), script("g"), script("h", date=day + dt.timedelta(1))]
    now = nine + dt.timedelta(hours=1)
    release = Release.of(scripts, {"g": nine - dt.timedelta(days=1)}, now)
    minute = dt.timedelta(minutes=1)
    assert release.times == {
        "b": nine, "a": nine + minute, "c": nine + 2 * minute, "d": nine + 3 * minute,
        "e": now - dt.timedelta(seconds=1), "f": now,  # new, undated: in file order, not ahead
        "g": nine - dt.timedelta(days=1),  # recorded at its first build
        "h": nine + dt.timedelta(days=1)}
    assert [s.slug for s in release.scheduled(scripts)] == ["h"]
    assert release.next_due(scripts) == nine + dt.timedelta(days=1)
