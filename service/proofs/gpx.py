"""`gpx`: a bike ride recorded by a GPS app, uploaded as a GPX track. No I/O.

Parsing. defusedxml refuses any DOCTYPE, so entity bombs, external entities and
external DTDs fail at once with `proof.gpx_unsafe`, before anything expands or
is fetched. The document is read as a stream of start/end events and every
element is dropped from the tree as soon as it ends: memory holds only the open
elements and three arrays of numbers, however many points the file has. GPX 1.0,
GPX 1.1 and an unqualified `<gpx>` root are read; only gpx/trk/trkseg/trkpt and
its `time` count (segments are joined in document order); waypoints, routes,
metadata and extensions are ignored. A time without a zone is UTC, as the GPX
schema says.

Measuring. GPS fixes wander by a few metres when the rider stands still, so
the track is cut into chunks of at least `pause_window_seconds` (a single
step longer than that, a gap in the recording, is a chunk of its own). A chunk
whose straight-line displacement is slower than `pause_below_kmh` is a pause:
neither its time nor its wandering counts; every other chunk counts its time
and its path length. The moving average is
distance over moving time. A café stop, an app that stops logging while parked
(a gap with no displacement) and GPS jitter at a red light are thus all
pauses, while a gap where the rider kept going counts as riding.

Smoothing. Every figure below is measured on the track smoothed over
`smooth_seconds` (each point the mean of its neighbours in time): a receiver's
error moves each fix by a few metres, which at one fix a second would add
their own length to the path and make an honest rider "too fast".

Car speed. Over every window of at least `max_stretch_minutes` (the shortest
one ending at each point), the path length over the window's duration must not
exceed `max_stretch_kmh`. A teleport (a jump of tens of kilometres between two
fixes) makes every window around it impossibly fast, so it is caught by the
same rule, while a lone GPS spike of a hundred metres barely moves a two-minute
average.

Fingerprint. The same ride must not give two passes whatever happens to the
file's presentation, so the fingerprint is made of the ride, not the bytes: the
first and last timestamps floored to the second (UTC; offsets, fractional
seconds and their truncation by a re-export do not matter) and the end position
on a 0.01° grid (~1 km; a re-export with 5 or 7 decimals lands in the same cell
unless the point sits within a few centimetres of a cell edge). Left out on
purpose: the start position (it is usually the visitor's home, and even a keyed
hash of a coarse cell can be brute-forced by whoever holds the key) and the
point count (re-exports that simplify the track change it, and it adds no
protection). Someone who edits the timestamps of a ride, thins it or reverses
it gets a new fingerprint: the ride's shape (`ride_shape.py`, times and
sampling left out) tells whether two rides share a road, and their
recordings (`ride_recording.py`) whether one is a copy of the other. Companions
who record the same ride side by side on their own phones have their own
fingerprints unless both phones start and stop in the same seconds (why not the
minute: a fingerprint shared by two honest phones is a refusal); their
recordings go to a person (see `ride_recording`).
"""

from __future__ import annotations

import io
import math
import re
from array import array
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple
from xml.etree.ElementTree import Element, ParseError
from zoneinfo import ZoneInfo

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from service.core.errors import Problem
from service.core.geo import haversine_km
from service.core.i18n import N_, Text, text
from service.proofs.fingerprint import fingerprint
from service.proofs.ride_recording import recording
from service.proofs.ride_shape import ride_shape
from service.proofs.rules import Verdict, check_persons, check_travel_date
from service.proofs.track import Track, smoothed
from service.settings import ClaimRules, GpxRules

GPX_NAMESPACES = frozenset({"http://www.topografix.com/GPX/1/1", "http://www.topografix.com/GPX/1/0", ""})
TRACK_POINT_PATH = ["gpx", "trk", "trkseg", "trkpt"]
TRACK_POINT_TIME_PATH = [*TRACK_POINT_PATH, "time"]
# Real GPX nests six or seven levels with extensions; deeper is an attack on the parser.
MAX_DEPTH = 32
# The fingerprint's grid: changing it would let every past ride claim again.
FINGERPRINT_CELLS_PER_DEGREE = 100
# xsd:dateTime as GPS apps write it.
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_OTHER_NAMESPACE = "*"


def speed_kmh(km: float, seconds: float) -> float:
    return km * 3600 / seconds if seconds > 0 else math.inf


@dataclass(frozen=True)
class RideFigures:
    distance_km: float
    moving_seconds: float
    duration_seconds: float
    fastest_stretch_kmh: float

    @property
    def moving_avg_kmh(self) -> float:
        return speed_kmh(self.distance_km, self.moving_seconds)


