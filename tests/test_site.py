"""The show page: escaping, structure, self-containment, contrast, and a real browser."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from lxml import html as lxml_html

from rtr_audio.cover import write_cover
from rtr_audio.model import BuiltEpisode, Chapter, Cue, EpisodeFiles
from rtr_audio.script import Block, Pause, Script, Speech
from rtr_audio.settings import ShowSettings
from rtr_audio.site import INDICATOR_PAIRS, PALETTE, TEXT_PAIRS, render_page, start_here

FEED_URL = "https://podcast.example/feed.xml"
FOOTER = ("This is educational, not therapy.\n\n"
          "If you are in crisis, call your local emergency number.")
EVIL = '<script>alert("x")</script> & "quotes" \'apos\''


def make_show(**changes: object) -> ShowSettings:
    values: dict[str, object] = {
        "path": Path("show.yml"), "title": "Calm Waters", "description": "First.\n\nSecond.",
        "author": "A. Writer", "language": "en-us", "show_notes_footer": FOOTER,
    }
    values.update(changes)
    return ShowSettings(**values)  # type: ignore[arg-type]


def make_episode(slug: str, day: int, *, title: str = "", number: int | None = None,
                 chapters: tuple[Chapter, ...] = (Chapter(0.0, "Arriving"),
                                                  Chapter(3.5, "Breathing")),
                 notes: str = "", kind: str = "full",
                 blocks: tuple[Block, ...] = ()) -> BuiltEpisode:
    script = Script(path=Path(f"{slug}.md"), slug=slug, title=title or slug.title(),
                    description="About it.", blocks=blocks, episode=number, type=kind,
                    date=dt.date(2026, 11, day))
    files = EpisodeFiles(audio=f"episodes/{slug}.mp3", vtt=f"episodes/{slug}.vtt",
                         srt=f"episodes/{slug}.srt", chapters=f"episodes/{slug}.chapters.json")
    return BuiltEpisode(
        script=script, guid=f"guid-{slug}", files=files, audio_bytes=64_000, duration=8.0,
        chapters=chapters, cues=(Cue(0.5, 3.0, "Welcome."), Cue(3.6, 7.0, "Breathe in.")),
        published=dt.datetime(2026, 11, day, 8, 0, tzinfo=dt.UTC),
        notes=notes or f"About {slug}.\n\n{FOOTER}",
    )


def episodes() -> list[BuiltEpisode]:
    return [make_episode("first", 1, number=1), make_episode("second", 8, number=2)]


def parse(page: str) -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring(page)


# --- structure --------------------------------------------------------------------------------


def test_user_text_is_escaped_everywhere() -> None:
    show = make_show(title=EVIL, description=EVIL, author=EVIL, show_notes_footer=EVIL,
                     copyright=EVIL)
    ep = make_episode("evil", 3, title=EVIL, chapters=(Chapter(1.0, EVIL),), notes=EVIL)
    doc = parse(render_page(show, [ep], FEED_URL + '?a=1&b="2"'))
    scripts = doc.xpath("//script")
    assert len(scripts) == 1 and "alert" not in scripts[0].text  # only our own script
    assert doc.xpath("//title")[0].text == EVIL
    assert doc.xpath("//h1")[0].text == EVIL
    assert doc.xpath("//h3")[0].text == EVIL
    assert doc.get_element_by_id("feed-url").get("value") == FEED_URL + '?a=1&b="2"'
    assert doc.xpath("//audio")[0].get("aria-label") == f"Audio player: {EVIL}"


def test_page_has_lang_viewport_and_landmarks() -> None:
    doc = parse(render_page(make_show(language="de-de"), episodes(), FEED_URL))
    assert doc.get("lang") == "de-de"
    assert doc.xpath("//meta[@name='viewport']/@content") == [
        "width=device-width, initial-scale=1"]
    for landmark in ("header", "main", "footer"):
        assert len(doc.xpath(f"//{landmark}")) == 1
    assert doc.xpath("//img[@src='cover.jpg']/@alt") == ["Cover art for Calm Waters"]


def test_one_player_with_captions_per_episode_newest_first() -> None:
    doc = parse(render_page(make_show(), episodes(), FEED_URL))
    players = doc.xpath("//audio")
    assert [a.get("src") for a in players] == ["episodes/second.mp3", "episodes/first.mp3"]
    for audio in players:
        # The script asks for metadata as a player nears the screen (see the browser test).
        assert audio.get("preload") == "none" and audio.get("data-lazy-metadata") is not None
        assert audio.get("controls") is not None
        assert audio.get("aria-label")
        tracks = audio.xpath("track[@kind='captions']")
        assert len(tracks) == 1
        assert tracks[0].get("src") == audio.get("src").replace(".mp3", ".vtt")
        assert tracks[0].get("srclang") == "en-us" and tracks[0].get("label") == "English"


def test_a_serial_show_lists_its_episodes_oldest_first() -> None:
    eps = [*episodes(), make_episode("welcome", 1, kind="trailer")]
    doc = parse(render_page(make_show(type="serial"), eps, FEED_URL))
    assert [a.get("id") for a in doc.xpath("//article")] == ["ep-welcome", "ep-first",
                                                              "ep-second"]
    doc = parse(render_page(make_show(type="episodic"), eps, FEED_URL))
    assert [a.get("id") for a in doc.xpath("//article")] == ["ep-second", "ep-first",
                                                              "ep-welcome"]


def test_chapter_links_carry_start_and_target_their_player() -> None:
    doc = parse(render_page(make_show(), episodes(), FEED_URL))
    links = doc.xpath("//a[@data-start]")
    assert len(links) == 4
    assert [a.get("data-start") for a in links[:2]] == ["0", "3.5"]
    for link in links:
        player = doc.get_element_by_id(link.get("data-player"))
        assert player.tag == "audio"
        # Without script the link still plays from the chapter (a media fragment).
        assert link.get("href") == f"{player.get('src')}#t={link.get('data-start')}"


def test_episode_dates_durations_and_links() -> None:
    doc = parse(render_page(make_show(), episodes(), FEED_URL))
    article = doc.get_element_by_id("ep-second")
    assert article.xpath(".//time/@datetime") == ["2026-11-08", "PT0M8S"]
    assert "8 November 2026" in article.text_content()
    assert article.xpath(".//a[@download]/@href") == ["episodes/second.mp3"]
    assert "episodes/second.vtt" in article.xpath(".//a/@href")


def test_safety_note_shows_footer_once_not_in_every_episode() -> None:
    page = render_page(make_show(), episodes(), FEED_URL)
    doc = parse(page)
    care = doc.xpath("//section[contains(@class,'care')]")[0].text_content()
    assert "not therapy" in care and "stop at any time" in care
    assert "call your local emergency number" in care
    assert page.count("call your local emergency number") == 1
    assert "About second." in doc.get_element_by_id("ep-second").text_content()


def test_no_external_resources_only_the_feed_url_is_absolute() -> None:
    doc = parse(render_page(make_show(), episodes(), FEED_URL))
    absolute = {v for v in doc.xpath("//@src | //@href") if re.match(r"(?i)https?:", v)}
    assert absolute == {FEED_URL}  # autodiscovery and the footer's feed link
    assert not doc.xpath("//link[@rel='stylesheet'] | //script[@src] | //iframe")
    style = doc.xpath("//style")[0].text
    assert "@import" not in style and "url(" not in style
    assert "prefers-reduced-motion" in style and "prefers-color-scheme: dark" in style
    assert ":focus-visible" in style


def test_page_without_episodes_or_footer_still_has_a_safety_note() -> None:
    doc = parse(render_page(make_show(show_notes_footer=""), [], FEED_URL))
    assert not doc.xpath("//audio")
    assert "No episodes yet" in doc.text_content()
    care = doc.xpath("//section[contains(@class,'care')]")[0].text_content()
    assert "not therapy" in care and "stop at any time" in care


def test_start_here_links_to_the_trailer_at_the_top() -> None:
    eps = [*episodes(), make_episode("welcome", 2, kind="trailer"),
           make_episode("extra", 9, kind="bonus")]
    doc = parse(render_page(make_show(), eps, FEED_URL))
    (link,) = doc.xpath("//header//p[@class='start-here']/a")
    assert link.get("href") == "#ep-welcome"
    assert doc.get_element_by_id("ep-welcome").tag == "article"
    assert "Welcome" in link.text_content()


def test_start_here_without_a_trailer_is_the_oldest_episode_and_absent_for_one() -> None:
    assert start_here(episodes()).script.slug == "first"
    assert start_here(episodes()[:1]) is None
    doc = parse(render_page(make_show(), episodes()[:1], FEED_URL))
    assert not doc.xpath("//*[@class='start-here']")


def test_transcript_keeps_the_scripts_headings_paragraphs_and_lists() -> None:
    blocks = (
        Block("heading", (Speech("Arriving", 5),), 5),
        Block("paragraph", (Speech("Hello, and welcome.", 7), Pause(2.0, 7),
                            Speech("Let the *chair* hold you.", 7)), 7),
        Block("item", (Speech("Your feet.", 9),), 9),
        Block("item", (Speech("Your hands.", 10),), 10),
        Block("paragraph", (Speech("Take your time.", 12), Speech("There is no hurry.", 12)), 12),
        Block("heading", (Speech("Closing", 14),), 14),
    )
    doc = parse(render_page(make_show(), [make_episode("first", 1, blocks=blocks)], FEED_URL))
    (details,) = doc.xpath("//details[@class='transcript']")
    shape = [(el.tag, " ".join(el.text_content().split())) for el in details
             if el.tag != "summary"]
    assert shape == [
        ("h4", "Arriving"),
        ("p", "Hello, and welcome. Let the chair hold you."),  # one paragraph, not a sentence
        ("ul", "Your feet. Your hands."),
        ("p", "Take your time. There is no hurry."),
        ("h4", "Closing"),
    ]
    assert len(details.xpath("ul/li")) == 2


def test_links_in_notes_and_footer_are_real_and_only_safe_schemes() -> None:
    footer = ("Not therapy.\n\nIn crisis, call your local emergency number or find a helpline "
              "at findahelpline.com, or [call 988](tel:988).")
    notes = ("See [the article](https://example.org/article?a=1&b=2) or write to "
             "hello@example.org. [bad](javascript:alert(1)) [worse](data:text/html,x) "
             "ftp://files.example/x")
    show = make_show(show_notes_footer=footer)
    doc = parse(render_page(show, [make_episode("first", 1, notes=notes)], FEED_URL))
    care = doc.xpath("//section[contains(@class,'care')]")[0]
    assert care.xpath(".//a/@href") == ["https://findahelpline.com", "tel:988"]
    episode = doc.get_element_by_id("ep-first")
    hrefs = episode.xpath(".//div[@class='notes']//a/@href")
    assert hrefs == ["https://example.org/article?a=1&b=2", "mailto:hello@example.org"]
    every = doc.xpath("//@href | //@src")
    assert not [h for h in every if re.match(r"(?i)\s*(javascript|data:text|ftp|vbscript)", h)]
    assert "[bad](javascript:alert(1))" in episode.text_content()  # shown as text, inert


# --- colour contrast (WCAG 2.x) ---------------------------------------------------------------


def luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_helper_matches_known_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_colours_meet_wcag_aa(scheme: str) -> None:
    colours = PALETTE[scheme]
    for fg, bg in TEXT_PAIRS:
        assert contrast(colours[fg], colours[bg]) >= 4.5, (scheme, fg, bg)
    for fg, bg in INDICATOR_PAIRS:
        assert contrast(colours[fg], colours[bg]) >= 3.0, (scheme, fg, bg)


def test_every_palette_colour_reaches_the_css() -> None:
    style = parse(render_page(make_show(), [], FEED_URL)).xpath("//style")[0].text
    for scheme in PALETTE.values():
        for name, value in scheme.items():
            assert f"--{name}: {value};" in style


# --- a real browser ---------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
SCREENSHOT = Path("/tmp/rtr-page.png")


class RangeHandler(SimpleHTTPRequestHandler):
    """Static files with single byte ranges: Chromium needs them to seek in an MP3."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        path = Path(self.translate_path(self.path))
        if not match or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        first, last = match.groups()
        start = int(first) if first else max(size - int(last or 0), 0)
        end = min(int(last), size - 1) if first and last else size - 1
        if start >= size:
            self.send_error(416)
            return None
        fh = path.open("rb")
        fh.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self._remaining = end - start + 1
        return fh

    def copyfile(self, source, outputfile):  # type: ignore[no-untyped-def]
        remaining = getattr(self, "_remaining", None)
        if remaining is None:
            return super().copyfile(source, outputfile)
        # The browser cuts media fetches short once it has enough: not an error.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            outputfile.write(source.read(remaining))
        return None


