"""Dates as people in the Lot see them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from service.settings import Settings


def local_date(settings: Settings, moment: datetime | None = None) -> date:
    tz = ZoneInfo(settings.config.territory.timezone)
    return (moment or datetime.now(UTC)).astimezone(tz).date()
