"""Content rules for the narration scripts in ``scripts/``.

These read the scripts as plain text on purpose (no ``rtr_audio`` import): they pin down what the
series says, not how the tool parses it. The duration estimate is the writers' rule of thumb
(spoken seconds = words / rate * 60, plus every pause and gap), not a measurement of real audio.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
ARTICLE = SCRIPTS / "01-relational-trauma-repair.md"

# The seed article, one entry per line of the original page ("•" bullets kept as published).
# The page's trailing "Leave a comment" link is not part of the article.
SEED_LINES = (
    "Relational Trauma Repair: Healing Where It Hurts Most",
    "Many people associate trauma with a single, major event like a car crash or a natural "
    "disaster. However, for many of us, the most profound pain comes not from a single blow, but "
    "from a series of small, repeated hurts within our closest relationships. This is known as "
    "relational trauma.",
    "What is Relational Trauma?",
    "Relational trauma occurs when our basic needs for safety, connection, and acceptance are "
    "consistently unmet by the people we depend on. These deep wounds can stem from various "
    "experiences, such as:",
    "• Emotional neglect: Having caregivers who were physically present but emotionally distant "
    "or unavailable.",
    "• Conditional love: Feeling accepted only when you behaved in a certain way.",
    "• Emotional unpredictability: Constantly feeling like you’re “walking on eggshells” around "
    "someone’s moods.",
    "• Chronic invalidation: Having your feelings repeatedly ignored, dismissed, or criticized.",
    "Over time, these patterns can teach our nervous system to anticipate rejection or danger, "
    "even in safe situations, making it difficult to form healthy connections later in life.",
    "The Path to Healing: Repairing Through Connection",
    "The good news is that what was broken in a relationship can also be healed in a "
    "relationship. Relational Trauma Repair (RTR) therapy focuses on this very idea. It’s not "
    "about erasing the past, but about creating new, healing experiences that can rewire your "
    "nervous system.",
    "Through this process, you learn to:",
    "• Build trust with yourself and others.",
    "• Express your needs and emotions in a healthy way.",
    "• Establish a sense of safety in your connections.",
    "Healing relational trauma isn’t a quick fix; it’s a patient and deeply human journey. It "
    "involves revisiting the places where trust was broken, not to relive the pain, but to "
    "finally give yourself the support and acceptance you needed all along. Ultimately, the most "
    "powerful healing happens in connection, where the wounds first began.",
)

FRONT_MATTER_KEYS = {
    "title", "description", "episode", "type", "date", "voice", "rate",
    "sentence_gap", "paragraph_gap", "heading_gap", "list_gap",
}  # fmt: skip
SHOW_KEYS = FRONT_MATTER_KEYS - {"episode", "type", "date"} | {
    "author", "language", "category", "explicit", "owner", "base_url", "engine", "loudness",
    "copyright", "show_notes_footer", "type", "license", "fallback_engine",
}  # fmt: skip  (no `website`: it defaults to the show page at base_url, never localhost)
MARKER = re.compile(r"\[(?:pause(?:\s+[^\]]*)?|bell)\]")
RELIVING = re.compile(r"\bre-?liv\w*")
# "not to relive" is the article's own wording; these negations say the same thing.
NEGATED_RELIVING = re.compile(r"\b(?:not to|not|without|never|no need to) re-?liv\w*")
INSTRUCTS_RELIVING = (
    "go back to the moment",
    "go back to the time",
    "go back to when",
    "return to the moment",
    "remember the moment",
    "remember a time when",
    "picture the person who hurt you",
    "imagine the person who hurt you",
    "picture the moment",
)


def normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(text.split())


def seed_sentences() -> list[str]:
    sentences = []
    for line in SEED_LINES:
        line = line.strip().removeprefix("•").strip()
        sentences += [s for s in re.split(r"(?<=[.?!])\s+", line) if s]
    return [normalise(s) for s in sentences]


def split_script(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n(.*)\Z", text, flags=re.S)
    assert match, f"{path.name}: no front matter between --- lines"
    front = yaml.safe_load(match.group(1))
    assert isinstance(front, dict), f"{path.name}: front matter is not a mapping"
    return front, re.sub(r"<!--.*?-->", "", match.group(2), flags=re.S)


def spoken_lines(body: str) -> list[str]:
    lines = []
    for raw in body.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            line = line.lstrip("#").strip()
        elif line.startswith("- "):
            line = line[2:]
        line = MARKER.sub(" ", line).strip()
        if line:
            lines.append(line)
    return lines


def spoken_text(body: str) -> str:
    return normalise(" ".join(spoken_lines(body)))


def sections(body: str) -> list[tuple[str, str]]:
    """(heading, text up to the next heading) for each ``#`` heading."""
    parts = re.split(r"^#{1,6}[ \t]+(.*)$", body, flags=re.M)
    return list(zip(parts[1::2], parts[2::2], strict=True))


