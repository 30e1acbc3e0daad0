"""End to end with the real engine: scripts → MP3s and a feed, checked by independent tools."""

from __future__ import annotations

import io
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree
from mutagen.mp3 import MP3, BitrateMode

from tests.audio_probe import decode, ffprobe, loudness, silences
from tests.conftest import copy_show, run_cli

pytestmark = pytest.mark.slow
NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}


def enclosures(out: Path) -> list[tuple[Path, int, float]]:
    """(file, stated length, itunes:duration) for every item in the feed."""
    root = etree.parse(str(out / "feed.xml")).getroot()
    base = root.find("channel/{http://www.w3.org/2005/Atom}link").get("href")[: -len("feed.xml")]
    found = []
    for item in root.iter("item"):
        enclosure = item.find("enclosure")
        url = enclosure.get("url")
        assert url.startswith(base)
        duration = item.findtext("itunes:duration", namespaces=NS)
        found.append((out / url[len(base):].split("?")[0], int(enclosure.get("length")),
                      float(duration)))
    return found


def test_feed_is_accepted_by_strict_and_lenient_parsers(built_mini):
    data = (built_mini / "feed.xml").read_bytes()
    parsed = podcastparser.parse("http://localhost:8000/feed.xml", io.BytesIO(data))
    titles = [e["title"] for e in parsed["episodes"]]
    assert titles == ["Second", 'First <Episode> & "Quotes"']
    assert all(e["enclosures"][0]["mime_type"] == "audio/mpeg" for e in parsed["episodes"])
    lenient = feedparser.parse(data)
    assert lenient.bozo == 0
    assert {e.guidislink for e in lenient.entries} == {False}


def test_every_episode_is_cbr_mono_44k_mp3_with_xing_header(built_mini):
    for path, length, duration in enclosures(built_mini):
        assert path.stat().st_size == length
        info = ffprobe(path)
        audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
        assert audio["codec_name"] == "mp3"
        assert audio["channels"] == 1
        assert audio["sample_rate"] == "44100"
        assert abs(float(info["format"]["duration"]) - duration) <= 1.0
        mp3 = MP3(path)
        assert mp3.info.bitrate_mode == BitrateMode.CBR
        assert mp3.info.sketchy is False
        first_frame = path.read_bytes()[mp3.tags.size: mp3.tags.size + 1024]
        assert b"Info" in first_frame and b"LAME" in first_frame  # CBR Xing/LAME header
        assert mp3.tags["TIT2"].text[0]


def test_explicit_pause_is_exact_silence_at_its_place(built_mini):
    first = next(p for p, _l, _d in enclosures(built_mini) if p.name.startswith("first."))
    gaps = silences(decode(first))
    # lead-in, after "Arriving", after "Hello there.", then the script's [pause 5s]
    assert abs(gaps[3][1] - 5.0) <= 0.02, gaps
    assert abs(gaps[4][1] - 1.5) <= 0.02, gaps  # inline [pause 1.5s]


def test_loudness_target_and_true_peak(built_mini):
    for path, _length, _duration in enclosures(built_mini):
        integrated, peak = loudness(path)
        assert abs(integrated - (-16.0)) <= 1.0, (path, integrated)
        assert peak <= -1.0, (path, peak)


def test_script_in_spec_format_by_someone_else_builds(tmp_path):
    scripts = copy_show("spec_example", tmp_path / "scripts")
    out = tmp_path / "out"
    result = run_cli("build", "--scripts", str(scripts), "--out", str(out))
    assert result.returncode == 0, result.stderr
    (mp3, _length, _duration), = enclosures(out)
    gaps = silences(decode(mp3))
    assert any(abs(length - 5.0) <= 0.02 for _start, length in gaps), gaps
    assert any(abs(length - 4.0) <= 0.02 for _start, length in gaps), gaps
    # [pause 6s] then [bell]: the bell follows exactly six seconds of silence.
    assert any(abs(length - 6.0) <= 0.02 for _start, length in gaps), gaps


def test_build_output_is_quiet_and_summarised(tmp_path):
    scripts = copy_show("mini", tmp_path / "scripts")
    result = run_cli("build", "--scripts", str(scripts), "--out", str(tmp_path / "out"))
    assert result.returncode == 0
    assert "Audio saved to" not in result.stdout + result.stderr  # pyttsx3's own print
    assert "Built 2 episodes" in result.stdout
    assert "rendered" in result.stdout and "reused" in result.stdout
