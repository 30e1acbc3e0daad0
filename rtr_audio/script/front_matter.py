"""A script's YAML front matter: split from the body, then checked against FRONT_MATTER, the
one description of each key (type, default, help; the README's table is generated from it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

from rtr_audio.errors import Problem, shown
from rtr_audio.schema import Choice, Custom, Invalid, Schema, Text, Where, Whole
from rtr_audio.settings import GAP_KEYS, SHOW, Gaps, ShowSettings, gaps_over
from rtr_audio.yamlsrc import Located

EPISODE_TYPES = ("full", "trailer", "bonus")  # Apple's itunes:episodeType
# Year 1 passes the calendar but not the apps: RFC 822 dates, ID3 and many players cannot hold
# a year before 1970 (Unix time) or after 9998.
FIRST_DATE, LAST_DATE = dt.date(1970, 1, 1), dt.date(9998, 12, 31)

_SHOWS = "show.yml's"
FRONT_MATTER = Schema("front matter", {
    "title": Text(required=True, help="The episode's title."),
    "description": Text(required=True, help="The show notes: feed, page and ID3 comment."),
    "episode": Whole(minimum=0, help="Episode number (itunes:episode), unique in the show."),
    "season": Whole(minimum=1, help="Season number (itunes:season)."),
    "type": Choice(choices=EPISODE_TYPES, default="full",
                   help="Apple's itunes:episodeType."),
    "date": Custom(check=lambda key, value, where: _date(key, value, where),
                   split=lambda d: {"date": d[0], "date_time": d[1]},
                   kind_doc="date (`2026-11-20`) or date-time with zone "
                            "(`2026-12-04T07:30+01:00`)",
                   default_doc="first build",
                   help="Publication date (a date alone is 09:00 UTC). An episode dated in the "
                        "future is scheduled: it stays out of the feed and page until then."),
    "guid": Text(default_doc="derived from the slug",
                 help="The episode's guid; set it before renaming a published episode's file "
                      "so apps don't see it as new."),
    "engine": Text(default_doc=_SHOWS, help="Speech engine for this episode."),
    "voice": Text(default_doc=_SHOWS, help="Voice id for this episode."),
    "rate": replace(SHOW["rate"], default=None, default_doc=_SHOWS,
                    help="Speaking rate for this episode."),
    **{key: replace(SHOW[key], default=None, default_doc=_SHOWS) for key in GAP_KEYS},
    "bed": replace(SHOW["bed"], default=None, default_doc=_SHOWS,
                   help="Sound bed for this episode (a path is relative to the scripts "
                        "folder)."),
}, missing_suffix=" in front matter")
FRONT_MATTER_KEYS = list(FRONT_MATTER.options)


def split_front_matter(
    text: str, path: Path
) -> tuple[str | None, str, int, list[Problem]]:
    """The front matter's text, the body, the body's first file line, and problems (no
    `---` fences: the front matter is None)."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return None, "", 1, [Problem(path, 1, "missing front matter: start the file with a `---` "
                                              "line, then `title:` and `description:`, then `---`")]
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            front = "\n".join(lines[1:index])
            return front, "\n".join(lines[index + 1:]), index + 2, []
    return None, "", 1, [Problem(path, 1, "unterminated front matter: no closing `---` line")]


def validate_front_matter(
    located: Located, path: Path, show: ShowSettings | None
) -> tuple[dict[str, Any], list[Problem]]:
    """The Script fields the front matter sets (gaps merged over the show's), and problems."""
    values, problems = FRONT_MATTER.validate(located, path, missing_line=1)
    values["gaps"] = gaps_over(show.gaps if show else Gaps(), values)
    return values, problems


def _date(key: str, value: object, where: Where) -> tuple[dt.date, dt.datetime | None]:
    """The day, and the exact moment when a time is given (it must carry its zone: a build
    on a server in another zone must publish it at the same instant)."""
    if isinstance(value, str):
        text = value.strip()
        with contextlib.suppress(ValueError):  # not ISO 8601: refused below
            value = (dt.datetime.fromisoformat(text) if len(text) > 10
                     else dt.date.fromisoformat(text))
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise Invalid(f"`date` {shown(value.isoformat())} has a time but no zone; add one, "
                          "like 2026-12-04T07:30+01:00 or 2026-12-04T06:30Z")
        return _in_range(value.date()), value
    if isinstance(value, dt.date):
        return _in_range(value), None
    raise Invalid("`date` must be a date like 2026-11-20 or a date-time with zone like "
                  f"2026-12-04T07:30+01:00, got {shown(value)}")


def _in_range(date: dt.date) -> dt.date:
    if not FIRST_DATE <= date <= LAST_DATE:
        raise Invalid(f"`date` {date.isoformat()} is out of range ({FIRST_DATE.isoformat()} to "
                      f"{LAST_DATE.isoformat()})")
    return date
