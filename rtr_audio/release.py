"""When each episode is published, and which ones are scheduled for later.

An episode's publication time (its ``pubDate``) comes from its ``date:``: a date alone is
09:00 UTC that day, a date-time is that instant. A script without ``date:`` is published at the
first build that sees it (``first_seen``, kept in the build state, so it never moves).

Podcast apps sort by ``pubDate`` alone, so no two episodes share one: episodes that land on the
same instant are spread one minute apart in episode order (``episode:`` number, then file
name), which stays the same from build to build. An episode whose time is still ahead of
``now`` is *scheduled*: it stays out of the feed and the page until a build at or after that
time (cron or a systemd timer, see the README) publishes it.

Nothing heavy is imported here: ``check`` lists what is scheduled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rtr_audio.script import Script

DATE_ONLY_TIME = dt.time(9, 0, tzinfo=dt.UTC)  # a `date:` without a time is published then
TIE_STEP = dt.timedelta(minutes=1)  # between episodes that would share a pubDate
UNDATED_STEP = dt.timedelta(seconds=1)  # between undated scripts first seen by one build


@dataclass(frozen=True)
class Release:
    """Publication times (timezone-aware, UTC) of every script, by slug, as of ``now``."""

    times: dict[str, dt.datetime]
    now: dt.datetime

    @classmethod
    def of(cls, scripts: Sequence[Script], first_seen: Mapping[str, dt.datetime],
           now: dt.datetime) -> Release:
        return cls(publication_times(scripts, first_seen, now), now)

    def is_due(self, script: Script) -> bool:
        """Whether ``script`` is published now: its ``date:`` has come, or it has none (even
        with a clock moved back before its first build)."""
        return script.date is None or self.times[script.slug] <= self.now

    def scheduled(self, scripts: Sequence[Script]) -> list[Script]:
        """The scripts still ahead of ``now``, soonest first."""
        return sorted((s for s in scripts if not self.is_due(s)),
                      key=lambda s: self.times[s.slug])

    def next_due(self, scripts: Sequence[Script]) -> dt.datetime | None:
        """When the soonest scheduled script is due (None: nothing is scheduled)."""
        ahead = self.scheduled(scripts)
        return self.times[ahead[0].slug] if ahead else None


def publication_times(scripts: Sequence[Script], first_seen: Mapping[str, dt.datetime],
                      now: dt.datetime) -> dict[str, dt.datetime]:
    """Every script's publication time by slug (see the module's docstring).

    ``scripts`` are in file order; ``first_seen`` holds the recorded first-build times of
    undated scripts (aware). Undated scripts not in it are new: the last of them gets ``now``,
    the ones before it a second earlier each, so they are in file order and none is ahead.
    """
    new = [s for s in scripts if s.date is None and s.slug not in first_seen]
    seen = {**first_seen,
            **{s.slug: now - UNDATED_STEP * (len(new) - 1 - i) for i, s in enumerate(new)}}
    base = {s.slug: _base_time(s, seen) for s in scripts}
    order = {s.slug: i for i, s in enumerate(scripts)}

    def episode_order(script: Script) -> tuple[dt.datetime, bool, int, int]:
        number = script.episode
        return base[script.slug], number is None, number or 0, order[script.slug]

    times: dict[str, dt.datetime] = {}
    previous: dt.datetime | None = None
    for script in sorted(scripts, key=episode_order):
        moment = base[script.slug]
        if previous is not None and moment <= previous:
            moment = previous + TIE_STEP
        times[script.slug] = previous = moment
    return times


def _base_time(script: Script, first_seen: Mapping[str, dt.datetime]) -> dt.datetime:
    """The time ``date:`` asks for, else the first build's (before ties are spread)."""
    if script.date_time is not None:
        return script.date_time.astimezone(dt.UTC)
    if script.date is not None:
        return dt.datetime.combine(script.date, DATE_ONLY_TIME)
    return first_seen[script.slug].astimezone(dt.UTC)
