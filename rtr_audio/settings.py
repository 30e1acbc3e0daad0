"""Show settings: ``scripts/show.yml`` validated in one pass, every problem with its line."""

from __future__ import annotations

import difflib
import os
import re
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rtr_audio.durations import parse_duration
from rtr_audio.errors import Problem
from rtr_audio.files import read_text
from rtr_audio.urls import normalise_base_url, web_url_problem
from rtr_audio.yamlsrc import Located, load_mapping, unknown_key_problems

# Apple Podcasts categories (https://podcasters.apple.com/support/1691-apple-podcasts-categories).
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing",
                 "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine", "Mental Health",
                         "Nutrition", "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": ("Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies",
                "Home & Garden", "Video Games"),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": ("Business News", "Daily News", "Entertainment News", "News Commentary", "Politics",
             "Sports News", "Tech News"),
    "Religion & Spirituality": ("Buddhism", "Christianity", "Hinduism", "Islam", "Judaism",
                                "Religion", "Spirituality"),
    "Science": ("Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
                "Natural Sciences", "Nature", "Physics", "Social Sciences"),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy", "Places & Travel",
                          "Relationships"),
    "Sports": ("Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf",
               "Hockey", "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball",
               "Wilderness", "Wrestling"),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_RATE, MAX_RATE = 60, 400  # words per minute; outside this speech is unintelligible


@dataclass(frozen=True)
class Gaps:
    """Silences the narration leaves on its own, in seconds (calm defaults)."""

    sentence: float = 0.7
    paragraph: float = 1.6
    heading: float = 2.5
    list_item: float = 1.0


GAP_KEYS = {"sentence_gap": "sentence", "paragraph_gap": "paragraph",
            "heading_gap": "heading", "list_gap": "list_item"}


@dataclass(frozen=True)
class ShowSettings:
    """Everything in show.yml, typed, with defaults applied."""

    path: Path
    title: str
    description: str
    author: str
    language: str = "en-us"
    category: str = "Health & Fitness"
    subcategory: str | None = "Mental Health"
    explicit: bool = False
    owner_name: str = ""
    owner_email: str = ""
    base_url: str = "http://localhost:8000/"
    guid: str | None = None  # podcast:guid pinned (else derived from base_url)
    cover: Path | None = None
    engine: str = "pyttsx3"
    voice: str | None = None
    rate: int = 150
    loudness: float = -16.0
    website: str | None = None
    copyright: str | None = None
    show_notes_footer: str = ""
    gaps: Gaps = field(default_factory=Gaps)
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def line_of(self, key: str) -> int | None:
        return self.lines.get(key)

    def with_overrides(self, **changes: Any) -> ShowSettings:
        """A copy with CLI overrides applied (only options the user actually gave)."""
        given = {k: v for k, v in changes.items() if v is not None}
        if "base_url" in given:
            given["base_url"] = normalise_base_url(given["base_url"])
        return replace(self, **given)


KNOWN_KEYS = [
    "title", "description", "author", "language", "category", "explicit", "owner", "base_url",
    "guid", "cover", "engine", "voice", "rate", "loudness", "website", "copyright",
    "show_notes_footer", *GAP_KEYS,
]
REQUIRED_KEYS = ("title", "description", "author")


def load_settings(path: Path) -> tuple[ShowSettings | None, list[Problem]]:
    """Read and validate show.yml; returns settings only when there are no problems."""
    if not os.path.lexists(path):  # anything else (a FIFO, a link) read_text names precisely
        return None, [Problem(path, None, "not found: every show needs a show.yml with at least "
                                          "`title`, `description` and `author` (see README)")]
    text, problems = read_text(path)
    if text is None:
        return None, problems
    located, problems = load_mapping(text, path)
    if located is None:
        return None, problems
    problems += unknown_key_problems(located, KNOWN_KEYS, path, "show.yml")
    values, problems2 = _validate(located, path)
    problems += problems2
    if problems:
        return None, problems
    return ShowSettings(path=path, lines=dict(located.lines), **values), []