def all_scripts() -> list[Path]:
    return sorted(p for p in SCRIPTS.glob("*.md") if not p.name.startswith("_"))


def reflections() -> list[Path]:
    return [p for p in all_scripts() if split_script(p)[0].get("episode", 0) >= 2]


def seconds(value: object) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*", str(value))
    assert match, f"not a duration: {value!r}"
    number = float(match.group(1))
    return number / 1000 if match.group(2) == "ms" else number


ENGINE_SPEED = {"piper": 1.38, "pyttsx3": 1.21}


def estimate(path: Path) -> tuple[float, float, float]:
    """(total seconds, silent seconds, longest pause) by the writers' arithmetic.

    Speech is words / rate * 60. Silence follows the rule the build documents: between two sounds
    an explicit ``[pause]`` replaces the automatic gap, otherwise the longest gap that applies
    (sentence, list item, paragraph, heading) is used; a short lead-in and a tail frame the episode.
    """
    show = yaml.safe_load((SCRIPTS / "show.yml").read_text(encoding="utf-8"))
    front, body = split_script(path)
    setting = {**show, **front}
    # `rate` is the engine's nominal words a minute; inside sentences the voices speak faster
    # (measured on "Arriving in Safety", see show.yml): Piper ×1.38 at 100-130, espeak-ng ×1.21.
    rate = setting["rate"] * ENGINE_SPEED[setting.get("engine", "pyttsx3")]
    gap = {k: seconds(setting[f"{k}_gap"]) for k in ("sentence", "paragraph", "heading", "list")}
    blocks: list[tuple[str, str]] = []
    paragraph: list[str] = []
    for raw in [*body.splitlines(), ""]:
        line = raw.strip()
        if line and not line.startswith(("#", "- ")):
            paragraph.append(line)
            continue
        if paragraph:
            blocks.append(("paragraph", " ".join(paragraph)))
            paragraph = []
        if line.startswith("#"):
            blocks.append(("heading", line.lstrip("#")))
        elif line.startswith("- "):
            blocks.append(("list", line[2:]))
    words = silent = bells = longest = 0.0
    pending_pause: float | None = None
    pending_gap = 0.6  # lead-in

    def sound() -> None:
        nonlocal silent, pending_pause, pending_gap
        silent += pending_pause if pending_pause is not None else pending_gap
        pending_pause, pending_gap = None, 0.0

    for kind, text in blocks:
        if kind == "heading":
            pending_gap = max(pending_gap, gap["heading"])
        for piece in re.split(r"(\[(?:pause[^\]]*|bell)\])", text):
            if piece == "[bell]":
                sound()
                bells += 1
            elif MARKER.fullmatch(piece):
                amount = re.search(r"(\d+(?:\.\d+)?\s*(?:ms|s))", piece)
                pause = seconds(amount.group(1)) if amount else 2.0
                pending_pause = (pending_pause or 0.0) + pause
                longest = max(longest, pending_pause)
            else:
                for sentence in re.split(r"(?<=[.?!])[\"”’)]*\s+", piece):
                    if re.search(r"\w", sentence):
                        sound()
                        words += len(re.findall(r"[\w’']+", sentence))
                        pending_gap = max(pending_gap, gap["sentence"])
        pending_gap = max(pending_gap, gap[kind])
    silent += pending_pause if pending_pause is not None else 2.0  # tail
    total = words / rate * 60 + silent + bells * 4.0  # the bell is sound, about 4 s
    return total, silent, longest


# --- the article ---------------------------------------------------------------------------------


