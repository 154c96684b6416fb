"""Dates as people in the Lot see them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from service.settings import Settings


def local_date(settings: Settings, moment: datetime | None = None) -> date:
    tz = ZoneInfo(settings.config.territory.timezone)
    return (moment or datetime.now(UTC)).astimezone(tz).date()


def season_start(settings: Settings, day: date | None = None) -> date:
    """The first day of the season that `day` (default: today in the Lot) belongs to."""
    day = day or local_date(settings)
    month, first = settings.config.rules.reports.season_month_day
    start = date(day.year, month, first)
    return start if start <= day else date(day.year - 1, month, first)
