"""`import-gtfs`: a GTFS zip streamed into PostgreSQL, replacing the previous
copy of the feed in one transaction.

Each member is read row by row (zipfile → TextIOWrapper → csv), checked, and
sent with COPY in batches, so memory holds one batch plus the small indexes
needed to check references (stop, route, service and trip ids), never a whole
file. Any error rolls the transaction back: the previous copy of the feed keeps
answering until the new one is complete.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import asyncpg
import msgspec

from service.core import geo
from service.settings import TimetableRules
from service.timetables import repository
from service.timetables.gtfs import (
    CALENDAR_FILES,
    REQUIRED_COLUMNS,
    REQUIRED_FILES,
    GtfsError,
    TerritoryStop,
    check_feed_id,
    normalise_line,
    parse_coordinate,
    parse_date,
    parse_flag,
    parse_int,
    parse_time,
    route_mode,
    same_place,
    station_key,
    uic_from_stop_id,
)

BATCH_ROWS = 5_000
# Served-mode bits of a stop; rail wins when a station sees both.
_MODE_BITS = {"train": 1, "bus": 2}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# The columns of each table, after feed_id.
_STOP_COLUMNS = ("stop_id", "name", "lat", "lon", "location_type", "parent_station", "uic", "station_key")
_ROUTE_COLUMNS = ("route_id", "short_name", "long_name", "route_type", "mode", "line_key")
_CALENDAR_COLUMNS = ("service_id", *_WEEKDAYS, "start_date", "end_date")
_CALENDAR_DATE_COLUMNS = ("service_id", "date", "exception_type")
_TRIP_COLUMNS = ("trip_id", "route_id", "service_id", "short_name", "headsign", "train_key")
_STOP_TIME_COLUMNS = ("trip_id", "stop_sequence", "stop_id", "arrival_seconds", "departure_seconds")


class ImportSummary(msgspec.Struct, frozen=True):
    feed_id: str
    file_name: str
    sha256: str
    stops: int
    routes: int
    trips: int
    stop_times: int
    calendars: int
    calendar_dates: int
    # stations and stops of the feed now known as arrival stops (config rows excepted)
    arrival_stops: int
    seconds: float


class _Stop(NamedTuple):
    name: str
    lat: float | None
    lon: float | None
    parent: str | None
    uic: str | None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_archive(archive: zipfile.ZipFile, rules: TimetableRules) -> None:
    """Refuse what would be costly to read before reading any of it."""
    members = archive.infolist()
    if len(members) > rules.max_members:
        raise GtfsError(f"the archive has {len(members)} files, more than the {rules.max_members} allowed")
    # zipfile never yields more than a member's declared size (the CRC check
    # fails instead), so the declared sizes bound what will be decompressed
    total = sum(member.file_size for member in members)
    if total > rules.max_uncompressed_bytes:
        raise GtfsError(f"the archive expands to {total} bytes, more than the {rules.max_uncompressed_bytes} allowed")
    for member in members:
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise GtfsError("compression method not supported (stored or deflate only)", file=member.filename)
        if member.flag_bits & 0x1:
            raise GtfsError("encrypted members are not supported", file=member.filename)
    names = {member.filename for member in members}
    for name in REQUIRED_FILES:
        if name not in names:
            raise GtfsError("required file missing from the archive", file=name)
    if not names.intersection(CALENDAR_FILES):
        raise GtfsError("the feed needs calendar.txt or calendar_dates.txt")


@contextmanager
def open_feed(path: Path, rules: TimetableRules) -> Iterator[zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise GtfsError(f"{path.name}: not a readable zip archive ({exc})") from exc
    with archive:
        check_archive(archive, rules)
        yield archive


class _Table:
    """One CSV member being read; rows come padded to the header's width."""

    def __init__(self, name: str, header: list[str], reader: Any) -> None:
        self.name = name
        self.header = header
        self._reader = reader

    def index(self, name: str) -> int:
        """Where a required column is (read_table has checked that it is there)."""
        return self.header.index(name)

    def column(self, name: str) -> int | None:
        """Where an optional column is, if the file has it."""
        return self.header.index(name) if name in self.header else None

    def rows(self) -> Iterator[list[str]]:
        width = len(self.header)
        for row in self._reader:
            if not row or row == [""]:
                continue
            if len(row) < width:
                row.extend([""] * (width - len(row)))
            yield row

    @property
    def line(self) -> int:
        return self._reader.line_num

    def error(self, message: str) -> GtfsError:
        return GtfsError(message, file=self.name, line=self.line)


