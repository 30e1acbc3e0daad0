"""The build's clock: what "now" is for scheduled release and for the grace period of old files.

Tests (and a writer checking what a build on release day will publish) move it with the
``RTR_AUDIO_NOW`` environment variable: an ISO 8601 date-time with a zone, such as
``2026-12-04T09:00:00+00:00`` or ``2026-12-04T10:00Z``. Unset, it is the system clock.

Nothing heavy is imported here: the up-to-date check asks it whether its stamp has expired.
"""

from __future__ import annotations

import datetime as dt
import os

from rtr_audio.errors import RtrError

ENV = "RTR_AUDIO_NOW"


def now() -> dt.datetime:
    """The current time, timezone-aware in UTC, to the second (what RSS dates carry).

    Raises RtrError when ``RTR_AUDIO_NOW`` is set but is not a date-time with a zone.
    """
    given = os.environ.get(ENV, "").strip()
    if not given:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    moment = parse(given)
    if moment is None:  # also a moment that is only outside years 1-9999 in UTC
        raise RtrError(f"{ENV}={given[:40]!r} is not a date-time with a zone, "
                       "like 2026-12-04T09:00:00+00:00")
    return moment.replace(microsecond=0)


def parse(text: object) -> dt.datetime | None:
    """An ISO 8601 date-time with a zone (as this module writes them) in UTC, else None.

    None too when the moment in UTC falls outside years 1-9999 (``9999-12-31T23:59-05:00``).
    """
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
        return moment.astimezone(dt.UTC) if moment.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None


def stamp(moment: dt.datetime) -> str:
    """``moment`` as written in the build state: ISO 8601 in UTC, to the second."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def shown(moment: dt.datetime) -> str:
    """``moment`` for a person: ``2026-12-04 09:00 UTC`` (seconds only when not zero)."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%d %H:%M:%S UTC" if utc.second else "%Y-%m-%d %H:%M UTC")
