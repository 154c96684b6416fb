"""The one clock: moments are UTC, days are the Lot's (Europe/Paris).

Everything that needs "now" or "today" — the service, its tests and benches —
asks here, so that a day never depends on the machine's time zone and the
suite can be run at any fixed moment (libfaketime moves this clock and
PostgreSQL's `now()` together).
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from service.settings import ROOT, Settings, load_config


def now() -> datetime:
    """This moment, timezone-aware, in UTC."""
    return datetime.now(UTC)


def day_in(zone: ZoneInfo, moment: datetime | None = None) -> date:
    """The calendar day in `zone` at `moment` (default: now)."""
    return (moment or now()).astimezone(zone).date()


@functools.lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def to_local(moment: datetime, timezone: str) -> datetime:
    """`moment` (aware) as a wall-clock time in `timezone`, e.g. the Lot's Europe/Paris."""
    return moment.astimezone(_zone(timezone))


def local_date(settings: Settings, moment: datetime | None = None) -> date:
    """The territory's day at `moment` (default: now)."""
    return day_in(_zone(settings.config.territory.timezone), moment)


@functools.cache
def lot_zone() -> ZoneInfo:
    """The territory's zone as the project's config/ names it, for code without
    settings at hand (tests, benches)."""
    return ZoneInfo(load_config(ROOT / "config").territory.timezone)


def lot_today() -> date:
    """Today in the territory, for code without settings at hand (tests, benches)."""
    return day_in(lot_zone())


def season_start(settings: Settings, day: date | None = None) -> date:
    """The first day of the season that `day` (default: today in the Lot) belongs to."""
    day = day or local_date(settings)
    month, first = settings.config.rules.reports.season_month_day
    start = date(day.year, month, first)
    return start if start <= day else date(day.year - 1, month, first)
