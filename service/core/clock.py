"""Dates as people in the Lot see them: the one place that turns UTC into the Lot's time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from service.settings import Settings


def now_utc() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def to_local(moment: datetime, timezone: str) -> datetime:
    """`moment` (aware) as a wall-clock time in `timezone`, e.g. the Lot's Europe/Paris."""
    return moment.astimezone(_zone(timezone))


def local_date(settings: Settings, moment: datetime | None = None) -> date:
    return to_local(moment or now_utc(), settings.config.territory.timezone).date()
