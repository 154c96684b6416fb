"""Report periods: Lot days, both ends included. No I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from service.core.errors import Problem

# A dashboard may span a few seasons, not the whole history at once.
MAX_PERIOD_DAYS = 3 * 366


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


def resolve(start: date | None, end: date | None, today: date, season_of: Callable[[date], date]) -> Period:
    """The asked period; by default this season to date (without `from`: from the start
    of the season `to` falls in)."""
    end = end or today
    start = start or season_of(end)
    if start > end or (end - start).days > MAX_PERIOD_DAYS:
        raise Problem(400, "report.invalid_period")
    return Period(start, end)