def _validate(located: Located, path: Path) -> tuple[dict[str, Any], list[Problem]]:
    v, lines = located.values, located.lines
    problems: list[Problem] = []
    out: dict[str, Any] = {}

    def bad(key: str, message: str) -> None:
        problems.append(Problem(path, lines.get(key, located.line), message))

    for key in REQUIRED_KEYS:
        if key not in v:
            problems.append(Problem(path, located.line, f"missing required key `{key}`"))
    for key in ("title", "description", "author", "copyright", "show_notes_footer",
                "engine", "voice"):
        if key in v:
            if not isinstance(v[key], str) or not v[key].strip():
                bad(key, f"`{key}` must be non-empty text")
            else:
                out[key] = v[key].strip()
    if "language" in v:
        if isinstance(v["language"], str) and _LANGUAGE.match(v["language"]):
            out["language"] = v["language"].lower()
        else:
            bad("language", f"`language` must be a language code like en-us, got {v['language']!r}")
    if "explicit" in v:
        if isinstance(v["explicit"], bool):
            out["explicit"] = v["explicit"]
        else:
            bad("explicit", f"`explicit` must be true or false, got {v['explicit']!r}")
    if "rate" in v:
        rate, message = check_rate(v["rate"])
        if message:
            bad("rate", message)
        else:
            out["rate"] = rate
    if "loudness" in v:
        lufs = v["loudness"]
        if isinstance(lufs, bool) or not isinstance(lufs, int | float) or not -30 <= lufs <= -10:
            bad("loudness", f"`loudness` must be a LUFS target between -30 and -10, got {lufs!r}")
        else:
            out["loudness"] = float(lufs)
    for key in ("base_url", "website"):  # links we publish: the same rule as --base-url
        message = web_url_problem(v[key], f"`{key}`", base=key == "base_url") if key in v else None
        if message:
            bad(key, message)
        elif key in v:
            out[key] = normalise_base_url(v[key]) if key == "base_url" else v[key].strip()
    if "guid" in v:
        try:
            out["guid"] = str(uuid.UUID(str(v["guid"])))
        except ValueError:
            bad("guid", f"`guid` must be a UUID like 917393e3-1b1e-5cef-ace4-edaa54e1f810, "
                        f"got {v['guid']!r} (leave it out to derive it from base_url)")
    if "category" in v:
        category, message = parse_category(v["category"])
        if message:
            bad("category", message)
        else:
            out["category"], out["subcategory"] = category
    if "owner" in v:
        owner = v["owner"]
        unknown = sorted(set(owner) - {"name", "email"}, key=str) if isinstance(owner, dict) else []
        if not isinstance(owner, dict):
            bad("owner", "`owner` must be a mapping with `name` and `email`")
        elif unknown:
            close = difflib.get_close_matches(str(unknown[0]), ["name", "email"], n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            bad("owner", f"unknown `owner` key `{unknown[0]}`{hint} (`owner` takes `name` and "
                         "`email`)")
        else:
            out["owner_name"] = str(owner.get("name") or "")
            email = str(owner.get("email") or "")
            if email and not _EMAIL.match(email):
                bad("owner", f"`owner.email` is not an email address: {email!r}")
            out["owner_email"] = email
    if "cover" in v:
        if not isinstance(v["cover"], str) or not v["cover"].strip():
            bad("cover", "`cover` must be a path to a JPEG or PNG image")
        else:
            from rtr_audio.cover import validate_cover  # cover.py imports this module

            cover = (path.parent / v["cover"]).resolve()
            problems += validate_cover(cover, lines.get("cover", located.line), path)
            out["cover"] = cover
    gaps, gap_problems = parse_gaps(v, lines, path, Gaps())
    problems += gap_problems
    out["gaps"] = gaps
    return out, problems


def check_rate(value: object) -> tuple[int, str | None]:
    if isinstance(value, bool) or not isinstance(value, int):
        return 0, f"`rate` must be a whole number of words per minute, got {value!r}"
    if not MIN_RATE <= value <= MAX_RATE:
        return 0, f"`rate` {value} is out of range ({MIN_RATE}–{MAX_RATE} words per minute)"
    return value, None


def parse_gaps(
    values: dict[str, Any], lines: dict[str, int], path: Path, base: Gaps
) -> tuple[Gaps, list[Problem]]:
    """Gap keys (``sentence_gap: 0.8s``…) applied over ``base``."""
    problems, changes = [], {}
    for key, attr in GAP_KEYS.items():
        if key not in values:
            continue
        try:
            changes[attr] = parse_duration(values[key])
        except ValueError as exc:
            problems.append(Problem(path, lines.get(key), f"`{key}`: {exc}"))
    return replace(base, **changes), problems


def parse_category(value: object) -> tuple[tuple[str, str | None], str | None]:
    """``Health & Fitness > Mental Health`` or ``[Health & Fitness, Mental Health]``."""
    if isinstance(value, str):
        parts = [p.strip() for p in re.split(r"\s*[>›/]\s*(?=[A-Z])", value) if p.strip()]
    elif isinstance(value, list) and all(isinstance(p, str) for p in value):
        parts = [p.strip() for p in value]
    else:
        return ("", None), "`category` must be text like `Health & Fitness > Mental Health`"
    if not 1 <= len(parts) <= 2:
        return ("", None), "`category` takes a category and at most one subcategory"
    top = parts[0]
    if top not in APPLE_CATEGORIES:
        close = difflib.get_close_matches(top, list(APPLE_CATEGORIES), n=1)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        return ("", None), f"`{top}` is not an Apple Podcasts category{hint}"
    sub = parts[1] if len(parts) == 2 else None
    if sub is not None and sub not in APPLE_CATEGORIES[top]:
        allowed = ", ".join(APPLE_CATEGORIES[top]) or "none"
        return ("", None), f"`{sub}` is not a subcategory of {top} (allowed: {allowed})"
    return (top, sub), None
