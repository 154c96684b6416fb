"""GTFS zips in the real format, built for the tests and the benchmark.

A feed is a dict: file name -> (header, rows). `write_feed` streams it into a zip
(rows may be generators), optionally with a UTF-8 byte-order mark and every field
quoted, as some producers do. `lio_tables()` and `ter_tables()` are small feeds of
liO coach lines 875, 876, 877, 889 and of TER trains through Cahors, Figeac,
Rocamadour-Padirac and Souillac, with the stop ids and positions of
config/territory.toml; `synthetic_tables()` is a feed of any size.

Test calendar: the summer of 2025. 11 July is a Friday, 13 July a Sunday, and
Monday 14 July (a bank holiday) is removed from the weekday services.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from calendar import monthrange
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from service.timetables.gtfs import REQUIRED_COLUMNS

Table = tuple[Sequence[str], Iterable[Sequence[object]]]
Feed = dict[str, Table]

STOPS_HEADER = ("stop_id", "stop_name", "stop_lat", "stop_lon", "location_type", "parent_station")
ROUTES_HEADER = ("route_id", "agency_id", "route_short_name", "route_long_name", "route_type")
TRIPS_HEADER = ("route_id", "service_id", "trip_id", "trip_headsign", "trip_short_name", "direction_id")
STOP_TIMES_HEADER = ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence")
# the columns the importer requires, in its order (service/timetables/gtfs.py)
CALENDAR_HEADER = REQUIRED_COLUMNS["calendar.txt"]
CALENDAR_DATES_HEADER = REQUIRED_COLUMNS["calendar_dates.txt"]
AGENCY_HEADER = ("agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang")

ALL_DAYS = (1, 1, 1, 1, 1, 1, 1)
WEEKDAYS = (1, 1, 1, 1, 1, 0, 0)
FRIDAYS = (0, 0, 0, 0, 1, 0, 0)
YEAR_2025 = ("20250101", "20251231")

RAIL, BUS = 2, 3


def write_feed(
    path: Path,
    feed: Feed,
    *,
    bom: bool = False,
    quote_all: bool = False,
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, (header, rows) in feed.items():
            with archive.open(name, "w", force_zip64=True) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig" if bom else "utf-8", newline="")
                writer = csv.writer(
                    text, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\r\n"
                )
                writer.writerow(header)
                writer.writerows(rows)
                text.flush()
                text.detach()
    return path


def stop_times(trip_id: str, calls: str, stop: Callable[[str], str] = str) -> list[tuple[str, str, str, str, int]]:
    """Rows of one trip from 'stop HH:MM stop HH:MM …' (arrival = departure; hours may pass 24)."""
    words = calls.split()
    pairs = zip(words[::2], words[1::2], strict=True)
    return [(trip_id, f"{at}:00", f"{at}:00", stop(name), sequence) for sequence, (name, at) in enumerate(pairs, 1)]


def feed_of(
    *, stops: list, routes: list, trips: list, times: list, calendar: list, calendar_dates: list, agency: tuple
) -> Feed:
    return {
        "agency.txt": (AGENCY_HEADER, [agency]),
        "stops.txt": (STOPS_HEADER, stops),
        "routes.txt": (ROUTES_HEADER, routes),
        "trips.txt": (TRIPS_HEADER, trips),
        "stop_times.txt": (STOP_TIMES_HEADER, times),
        "calendar.txt": (CALENDAR_HEADER, calendar),
        "calendar_dates.txt": (CALENDAR_DATES_HEADER, calendar_dates),
    }


# --- liO coaches ---------------------------------------------------------------

LIO_AGENCY = ("LIO", "liO – Région Occitanie", "https://lio.laregion.fr", "Europe/Paris", "fr")


def lio_tables() -> Feed:
    stops = [
        ("lio:figeac-gare-routiere", "Figeac - Gare routière", 44.6080, 2.0335, 0, ""),
        # the configured stops keep their configured names: the feed's differ
        ("lio:cajarc", "CAJARC Foirail", 44.4856, 1.8427, 0, ""),
        ("lio:saint-cirq-lapopie", "Saint-Cirq-Lapopie, Tour de Faure", 44.4654, 1.6706, 0, ""),
        # a station with two platforms; trips stop at the platforms
        ("lio:cahors-gare-routiere", "Cahors - Gare routière", 44.4490, 1.4345, 1, ""),
        (
            "lio:cahors-gare-routiere:quai-1",
            "Cahors - Gare routière quai 1",
            44.4491,
            1.4343,
            0,
            "lio:cahors-gare-routiere",
        ),
        (
            "lio:cahors-gare-routiere:quai-2",
            "Cahors - Gare routière quai 2",
            44.4489,
            1.4347,
            0,
            "lio:cahors-gare-routiere",
        ),
        # not in the configuration: added as arrival stops by the import
        ("lio:villeseque", "Villesèque, Bourg", 44.4060, 1.2950, 0, ""),
        ("lio:montcuq", "Montcuq", 44.3387, 1.2087, 0, ""),
        # Lauzerte is in Tarn-et-Garonne
        ("lio:lauzerte-college", "Lauzerte - Collège", 44.2585, 1.1370, 0, ""),
        ("lio:souillac-centre", "Souillac - Centre", 44.8970, 1.4780, 0, ""),
        ("lio:rocamadour", "Rocamadour - L'Hospitalet", 44.8030, 1.6240, 0, ""),
        ("lio:padirac", "Padirac - Gouffre", 44.8570, 1.7490, 0, ""),
        ("lio:biars-sur-cere", "Biars-sur-Cère - Gare", 44.9270, 1.8460, 0, ""),
        # a stop no trip serves: not an arrival stop
        ("lio:depot", "Dépôt liO", 44.4600, 1.4500, 0, ""),
    ]
    routes = [
        ("889", "LIO", "889", "Figeac - Cajarc - Cahors", BUS),
        ("875", "LIO", "875", "Cahors - Montcuq - Lauzerte", BUS),
        ("876", "LIO", "876", "Souillac - Rocamadour - Padirac", BUS),
        ("877", "LIO", "877", "Padirac - Biars-sur-Cère", BUS),
    ]
    trips = [
        ("889", "SCHOOL_DAYS", "889-0700", "Cahors", "", 0),
        ("889", "DAILY", "889-1700", "Cahors", "", 0),
        ("875", "DAILY", "875-1200", "Lauzerte", "", 0),
        ("876", "DAILY", "876-0900", "Padirac", "", 0),
        ("877", "DAILY", "877-1000", "Biars-sur-Cère", "", 0),
    ]

    def lio(name: str) -> str:
        return f"lio:{name}"

    times = [
        *stop_times("889-0700", "figeac-gare-routiere 07:00 cajarc 07:35 saint-cirq-lapopie 07:55"
                                " cahors-gare-routiere:quai-2 08:30", lio),
        *stop_times("889-1700", "figeac-gare-routiere 17:00 cajarc 17:35 saint-cirq-lapopie 17:55"
                                " cahors-gare-routiere:quai-1 18:30", lio),
        *stop_times("875-1200", "cahors-gare-routiere:quai-1 12:00 villeseque 12:20 montcuq 12:40"
                                " lauzerte-college 13:00", lio),
        *stop_times("876-0900", "souillac-centre 09:00 rocamadour 09:30 padirac 09:50", lio),
        *stop_times("877-1000", "padirac 10:00 biars-sur-cere 10:30", lio),
    ]  # fmt: skip
    calendar = [("DAILY", *ALL_DAYS, *YEAR_2025), ("SCHOOL_DAYS", *WEEKDAYS, *YEAR_2025)]
    calendar_dates = [
        ("SCHOOL_DAYS", "20250714", 2),  # bank holiday: no school run
        ("SCHOOL_DAYS", "20250712", 1),  # a Saturday run added
    ]
    return feed_of(
        stops=stops,
        routes=routes,
        trips=trips,
        times=times,
        calendar=calendar,
        calendar_dates=calendar_dates,
        agency=LIO_AGENCY,
    )


# --- SNCF TER -----------------------------------------------------------------

TER_AGENCY = ("OCE", "SNCF TER Occitanie", "https://www.ter.sncf.com/occitanie", "Europe/Paris", "fr")
# (UIC, name, lat, lon). The Lot's stations as in config/territory.toml; the
# codes of the stations further south are illustrative.
TER_STATIONS = {
    "toulouse": ("87611004", "Toulouse-Matabiau", 43.6113, 1.4536),
    "montauban": ("87611467", "Montauban-Ville-Bourbon", 44.0144, 1.3416),
    "caussade": ("87611384", "Caussade", 44.1615, 1.5366),
    "cahors": ("87613000", "Cahors", 44.4492, 1.4331),
    "gourdon": ("87613141", "Gourdon", 44.7419, 1.3894),
    "souillac": ("87594333", "Souillac", 44.9022, 1.4667),
    "brive": ("87594002", "Brive-la-Gaillarde", 45.1526, 1.5286),
    "saint-denis": ("87594572", "Saint-Denis-près-Martel", 44.9458, 1.6663),
    "rocamadour": ("87613042", "Rocamadour-Padirac", 44.8179, 1.6574),
    "gramat": ("87613059", "Gramat", 44.7735, 1.7224),
    "assier": ("87613075", "Assier", 44.6746, 1.8697),
    "figeac": ("87613091", "Figeac", 44.6035, 2.0371),
}
# Souillac's platform has no parent station in this feed: only its UIC code ties it to the station.
_PARENTLESS = {"souillac"}


def ter_platform(station: str) -> str:
    return f"StopPoint:OCETrain TER-{TER_STATIONS[station][0]}"


def ter_tables() -> Feed:
    stops = []
    for key, (uic, name, lat, lon) in TER_STATIONS.items():
        area = f"StopArea:OCE{uic}"
        if key not in _PARENTLESS:
            stops.append((area, name, lat, lon, 1, ""))
        stops.append((ter_platform(key), f"gare de {name}", lat, lon, 0, "" if key in _PARENTLESS else area))
    routes = [
        ("OCE:TLS-BRV", "OCE", "TER", "Toulouse - Cahors - Brive", RAIL),
        ("OCE:BRV-FIG", "OCE", "TER", "Brive - Rocamadour - Figeac", RAIL),
    ]
    trips = [
        ("OCE:TLS-BRV", "WEEKDAYS", "OCESN871234", "Brive-la-Gaillarde", "871234", 0),
        ("OCE:TLS-BRV", "FRIDAYS", "OCESN871299", "Gourdon", "871299", 0),
        ("OCE:BRV-FIG", "WEEKDAYS", "OCESN871240", "Figeac", "871240", 1),
        ("OCE:BRV-FIG", "SUMMER_SUNDAYS", "OCESN871250", "Figeac", "871250", 1),
    ]
    times = [
        *stop_times("OCESN871234", "toulouse 09:30 montauban 09:55 caussade 10:12 cahors 10:42 gourdon 11:10"
                                   " souillac 11:28 brive 11:58", ter_platform),
        # the Friday evening train reaches Cahors after midnight, on Saturday
        *stop_times("OCESN871299", "toulouse 22:50 montauban 23:15 caussade 23:35 cahors 24:05 gourdon 24:30",
                    ter_platform),
        *stop_times("OCESN871240", "brive 07:05 saint-denis 07:25 rocamadour 07:45 gramat 07:55 assier 08:10"
                                   " figeac 08:25", ter_platform),
        *stop_times("OCESN871250", "brive 09:05 saint-denis 09:25 rocamadour 09:45 gramat 09:55 assier 10:10"
                                   " figeac 10:25", ter_platform),
    ]  # fmt: skip
    calendar = [("WEEKDAYS", *WEEKDAYS, *YEAR_2025), ("FRIDAYS", *FRIDAYS, *YEAR_2025)]
    calendar_dates = [
        ("WEEKDAYS", "20250714", 2),
        # a service that exists only through added dates
        ("SUMMER_SUNDAYS", "20250713", 1),
        ("SUMMER_SUNDAYS", "20250720", 1),
    ]
    return feed_of(
        stops=stops,
        routes=routes,
        trips=trips,
        times=times,
        calendar=calendar,
        calendar_dates=calendar_dates,
        agency=TER_AGENCY,
    )


def one_train_tables(train_number: str, cahors_arrival: str) -> Feed:
    """A one-train feed (Toulouse 09:30 → Cahors at 'HH:MM', every day of 2025), for replacement tests."""
    trip_id = f"OCESN{train_number}"
    stops = []
    for key in ("toulouse", "cahors"):
        uic, name, lat, lon = TER_STATIONS[key]
        stops.append((f"StopArea:OCE{uic}", name, lat, lon, 1, ""))
        stops.append((ter_platform(key), name, lat, lon, 0, f"StopArea:OCE{uic}"))
    return feed_of(
        stops=stops,
        routes=[("OCE:TLS-CAH", "OCE", "TER", "Toulouse - Cahors", RAIL)],
        trips=[("OCE:TLS-CAH", "DAILY", trip_id, "Cahors", train_number, 0)],
        times=stop_times(trip_id, f"toulouse 09:30 cahors {cahors_arrival}", ter_platform),
        calendar=[("DAILY", *ALL_DAYS, *YEAR_2025)],
        calendar_dates=[],
        agency=TER_AGENCY,
    )


# --- a feed of any size ---------------------------------------------------------


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


# French bank holidays of 2025, removed from the synthetic feed's services
HOLIDAYS_2025 = (
    "20250101",
    "20250421",
    "20250501",
    "20250508",
    "20250529",
    "20250609",
    "20250714",
    "20250815",
    "20251101",
    "20251111",
    "20251225",
)


def synthetic_tables(
    *,
    stop_count: int = 300,
    route_count: int = 20,
    stop_time_count: int = 200_000,
    stops_per_trip: int = 10,
    seed: int = 46,
) -> Feed:
    """A realistic-sized feed over the Lot: half rail routes with train numbers, half
    coach lines; trips spread over the day and over monthly services with holiday
    exceptions. trips and stop_times are generators: the feed is never all in memory."""
    rng = random.Random(seed)
    stop_ids = [f"S{n:04d}" for n in range(stop_count)]
    positions = [(round(rng.uniform(44.25, 44.95), 5), round(rng.uniform(1.15, 2.05), 5)) for _ in stop_ids]
    route_stops = [rng.sample(range(stop_count), stops_per_trip) for _ in range(route_count)]
    trip_count = stop_time_count // stops_per_trip

    def trip_rows() -> Iterator[tuple[object, ...]]:
        for n in range(trip_count):
            route = n % route_count
            rail = route % 2 == 0
            # each route's trips spread over twelve monthly timetables (M01 … M12), as feeds change
            # through the year: service M07 runs every day of July 2025 but the 14th
            month = (n // route_count) % 12 + 1
            yield (
                f"R{route:02d}",
                f"M{month:02d}",
                f"T{n:06d}",
                f"S{route_stops[route][-1]:04d}",
                str(800_000 + n) if rail else "",
                n % 2,
            )

    def stop_time_rows() -> Iterator[tuple[object, ...]]:
        for n in range(trip_count):
            route = n % route_count
            # departures from 05:00 to about 23:00, a few minutes between stops
            at = 5 * 3600 + (n * 3187) % (18 * 3600)
            for sequence, stop in enumerate(route_stops[route], start=1):
                yield (f"T{n:06d}", _clock(at), _clock(at + 60), stop_ids[stop], sequence)
                at += 240 + (stop * 37) % 360

    return feed_of(
        stops=[
            (stop_id, f"Arrêt {stop_id}", lat, lon, 0, "")
            for stop_id, (lat, lon) in zip(stop_ids, positions, strict=True)
        ],
        routes=[
            (f"R{r:02d}", "SYN", "TER" if r % 2 == 0 else str(850 + r), f"Ligne {r}", RAIL if r % 2 == 0 else BUS)
            for r in range(route_count)
        ],
        trips=trip_rows(),
        times=stop_time_rows(),
        calendar=[
            (f"M{month:02d}", *ALL_DAYS, f"2025{month:02d}01", f"2025{month:02d}{monthrange(2025, month)[1]:02d}")
            for month in range(1, 13)
        ],
        calendar_dates=[(f"M{day[4:6]}", day, 2) for day in HOLIDAYS_2025],
        agency=("SYN", "Synthetic", "https://example.org", "Europe/Paris", "fr"),
    )