def test_article_keeps_every_seed_sentence_verbatim_and_in_order():
    _, body = split_script(ARTICLE)
    spoken = spoken_text(body)
    position = 0
    for sentence in seed_sentences():
        found = spoken.find(sentence, position)
        assert found >= 0, f"seed sentence missing or out of order: {sentence!r}"
        position = found + len(sentence)


def test_article_headings_are_the_seed_headings_as_chapters():
    _, body = split_script(ARTICLE)
    headings = [heading.strip() for heading, _ in sections(body)]
    for seed_heading in (SEED_LINES[0], SEED_LINES[2], SEED_LINES[9]):
        assert seed_heading in headings


def test_article_bullets_are_list_items():
    _, body = split_script(ARTICLE)
    items = {normalise(line[2:]) for line in body.splitlines() if line.startswith("- ")}
    bullets = {normalise(line.removeprefix("•").strip()) for line in SEED_LINES if "•" in line}
    assert bullets <= items


def test_leave_a_comment_is_dropped():
    for path in all_scripts():
        assert "leave a comment" not in path.read_text(encoding="utf-8").lower(), path.name


# --- the reflections -----------------------------------------------------------------------------


def test_there_are_at_least_five_reflections():
    assert len(reflections()) >= 5


@pytest.mark.parametrize("path", reflections(), ids=lambda p: p.name)
def test_reflection_never_instructs_reliving(path):
    text = " ".join(path.read_text(encoding="utf-8").lower().split())
    for phrase in INSTRUCTS_RELIVING:
        assert phrase not in text, f"{path.name}: {phrase!r}"
    leftover = RELIVING.findall(NEGATED_RELIVING.sub("", text))
    assert not leftover, f"{path.name}: reliving mentioned without a negation: {leftover}"


@pytest.mark.parametrize("path", reflections(), ids=lambda p: p.name)
def test_reflection_front_matter_names_its_ground_and_sets_a_slower_rate(path):
    front, _ = split_script(path)
    description = front.get("description")
    assert isinstance(description, str) and description.strip()
    assert "Grounded in the article" in description
    quoted = re.findall(r"[\"“]([^\"“”]{8,})[\"”]", description)
    seed = normalise(" ".join(line.removeprefix("•") for line in SEED_LINES))
    assert any(normalise(q).rstrip(".,") in seed for q in quoted), (
        f"{path.name}: description quotes no part of the article"
    )
    assert isinstance(front.get("rate"), int) and 110 <= front["rate"] < 150


def opening(body: str) -> str:
    """What is said before the first heading: the greeting and how to listen (lower case)."""
    return " ".join(re.split(r"^#", body, maxsplit=1, flags=re.M)[0].lower().split())


def paragraphs(body: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip()]


@pytest.mark.parametrize("path", reflections(), ids=lambda p: p.name)
def test_reflection_opening_offers_eyes_open_and_stopping_any_time(path):
    _, body = split_script(path)
    first = opening(body)
    assert "eyes open" in first
    assert "stop" in first and "at any time" in first
    assert "too much" in first  # a way out is offered before anything else
    assert "trims or skips silence" in first  # the pauses are the practice (issue 19, point 4)


@pytest.mark.parametrize("path", all_scripts(), ids=lambda p: p.name)
def test_episode_opens_with_speech_not_a_bare_heading_and_welcomes_once(path):
    """A heading is spoken and followed by a long gap: "Arriving." [3 s] "Welcome." sounds broken,
    and a "Welcome" heading before "Hello, and welcome" says it twice. The article alone opens with
    its own title, which is a chapter of the seed article."""
    _, body = split_script(path)
    lines = spoken_lines(body)
    first_heading = next(line for line in body.splitlines() if line.strip())
    if path == ARTICLE:
        assert first_heading.lstrip("# ").strip() == SEED_LINES[0]
    else:
        assert not first_heading.startswith("#"), f"{path.name} opens with {first_heading!r}"
    assert " ".join(lines[:3]).lower().count("welcome") <= 1


# Breath focus can be a trigger: the way out of it comes before the invitation, not after.
BREATH_CUE = re.compile(
    r"\b(?:take (?:one |a )?(?:more |slower )?breath|let (?:one |your )breath"
    r"|breathing in gently|breathe in\b|let the out breath)", re.I)
BREATH_ALTERNATIVE = re.compile(
    r"breathe normally|\bbreath (?:is|isn't|doesn't)\b[^.]*(?:comfortable|feel good)", re.I)


