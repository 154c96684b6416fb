"""Whether a GTFS service runs on a date. No I/O.

calendar.txt gives the weekdays between two dates (inclusive); calendar_dates.txt
adds (exception_type 1) or removes (2) single dates and wins over the calendar.
A service may exist in calendar_dates.txt alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

ADDED = 1
REMOVED = 2


@dataclass(frozen=True)
class ServiceCalendar:
    # Monday first, as date.weekday() counts
    weekdays: tuple[bool, bool, bool, bool, bool, bool, bool]
    start_date: date
    end_date: date


def runs_on(day: date, calendar: ServiceCalendar | None, exception_type: int | None = None) -> bool:
    """`exception_type` is the calendar_dates entry of this service for `day`, if any."""
    if exception_type == ADDED:
        return True
    if exception_type == REMOVED:
        return False
    if calendar is None:
        return False
    return calendar.start_date <= day <= calendar.end_date and calendar.weekdays[day.weekday()]
