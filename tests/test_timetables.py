"""Timetables: GTFS import (streaming, atomic, guarded) and the trip lookup, with
small feeds of the Lot's liO lines and TER trains built in the real format."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from datetime import date, time
from pathlib import Path

import pytest

from service.core import db
from service.core.geo import haversine_km, path_km, point_in_polygon
from service.core.migrations import migrate
from service.settings import ROOT, TimetableRules, load_config
from service.timetables import repository
from service.timetables.calendar import ServiceCalendar, runs_on
from service.timetables.gtfs import (
    GtfsError,
    TerritoryStop,
    check_feed_id,
    normalise_line,
    parse_time,
    route_mode,
    same_place,
    station_key,
    uic_from_stop_id,
)
from service.timetables.importer import file_sha256, import_feed
from service.timetables.lookup import find_arrival, has_timetable, time_windows
from tests.gtfs_factory import (
    STOP_TIMES_HEADER,
    TER_STATIONS,
    TRIPS_HEADER,
    Table,
    lio_tables,
    one_train_tables,
    ter_platform,
    ter_tables,
    write_feed,
)
from tests.helpers import TEST_DATABASE

LIO, TER = "lio-test", "ter-test"
CAHORS = "StopArea:OCE87613000"
TUESDAY, FRIDAY, SATURDAY, SUNDAY, BANK_HOLIDAY = (
    date(2025, 7, 15),
    date(2025, 7, 11),
    date(2025, 7, 12),
    date(2025, 7, 13),
    date(2025, 7, 14),
)


def arrival(conn, stop_id, day, line, at, *, mode="train", tolerance=20):
    hours, minutes = (int(part) for part in at.split(":"))
    return find_arrival(
        conn,
        stop_id=stop_id,
        service_date=day,
        line=line,
        arrival_time=time(hours, minutes),
        tolerance_minutes=tolerance,
        mode=mode,
    )


LOT_BOUNDARY = load_config(ROOT / "config").territory.boundary.points


# --- pure logic -------------------------------------------------------------------


def test_gtfs_times_pass_midnight_and_bad_ones_are_refused():
    assert parse_time("08:30:00") == 8 * 3600 + 30 * 60
    assert parse_time("8:05:09") == 8 * 3600 + 5 * 60 + 9
    assert parse_time("24:05:00") == 86_400 + 300
    assert parse_time("") is None
    for bad in ("25:7:00", "10:60:00", "10h30", "10:30", "-1:00:00"):
        with pytest.raises(ValueError):
            parse_time(bad)


def test_line_and_train_numbers_normalise():
    assert normalise_line("TER 871234") == normalise_line("ter871234") == normalise_line(" 871 234 ") == "871234"
    assert normalise_line("889") == normalise_line(" 889 ") == "889"
    assert normalise_line("TER") == "TER"
    assert normalise_line("") is None and normalise_line("   ") is None


def test_uic_codes_and_station_keys_from_sncf_ids():
    assert uic_from_stop_id("StopArea:OCE87613000") == "87613000"
    assert uic_from_stop_id("StopPoint:OCETrain TER-87613000") == "87613000"
    assert uic_from_stop_id("StopPoint:OCECar TER-87613091") == "87613091"
    assert uic_from_stop_id("lio:cahors-gare-routiere") is None
    assert station_key("StopPoint:OCETrain TER-87613000", "StopArea:OCE87613000") == "uic:87613000"
    assert station_key("lio:cahors-gare-routiere:quai-1", "lio:cahors-gare-routiere") == "lio:cahors-gare-routiere"
    assert station_key("lio:cajarc", None) == "lio:cajarc"


def test_a_feed_stop_is_a_territory_stop_by_uic_code_or_distance():
    territory = [
        TerritoryStop("StopArea:OCE87613000", "train", 44.4492, 1.4331, "87613000", "cahors", True, False),
        TerritoryStop("lio:cahors-gare-routiere", "bus", 44.4490, 1.4345, None, "cahors", True, False),
    ]
    train, bus = territory
    assert same_place((44.0, 1.0), "train", "87613000", territory, 150) == train  # far, but its UIC code
    assert same_place((44.4491, 1.4346), "bus", None, territory, 150) == bus  # 14 m
    assert same_place((44.4492, 1.4332), "bus", None, territory, 150) == bus  # by the station: modes differ
    assert same_place((44.4440, 1.4380), "bus", None, territory, 150) is None  # 600 m
    assert same_place((44.4491, 1.4346), "bus", None, territory, 0) is None


def test_a_feed_stop_of_the_same_name_and_mode_within_a_kilometre_is_the_same_place():
    """Issue 15, row 10: « Figeac – Gare routière » 265 m from « Figeac - Gare routière »."""
    figeac = TerritoryStop(
        "lio:figeac-gare-routiere", "bus", 44.6086, 2.0317, None, "figeac", True, False, "Figeac – Gare routière"
    )
    territory = [figeac]
    at_265_m = (44.6086 + 265 / 111_195, 2.0317)
    assert same_place(at_265_m, "bus", None, territory, 150) is None  # no name: too far
    assert same_place(at_265_m, "bus", None, territory, 150, "Figeac - Gare routiere") == figeac
    assert same_place(at_265_m, "bus", None, territory, 150, "FIGEAC  gare-routière") == figeac
    assert same_place(at_265_m, "train", None, territory, 150, "Figeac - Gare routière") is None  # another mode
    assert same_place(at_265_m, "bus", None, territory, 150, "Figeac - Centre") is None  # another name
    at_1_2_km = (44.6086 + 1200 / 111_195, 2.0317)
    assert same_place(at_1_2_km, "bus", None, territory, 150, "Figeac - Gare routière") is None


def test_route_types_give_modes():
    assert [route_mode(t) for t in (2, 3, 102, 200, 700, 0, 1, 4, 1100)] == [
        "train",
        "bus",
        "train",
        "bus",
        "bus",
        None,
        None,
        None,
        None,
    ]


def test_calendar_weekdays_dates_and_exceptions():
    weekdays = ServiceCalendar((True,) * 5 + (False,) * 2, date(2025, 1, 1), date(2025, 12, 31))
    assert runs_on(TUESDAY, weekdays)
    assert not runs_on(SATURDAY, weekdays)
    assert not runs_on(date(2026, 1, 6), weekdays)  # a Tuesday after the end date
    assert not runs_on(BANK_HOLIDAY, weekdays, exception_type=2)
    assert runs_on(SATURDAY, weekdays, exception_type=1)
    assert runs_on(SUNDAY, None, exception_type=1)  # a service of calendar_dates.txt only
    assert not runs_on(SUNDAY, None)


def test_the_lot_outline_places_the_configured_stops():
    territory = load_config(ROOT / "config").territory
    for stop in territory.stops:
        # gateways (Capdenac, Brive) lie just outside; Lauzerte is in Tarn-et-Garonne
        assert point_in_polygon((stop.lat, stop.lon), LOT_BOUNDARY) == stop.in_lot, stop.name
    assert not point_in_polygon((43.6113, 1.4536), LOT_BOUNDARY)  # Toulouse
    assert 20 <= len(LOT_BOUNDARY) <= 40
    square = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0)]
    assert point_in_polygon((0.5, 0.5), square) and not point_in_polygon((1.5, 0.5), square)


def test_distances():
    cahors, figeac = (44.4492, 1.4331), (44.6035, 2.0371)
    assert haversine_km(cahors, figeac) == pytest.approx(50.6, abs=0.5)
    assert path_km([cahors, figeac, cahors]) == pytest.approx(2 * haversine_km(cahors, figeac))
    assert path_km([cahors]) == 0


def test_time_windows_reach_the_neighbouring_service_days():
    # 00:10 ± 20 min: the previous service day's 24:00 to 24:30, and today's 00:00 to 00:30
    assert time_windows(time(0, 10), 20) == [(-1, 86_400 - 600, 86_400 + 1800), (0, 0, 1800)]
    # 23:55 ± 20 min: also the next service day's first 15 minutes
    late = 23 * 3600 + 55 * 60
    assert time_windows(time(23, 55), 20) == [
        (-1, late + 86_400 - 1200, late + 86_400 + 1200),
        (0, late - 1200, late + 1200),
        (1, 0, late - 86_400 + 1200),
    ]


def test_feed_ids():
    assert check_feed_id("sncf-ter_occitanie") == "sncf-ter_occitanie"
    for bad in ("config", "Bad Id", "", "-lio", "x" * 41):
        with pytest.raises(GtfsError):
            check_feed_id(bad)


# --- imported feeds -----------------------------------------------------------------


@pytest.fixture(scope="module")
async def feeds(app, settings, tmp_path_factory):
    """The liO and TER feeds, imported side by side (the TER one with a BOM and every field quoted)."""
    directory = tmp_path_factory.mktemp("gtfs")
    lio = write_feed(directory / "lio.zip", lio_tables())
    ter = write_feed(directory / "ter.zip", ter_tables(), bom=True, quote_all=True)
    conn = await db.connect(settings.database_url)
    try:
        summaries = {
            LIO: await import_feed(conn, lio, LIO, boundary=LOT_BOUNDARY),
            TER: await import_feed(conn, ter, TER, boundary=LOT_BOUNDARY),
        }
        yield summaries
        for feed_id in summaries:
            await repository.delete_feed(conn, feed_id)
    finally:
        await conn.close()


async def test_import_summary_and_registry(feeds, conn, tmp_path):
    lio = feeds[LIO]
    assert (lio.stops, lio.routes, lio.trips, lio.stop_times, lio.calendars, lio.calendar_dates) == (14, 4, 5, 17, 2, 2)
    # the served stops and stations that are not configured ones: Villesèque and Lauzerte – Collège
    assert lio.arrival_stops == 2
    ter = feeds[TER]
    assert (ter.stops, ter.routes, ter.trips, ter.stop_times, ter.calendars, ter.calendar_dates) == (23, 2, 4, 24, 2, 3)
    # Toulouse, Montauban, Caussade, and Souillac's parentless platform
    assert ter.arrival_stops == 4
    rows = {row["id"]: row for row in await repository.feeds(conn)}
    assert rows[LIO]["sha256"] == lio.sha256 and rows[LIO]["stop_time_count"] == 17
    assert rows[TER]["file_name"] == "ter.zip" and rows[TER]["trip_count"] == 4
    assert await has_timetable(conn, "train") and await has_timetable(conn, "bus")
    assert not await has_timetable(conn, "bike")


async def test_bom_and_quoted_fields_are_read(feeds, conn):
    names = dict(await conn.fetch("SELECT stop_id, name FROM gtfs_stops WHERE feed_id = $1", TER))
    assert names["StopArea:OCE87611004"] == "Toulouse-Matabiau"
    lio_name = await conn.fetchval(
        "SELECT name FROM gtfs_stops WHERE feed_id = $1 AND stop_id = 'lio:saint-cirq-lapopie'", LIO
    )
    assert lio_name == "Saint-Cirq-Lapopie, Tour de Faure"


async def test_train_number_at_a_station_whose_platform_the_train_serves(feeds, conn):
    match = await arrival(conn, CAHORS, TUESDAY, "871234", "10:42")
    assert match is not None
    assert (match.feed_id, match.trip_id, match.trip_short_name) == (TER, "OCESN871234", "871234")
    assert match.stop_id == ter_platform("cahors")
    assert match.scheduled_arrival == time(10, 42) and match.offset_minutes == 0
    assert match.service_date == match.arrival_date == TUESDAY
    # from Toulouse through Montauban and Caussade, not beyond Cahors
    expected = path_km([TER_STATIONS[key][2:] for key in ("toulouse", "montauban", "caussade", "cahors")])
    assert match.distance_km == pytest.approx(expected, abs=0.1) and 90 < match.distance_km < 130
    for spelling in ("TER 871234", "ter871234", " 871234 "):
        assert (await arrival(conn, CAHORS, TUESDAY, spelling, "10:42")) is not None, spelling
    # the platform itself is the same station
    assert (await arrival(conn, ter_platform("cahors"), TUESDAY, "871234", "10:42")) is not None


async def test_a_stop_tied_to_its_station_by_its_uic_code_only(feeds, conn):
    match = await arrival(conn, "StopArea:OCE87594333", TUESDAY, "871234", "11:30")
    assert match is not None and match.stop_id == ter_platform("souillac") and match.offset_minutes == 2


async def test_bus_line_at_the_platform_of_a_coach_station(feeds, conn):
    match = await arrival(conn, "lio:cahors-gare-routiere", TUESDAY, "889", "08:30", mode="bus")
    assert match is not None
    assert (match.trip_id, match.route_short_name, match.stop_id) == (
        "889-0700",
        "889",
        "lio:cahors-gare-routiere:quai-2",
    )
    lio_positions = {row[0]: (row[2], row[3]) for row in lio_tables()["stops.txt"][1]}
    expected = path_km(
        [
            lio_positions[stop]
            for stop in (
                "lio:figeac-gare-routiere",
                "lio:cajarc",
                "lio:saint-cirq-lapopie",
                "lio:cahors-gare-routiere:quai-2",
            )
        ]
    )
    assert match.distance_km == pytest.approx(expected, abs=0.1) and 45 < match.distance_km < 60
    # another platform of the same station
    assert (await arrival(conn, "lio:cahors-gare-routiere:quai-1", TUESDAY, "889", "08:30", mode="bus")) is not None
    cajarc = await arrival(conn, "lio:cajarc", TUESDAY, "889", "17:40", mode="bus")
    assert cajarc is not None and cajarc.trip_id == "889-1700" and cajarc.offset_minutes == 5
    # the first stop of the trip: nothing travelled yet
    figeac = await arrival(conn, "lio:figeac-gare-routiere", TUESDAY, "889", "17:00", mode="bus")
    assert figeac is not None and figeac.distance_km == 0


async def test_wrong_line_mode_or_stop_find_nothing(feeds, conn):
    assert await arrival(conn, CAHORS, TUESDAY, "871240", "10:42") is None
    assert await arrival(conn, "lio:cahors-gare-routiere", TUESDAY, "889", "08:30", mode="train") is None
    assert await arrival(conn, "lio:cahors-gare-routiere", TUESDAY, "890", "08:30", mode="bus") is None
    assert await arrival(conn, "StopArea:OCE87613091", TUESDAY, "871234", "10:42") is None
    assert await arrival(conn, "no-such-stop", TUESDAY, "871234", "10:42") is None
    assert await arrival(conn, CAHORS, TUESDAY, "  ", "10:42") is None


async def test_near_miss_times(feeds, conn):
    inside = await arrival(conn, CAHORS, TUESDAY, "871234", "10:55")
    assert inside is not None and inside.offset_minutes == 13
    early = await arrival(conn, CAHORS, TUESDAY, "871234", "10:22")
    assert early is not None and early.offset_minutes == -20
    assert await arrival(conn, CAHORS, TUESDAY, "871234", "11:05") is None
    assert await arrival(conn, CAHORS, TUESDAY, "871234", "10:21") is None
    assert await arrival(conn, CAHORS, TUESDAY, "871234", "11:05", tolerance=30) is not None


async def test_calendar_dates_remove_and_add_services(feeds, conn):
    # the weekday coach does not run on the bank holiday, and runs on an added Saturday
    assert await arrival(conn, "lio:cahors-gare-routiere", BANK_HOLIDAY, "889", "08:30", mode="bus") is None
    assert await arrival(conn, "lio:cahors-gare-routiere", SATURDAY, "889", "08:30", mode="bus") is not None
    assert await arrival(conn, "lio:cahors-gare-routiere", SUNDAY, "889", "08:30", mode="bus") is None
    assert await arrival(conn, CAHORS, BANK_HOLIDAY, "871234", "10:42") is None
    # a train of added dates only
    rocamadour = "StopArea:OCE87613042"
    assert await arrival(conn, rocamadour, SUNDAY, "871250", "09:45") is not None
    assert await arrival(conn, rocamadour, date(2025, 7, 20), "871250", "09:50") is not None
    assert await arrival(conn, rocamadour, date(2025, 7, 27), "871250", "09:45") is None
    # outside the calendar's dates
    assert await arrival(conn, CAHORS, date(2026, 7, 14), "871234", "10:42") is None


async def test_a_trip_after_midnight_belongs_to_the_previous_service_day(feeds, conn):
    # the Friday train reaches Cahors at 24:05, that is Saturday 00:05
    match = await arrival(conn, CAHORS, SATURDAY, "871299", "00:05")
    assert match is not None
    assert (match.service_date, match.arrival_date, match.scheduled_arrival) == (FRIDAY, SATURDAY, time(0, 5))
    # declared on the Friday just before midnight: still that train
    late = await arrival(conn, CAHORS, FRIDAY, "871299", "23:55")
    assert late is not None and late.offset_minutes == -10 and late.arrival_date == SATURDAY
    # Friday 00:05 would be Thursday's service, which does not run
    assert await arrival(conn, CAHORS, FRIDAY, "871299", "00:05") is None


async def test_served_stops_become_arrival_stops(feeds, conn):
    stops = {row["id"]: row for row in await conn.fetch("SELECT * FROM stops")}
    lauzerte = stops["lio:lauzerte-college"]
    assert (lauzerte["mode"], lauzerte["in_lot"], lauzerte["source"], lauzerte["gateway"]) == ("bus", False, LIO, False)
    villeseque = stops["lio:villeseque"]
    assert (villeseque["name"], villeseque["in_lot"], villeseque["ot_id"]) == ("Villesèque, Bourg", True, "cahors")
    # a station served through its platforms; a platform without parent stands for itself
    toulouse = stops["StopArea:OCE87611004"]
    assert (toulouse["mode"], toulouse["uic"], toulouse["in_lot"]) == ("train", "87611004", False)
    souillac = stops[ter_platform("souillac")]
    assert (souillac["mode"], souillac["uic"], souillac["in_lot"], souillac["ot_id"]) == (
        "train",
        "87594333",
        True,
        "dordogne",
    )
    # …and its UIC code makes it the territory's Souillac, listed under that id only
    assert souillac["same_as"] == "StopArea:OCE87594333" and toulouse["same_as"] is None
    assert lauzerte["same_as"] is None and villeseque["same_as"] is None
    assert ter_platform("cahors") not in stops  # represented by its station
    assert "lio:depot" not in stops  # no trip serves it
    # configured stops are never overwritten by an import
    cajarc = stops["lio:cajarc"]
    assert (cajarc["name"], cajarc["source"]) == ("Cajarc – Place du Foirail", "config")
    assert stops[CAHORS]["source"] == "config" and stops["lio:montcuq"]["name"] == "Montcuq-en-Quercy-Blanc – Place"


async def test_reimport_replaces_the_feed_atomically_and_leaves_the_others(feeds, conn, tmp_path):
    first = write_feed(tmp_path / "v1.zip", one_train_tables("990001", "10:00"))
    second = write_feed(tmp_path / "v2.zip", one_train_tables("990002", "11:00"))
    try:
        await import_feed(conn, first, "swap-test", boundary=LOT_BOUNDARY)
        assert await arrival(conn, CAHORS, TUESDAY, "990001", "10:00") is not None
        summary = await import_feed(conn, second, "swap-test", boundary=LOT_BOUNDARY)
        assert await arrival(conn, CAHORS, TUESDAY, "990001", "10:00") is None
        match = await arrival(conn, CAHORS, TUESDAY, "990002", "11:00")
        assert match is not None and match.feed_id == "swap-test"
        assert await conn.fetchval("SELECT count(*) FROM gtfs_trips WHERE feed_id = 'swap-test'") == 1
        registry = {row["id"]: row for row in await repository.feeds(conn)}
        assert registry["swap-test"]["sha256"] == summary.sha256 == file_sha256(second)
        # the feeds beside it are untouched
        assert await arrival(conn, CAHORS, TUESDAY, "871234", "10:42") is not None
        assert await arrival(conn, "lio:cajarc", TUESDAY, "889", "17:35", mode="bus") is not None
    finally:
        await repository.delete_feed(conn, "swap-test")


def _with_bad_last_stop_time(tables):
    header, rows = tables["stop_times.txt"]
    trip_id = rows[0][0]
    tables["stop_times.txt"] = (header, [*rows, (trip_id, "10:00:00", "10:00:00", "StopArea:nowhere", 3)])
    return tables


def _corrupt_member(path: Path, member: str) -> Path:
    """Flip bytes inside a member's compressed data (its CRC no longer matches)."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 2, start + min(info.compress_size, 40) - 2):
        data[offset] ^= 0x55
    path.write_bytes(bytes(data))
    return path


