"""Show settings: ``scripts/show.yml`` validated in one pass, every problem with its line.

:data:`SHOW` declares every key once (type, default, range or choices, help); the record
:class:`ShowSettings` takes its defaults from it and the README's table is generated from it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rtr_audio.engines import engine_names
from rtr_audio.errors import Problem, cut, shown
from rtr_audio.files import read_text
from rtr_audio.schema import (
    Choice,
    Custom,
    Duration,
    Flag,
    Invalid,
    Number,
    Pattern,
    Period,
    Schema,
    Text,
    Url,
    Uuid,
    Where,
    Whole,
    did_you_mean,
)
from rtr_audio.urls import normalise_base_url
from rtr_audio.yamlsrc import MAX_SETTINGS_CHARS, load_mapping

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

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$", re.IGNORECASE)  # BCP 47-like
_LANGUAGE = LANGUAGE_CODE
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_RATE, MAX_RATE = 60, 400  # words per minute; outside this speech is unintelligible
SHOW_TYPES = ("episodic", "serial")  # Apple's itunes:type
BEDS = ("none", "pad", "rain")  # sound beds rtr-audio synthesises; else an audio file's path
BED_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a")
# rclone's `remote:path` (also `:backend:path` and `remote,option=value:path`). A remote name may
# hold letters, digits, `_ - . + @` and spaces, but not start with `-` (it would read as an
# option) or a space (https://rclone.org/docs/#config-config-file).
_REMOTE = re.compile(r"^:?[\w.+@][\w.+@ -]*(,[^:\s]*)?:[^\x00-\x1f]*$")
GAP_KEYS = {"sentence_gap": "sentence", "paragraph_gap": "paragraph",
            "heading_gap": "heading", "list_gap": "list_item"}


def _owner(key: str, value: object, where: Where) -> tuple[str, str]:
    if not isinstance(value, dict):
        raise Invalid("`owner` must be a mapping with `name` and `email`")
    unknown = sorted(set(value) - {"name", "email"}, key=str)
    if unknown:
        raise Invalid(f"unknown `owner` key `{cut(str(unknown[0]))}`"
                      f"{did_you_mean(unknown[0], ['name', 'email'])} (`owner` takes `name` "
                      "and `email`)")
    email = str(value.get("email") or "")
    if email and not _EMAIL.match(email):
        raise Invalid(f"`owner.email` is not an email address: {shown(email)}")
    return str(value.get("name") or ""), email


def _cover(key: str, value: object, where: Where) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise Invalid("`cover` must be a path to a JPEG or PNG image")
    # Imported here: Pillow takes a noticeable part of start-up, and only shows that name their
    # own cover need it to validate show.yml.
    from rtr_audio.artwork import validate_cover

    cover = (where.path.parent / value).resolve()
    problems = validate_cover(cover, where.line, where.path)
    if problems:
        raise Invalid(problems[0].message)
    return cover


def check_bed(key: str, value: object, where: Where) -> str | Path:
    """``none``, ``pad``, ``rain``, or an audio file inside the scripts folder (as a Path)."""
    if isinstance(value, str) and value.strip().lower() in BEDS:
        return value.strip().lower()
    expected = (f"`{key}` must be {', '.join(BEDS)} or the path of an audio file "
                f"({', '.join(BED_SUFFIXES)}) in the scripts folder")
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{expected}, got {shown(value)}")
    if Path(value.strip()).suffix.lower() not in BED_SUFFIXES:
        raise Invalid(f"{expected}, got {shown(value)}{did_you_mean(value.strip(), BEDS)}")
    folder = where.path.parent.resolve()
    bed = (folder / value.strip()).resolve()
    if not bed.is_relative_to(folder):
        raise Invalid(f"`{key}`: {shown(value)} is outside the scripts folder; copy the file "
                      "into it")
    if not bed.is_file():
        raise Invalid(f"`{key}`: audio file not found: {shown(value)}")
    return bed


def _remote(key: str, value: object, where: Where) -> str:
    if not isinstance(value, str) or not _REMOTE.match(value.strip()):
        raise Invalid(f"`{key}` must be an rclone remote like `myserver:podcast/` (a remote "
                      f"from `rclone config`, a colon, a path), got {shown(value)}")
    return value.strip()


SHOW = Schema("show.yml", {
    "title": Text(required=True, help="The show's name (feed, page, cover, ID3 album)."),
    "description": Text(required=True, help="What the show is about, for apps and the page."),
    "author": Text(required=True, help="Who makes it (itunes:author, ID3 artist)."),
    "language": Pattern(pattern=_LANGUAGE, example="a language code like en-us", lower=True,
                        default="en-us", help="Language of the narration (RFC 5646 tag)."),
    "category": Custom(check=lambda key, value, where: parse_category(value),
                       default=("Health & Fitness", "Mental Health"),
                       split=lambda c: {"category": c[0], "subcategory": c[1]},
                       kind_doc="Apple category, `Top > Sub`",
                       default_doc="`Health & Fitness > Mental Health`",
                       help="Apple Podcasts category and optional subcategory (also written as "
                            "a list of two)."),
    "explicit": Flag(default=False, help="Apple's itunes:explicit flag."),
    "owner": Custom(check=_owner, default=("", ""), kind_doc="`{name, email}`", default_doc="—",
                    split=lambda o: {"owner_name": o[0], "owner_email": o[1]},
                    help="itunes:owner: who directories contact about the feed."),
    "base_url": Url(base=True, default="http://localhost:8000/",
                    help="Where the show is published; every URL in the feed and page starts "
                         "here (`--base-url` overrides it)."),
    "guid": Uuid(hint=" (leave it out to derive it from base_url)",
                 default_doc="derived from `base_url`",
                 help="The show's podcast:guid. When the show moves to another host, set it to "
                      "the old feed's value so apps keep it as the same show."),
    "type": Choice(choices=SHOW_TYPES, default="episodic",
                   help="Apple's itunes:type: `episodic` (newest first) or `serial` (in order, "
                        "oldest first)."),
    "license": Text(help="The licence of the show's content as an SPDX identifier in lower "
                         "case, e.g. `cc-by-sa-4.0` (Podcasting 2.0 podcast:license)."),
    "cover": Custom(check=_cover, kind_doc="path to a JPEG/PNG", default_doc="generated",
                    help="Cover image relative to show.yml: square RGB, 1400–3000 px (Apple's "
                         "artwork rules). Absent: a calm cover is painted from the title."),
    "website": Url(default_doc="the show page at `base_url`",
                    help="The show's own web page: the feed's channel `<link>` and the page "
                         "footer."),
    "copyright": Text(help="Copyright line for the feed."),
    "show_notes_footer": Text(default="", help="Appended to every episode's notes."),
    "engine": Text(default="pyttsx3", help="Speech engine: `pyttsx3` (espeak-ng) or `piper`."),
    # Only registered engines: an engine named in an input file never imports other code.
    "fallback_engine": Choice(choices=tuple(engine_names()),
                              help="Engine to use when `engine` is not available on the "
                                   "machine."),
    "voice": Text(default_doc="the engine's default",
                  help="Voice id of `engine` (`rtr-audio voices` lists them)."),
    "rate": Whole(minimum=MIN_RATE, maximum=MAX_RATE, unit="words per minute", default=150,
                  help="Speaking rate."),
    "loudness": Number(minimum=-30, maximum=-10, what="a LUFS target", unit="LUFS",
                       default=-16.0,
                       help="Integrated loudness of every episode in LUFS (EBU R128, "
                            "ITU-R BS.1770); -16 is the usual podcast target."),
    "sentence_gap": Duration(default=0.7, help="Silence after each sentence."),
    "paragraph_gap": Duration(default=1.6, help="Silence after each paragraph."),
    "heading_gap": Duration(default=2.5, help="Silence after each heading."),
    "list_gap": Duration(default=1.0, help="Silence after each list item."),
    "bed": Custom(check=check_bed, default="none",
                  kind_doc="`none` \\| `pad` \\| `rain` \\| audio file path",
                  help="A quiet sound bed under the narration: a synthesised `pad` or `rain`, "
                       "or an audio file in the scripts folder."),
    "bed_level": Number(minimum=-60, maximum=-20, what="a level in dBFS", unit="dBFS",
                        default=-38.0,
                        help="Level of the bed in the pauses, in dBFS."),
    "bed_duck": Number(minimum=0, maximum=40, what="a number of dB", unit="dB",
                       default=20.0,
                       help="How far the bed is lowered under speech, in dB."),
    "keep_previous": Period(maximum=dt.timedelta(days=365), default=dt.timedelta(days=7),
                            help="How long a replaced episode's previous audio file stays "
                                 "published, so apps that fetched the old feed can still "
                                 "download it (`0`: removed at once)."),
    "publish_to": Custom(check=_remote, kind_doc="rclone `remote:path`",
                         help="Where the built show is uploaded with rclone."),
})
KNOWN_KEYS = list(SHOW.options)
REQUIRED_KEYS = tuple(k for k, o in SHOW.options.items() if o.required)
_DEFAULT = SHOW.defaults()


@dataclass(frozen=True)
class Gaps:
    """Silences the narration leaves on its own, in seconds (calm defaults, from SHOW)."""

    sentence: float = _DEFAULT["sentence_gap"]
    paragraph: float = _DEFAULT["paragraph_gap"]
    heading: float = _DEFAULT["heading_gap"]
    list_item: float = _DEFAULT["list_gap"]


def gaps_over(base: Gaps, values: dict[str, Any]) -> Gaps:
    """``base`` with the gap keys found in ``values`` (``sentence_gap`` …, popped) applied."""
    return replace(base, **{attr: values.pop(key) for key, attr in GAP_KEYS.items()
                            if key in values})


@dataclass(frozen=True)
class ShowSettings:
    """Everything in show.yml, typed, with the defaults of :data:`SHOW` applied.

    ``bed`` is ``"none"``, ``"pad"``, ``"rain"`` or the resolved Path of an audio file;
    ``bed_level`` is in dBFS, ``bed_duck`` in dB; ``keep_previous`` a timedelta (0: none).
    """

    path: Path
    title: str
    description: str
    author: str
    language: str = _DEFAULT["language"]
    category: str = _DEFAULT["category"]
    subcategory: str | None = _DEFAULT["subcategory"]
    explicit: bool = _DEFAULT["explicit"]
    owner_name: str = _DEFAULT["owner_name"]
    owner_email: str = _DEFAULT["owner_email"]
    base_url: str = _DEFAULT["base_url"]
    guid: str | None = None  # podcast:guid pinned (else derived from base_url)
    type: str = _DEFAULT["type"]
    license: str | None = None
    cover: Path | None = None
    engine: str = _DEFAULT["engine"]
    fallback_engine: str | None = None
    voice: str | None = None
    rate: int = _DEFAULT["rate"]
    loudness: float = _DEFAULT["loudness"]
    website: str | None = None
    copyright: str | None = None
    show_notes_footer: str = _DEFAULT["show_notes_footer"]
    gaps: Gaps = field(default_factory=Gaps)
    bed: str | Path = _DEFAULT["bed"]
    bed_level: float = _DEFAULT["bed_level"]
    bed_duck: float = _DEFAULT["bed_duck"]
    keep_previous: dt.timedelta = _DEFAULT["keep_previous"]
    publish_to: str | None = None
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def line_of(self, key: str) -> int | None:
        return self.lines.get(key)

    def with_overrides(self, **changes: Any) -> ShowSettings:
        """A copy with CLI overrides applied (only options the user actually gave)."""
        given = {k: v for k, v in changes.items() if v is not None}
        if "base_url" in given:
            given["base_url"] = normalise_base_url(given["base_url"])
        return replace(self, **given)


def load_settings(path: Path) -> tuple[ShowSettings | None, list[Problem]]:
    """Read and validate show.yml; returns settings only when there are no problems."""
    if not os.path.lexists(path):  # anything else (a FIFO, a link) read_text names precisely
        return None, [Problem(path, None, "not found: every show needs a show.yml with at least "
                                          "`title`, `description` and `author` (see README)")]
    text, problems = read_text(path)
    if text is None:
        return None, problems
    located, problems = load_mapping(text, path, max_chars=MAX_SETTINGS_CHARS)
    if located is None:
        return None, problems
    values, key_problems = SHOW.validate(located, path)
    problems += key_problems
    if problems:
        return None, problems
    if "base_url" in values:
        values["base_url"] = normalise_base_url(values["base_url"])
    gaps = gaps_over(Gaps(), values)
    return ShowSettings(path=path, lines=dict(located.lines), gaps=gaps, **values), []


def parse_category(value: object) -> tuple[str, str | None]:
    """``Health & Fitness > Mental Health`` or ``[Health & Fitness, Mental Health]`` → (category,
    subcategory); raises Invalid naming the nearest Apple Podcasts category."""
    if isinstance(value, str) and len(value) <= 200:  # the split below is quadratic in spaces
        parts = [p.strip() for p in re.split(r"\s*[>›/]\s*(?=[A-Z])", value) if p.strip()]
    elif isinstance(value, list) and all(isinstance(p, str) for p in value):
        parts = [p.strip() for p in value]
    else:
        raise Invalid("`category` must be text like `Health & Fitness > Mental Health`")
    if not 1 <= len(parts) <= 2:
        raise Invalid("`category` takes a category and at most one subcategory")
    top = parts[0]
    if top not in APPLE_CATEGORIES:
        raise Invalid(f"`{cut(top)}` is not an Apple Podcasts category"
                      f"{did_you_mean(top, list(APPLE_CATEGORIES))}")
    sub = parts[1] if len(parts) == 2 else None
    if sub is not None and sub not in APPLE_CATEGORIES[top]:
        allowed = ", ".join(APPLE_CATEGORIES[top]) or "none"
        raise Invalid(f"`{cut(sub)}` is not a subcategory of {top} (allowed: {allowed})")
    return top, sub