def _bounded_lines(text: io.TextIOWrapper, name: str, max_chars: int) -> Iterator[str]:
    number = 0
    while True:
        line = text.readline(max_chars + 1)
        if not line:
            return
        number += 1
        if len(line) > max_chars:
            raise GtfsError(f"line longer than {max_chars} characters", file=name, line=number)
        yield line


@contextmanager
def read_table(archive: zipfile.ZipFile, name: str, rules: TimetableRules) -> Iterator[_Table]:
    reader = None
    try:
        with archive.open(name) as raw:
            # utf-8-sig drops the byte-order mark many feeds start with
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reader = csv.reader(_bounded_lines(text, name, rules.max_line_chars))
            header = [column.strip() for column in next(reader, [])]
            if not any(header):
                raise GtfsError("empty file (no header line)", file=name, line=1)
            for column in REQUIRED_COLUMNS[name]:
                if column not in header:
                    raise GtfsError(f"required column {column!r} missing", file=name, line=1)
            yield _Table(name, header, reader)
    except (UnicodeDecodeError, csv.Error, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        # decoding runs ahead of the csv reader by a buffer: the line is a lower bound
        read = reader.line_num if reader is not None else 0
        raise GtfsError(f"unreadable after line {read} ({exc})", file=name) from exc


def _optional(row: list[str], column: int | None) -> str | None:
    """The value of an optional column, None when the file lacks it or the field is empty."""
    return (row[column].strip() or None) if column is not None else None


class _Copier:
    """Rows for one table, sent with COPY every BATCH_ROWS."""

    def __init__(self, conn: asyncpg.Connection, file_name: str, table: str, columns: tuple[str, ...]) -> None:
        self._conn, self._file, self._table, self._columns = conn, file_name, table, columns
        self._batch: list[tuple[Any, ...]] = []
        self.count = 0

    def add(self, record: tuple[Any, ...]) -> bool:
        """Queue a row; True when the batch is full and should be flushed."""
        self._batch.append(record)
        return len(self._batch) >= BATCH_ROWS

    async def flush(self) -> None:
        if not self._batch:
            return
        try:
            await repository.copy_rows(self._conn, self._table, self._columns, self._batch)
        except (asyncpg.UniqueViolationError, asyncpg.CheckViolationError) as exc:
            message = exc.args[0] if exc.args else type(exc).__name__
            raise GtfsError(f"{message} ({exc.detail})" if exc.detail else message, file=self._file) from exc
        self.count += len(self._batch)
        self._batch = []


class _FeedLoader:
    """Reads the members in dependency order, checking each reference as it goes.

    Each `_*_records` generator turns one file's rows into table rows (without the
    feed id) and remembers what the later files refer to; `_copy` sends them.
    """

    def __init__(self, conn: asyncpg.Connection, archive: zipfile.ZipFile, feed_id: str, rules: TimetableRules) -> None:
        self.conn, self.archive, self.feed_id, self.rules = conn, archive, feed_id, rules
        self.stops: dict[str, _Stop] = {}
        self.route_modes: dict[str, int] = {}
        self.services: set[str] = set()
        self.trip_modes: dict[str, int] = {}
        self.served: dict[str, int] = {}
        self.counts: dict[str, int] = {}

    async def load(self) -> None:
        names = set(self.archive.namelist())
        steps = (
            ("stops.txt", "gtfs_stops", _STOP_COLUMNS, self._stop_records),
            ("routes.txt", "gtfs_routes", _ROUTE_COLUMNS, self._route_records),
            ("calendar.txt", "gtfs_calendar", _CALENDAR_COLUMNS, self._calendar_records),
            ("calendar_dates.txt", "gtfs_calendar_dates", _CALENDAR_DATE_COLUMNS, self._calendar_date_records),
            ("trips.txt", "gtfs_trips", _TRIP_COLUMNS, self._trip_records),
            ("stop_times.txt", "gtfs_stop_times", _STOP_TIME_COLUMNS, self._stop_time_records),
        )
        for name, table, columns, records in steps:
            self.counts[name] = await self._copy(name, table, columns, records) if name in names else 0

    async def _copy(
        self, name: str, table_name: str, columns: tuple[str, ...], records: Callable[[_Table], Iterator[tuple]]
    ) -> int:
        copier = _Copier(self.conn, name, table_name, ("feed_id", *columns))
        feed_id = self.feed_id
        with read_table(self.archive, name, self.rules) as table:
            for record in records(table):
                if copier.add((feed_id, *record)):
                    await copier.flush()
        await copier.flush()
        return copier.count

    def _stop_records(self, table: _Table) -> Iterator[tuple]:
        c_id, c_name, c_lat, c_lon = (table.index(c) for c in ("stop_id", "stop_name", "stop_lat", "stop_lon"))
        c_type, c_parent = table.column("location_type"), table.column("parent_station")
        parents: list[tuple[int, str]] = []
        for row in table.rows():
            try:
                stop_id = row[c_id].strip()
                if not stop_id:
                    raise ValueError("stop_id is empty")
                if stop_id in self.stops:
                    raise ValueError(f"stop_id {stop_id!r} appears twice")
                location_type = parse_int(row[c_type]) if c_type is not None and row[c_type] else 0
                if location_type > 4:
                    raise ValueError(f"location_type {location_type} is not 0 to 4")
                has_position = row[c_lat] != "" and row[c_lon] != ""
                if not has_position and location_type <= 2:
                    raise ValueError(f"stop {stop_id!r} has no stop_lat/stop_lon")
                lat = parse_coordinate(row[c_lat], 90) if has_position else None
                lon = parse_coordinate(row[c_lon], 180) if has_position else None
            except ValueError as exc:
                raise table.error(str(exc)) from None
            parent = (row[c_parent].strip() or None) if c_parent is not None else None
            if parent is not None:
                parents.append((table.line, parent))
            name = row[c_name].strip() or stop_id
            uic = uic_from_stop_id(stop_id) or uic_from_stop_id(parent)
            self.stops[stop_id] = _Stop(name, lat, lon, parent, uic)
            yield stop_id, name, lat, lon, location_type, parent, uic, station_key(stop_id, parent)
        for line, parent in parents:
            if parent not in self.stops:
                raise GtfsError(f"parent_station {parent!r} is not a stop of the feed", file=table.name, line=line)

    def _route_records(self, table: _Table) -> Iterator[tuple]:
        c_id, c_type = table.index("route_id"), table.index("route_type")
        c_short, c_long = table.column("route_short_name"), table.column("route_long_name")
        for row in table.rows():
            try:
                route_id = row[c_id].strip()
                if route_id in self.route_modes:
                    raise ValueError(f"route_id {route_id!r} appears twice")
                route_type = parse_int(row[c_type])
            except ValueError as exc:
                raise table.error(str(exc)) from None
            short_name = _optional(row, c_short)
            mode = route_mode(route_type)
            self.route_modes[route_id] = _MODE_BITS[mode] if mode else 0
            yield route_id, short_name, _optional(row, c_long), route_type, mode, normalise_line(short_name)

    def _calendar_records(self, table: _Table) -> Iterator[tuple]:
        c_id, c_start, c_end = (table.index(c) for c in ("service_id", "start_date", "end_date"))
        c_days = [table.index(day) for day in _WEEKDAYS]
        for row in table.rows():
            try:
                service_id = row[c_id].strip()
                if service_id in self.services:
                    raise ValueError(f"service_id {service_id!r} appears twice")
                days = tuple(parse_flag(row[c].strip()) for c in c_days)
                start, end = parse_date(row[c_start].strip()), parse_date(row[c_end].strip())
                if end < start:
                    raise ValueError("end_date is before start_date")
            except ValueError as exc:
                raise table.error(str(exc)) from None
            self.services.add(service_id)
            yield service_id, *days, start, end

    def _calendar_date_records(self, table: _Table) -> Iterator[tuple]:
        c_id, c_date, c_type = (table.index(c) for c in ("service_id", "date", "exception_type"))
        for row in table.rows():
            try:
                service_id = row[c_id].strip()
                day = parse_date(row[c_date].strip())
                exception_type = parse_int(row[c_type].strip())
                if exception_type not in (1, 2):
                    raise ValueError(f"exception_type {exception_type} is neither 1 (added) nor 2 (removed)")
            except ValueError as exc:
                raise table.error(str(exc)) from None
            self.services.add(service_id)
            yield service_id, day, exception_type

    def _trip_records(self, table: _Table) -> Iterator[tuple]:
        c_route, c_service, c_id = (table.index(c) for c in ("route_id", "service_id", "trip_id"))
        c_short, c_headsign = table.column("trip_short_name"), table.column("trip_headsign")
        for row in table.rows():
            trip_id, route_id, service_id = row[c_id].strip(), row[c_route].strip(), row[c_service].strip()
            if not trip_id:
                raise table.error("trip_id is empty")
            if trip_id in self.trip_modes:
                raise table.error(f"trip_id {trip_id!r} appears twice")
            mode_bits = self.route_modes.get(route_id)
            if mode_bits is None:
                raise table.error(f"route_id {route_id!r} is not in routes.txt")
            if service_id not in self.services:
                raise table.error(f"service_id {service_id!r} is in neither calendar.txt nor calendar_dates.txt")
            self.trip_modes[trip_id] = mode_bits
            short_name = _optional(row, c_short)
            yield trip_id, route_id, service_id, short_name, _optional(row, c_headsign), normalise_line(short_name)

    def _stop_time_records(self, table: _Table) -> Iterator[tuple]:
        c_trip, c_sequence, c_stop, c_arrival, c_departure = (
            table.index(c) for c in ("trip_id", "stop_sequence", "stop_id", "arrival_time", "departure_time")
        )
        trip_modes, stops, served = self.trip_modes, self.stops, self.served
        for row in table.rows():
            trip_id, stop_id = row[c_trip].strip(), row[c_stop].strip()
            mode_bits = trip_modes.get(trip_id)
            if mode_bits is None:
                raise table.error(f"trip_id {trip_id!r} is not in trips.txt")
            if stop_id not in stops:
                raise table.error(f"stop_id {stop_id!r} is not in stops.txt")
            try:
                sequence = parse_int(row[c_sequence])
                arrival = parse_time(row[c_arrival])
                departure = parse_time(row[c_departure])
            except ValueError as exc:
                raise table.error(str(exc)) from None
            # a stop with only one of the two times: GTFS lets them stand for each other
            if arrival is None:
                arrival = departure
            elif departure is None:
                departure = arrival
            served[stop_id] = served.get(stop_id, 0) | mode_bits
            yield trip_id, sequence, stop_id, arrival, departure

    def arrival_stop_rows(
        self, territory: Sequence[TerritoryStop], boundary: Sequence[geo.LatLon], radius_m: float
    ) -> list[tuple[Any, ...]]:
        """Rows for the service's `stops` table: the stations (or parentless stops) trains or
        buses serve. One that is a stop of the territory under another id takes its OT and
        standing and names it in `same_as`."""
        station_bits: dict[str, int] = {}
        for stop_id, bits in self.served.items():
            if not bits:
                continue
            target = self.stops[stop_id].parent or stop_id
            station_bits[target] = station_bits.get(target, 0) | bits
        with_ot = [((stop.lat, stop.lon), stop.ot_id) for stop in territory if stop.ot_id is not None]
        rows = []
        for stop_id, bits in station_bits.items():
            stop = self.stops[stop_id]
            if stop.lat is None or stop.lon is None:
                continue
            mode = "train" if bits & _MODE_BITS["train"] else "bus"
            position = (stop.lat, stop.lon)
            known = same_place(position, mode, stop.uic, territory, radius_m, stop.name)
            if known is not None and known.id != stop_id:
                rows.append(
                    (stop_id, stop.name, mode, *position, stop.uic, known.ot_id, known.in_lot, known.gateway, known.id)
                )
                continue
            ot_id = geo.nearest(position, with_ot)
            in_lot = geo.point_in_polygon(position, boundary)
            rows.append((stop_id, stop.name, mode, *position, stop.uic, ot_id, in_lot, False, None))
        return rows


async def import_feed(
    conn: asyncpg.Connection,
    path: Path,
    feed_id: str,
    *,
    boundary: Sequence[geo.LatLon],
    rules: TimetableRules | None = None,
) -> ImportSummary:
    """Load the GTFS zip at `path` as feed `feed_id`, replacing its previous copy atomically.
    `boundary` (the Lot's outline) tells which of its stops are in the Lot."""
    rules = rules or TimetableRules()
    check_feed_id(feed_id)
    started = time.perf_counter()
    sha256 = file_sha256(path)
    with open_feed(path, rules) as archive:
        async with conn.transaction():
            await repository.lock_feed(conn, feed_id)
            await repository.delete_feed_rows(conn, feed_id)
            loader = _FeedLoader(conn, archive, feed_id, rules)
            await loader.load()
            territory = await repository.territory_stops(conn)
            arrival_rows = loader.arrival_stop_rows(territory, boundary, rules.same_place_radius_m)
            arrival_stops = await repository.upsert_arrival_stops(conn, feed_id, arrival_rows)
            await repository.analyze_feed_tables(conn)
            counts = {name.removesuffix(".txt"): count for name, count in loader.counts.items()}
            await repository.record_feed(conn, feed_id, path.name, sha256, counts)
    return ImportSummary(
        feed_id=feed_id,
        file_name=path.name,
        sha256=sha256,
        **{name: counts[name] for name in ("stops", "routes", "trips", "stop_times", "calendar_dates")},
        calendars=counts["calendar"],
        arrival_stops=arrival_stops,
        seconds=round(time.perf_counter() - started, 3),
    )