async def test_a_failed_import_leaves_the_previous_copy_working(feeds, conn, tmp_path):
    good = write_feed(tmp_path / "good.zip", one_train_tables("990009", "10:00"))
    try:
        await import_feed(conn, good, "broken-test", boundary=LOT_BOUNDARY)
        before = {row["id"]: row for row in await repository.feeds(conn)}["broken-test"]

        invalid = write_feed(tmp_path / "invalid.zip", _with_bad_last_stop_time(one_train_tables("990010", "12:00")))
        with pytest.raises(GtfsError) as invalid_error:
            await import_feed(conn, invalid, "broken-test", boundary=LOT_BOUNDARY)
        assert invalid_error.value.file == "stop_times.txt" and invalid_error.value.line == 4
        assert "StopArea:nowhere" in str(invalid_error.value)

        truncated = tmp_path / "truncated.zip"
        truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
        with pytest.raises(GtfsError, match="not a readable zip"):
            await import_feed(conn, truncated, "broken-test", boundary=LOT_BOUNDARY)

        big = one_train_tables("990011", "12:00")
        header, rows = big["stop_times.txt"]
        big["stop_times.txt"] = (
            header,
            [*rows, *[("OCESN990011", "12:00:00", "12:00:00", ter_platform("cahors"), n) for n in range(3, 2000)]],
        )
        corrupt = _corrupt_member(write_feed(tmp_path / "corrupt.zip", big), "stop_times.txt")
        with pytest.raises(GtfsError) as corrupt_error:
            await import_feed(conn, corrupt, "broken-test", boundary=LOT_BOUNDARY)
        assert corrupt_error.value.file == "stop_times.txt"

        # every failure rolled back: the first copy still answers, the registry is unchanged
        assert await arrival(conn, CAHORS, TUESDAY, "990009", "10:00") is not None
        assert await arrival(conn, CAHORS, TUESDAY, "990010", "12:00") is None
        after = {row["id"]: row for row in await repository.feeds(conn)}["broken-test"]
        assert dict(after) == dict(before)
        assert await conn.fetchval("SELECT count(*) FROM gtfs_stop_times WHERE feed_id = 'broken-test'") == 2
    finally:
        await repository.delete_feed(conn, "broken-test")


