"""Does a trip of that line or train arrive at that stop, that day, about then?

The station is every stop sharing a station key (UIC code, parent station) with
the declared stop, in any feed. The candidates come from one query (the
station's stops, the time windows, the line); whether each one's service runs
that day is decided here with the pure calendar rules, and the closest in time
wins. Its distance from the trip's first stop is summed stop to stop.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Final

import asyncpg
import msgspec

from service.core.db import from_row
from service.core.geo import path_km
from service.timetables import repository
from service.timetables.calendar import ServiceCalendar, runs_on
from service.timetables.gtfs import SECONDS_PER_DAY, normalise_line, station_keys_of

# Service days looked at around the declared date: a trip of the previous service
# day may arrive after midnight (times past 24:00:00), and one of the next day
# may arrive within the tolerance of a declared time just before midnight.
_SERVICE_DAY_OFFSETS: Final = (-1, 0, 1)


class TripMatch(msgspec.Struct, frozen=True):
    feed_id: str
    trip_id: str
    route_short_name: str | None
    trip_short_name: str | None
    # the GTFS stop the trip serves (a platform of the declared station, or the stop itself)
    stop_id: str
    # the day the trip's service runs, and the calendar date and time it arrives
    service_date: date
    arrival_date: date
    scheduled_arrival: time
    # declared minus scheduled, in minutes
    offset_minutes: int
    # along the trip's stops, from its first stop to the arrival stop (for CO2)
    distance_km: float


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def time_windows(arrival: time, tolerance_minutes: int) -> list[tuple[int, int, int]]:
    """(service day offset, earliest, latest) in seconds of that service day, for the declared time."""
    declared = _seconds(arrival)
    tolerance = tolerance_minutes * 60
    windows = []
    for offset in _SERVICE_DAY_OFFSETS:
        centre = declared - offset * SECONDS_PER_DAY
        if centre + tolerance >= 0:
            windows.append((offset, max(0, centre - tolerance), centre + tolerance))
    return windows


def _calendar(row: asyncpg.Record) -> ServiceCalendar | None:
    if row["start_date"] is None:
        return None
    weekdays = (
        row["monday"],
        row["tuesday"],
        row["wednesday"],
        row["thursday"],
        row["friday"],
        row["saturday"],
        row["sunday"],
    )
    return ServiceCalendar(weekdays, row["start_date"], row["end_date"])


async def find_arrival(
    conn: asyncpg.Connection,
    *,
    stop_id: str,
    service_date: date,
    line: str,
    arrival_time: time,
    tolerance_minutes: int,
    mode: str,
) -> TripMatch | None:
    """The trip of `line` (route short name or train number) of `mode` arriving at the
    station of `stop_id` closest to `arrival_time` on `service_date`, within the tolerance."""
    line_key = normalise_line(line)
    if line_key is None:
        return None
    declared = _seconds(arrival_time)
    keys = {*station_keys_of(stop_id), *await repository.station_keys(conn, stop_id)}
    candidates = await repository.arrival_candidates(
        conn,
        station_keys=sorted(keys),
        service_date=service_date,
        windows=time_windows(arrival_time, tolerance_minutes),
        mode=mode,
        line_key=line_key,
    )
    best: tuple[tuple[int, str, str], int, asyncpg.Record] | None = None
    for row in candidates:
        if not runs_on(service_date + timedelta(days=row["day_offset"]), _calendar(row), row["exception_type"]):
            continue
        offset = declared - (row["arrival_seconds"] + row["day_offset"] * SECONDS_PER_DAY)
        rank = (abs(offset), row["feed_id"], row["trip_id"])
        if best is None or rank < best[0]:
            best = (rank, offset, row)
    if best is None:
        return None
    _, offset, row = best
    service_day = service_date + timedelta(days=row["day_offset"])
    days_after, seconds_of_day = divmod(row["arrival_seconds"], SECONDS_PER_DAY)
    hours, remainder = divmod(seconds_of_day, 3600)
    path = await repository.trip_path(conn, row["feed_id"], row["trip_id"], row["stop_sequence"])
    return from_row(
        TripMatch,
        row,
        service_date=service_day,
        arrival_date=service_day + timedelta(days=days_after),
        scheduled_arrival=time(hours, remainder // 60, remainder % 60),
        offset_minutes=round(offset / 60),
        distance_km=round(path_km(path), 1),
    )


async def has_timetable(conn: asyncpg.Connection, mode: str) -> bool:
    """Whether any imported feed has routes of `mode`: without one, claims stay on the static rules."""
    return await repository.has_timetable(conn, mode)
