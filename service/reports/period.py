"""Report periods: Lot days, both ends included. No I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from service.core.errors import Problem

# A dashboard may span a few seasons, not the whole history at once.
MAX_PERIOD_DAYS = 3 * 366
# No pass was issued before the scheme began, nor a year ahead: such a period is a mistake
# (and years 1 or 9999 would overflow the date arithmetic).
EARLIEST_REPORT_DAY = date(2020, 1, 1)
LATEST_AHEAD = timedelta(days=366)


def _a_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def a_year_earlier(self) -> Period:
        return Period(_a_year_before(self.start), _a_year_before(self.end))

    def full_weeks(self) -> tuple[date, date]:
        """(first, last) Monday of the ISO weeks wholly inside the period; the days
        before `first` and from `last` + 7 on are its edges. Without a full week,
        `last` is `first` - 7, so the edges are the whole period."""
        first = self.start + timedelta(days=(7 - self.start.weekday()) % 7)
        last = self.end - timedelta(days=(self.end.weekday() + 1) % 7 + 6)
        return (first, last) if first <= last else (first, first - timedelta(days=7))


def resolve(start: date | None, end: date | None, today: date, season_of: Callable[[date], date]) -> Period:
    """The asked period; by default this season to date (without `from`: from the start
    of the season `to` falls in)."""
    end = end or today
    if not EARLIEST_REPORT_DAY <= end <= today + LATEST_AHEAD or (start is not None and start < EARLIEST_REPORT_DAY):
        raise Problem(400, "report.invalid_period")
    start = start or season_of(end)
    if start > end or (end - start).days > MAX_PERIOD_DAYS:
        raise Problem(400, "report.invalid_period")
    return Period(start, end)


def iso_week(monday: str) -> str:
    """The report's key of a week from its Monday: "2026-11-30" → "2026-W49"."""
    year, week, _ = date.fromisoformat(monday).isocalendar()
    return f"{year}-W{week:02d}"
