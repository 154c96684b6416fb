"""Opening hours as a SIT states them (schema.org's OpeningHoursSpecification), and what
they say of one day of the Lot: open (at which hours), closed, or not known. Pure.

An opening applies from `valid_from` to `valid_through` (either open-ended) on its days
(none listed: every day); of those that apply to a day, the most particular say it — a
season's over the whole year's, a named day's over every day's. On a French public
holiday the openings that name `PublicHolidays` apply, when any does, instead of the
weekday's. `opens` and `closes` both "00:00" is schema.org's way to say closed all day.
A day that no opening covers is a closed day: the SIT lists when a site opens, not when
it does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache
from typing import Literal

import msgspec

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PUBLIC_HOLIDAYS = "PublicHolidays"
DAY_NAMES = frozenset({*WEEKDAYS, PUBLIC_HOLIDAYS})
_MIDNIGHT = "00:00"


class Opening(msgspec.Struct, frozen=True, omit_defaults=True, forbid_unknown_fields=True):
    days: tuple[str, ...] = ()  # WEEKDAYS and PUBLIC_HOLIDAYS; empty: every day
    opens: str | None = None  # "HH:MM", the Lot's time
    closes: str | None = None
    valid_from: date | None = None
    valid_through: date | None = None

    def covers(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_through is None or day <= self.valid_through
        )


class DayHours(msgspec.Struct, frozen=True):
    state: Literal["open", "closed", "unknown"]
    # (opens, closes) in order; empty when open at hours the SIT does not give
    spans: tuple[tuple[str, str], ...] = ()


UNKNOWN = DayHours("unknown")
CLOSED = DayHours("closed")


def on_day(openings: Sequence[Opening] | None, day: date) -> DayHours:
    """What `openings` say of `day` (a date of the Lot)."""
    if not openings:
        return UNKNOWN
    current = [opening for opening in openings if opening.covers(day)]
    holiday = [opening for opening in current if PUBLIC_HOLIDAYS in opening.days]
    if holiday and day in public_holidays(day.year):
        applying = holiday
    else:
        weekday = WEEKDAYS[day.weekday()]
        applying = [opening for opening in current if not opening.days or weekday in opening.days]
    if not applying:
        return CLOSED
    # the most particular openings say it: a season's over the whole year's, a day's over every day's
    most = max(_particular(opening) for opening in applying)
    applying = [opening for opening in applying if _particular(opening) == most]
    spans = sorted({(o.opens, o.closes) for o in applying if o.opens and o.closes} - {(_MIDNIGHT, _MIDNIGHT)})
    if spans:
        return DayHours("open", tuple(spans))  # type: ignore[arg-type]
    if any(o.opens is None or o.closes is None for o in applying):
        return DayHours("open")  # at hours the SIT does not give
    return CLOSED  # closed all day, as the SIT says


def _particular(opening: Opening) -> tuple[bool, bool]:
    return (opening.valid_from is not None or opening.valid_through is not None, bool(opening.days))


def week(openings: Sequence[Opening] | None, monday: date) -> list[tuple[date, DayHours]]:
    """The seven days from `monday`, each with what the openings say of it."""
    return [(monday + timedelta(days=n), on_day(openings, monday + timedelta(days=n))) for n in range(7)]


@cache
def public_holidays(year: int) -> frozenset[date]:
    """France's public holidays (jours fériés) of `year`, those of the whole mainland."""
    easter = _easter(year)
    return frozenset(
        {
            date(year, 1, 1),
            easter + timedelta(days=1),  # lundi de Pâques
            date(year, 5, 1),
            date(year, 5, 8),
            easter + timedelta(days=39),  # Ascension
            easter + timedelta(days=50),  # lundi de Pentecôte
            date(year, 7, 14),
            date(year, 8, 15),
            date(year, 11, 1),
            date(year, 11, 11),
            date(year, 12, 25),
        }
    )


def _easter(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)
