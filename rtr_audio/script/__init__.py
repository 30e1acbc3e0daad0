"""Narration scripts: YAML front matter plus a small Markdown body, parsed into typed blocks.

Every block and directive keeps the line it came from, so problems and synthesis failures can be
reported as ``path:line``.

The front matter is read by ``front_matter``, the Markdown body by ``body`` and the markup
inside its blocks by ``markup``; this module holds the Script record and the checks across
scripts.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from anyascii import anyascii

from rtr_audio.errors import Problem, cut
from rtr_audio.files import MAX_SCRIPT_BYTES, read_text
from rtr_audio.script.body import Block, has_words, long_number_problems, parse_body
from rtr_audio.script.front_matter import FRONT_MATTER, split_front_matter, validate_front_matter
from rtr_audio.script.markup import PLAIN, Bell, Delivery, Part, Pause, Speech
from rtr_audio.settings import Gaps, ShowSettings
from rtr_audio.yamlsrc import MAX_SETTINGS_CHARS, load_mapping

# The parts, blocks and the front matter's schema are re-exported: callers need only this module.
__all__ = [
    "FRONT_MATTER", "PLAIN", "Bell", "Block", "Delivery", "Part", "Pause", "Script", "Speech",
    "duplicate_problems", "notes_problems", "parse_script", "script_paths", "show_notes",
    "slug_for",
]

_ORDER_PREFIX = re.compile(r"^\d+[-_ .]+")
# rtr-audio's own namespace for episode GUIDs. Fixed forever: changing it re-announces every
# episode as new in every subscriber's app. (= uuid5(NAMESPACE_URL, "https://rtr-audio/episode"))
EPISODE_GUID_NAMESPACE = uuid.UUID("c60f6d97-0202-57d1-afb3-3cd806417677")
MAX_NOTES_BYTES = 4000  # Apple Podcasts: an item's <description> holds at most 4,000 bytes


@dataclass(frozen=True)
class Script:
    """One episode's script, validated."""

    path: Path
    slug: str
    title: str
    description: str
    blocks: tuple[Block, ...]
    episode: int | None = None
    season: int | None = None
    type: str = "full"
    date: dt.date | None = None  # the publication day (in the zone written, if a time was)
    date_time: dt.datetime | None = None  # timezone-aware: set when `date:` gives a time
    voice: str | None = None
    rate: int | None = None
    engine: str | None = None
    guid: str | None = None
    gaps: Gaps = field(default_factory=Gaps)
    bed: str | Path | None = None  # None: the show's bed (see ShowSettings.bed)
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def feed_guid(self) -> str:
        """The item's ``<guid>``: ``guid:`` if set, else derived from the slug (see
        ``feed.episode_guid``)."""
        if self.guid:
            return self.guid
        return str(uuid.uuid5(EPISODE_GUID_NAMESPACE, f"rtr-audio:{self.slug}"))

    @property
    def body_start(self) -> int:
        return self.blocks[0].line if self.blocks else 1


def slug_for(path: Path) -> str:
    """File name without ordering prefix, accents folded: ``02-ça-va.md`` → ``ca-va``."""
    stem = _ORDER_PREFIX.sub("", path.stem) or path.stem
    # Accents fold to their letters ("ça-va" → "ca-va") rather than vanish; other scripts are
    # transliterated by the same library the normaliser uses.
    slug = re.sub(r"[^a-z0-9]+", "-", anyascii(stem).lower()).strip("-")
    return slug or "episode"


def script_paths(scripts_dir: Path) -> list[Path]:
    """Episode scripts: ``*.md`` files not starting with ``_``, in name order."""
    return sorted(p for p in scripts_dir.glob("*.md") if not p.name.startswith("_"))


def parse_script(
    path: Path, show: ShowSettings | None = None
) -> tuple[Script | None, list[Problem]]:
    """Parse one script; the Script is returned only when there are no problems."""
    text, problems = read_text(path, limit=MAX_SCRIPT_BYTES)
    if text is None:
        return None, problems
    if not text.strip():
        return None, [Problem(path, 1, "empty file: a script needs front matter and narration")]
    front, body, body_line, problems = split_front_matter(text, path)
    if front is None:
        return None, problems
    located, yaml_problems = load_mapping(front, path, first_line=2,
                                          max_chars=MAX_SETTINGS_CHARS)
    if located is None:
        return None, yaml_problems
    problems += yaml_problems
    meta, meta_problems = validate_front_matter(located, path, show)
    problems += meta_problems
    blocks, body_problems = parse_body(body, path, body_line)
    problems += body_problems
    problems += long_number_problems(blocks, path)
    if not any(has_words(p) for b in blocks for p in b.parts) and not body_problems:
        problems.append(Problem(path, body_line, "no narration after the front matter (only "
                                                 "markup or punctuation: nothing to speak)"))
    if problems:
        return None, problems
    return Script(path=path, slug=slug_for(path), blocks=tuple(blocks),
                  lines=dict(located.lines), **meta), []


def show_notes(script: Script, show: ShowSettings) -> str:
    """An episode's notes: its ``description``, then the show's ``show_notes_footer``."""
    return f"{script.description}\n\n{show.show_notes_footer}".strip()


def notes_problems(scripts: list[Script], show: ShowSettings) -> list[Problem]:
    """Notes over Apple's limit of 4,000 bytes for an item's ``<description>`` (Apple Podcasts
    RSS feed requirements), counted in UTF-8 with the footer, at the ``description:`` line."""
    problems = []
    footer = len(show.show_notes_footer.encode()) if show.show_notes_footer.strip() else 0
    for script in scripts:
        size = len(show_notes(script, show).encode())
        if size > MAX_NOTES_BYTES:
            with_footer = f" with show.yml's show_notes_footer ({footer:,})" if footer else ""
            problems.append(Problem(
                script.path, script.lines.get("description", 1),
                f"show notes are {size:,} bytes{with_footer}; Apple's limit is "
                f"{MAX_NOTES_BYTES:,}: shorten `description` by {size - MAX_NOTES_BYTES:,}"))
    return problems


def duplicate_problems(scripts: list[Script]) -> list[Problem]:
    """Two scripts with one slug, episode number or guid would overwrite or confuse each
    other (apps show one episode per guid)."""
    problems = _guid_problems(scripts)
    by_slug: dict[str, Script] = {}
    by_number: dict[int, Script] = {}
    for script in scripts:
        if script.slug in by_slug:
            other = by_slug[script.slug]
            problems.append(Problem(script.path, 1, f"same slug `{script.slug}` as {other.path}: "
                                                    "rename one of the files"))
        by_slug.setdefault(script.slug, script)
        if script.episode is not None:
            if script.episode in by_number:
                other = by_number[script.episode]
                problems.append(Problem(script.path, script.lines.get("episode", 1),
                                        f"episode {script.episode} is also used by {other.path}"))
            by_number.setdefault(script.episode, script)
    return problems


def _guid_problems(scripts: list[Script]) -> list[Problem]:
    """A ``guid:`` that another script also has (set, or derived from its slug)."""
    if not any(script.guid for script in scripts):
        return []  # derived guids differ when slugs do (those are checked on their own)
    problems = []
    by_guid: dict[str, Script] = {}
    for script in scripts:
        guid = script.feed_guid
        other = by_guid.setdefault(guid, script)
        if other is not script:
            culprit, first = (script, other) if script.guid else (other, script)
            problems.append(Problem(culprit.path, culprit.lines.get("guid", 1),
                                    f"guid `{cut(guid)}` is also the guid of {first.path}: "
                                    "apps would show only one of them; give each its own"))
    return problems