@pytest.mark.parametrize("path", reflections(), ids=lambda p: p.name)
def test_breath_alternative_comes_before_every_breath_cue(path):
    _, body = split_script(path)
    cues = 0
    for paragraph in paragraphs(body):
        cue = BREATH_CUE.search(paragraph)
        if not cue:
            continue
        cues += 1
        alternative = BREATH_ALTERNATIVE.search(paragraph)
        assert alternative and alternative.start() < cue.start(), (
            f"{path.name}: breath cue without an alternative before it: {paragraph[:90]!r}")
    assert cues >= 2  # the arriving breath and the returning one


ACCEPTANCE = SCRIPTS / "06-meeting-old-hurts-with-acceptance.md"


def phrase_section(path: Path) -> tuple[str, list[str], str]:
    """(text before the offered phrases, the phrases, text after them) in their section."""
    _, body = split_script(path)
    for _, text in sections(body):
        items = re.findall(r"^- (.*)$", text, flags=re.M)
        if items:
            before, _, rest = text.partition("\n- ")
            after = rest.rsplit(items[-1], 1)[1]
            return " ".join(before.lower().split()), items, " ".join(after.lower().split())
    raise AssertionError(f"{path.name}: no offered phrases")


def test_acceptance_guidance_for_a_memory_comes_before_the_phrases_and_at_the_exit():
    before, phrases, after = phrase_section(ACCEPTANCE)
    for words in ("memory", "by themselves", "don't have to follow", "feet", "room", "stop"):
        assert words in before, f"before the phrases: {words!r}"
    for words in ("memory", "don't have to go into", "open your eyes", "feet"):
        assert words in after, f"at the exit after the phrases: {words!r}"
    _, body = split_script(ACCEPTANCE)
    assert "a memory can sometimes come up by itself" in opening(body)
    returning = dict((h.strip(), " ".join(t.lower().split())) for h, t in sections(body))
    assert "a memory came up by itself" in returning["Returning to the Room"]
    assert len(phrases) >= 4


def test_acceptance_phrases_are_in_the_present_tense():
    _, phrases, _ = phrase_section(ACCEPTANCE)
    for phrase in phrases:
        assert not re.search(r"\b(?:was|were|felt|mattered|deserved|needed|had)\b", phrase), phrase


@pytest.mark.parametrize("path", [ACCEPTANCE, SCRIPTS / "07-accepted-as-you-are.md"],
                         ids=lambda p: p.name)
def test_offered_phrases_each_get_the_room_the_words_promise(path):
    before, phrases, _ = phrase_section(path)
    assert "slowly" in before
    for phrase in phrases:
        pause = re.search(r"\[pause (\d+(?:\.\d+)?)s\]\s*$", phrase)
        assert pause and float(pause.group(1)) >= 5, f"{path.name}: {phrase!r}"


def test_counting_and_tapping_are_spoken_at_the_pace_they_describe():
    _, body = split_script(SCRIPTS / "05-steady-ground.md")
    for beats in (("One", "Two", "Three", "Four"), ("Left", "Right", "Left", "Right")):
        pattern = r"\s*\[pause (?:1\.5|2|2\.5)s\]\s*".join(rf"{b}\." for b in beats)
        assert re.search(pattern, body), beats


@pytest.mark.parametrize("path", reflections(), ids=lambda p: p.name)
def test_invitations_are_varied(path):
    """The ritual frame stays; "You might" no longer opens nearly every invitation."""
    _, body = split_script(path)
    assert len(re.findall(r"\byou might\b", body, flags=re.I)) <= 6


def test_no_two_voice_dialogue_in_one_voice():
    """A quoted inner dialogue ("A part of you says: … another part answers: …") is hard to
    follow in one voice; the reflections tell it in reported speech instead."""
    for path in reflections():
        text = " ".join(split_script(path)[1].split())
        assert not re.search(r"part of you (?:says|answers):", text, flags=re.I), path.name


@pytest.mark.parametrize("path", reflections(), ids=lambda p: p.name)
def test_reflection_has_the_arriving_practice_integration_returning_shape(path):
    _, body = split_script(path)
    headings = [heading.strip() for heading, _ in sections(body)]
    assert headings[0] == "Arriving"
    assert headings[-1] == "Returning to the Room"
    assert "Taking This With You" in headings
    assert len(headings) >= 5  # arriving, at least one practice, integration, returning
    assert body.count("[bell]") >= 2