def read_track(document: bytes, rules: GpxRules) -> Track:
    """The track points of a GPX document, parsed safely and in bounded memory."""
    if len(document) > rules.max_bytes:
        raise Problem(422, "proof.gpx_too_large", max_mib=round(rules.max_bytes / 1024 / 1024, 1))
    track = Track(array("d"), array("d"), array("d"))
    open_elements: list[Element] = []
    path: list[str] = []
    namespace = ""
    point_time: str | None = None
    try:
        for event, element in iterparse(io.BytesIO(document), events=("start", "end"), forbid_dtd=True):
            element_namespace, _, name = element.tag.rpartition("}")
            element_namespace = element_namespace.lstrip("{")
            if event == "start":
                if not open_elements:
                    if name != "gpx" or element_namespace not in GPX_NAMESPACES:
                        raise Problem(
                            422,
                            "proof.gpx_invalid",
                            reason=text(N_("the file is not a GPX document (its root element is not gpx)")),
                        )
                    namespace = element_namespace
                if len(open_elements) >= MAX_DEPTH:
                    raise Problem(422, "proof.gpx_invalid", reason=text(N_("elements are nested too deep")))
                open_elements.append(element)
                path.append(name if element_namespace == namespace else _OTHER_NAMESPACE)
                if path == TRACK_POINT_PATH:
                    point_time = None
                continue
            if path == TRACK_POINT_TIME_PATH:
                point_time = element.text
            elif path == TRACK_POINT_PATH:
                _add_point(track, element, point_time, rules)
            open_elements.pop()
            path.pop()
            if open_elements:
                # Drop what has been read: the tree never grows with the file.
                open_elements[-1].remove(element)
    except DefusedXmlException as exc:
        raise Problem(422, "proof.gpx_unsafe") from exc
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        where = text(N_("the XML is not well-formed near line {line}, column {column}"), line=line, column=column)
        raise Problem(422, "proof.gpx_invalid", reason=where) from exc
    return track