def write_site(root: Path) -> tuple[ShowSettings, list[BuiltEpisode]]:
    (root / "episodes").mkdir()
    eps = [make_episode("first", 1, number=1, title="First steps"),
           make_episode("second", 8, number=2, title="Second <steps> & more")]
    for ep in eps:
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=f=440:d=8",
                        "-ac", "1", "-ar", "44100", "-b:a", "64k", "-codec:a", "libmp3lame",
                        str(root / ep.files.audio)], check=True)
        (root / ep.files.vtt).write_text("WEBVTT\n\n00:00:00.500 --> 00:00:03.000\nWelcome.\n\n"
                                         "00:00:03.600 --> 00:00:07.000\nBreathe in.\n")
    show = make_show()
    write_cover(show, root / "cover.jpg")
    (root / "index.html").write_text(render_page(show, eps, FEED_URL), encoding="utf-8")
    return show, eps


@pytest.fixture
def served_site(tmp_path: Path) -> Iterator[tuple[str, list[BuiltEpisode]]]:
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg is not installed")
    _, eps = write_site(tmp_path)
    handler = functools.partial(RangeHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", eps
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        try:
            launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as exc:  # any launch failure means: no browser on this machine
            pytest.skip(f"chromium could not be started: {exc}")
        yield launched
        launched.close()


@pytest.mark.browser
def test_page_works_in_a_real_browser(served_site, browser) -> None:  # type: ignore[no-untyped-def]
    url, eps = served_site
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: None if media_abort(r) else errors.append(
        f"failed: {r.url} {r.failure}"))
    page.on("response", lambda r: errors.append(f"{r.status}: {r.url}") if r.status >= 400
            else None)
    page.goto(url + "index.html", wait_until="load")

    assert page.input_value("#feed-url") == FEED_URL
    assert page.is_visible("#copy-feed")  # the script ran and revealed the button
    page.click("#copy-feed")
    page.wait_for_function("document.getElementById('copy-status').textContent.length > 0")

    for ep in eps:
        player = f"player-{ep.script.slug}"
        duration = page.evaluate(LOAD_METADATA, player)
        assert duration == pytest.approx(8.0, abs=0.3)
        cues = page.evaluate(CUES_LOADED, player)
        assert cues == ["Welcome.", "Breathe in."]

    link = page.locator("a[data-player='player-second'][data-start='3.5']")
    link.click()
    page.wait_for_function("document.getElementById('player-second').currentTime >= 3.4")
    now = page.evaluate("document.getElementById('player-second').currentTime")
    assert now == pytest.approx(3.5, abs=1.0)
    # While it plays, the current caption line appears under the player.
    caption = page.locator("[data-caption-for='player-second']")
    caption.filter(has_text="Breathe in.").wait_for(state="visible", timeout=5000)
    page.evaluate("document.querySelectorAll('audio').forEach(a => a.pause())")

    # Keyboard: a chapter link takes focus and Enter activates it.
    page.focus("a[data-player='player-first'][data-start='3.5']")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('player-first').currentTime >= 3.4")
    page.evaluate("document.querySelectorAll('audio').forEach(a => a.pause())")

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    page.wait_for_function("document.querySelector('img.cover').complete")
    assert page.evaluate("document.querySelector('img.cover').naturalWidth") == 3000
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert errors == []


