"""The GTFS format as this service reads it: files, columns, field parsers and
the keys a visitor's words are matched on. No I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Literal, NamedTuple

from service.core.geo import LatLon, haversine_km
from service.core.text import place_name

Mode = Literal["train", "bus"]

SECONDS_PER_DAY = 86_400

# The files the service needs and, for each, the columns it cannot do without.
# calendar.txt and calendar_dates.txt are each optional, but not both.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "stops.txt": ("stop_id", "stop_name", "stop_lat", "stop_lon"),
    "routes.txt": ("route_id", "route_type"),
    "calendar.txt": (
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_sequence", "stop_id", "arrival_time", "departure_time"),
}
REQUIRED_FILES = ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
CALENDAR_FILES = ("calendar.txt", "calendar_dates.txt")

FEED_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
# SNCF ids embed the station's UIC code: StopArea:OCE87613000, StopPoint:OCETrain TER-87613000
_UIC_IN_ID = re.compile(r"OCE(?:[A-Za-z][A-Za-z ]*-)?([0-9]{8})$")
_DATE = re.compile(r"^[0-9]{8}$")


class GtfsError(Exception):
    """A feed that cannot be imported; says which file and line when it knows."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        where = file if line is None else f"{file}, line {line}"
        super().__init__(f"{where}: {message}" if where else message)
        self.reason = message
        self.file = file
        self.line = line


def check_feed_id(feed_id: str) -> str:
    # 'config' marks the stops of config/territory.toml in the `stops` table
    if not FEED_ID.match(feed_id) or feed_id == "config":
        raise GtfsError(f"feed id {feed_id!r}: 1 to 40 lower-case letters, digits, '-' or '_' (and not 'config')")
    return feed_id


def parse_time(value: str) -> int | None:
    """'H:MM:SS' (hours may pass 24) as seconds from the service day's start; '' is None."""
    if not value:
        return None
    parts = value.strip().split(":")
    if len(parts) != 3 or not all(part.isdigit() for part in parts) or len(parts[1]) != 2 or len(parts[2]) != 2:
        raise ValueError(f"{value!r} is not a GTFS time (H:MM:SS)")
    hours, minutes, seconds = (int(part) for part in parts)
    if minutes > 59 or seconds > 59:
        raise ValueError(f"{value!r} is not a GTFS time (H:MM:SS)")
    return hours * 3600 + minutes * 60 + seconds


def parse_date(value: str) -> date:
    if not _DATE.match(value):
        raise ValueError(f"{value!r} is not a GTFS date (YYYYMMDD)")
    return date(int(value[:4]), int(value[4:6]), int(value[6:]))


def parse_flag(value: str) -> bool:
    if value not in ("0", "1"):
        raise ValueError(f"{value!r} is neither 0 nor 1")
    return value == "1"


def parse_int(value: str, *, minimum: int = 0) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an integer") from None
    if number < minimum:
        raise ValueError(f"{number} is below {minimum}")
    return number


def parse_coordinate(value: str, limit: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not -limit <= number <= limit:
        raise ValueError(f"{number} is out of range")
    return number


def route_mode(route_type: int) -> Mode | None:
    """Rail → train, bus and coach → bus (basic and extended GTFS route types)."""
    if route_type == 2 or 100 <= route_type <= 199:
        return "train"
    if route_type == 3 or 200 <= route_type <= 299 or 700 <= route_type <= 799:
        return "bus"
    return None


def normalise_line(text: str | None) -> str | None:
    """The key a line or train number is matched on: 'ter 871 234' → '871234', ' 889' → '889'."""
    if not text:
        return None
    key = "".join(text.split()).upper()
    if key.startswith("TER") and len(key) > 3:
        key = key[3:].lstrip("-_") or key
    return key or None


def uic_from_stop_id(stop_id: str | None) -> str | None:
    if not stop_id:
        return None
    match = _UIC_IN_ID.search(stop_id)
    return match[1] if match else None


def station_key(stop_id: str, parent_station: str | None) -> str:
    """What the stops of one station share: their UIC code, else their parent, else the stop itself."""
    uic = uic_from_stop_id(stop_id) or uic_from_stop_id(parent_station)
    if uic:
        return f"uic:{uic}"
    return parent_station or stop_id


def station_keys_of(stop_id: str) -> list[str]:
    """The station keys a stop id may stand for, before looking at any feed."""
    uic = uic_from_stop_id(stop_id)
    return [stop_id, f"uic:{uic}"] if uic else [stop_id]


class TerritoryStop(NamedTuple):
    """A stop of config/territory.toml, as a feed's stops are matched to it."""

    id: str
    mode: str
    lat: float
    lon: float
    uic: str | None
    ot_id: str | None
    in_lot: bool
    gateway: bool
    name: str | None = None


# Two stops of one mode and one name (once written alike) this close are one place: a
# bus station's bays or a feed's rougher position, not two towns' stops.
SAME_NAME_RADIUS_M = 1000


def same_place(
    position: LatLon,
    mode: str,
    uic: str | None,
    territory: Sequence[TerritoryStop],
    radius_m: float,
    name: str | None = None,
) -> TerritoryStop | None:
    """The territory's stop a feed's station (or parentless stop) is: the station of its
    UIC code, else the closest stop of its mode within `radius_m`, else the closest of its
    mode and name within `SAME_NAME_RADIUS_M`. (A feed stop whose parent station has the
    territory's id is already that stop.) None: a new place."""
    if uic is not None:
        for stop in territory:
            if stop.uic == uic and stop.mode == mode:
                return stop
    wanted = place_name(name) if name else None
    best: tuple[float, TerritoryStop] | None = None
    for stop in territory:
        if stop.mode != mode:
            continue
        metres = haversine_km(position, (stop.lat, stop.lon)) * 1000
        named_alike = wanted is not None and stop.name is not None and place_name(stop.name) == wanted
        reach = max(radius_m, SAME_NAME_RADIUS_M) if named_alike else radius_m
        if metres <= reach and (best is None or metres < best[0]):
            best = (metres, stop)
    return best[1] if best else None