async def test_archive_limits_refuse_bombs_before_reading(conn, tmp_path):
    bomb = tmp_path / "bomb.zip"
    tables = one_train_tables("990020", "10:00")
    write_feed(bomb, tables)
    with zipfile.ZipFile(bomb, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("shapes.txt", b"0" * 3_000_000)  # compresses to a few kilobytes
    with pytest.raises(GtfsError, match="expands to .* more than the 1000000 allowed"):
        await import_feed(
            conn, bomb, "bomb-test", boundary=LOT_BOUNDARY, rules=TimetableRules(max_uncompressed_bytes=1_000_000)
        )

    crowded = write_feed(tmp_path / "crowded.zip", tables)
    with zipfile.ZipFile(crowded, "a") as archive:
        for n in range(70):
            archive.writestr(f"extra_{n}.txt", "x")
    with pytest.raises(GtfsError, match="more than the 64 allowed"):
        await import_feed(conn, crowded, "bomb-test", boundary=LOT_BOUNDARY)

    bzipped = write_feed(tmp_path / "bzip2.zip", tables, compression=zipfile.ZIP_BZIP2)
    with pytest.raises(GtfsError, match="compression method not supported"):
        await import_feed(conn, bzipped, "bomb-test", boundary=LOT_BOUNDARY)
    assert await conn.fetchval("SELECT count(*) FROM gtfs_feeds WHERE id = 'bomb-test'") == 0


def _times(*calls: tuple[str, str, int]) -> Table:
    """stop_times.txt of the one-train feed's trip from (station, time, sequence) calls."""
    return STOP_TIMES_HEADER, [("OCESN990030", at, at, ter_platform(station), seq) for station, at, seq in calls]


def _with_extra_stop(*row: object) -> Table:
    header, rows = one_train_tables("990030", "10:00")["stops.txt"]
    return header, [*rows, row]


# (case, tables replaced (None: removed), the file and line the error names, words of its message)
BROKEN_FEEDS: list[tuple[str, dict[str, Table | None], str | None, int | None, str]] = [
    ("no-stop-times", {"stop_times.txt": None}, "stop_times.txt", None, "required file missing"),
    ("no-calendar", {"calendar.txt": None, "calendar_dates.txt": None}, None, None, "calendar.txt or calendar_dates"),
    ("no-lat", {"stops.txt": (("stop_id", "stop_name"), [("A", "a")])}, "stops.txt", 1, "column 'stop_lat' missing"),
    ("bad-time", {"stop_times.txt": _times(("toulouse", "09:30:00", 1), ("cahors", "10:7:00", 2))},
     "stop_times.txt", 3, "'10:7:00' is not a GTFS time"),
    ("duplicate-sequence", {"stop_times.txt": _times(("toulouse", "09:30:00", 1), ("cahors", "10:00:00", 1))},
     "stop_times.txt", None, "duplicate key"),
    ("unknown-route", {"trips.txt": (TRIPS_HEADER, [("OCE:NOPE", "DAILY", "OCESN990030", "Cahors", "990030", 0)])},
     "trips.txt", 2, "route_id 'OCE:NOPE' is not in routes.txt"),
    ("unknown-parent", {"stops.txt": _with_extra_stop("X", "x", 44.0, 1.0, 0, "StopArea:gone")},
     "stops.txt", 6, "parent_station 'StopArea:gone'"),
    ("long-line", {"stops.txt": _with_extra_stop("Y", "y" * 20_000, 44.0, 1.0, 0, "")},
     "stops.txt", 6, "line longer than 10000 characters"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "tables", "file", "line", "message"), BROKEN_FEEDS, ids=[c[0] for c in BROKEN_FEEDS])
async def test_missing_files_columns_and_bad_values_are_named(conn, tmp_path, case, tables, file, line, message):
    feed = one_train_tables("990030", "10:00")
    for name, table in tables.items():
        if table is None:
            del feed[name]
        else:
            feed[name] = table
    with pytest.raises(GtfsError) as error:
        await import_feed(conn, write_feed(tmp_path / f"{case}.zip", feed), "errors-test", boundary=LOT_BOUNDARY)
    assert (error.value.file, error.value.line) == (file, line), str(error.value)
    assert message in str(error.value)
    assert await conn.fetchval("SELECT count(*) FROM gtfs_feeds WHERE id = 'errors-test'") == 0


async def test_a_file_that_is_not_utf8_is_refused(conn, tmp_path):
    feed = one_train_tables("990030", "10:00")
    del feed["routes.txt"]
    path = write_feed(tmp_path / "latin-1.zip", feed)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("routes.txt", "route_id,route_type,route_short_name\nR,2,Ligne Lot-Célé\n".encode("latin-1"))
    with pytest.raises(GtfsError, match=r"routes.txt: unreadable after line \d"):
        await import_feed(conn, path, "errors-test", boundary=LOT_BOUNDARY)


async def test_without_any_feed_there_is_no_timetable(make_database):
    conn = await db.connect(await make_database(f"{TEST_DATABASE}_no_timetable"))
    try:
        await migrate(conn)
        assert not await has_timetable(conn, "train") and not await has_timetable(conn, "bus")
        assert await arrival(conn, CAHORS, TUESDAY, "871234", "10:42") is None
    finally:
        await conn.close()


def _tbc(*args: str, database_url: str, secret_key: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": database_url,
        "TBC_SECRET_KEY": secret_key,
        "TBC_DATA_DIR": str(data_dir),
        "TBC_LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, "-m", "service", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


async def test_import_gtfs_command(database_url, settings, conn, tmp_path):
    feed = write_feed(tmp_path / "liO Lot 2025.zip", lio_tables())
    cli = {"database_url": database_url, "secret_key": settings.secret_key, "data_dir": tmp_path / "var"}
    try:
        done = _tbc("import-gtfs", str(feed), **cli)
        assert done.returncode == 0, done.stderr
        assert "imported feed lio-lot-2025" in done.stdout and "17 stop times" in done.stdout
        assert await conn.fetchval("SELECT stop_time_count FROM gtfs_feeds WHERE id = 'lio-lot-2025'") == 17

        broken = tmp_path / "broken.zip"
        broken.write_bytes(b"PK\x03\x04 not really a zip")
        failed = _tbc("import-gtfs", str(broken), "--feed", "lio-lot-2025", **cli)
        assert failed.returncode == 2
        assert "not a readable zip" in failed.stderr and "left as it was" in failed.stderr
        assert await conn.fetchval("SELECT stop_time_count FROM gtfs_feeds WHERE id = 'lio-lot-2025'") == 17
    finally:
        await repository.delete_feed(conn, "lio-lot-2025")