@pytest.mark.browser
def test_players_show_each_duration_before_play(served_site, browser) -> None:  # type: ignore[no-untyped-def]
    """Nothing clicked or loaded by the test: a player that comes into view gets its length,
    and one far below the screen fetches nothing yet (issue 19)."""
    url, eps = served_site
    page = browser.new_page(viewport={"width": 390, "height": 600})
    page.goto(url + "index.html", wait_until="load")
    page.wait_for_timeout(500)
    far = page.evaluate(FAR_PLAYERS)
    assert far, "the test page is too short to have a player far below the screen"
    assert all(state == [0, 0] for state in far.values())  # no request, no metadata
    durations = {}
    for ep in eps:
        player = f"#player-{ep.script.slug}"
        page.locator(player).scroll_into_view_if_needed()
        page.wait_for_function(f"document.querySelector('{player}').readyState >= 1",
                               timeout=15000)
        durations[ep.script.slug] = page.evaluate(
            f"[document.querySelector('{player}').duration, "
            f"document.querySelector('{player}').paused]")
    for duration, paused in durations.values():
        assert duration == pytest.approx(8.0, abs=0.3)  # what the control shows: "0:00 / 0:08"
        assert paused


FAR_PLAYERS = """() => Object.fromEntries([...document.querySelectorAll('audio')]
  .filter(a => a.getBoundingClientRect().top > innerHeight + 400)
  .map(a => [a.id, [a.readyState, a.networkState === HTMLMediaElement.NETWORK_LOADING ? 1 : 0]]))"""


def media_abort(request) -> bool:  # type: ignore[no-untyped-def]
    # Chromium cancels its own media fetches once it has enough (or on load()/seek): not a fault.
    return request.resource_type == "media" and "ERR_ABORTED" in (request.failure or "")


LOAD_METADATA = """async (id) => {
  const el = document.getElementById(id);
  el.preload = 'metadata';
  el.load();
  if (el.readyState < 1) {
    await new Promise((ok, fail) => {
      el.addEventListener('loadedmetadata', ok, {once: true});
      el.addEventListener('error', () => fail(new Error('media error')), {once: true});
    });
  }
  return el.duration;
}"""

CUES_LOADED = """async (id) => {
  const track = document.getElementById(id).querySelector('track');
  track.track.mode = 'hidden';
  if (track.readyState !== 2) {
    await new Promise((ok, fail) => {
      track.addEventListener('load', ok, {once: true});
      track.addEventListener('error', () => fail(new Error('track error')), {once: true});
    });
  }
  return Array.from(track.track.cues).map(c => c.text);
}"""