@pytest.mark.parametrize("path", reflections(), ids=lambda p: p.name)
def test_reflection_length_and_silence_by_the_writers_arithmetic(path):
    total, silent, longest = estimate(path)
    assert 8 * 60 <= total <= 15 * 60, f"{path.name}: about {total / 60:.1f} min"
    assert 0.22 <= silent / total <= 0.42, f"{path.name}: silent share {silent / total:.0%}"
    assert longest <= 45


# --- every script and the show settings ----------------------------------------------------------


@pytest.mark.parametrize("path", all_scripts(), ids=lambda p: p.name)
def test_front_matter_uses_only_known_keys_and_valid_values(path):
    front, body = split_script(path)
    assert set(front) <= FRONT_MATTER_KEYS, set(front) - FRONT_MATTER_KEYS
    assert front.get("title") and front.get("description")
    assert front.get("type", "full") in {"full", "trailer", "bonus"}
    assert isinstance(front.get("date"), dt.date)
    for key in ("sentence_gap", "paragraph_gap", "heading_gap", "list_gap"):
        if key in front:
            seconds(front[key])
    assert not re.search(r"\*\*|__|\[[^\]]*\]\(|!\[|^\s*\|", MARKER.sub("", body), flags=re.M)


def test_episode_numbers_are_unique_and_the_trailer_has_none():
    fronts = [split_script(p)[0] for p in all_scripts()]
    numbers = [f["episode"] for f in fronts if "episode" in f]
    assert len(numbers) == len(set(numbers))
    trailers = [f for f in fronts if f.get("type") == "trailer"]
    assert trailers and all("episode" not in f for f in trailers)


def test_trailer_is_one_to_two_minutes():
    (trailer,) = [p for p in all_scripts() if split_script(p)[0].get("type") == "trailer"]
    total, _, _ = estimate(trailer)
    assert 60 <= total <= 120, f"about {total:.0f} s"


def test_dates_publish_the_whole_series_now_in_listening_order():
    """Future dates are held back until due (scheduled release), so every shipped date is in
    the past, and the dates follow the files: trailer, article, then the reflections."""
    dates = [split_script(p)[0]["date"] for p in all_scripts()]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    assert dates[-1] < dt.date(2026, 11, 29) <= dt.date.today()


def test_channel_description_carries_the_safety_lines():
    """Apps show the channel description before any episode is chosen."""
    show = yaml.safe_load((SCRIPTS / "show.yml").read_text(encoding="utf-8"))
    description = " ".join(show["description"].split()).lower()
    for phrase in ("educational", "not therapy", "local emergency number", "crisis line",
                   "findahelpline.com", "trim silence"):
        assert phrase in description, phrase


def test_how_to_listen_says_to_turn_off_trim_silence():
    (trailer,) = [p for p in all_scripts() if split_script(p)[0].get("type") == "trailer"]
    how = dict(sections(split_script(trailer)[1]))["How to Listen"]
    assert "trims or skips silence" in " ".join(how.split())


def test_show_settings_keys_and_footer():
    show = yaml.safe_load((SCRIPTS / "show.yml").read_text(encoding="utf-8"))
    assert set(show) == SHOW_KEYS
    assert show["language"] == "en-us" and show["explicit"] is False
    # Issue 19: listened to in order (itunes:type serial; test_series_publishing reads the feed).
    assert show["type"] == "serial"
    assert set(show["owner"]) == {"name", "email"}
    footer = " ".join(show["show_notes_footer"].split()).lower()
    for phrase in (
        "educational",
        "not a substitute",
        "local emergency number",
        "crisis line",
        "findahelpline.com",
        "stop any episode at any time",
        "trim silence",
    ):
        assert phrase in footer
    assert not re.search(r"\b\d{3}\b", footer), "no single country's emergency number"


def test_lexicon_is_a_flat_mapping_of_words():
    lexicon = yaml.safe_load((SCRIPTS / "lexicon.yml").read_text(encoding="utf-8"))
    assert lexicon["RTR"] == "R T R"
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in lexicon.items())
