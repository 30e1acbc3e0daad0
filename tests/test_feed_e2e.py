"""Feed identity across real rebuilds: GUIDs never change; enclosure URLs change with the audio."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import copy_show, run_cli

pytestmark = pytest.mark.slow
NS = {"podcast": "https://podcastindex.org/namespace/1.0",
      "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}


def items(out: Path) -> dict[str, tuple[str, str]]:
    """title → (guid, enclosure url)."""
    root = etree.parse(str(out / "feed.xml")).getroot()
    return {item.findtext("title"): (item.findtext("guid"), item.find("enclosure").get("url"))
            for item in root.iter("item")}


def build(scripts: Path, out: Path, *extra: str) -> None:
    result = run_cli("build", "--scripts", str(scripts), "--out", str(out), *extra)
    assert result.returncode == 0, result.stderr


def test_guids_stable_and_urls_follow_audio(tmp_path):
    scripts = copy_show("mini", tmp_path / "scripts")
    out = tmp_path / "out"
    build(scripts, out)
    before = items(out)

    build(scripts, out, "--base-url", "https://podcasts.example.org/rtr/")
    moved = items(out)
    for title, (guid, url) in before.items():
        assert moved[title][0] == guid
        assert moved[title][1] == url.replace("http://localhost:8000/",
                                              "https://podcasts.example.org/rtr/")

    build(scripts, out)
    assert items(out) == before  # a rebuild changes nothing

    script = scripts / "02-second.md"
    script.write_text(script.read_text().replace("Just one paragraph", "Only one paragraph"))
    build(scripts, out)
    after = items(out)
    assert after["Second"][0] == before["Second"][0]
    assert after["Second"][1] != before["Second"][1]
    first = 'First <Episode> & "Quotes"'
    assert after[first] == before[first]
    # The old audio stays for keep_previous (apps holding the old feed still fetch it); with
    # `keep_previous: 0` it is gone once the new feed names the new file.
    old_name = before["Second"][1].rsplit("/", 1)[1]
    assert (out / "episodes" / old_name).exists()
    with (scripts / "show.yml").open("a") as show:
        show.write("keep_previous: 0\n")
    build(scripts, out)
    assert not (out / "episodes" / old_name).exists()


def test_check_reports_a_broken_built_feed(built_mini, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built_mini, out)
    next((out / "episodes").glob("second.*.mp3")).unlink()
    scripts = copy_show("mini", tmp_path / "scripts")
    result = run_cli("check", "--scripts", str(scripts), "--out", str(out))
    assert result.returncode == 1
    assert "second." in result.stderr and "Traceback" not in result.stderr


def test_feed_has_podcasting20_and_itunes_essentials(built_mini):
    root = etree.parse(str(built_mini / "feed.xml")).getroot()
    channel = root.find("channel")
    assert channel.findtext("podcast:guid", namespaces=NS)
    assert channel.find("itunes:category", NS).get("text") == "Health & Fitness"
    assert channel.find("itunes:category/itunes:category", NS).get("text") == "Mental Health"
    for item in channel.iter("item"):
        kinds = {t.get("type") for t in item.findall("podcast:transcript", NS)}
        assert kinds == {"text/vtt", "application/x-subrip"}
        assert item.find("podcast:chapters", NS) is not None
        assert item.find("guid").get("isPermaLink") == "false"


def test_a_public_build_has_no_localhost_link_and_check_says_so_when_it_has(built_mini, tmp_path):
    """Issue 14: with --base-url https://… nothing points at this machine; a `website:` that
    does is named by `check --out`."""
    scripts = copy_show("mini", tmp_path / "scripts")
    out = tmp_path / "out"
    shutil.copytree(built_mini, out)
    build(scripts, out, "--base-url", "https://podcasts.example.org/rtr/")
    for name in ("feed.xml", "index.html"):
        text = (out / name).read_text(encoding="utf-8")
        assert "localhost" not in text and "127.0.0.1" not in text, name
    result = run_cli("check", "--scripts", str(scripts), "--out", str(out))
    assert result.returncode == 0, result.stderr

    show = scripts / "show.yml"
    show.write_text(show.read_text() + "website: http://localhost:8000/\n")
    build(scripts, out, "--base-url", "https://podcasts.example.org/rtr/")
    result = run_cli("check", "--scripts", str(scripts), "--out", str(out))
    assert result.returncode == 1
    assert "feed.xml: links to http://localhost:8000/" in result.stderr
    assert "index.html: links to http://localhost:8000/" in result.stderr
