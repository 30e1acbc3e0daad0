"""Hostile and careless input to the session's new commands (`publish`, `spoken --file`, the
release clock, show-notes links). Each case was tried by hand first; the ones here are those
that failed (and were fixed) plus the cheapest guards of those that held.

Kinds (one line each; counts of cases tried / held / fixed are in the commit log and report):

- **publish DEST**: a DEST rclone would read as its own option (`-vv`, `--config=/x`, given
  after `--`; show.yml's `publish_to:` schema already refused them), control characters
  (newline, tab), and a local folder that is, holds or sits inside the output folder are
  refused with one line before rclone runs.
- **publish record** (`.cache/publish.json`): a link to `/dev/zero`, a FIFO or a file over the
  size limit is read as no record, at once (it used to read forever).
- **spoken --file and SCRIPT**: a device (`/dev/zero`) or a FIFO is one `path:line` line and
  exit 1, never a hang or a memory fill (a missing file or a folder: Click's usage error, exit
  2); NUL bytes and non-UTF-8 give their line.
- **loopback links** (`check --out`, publish's warning): `127.1`, `2130706433`, `0x7f.0.0.1`,
  `[::ffff:127.0.0.1]`, `[::]` and `0` are this machine too (cases in `test_feed_links.py`);
  publish and check now share one rule.
- **clock** (`RTR_AUDIO_NOW`): garbage, a date without zone, an offset past ±24 h, or a moment
  that leaves years 1-9999 once in UTC is one line, never an OverflowError.
- **notes links**: `javascript:`, `vbscript:`, `data:`, entity-encoded and mixed-case schemes,
  raw HTML and `<script>` never become markup; the plain-text form of a notes line with
  thousands of `[` is linear (the Markdown-link pattern used to backtrack quadratically).

Bad values in show.yml and front matter (`keep_previous` of 10^14 days, `date:` in year 9999 with
a negative zone) are cases of the bad-input corpus (`tests/bad_inputs/`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import REPO, run_cli

from rtr_audio import clock, notes
from rtr_audio import publish as pub
from rtr_audio.errors import RtrError

ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def one_error_line(result, *parts: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for part in parts:
        assert part in lines[0], lines[0]


@pytest.mark.parametrize("dest", ["-vv", "--config=/etc/passwd", "--dry-run", "a\nb", "a\tb",
                                  "x\x1b[2J"])
def test_dest_that_rclone_would_misread_is_refused_before_rclone(dest: str, tmp_path: Path):
    result = run_cli("publish", "--out", str(tmp_path / "none"), "--", dest, env=ENV)
    one_error_line(result, "DEST")
    assert not (tmp_path / "none").exists()  # nothing created, rclone never ran


def test_local_dest_overlapping_the_output_folder_is_refused(tmp_path: Path):
    out = tmp_path / "audio_out"
    for dest in (out, out / "site", tmp_path, f":local:{out}/x"):
        with pytest.raises(pub.PublishError, match="overlaps the output folder"):
            pub.check_dest(str(dest), out)
    for fine in (tmp_path / "site", "./-vv", "s3:bucket/audio_out", "my remote:show",
                 "sftp:/var/www/podcast"):
        pub.check_dest(str(fine), out)


def test_dest_from_show_yml_is_refused_by_the_schema(tmp_path: Path):
    (tmp_path / "show.yml").write_text((REPO / "tests/fixtures/mini/show.yml").read_text()
                                       + "publish_to: \"--config=/tmp/x:show\"\n")
    result = run_cli("publish", "--out", str(tmp_path / "out"), "--scripts", str(tmp_path),
                     env=ENV)
    one_error_line(result, "show.yml:10: `publish_to` must be an rclone remote")


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "too-big"])
def test_record_that_is_not_a_small_regular_file_reads_as_none(kind: str, tmp_path: Path):
    record = tmp_path / "publish.json"
    if kind == "dev-zero":
        record.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(record)
    else:
        with record.open("wb") as handle:  # sparse: no 64 MB written
            handle.truncate(pub.RECORD_LIMIT + 1)
    assert pub.load_record(record, "dest") == pub.Record()  # returns: no read of the stream


@pytest.mark.parametrize("how", ["--file", "SCRIPT"])
@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "missing"])
def test_spoken_file_that_is_not_a_text_file(kind: str, how: str, tmp_path: Path):
    path = Path("/dev/zero") if kind == "dev-zero" else tmp_path / "lines.md"
    if kind == "fifo":
        os.mkfifo(path)
    args = ["--file", str(path)] if how == "--file" else [str(path)]
    result = run_cli("spoken", *args, env=ENV, timeout=60)
    if kind == "missing":  # Click's own check of the option: exit 2, one line after usage
        assert result.returncode == 2 and "does not exist" in result.stderr
        return
    one_error_line(result, f"{path}:1: not a regular file")


@pytest.mark.parametrize("now", ["garbage", "2026-12-04", "2026-12-04T09:00+25:00",
                                 "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59",
                                 "9" * 5000])
def test_clock_garbage_is_one_error(now: str, monkeypatch):
    monkeypatch.setenv(clock.ENV, now)
    with pytest.raises(RtrError, match="is not a date-time with a zone"):
        clock.now()


def test_clock_extremes_inside_the_range_are_fine(monkeypatch):
    monkeypatch.setenv(clock.ENV, "9999-12-31T23:59:59+00:00")
    assert clock.now().year == 9999
    assert clock.parse("9999-12-31T23:59:59-05:00") is None


@pytest.mark.parametrize("text", [
    "[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](jav&#x61;script:alert(1))",
    "[x](java&#x09;script:alert(1))", "[x](vbscript:msgbox)", "[x](data:text/html;base64,PD4=)",
    "[x](<javascript:alert(1)>)", "<javascript:alert(1)>", "javascript:alert(1)",
    "[x](%6Aavascript:alert(1))", "<a href='javascript:x'>y</a>", "<script>alert(1)</script>",
    "[a](https://x.com/\"><img src=x onerror=alert(1)>)",
])
def test_notes_never_make_markup_from_hostile_links(text: str):
    html = notes.notes_html(text)
    assert "<script" not in html and "<img" not in html
    for href in html.split('href="')[1:]:
        assert href.split(":", 1)[0].lower() in notes.ALLOWED_SCHEMES, html


def test_plain_text_of_many_brackets_does_not_backtrack():
    """The old pattern took ~0.46 s at 8,000 and grew 4x per doubling; this is 200,000."""
    text = "[" * 200_000 + "](" * 200_000
    assert notes.plain_text(text) == text
    assert notes.plain_text("[[a](https://x.org)") == "[a (https://x.org)"


@pytest.mark.parametrize("dest, secret", [
    (":webdav,url=http://127.0.0.1:9/,user=u,pass=SECRETPW:show", "SECRETPW"),
    (":webdav,url='http://127.0.0.1:9/',pass='SEC,RET':show", "SEC,RET"),
    (":webdav,url=http://u:URLSECRET@127.0.0.1:9/:show", "URLSECRET"),
    (":webdav,url=http://127.0.0.1:9/,bearer_token=TOKSECRET:show", "TOKSECRET"),
])
def test_secrets_in_a_connection_string_never_printed(dest: str, secret: str, tmp_path: Path):
    """rclone echoes part of a badly quoted connection string in its error: hidden too, also
    with --verbose (whose traceback repeats the message)."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "feed.xml").write_text(  # a feed naming no files: publish goes on to rclone
        '<rss xmlns:atom="http://www.w3.org/2005/Atom"><channel><atom:link rel="self" '
        'href="https://example.org/show/feed.xml"/></channel></rss>')
    result = run_cli("publish", dest, "--out", str(out), "-v", env=ENV)
    assert result.returncode == 1, result.stderr
    assert "rclone could not reach" in result.stderr
    assert secret not in result.stdout + result.stderr and "***" in result.stderr
    assert pub.display_dest(dest).count("***") >= 1


def test_record_never_stores_a_secret(tmp_path: Path):
    record = tmp_path / "publish.json"
    dest = ":local,pass=LOCALSECRET:/srv/show"
    pub.save_record(record, dest, pub.Record(uploaded={"feed.xml": {"size": 1}}))
    assert "LOCALSECRET" not in record.read_text()
    assert pub.load_record(record, dest).uploaded["feed.xml"]["size"] == 1