def _add_point(track: Track, element: Element, time_text: str | None, rules: GpxRules) -> None:
    number = len(track) + 1
    if number > rules.max_points:
        raise Problem(422, "proof.track_too_many_points", max=rules.max_points)
    try:
        lat, lon = float(element.get("lat", "")), float(element.get("lon", ""))
    except ValueError:
        raise Problem(
            422,
            "proof.gpx_invalid",
            reason=text(N_("track point {number}: lat and lon must be numbers"), number=number),
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Problem(
            422, "proof.gpx_invalid", reason=text(N_("track point {number}: lat or lon out of range"), number=number)
        )
    if time_text is None or not time_text.strip():
        raise Problem(422, "proof.track_without_times")
    track.lats.append(lat)
    track.lons.append(lon)
    track.times.append(_parse_time(time_text.strip(), number))


def _bad_time(number: int) -> Text:
    return text(N_("track point {number}: a time such as 2026-07-14T09:05:00Z"), number=number)


def _parse_time(value: str, number: int) -> float:
    if not _DATE_TIME.match(value):
        raise Problem(422, "proof.gpx_invalid", reason=_bad_time(number))
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Problem(422, "proof.gpx_invalid", reason=_bad_time(number)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def check_points(track: Track, rules: GpxRules) -> None:
    if len(track) < rules.min_points:
        raise Problem(422, "proof.track_too_few_points", points=len(track), min=rules.min_points)
    times = track.times
    for index in range(1, len(times)):
        if times[index] <= times[index - 1]:
            raise Problem(422, "proof.track_times_not_increasing", point=index + 1)


def cumulative_km(track: Track) -> array:
    """Path length from the first point to each point."""
    lats, lons = track.lats, track.lons
    totals = array("d", [0.0])
    for index in range(1, len(track)):
        step = haversine_km((lats[index - 1], lons[index - 1]), (lats[index], lons[index]))
        totals.append(totals[-1] + step)
    return totals


def measure(track: Track, rules: GpxRules) -> RideFigures:
    """Distance and moving time with pauses left out, and the fastest sustained stretch."""
    path_km = cumulative_km(track)
    times, lats, lons = track.times, track.lats, track.lons
    last = len(track) - 1
    distance_km = moving_seconds = 0.0
    start = 0
    while start < last:
        end = start + 1
        while end < last and times[end] - times[start] < rules.pause_window_seconds:
            end += 1
        seconds = times[end] - times[start]
        displacement_km = haversine_km((lats[start], lons[start]), (lats[end], lons[end]))
        if speed_kmh(displacement_km, seconds) >= rules.pause_below_kmh:
            distance_km += path_km[end] - path_km[start]
            moving_seconds += seconds
        start = end
    return RideFigures(
        distance_km=distance_km,
        moving_seconds=moving_seconds,
        duration_seconds=times[last] - times[0],
        fastest_stretch_kmh=fastest_stretch_kmh(times, path_km, rules.max_stretch_minutes * 60),
    )


def fastest_stretch_kmh(times: array, path_km: array, window_seconds: float) -> float:
    """The highest average speed over the shortest window of at least `window_seconds` ending at each point."""
    fastest = 0.0
    start = 0
    for end in range(len(times)):
        while start + 1 < end and times[end] - times[start + 1] >= window_seconds:
            start += 1
        seconds = times[end] - times[start]
        if seconds >= window_seconds:
            fastest = max(fastest, speed_kmh(path_km[end] - path_km[start], seconds))
    return fastest


class Endpoint(NamedTuple):
    """A place a bike ride may end: a station, a coach stop or a partner site of the territory."""

    lat: float
    lon: float
    ot_id: str | None
    name: str


def nearest_endpoint(lat: float, lon: float, endpoints: list[Endpoint]) -> tuple[float, Endpoint | None]:
    """(distance in km, endpoint) of the endpoint closest to a position; infinite when there is none."""
    return min(
        ((haversine_km((lat, lon), (end.lat, end.lon)), end) for end in endpoints),
        default=(math.inf, None),
        key=lambda candidate: candidate[0],
    )


def track_fingerprint(key: bytes, track: Track) -> bytes:
    """The ride's identity, not the file's: see the module's docstring for what is in it and why."""
    return fingerprint(
        key,
        "gpx",
        _utc_second(track.times[0]),
        _utc_second(track.times[-1]),
        _cell(track.lats[-1]),
        _cell(track.lons[-1]),
    )


def _utc_second(seconds: float) -> str:
    return datetime.fromtimestamp(math.floor(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cell(degrees: float) -> str:
    return str(math.floor(degrees * FINGERPRINT_CELLS_PER_DEGREE))


def verify_gpx(
    document: bytes,
    *,
    rules: GpxRules,
    claim_rules: ClaimRules,
    now: datetime,
    endpoints: list[Endpoint],
    persons: int,
    fingerprint_key: bytes,
    zone: str = "Europe/Paris",
) -> Verdict:
    """Verify a bike track. `endpoints` are the places a ride may end (the Lot's stations,
    coach stops and partner sites); `zone` is the territory's time zone, which dates the arrival."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    check_persons(persons, claim_rules)
    track = read_track(document, rules)
    check_points(track, rules)

    arrived_at = track.times[-1]
    if arrived_at > now.timestamp() + rules.max_clock_skew_minutes * 60:
        raise Problem(422, "proof.track_in_future")
    local = ZoneInfo(zone)
    arrival_date = datetime.fromtimestamp(arrived_at, local).date()
    check_travel_date(arrival_date, now.astimezone(local).date(), claim_rules)
    ot_id = _check_end(track, endpoints, rules).ot_id

    # the receiver's fix-to-fix jitter would add its own length to the ride: speeds are judged smoothed
    smooth = smoothed(track, rules.smooth_seconds)
    figures = measure(smooth, rules)
    _check_figures(figures, rules)
    return Verdict(
        confidence="plausible",
        arrival_date=arrival_date,
        persons=persons,
        fingerprint=track_fingerprint(fingerprint_key, track),
        ot_id=ot_id,
        trip_km=round(figures.distance_km, 1),
        # Only figures: no position of the track, whose start is usually the visitor's home.
        facts={
            "distance_km": round(figures.distance_km, 2),
            "moving_avg_kmh": round(figures.moving_avg_kmh, 1),
            "points": len(track),
            "duration_min": round(figures.duration_seconds / 60),
        },
        ride_shape=ride_shape(fingerprint_key, smooth.lats, smooth.lons),
        ride_recording=recording(fingerprint_key, track, smooth),
    )


def _check_end(track: Track, endpoints: list[Endpoint], rules: GpxRules) -> Endpoint:
    """The place the ride ends at, near enough; a loop only when the OTs count loops."""
    end_km, end = nearest_endpoint(track.lats[-1], track.lons[-1], endpoints)
    if end is None or end_km > rules.max_end_distance_km:
        raise Problem(
            422,
            "proof.track_not_near_lot",
            km=round(end_km, 1) if math.isfinite(end_km) else None,
            max_km=rules.max_end_distance_km,
            place=end.name if end else None,
        )
    # a ride that ends where it started: whether it counts is the OTs' rule
    if (
        not rules.loops_count
        and haversine_km((track.lats[0], track.lons[0]), (track.lats[-1], track.lons[-1])) <= rules.max_end_distance_km
    ):
        raise Problem(422, "proof.track_is_loop", max_km=rules.max_end_distance_km)
    return end


def _check_figures(figures: RideFigures, rules: GpxRules) -> None:
    """Long enough, at a bike's speeds."""
    if figures.distance_km < rules.min_distance_km:
        raise Problem(422, "proof.track_too_short", km=round(figures.distance_km, 1), min_km=rules.min_distance_km)
    if figures.fastest_stretch_kmh > rules.max_stretch_kmh:
        raise Problem(
            422,
            "proof.track_too_fast",
            kmh=round(figures.fastest_stretch_kmh, 1),
            max_kmh=rules.max_stretch_kmh,
            minutes=rules.max_stretch_minutes,
        )
    moving_avg_kmh = figures.moving_avg_kmh
    if moving_avg_kmh > rules.max_moving_avg_kmh:
        raise Problem(
            422,
            "proof.track_average_too_fast",
            kmh=round(moving_avg_kmh, 1),
            max_kmh=rules.max_moving_avg_kmh,
        )
    if moving_avg_kmh < rules.min_moving_avg_kmh:
        raise Problem(422, "proof.track_too_slow", kmh=round(moving_avg_kmh, 1), min_kmh=rules.min_moving_avg_kmh)
