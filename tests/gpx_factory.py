"""Generated GPS tracks for the `gpx` tests: a polyline ridden at a speed, with
GPS noise and pauses, written out as GPX in the many ways apps write it."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone

from service.core import clock
from service.core.geo import haversine_km

GPX_1_1 = "http://www.topografix.com/GPX/1/1"
GPX_1_0 = "http://www.topografix.com/GPX/1/0"
KM_PER_DEGREE_LAT = 111.2

Position = tuple[float, float]

# Places of the Lot and beyond, (lat, lon).
CAHORS_STATION: Position = (44.4492, 1.4331)
LALBENQUE: Position = (44.3337, 1.5116)
MONTAUBAN: Position = (44.0176, 1.3550)
LIBOURNE: Position = (44.9153, -0.2436)
BORDEAUX_SAINT_JEAN: Position = (44.8256, -0.5560)
# A winding way from Lalbenque to Cahors station, about 35 km.
LALBENQUE_TO_CAHORS: list[Position] = [
    LALBENQUE,
    (44.3900, 1.6200),
    (44.4700, 1.6100),
    (44.4950, 1.5000),
    (44.4750, 1.4500),
    CAHORS_STATION,
]


@dataclass(frozen=True)
class Fix:
    lat: float
    lon: float
    time: datetime


@dataclass(frozen=True)
class Pause:
    """A stop `at_km` into the ride; `logging` False is an app that stops recording (a gap)."""

    at_km: float
    minutes: float
    logging: bool = True


def route_km(route: Sequence[Position]) -> float:
    return sum(haversine_km(a, b) for a, b in itertools.pairwise(route))


def _point_along(route: Sequence[Position], km: float) -> Position:
    for (lat1, lon1), (lat2, lon2) in itertools.pairwise(route):
        leg = haversine_km((lat1, lon1), (lat2, lon2))
        if km <= leg:
            share = km / leg if leg else 0.0
            return lat1 + (lat2 - lat1) * share, lon1 + (lon2 - lon1) * share
        km -= leg
    return route[-1]


class GpsNoise:
    """GPS error wanders slowly (each fix's error is close to the previous one's): an AR(1)
    walk with a standard deviation of `metres` on each axis. With `memory_seconds` the
    carry from one fix to the next follows the time between them (a receiver's error
    has a memory in time, whatever the app's sampling); without, it is `CARRY` a fix."""

    CARRY = 0.9

    def __init__(self, rng: random.Random, metres: float, memory_seconds: float | None = None) -> None:
        self.rng, self.metres, self.memory_seconds = rng, metres, memory_seconds
        self.north = self.east = 0.0

    def __call__(self, position: Position, seconds: float = 1.0) -> Position:
        carry = self.CARRY if self.memory_seconds is None else math.exp(-seconds / self.memory_seconds)
        fresh = self.metres * math.sqrt(1 - carry**2)
        self.north = carry * self.north + self.rng.gauss(0, fresh)
        self.east = carry * self.east + self.rng.gauss(0, fresh)
        return moved_by(position, self.north, self.east)


def moved_by(position: Position, north_m: float, east_m: float) -> Position:
    lat, lon = position
    return (
        lat + north_m / 1000 / KM_PER_DEGREE_LAT,
        lon + east_m / 1000 / (KM_PER_DEGREE_LAT * math.cos(math.radians(lat))),
    )


def ride(
    route: Sequence[Position],
    *,
    start: datetime,
    kmh: float,
    every_seconds: float = 5,
    noise_m: float = 3.0,
    pauses: Sequence[Pause] = (),
    seed: int = 1,
) -> list[Fix]:
    """Fixes every `every_seconds` along the route at about `kmh` (±10 %), ending exactly at its end."""
    rng = random.Random(seed)
    noisy = GpsNoise(rng, noise_m)
    total = route_km(route)
    pending = sorted(pauses, key=lambda pause: pause.at_km)
    fixes: list[Fix] = []
    km, moment = 0.0, start
    while True:
        position = route[-1] if km >= total else _point_along(route, km)
        fixes.append(Fix(*(noisy(position) if km < total else position), moment))
        if km >= total:
            return fixes
        if pending and km >= pending[0].at_km:
            pause = pending.pop(0)
            stop_until = moment + timedelta(minutes=pause.minutes)
            if pause.logging:
                while moment + timedelta(seconds=every_seconds) < stop_until:
                    moment += timedelta(seconds=every_seconds)
                    fixes.append(Fix(*noisy(position), moment))
            moment = stop_until
        moment += timedelta(seconds=every_seconds)
        km = min(total, km + kmh * rng.uniform(0.9, 1.1) * every_seconds / 3600)


def winding_route(
    seed: int | str, start: Position = LALBENQUE, end: Position = CAHORS_STATION, bends: int = 4, spread: float = 0.08
) -> list[Position]:
    """A way of its own from `start` to `end` through `bends` random points (±`spread`°
    around the straight line): tests that claim through the shared database each ride
    their own way, as one way ridden twice is one ride."""
    rng = random.Random(str(seed))
    (lat1, lon1), (lat2, lon2) = start, end
    middle = [
        (
            lat1 + (lat2 - lat1) * step / (bends + 1) + rng.uniform(-spread, spread),
            lon1 + (lon2 - lon1) * step / (bends + 1) + rng.uniform(-spread, spread),
        )
        for step in range(1, bends + 1)
    ]
    return [start, *middle, end]


def thinned(fixes: Sequence[Fix], keep_every: int = 2) -> list[Fix]:
    """Every `keep_every`-th fix, and the last one."""
    kept = list(fixes[::keep_every])
    return kept if kept[-1] is fixes[-1] else [*kept, fixes[-1]]


def reversed_ride(fixes: Sequence[Fix]) -> list[Fix]:
    """The same path ridden the other way, in the same span of time."""
    return [replace(fix, time=moment.time) for fix, moment in zip(reversed(fixes), fixes, strict=True)]


def jittered(fixes: Sequence[Fix], metres: float, seed: int = 1) -> list[Fix]:
    """Each fix moved by up to `metres` in a random direction (a re-export, an edited file)."""
    rng = random.Random(seed)
    return [
        replace(fix, lat=lat, lon=lon)
        for fix in fixes
        for lat, lon in [moved_by((fix.lat, fix.lon), rng.uniform(-metres, metres), rng.uniform(-metres, metres))]
    ]


def shifted(fixes: Sequence[Fix], by: timedelta) -> list[Fix]:
    return [replace(fix, time=fix.time + by) for fix in fixes]


def ending_ago(fixes: Sequence[Fix], minutes: float) -> list[Fix]:
    """The ride moved in time so that it ended `minutes` ago."""
    return shifted(fixes, clock.now() - timedelta(minutes=minutes) - fixes[-1].time)


def _time_text(moment: datetime, style: str) -> str:
    utc = moment.astimezone(UTC)
    if style == "seconds":
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "millis":
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    if style == "offset":  # local time in Paris in summer, as some apps write it
        return moment.astimezone(timezone(timedelta(hours=2))).isoformat(timespec="seconds")
    if style == "naive":  # no zone at all: UTC by the GPX schema
        return utc.replace(tzinfo=None).isoformat(timespec="seconds")
    raise ValueError(style)


def to_gpx(
    fixes: Sequence[Fix],
    *,
    version: str = "1.1",
    decimals: int = 7,
    time_style: str = "seconds",
    pretty: bool = True,
    prefix: str | None = None,
    metadata: bool = False,
    lon_first: bool = False,
    extensions: bool = False,
    segments: int = 1,
    with_times: bool = True,
) -> bytes:
    """One track as a GPX document; the keyword arguments vary only its presentation."""
    namespace = GPX_1_1 if version == "1.1" else GPX_1_0
    tag = (lambda name: f"{prefix}:{name}") if prefix else (lambda name: name)
    xmlns = f'xmlns:{prefix}="{namespace}"' if prefix else f'xmlns="{namespace}"'
    newline, indent = ("\n", "  ") if pretty else ("", "")
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    extension_ns = ' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"' if extensions else ""
    lines.append(f'<{tag("gpx")} {xmlns}{extension_ns} version="{version}" creator="gpx_factory">')
    if metadata:
        lines.append(
            f"{indent}<{tag('metadata')}><{tag('name')}>Morning ride</{tag('name')}>"
            f"<{tag('desc')}>Lalbenque &amp; back</{tag('desc')}></{tag('metadata')}>"
        )
        lines.append(f'{indent}<{tag("wpt")} lat="44.5" lon="1.5"><{tag("name")}>Café</{tag("name")}></{tag("wpt")}>')
    lines.append(f"{indent}<{tag('trk')}><{tag('name')}>Ride</{tag('name')}>")
    cut = math.ceil(len(fixes) / segments)
    for first in range(0, len(fixes), cut):
        lines.append(f"{indent * 2}<{tag('trkseg')}>")
        for fix in fixes[first : first + cut]:
            lat, lon = f'lat="{fix.lat:.{decimals}f}"', f'lon="{fix.lon:.{decimals}f}"'
            attributes = f"{lon} {lat}" if lon_first else f"{lat} {lon}"
            children = f"<{tag('ele')}>190.0</{tag('ele')}>"
            if with_times:
                children += f"<{tag('time')}>{_time_text(fix.time, time_style)}</{tag('time')}>"
            if extensions:
                children += (
                    f"<{tag('extensions')}><gpxtpx:TrackPointExtension><gpxtpx:hr>128</gpxtpx:hr>"
                    f"</gpxtpx:TrackPointExtension></{tag('extensions')}>"
                )
            lines.append(f"{indent * 3}<{tag('trkpt')} {attributes}>{children}</{tag('trkpt')}>")
        lines.append(f"{indent * 2}</{tag('trkseg')}>")
    lines.append(f"{indent}</{tag('trk')}>")
    lines.append(f"</{tag('gpx')}>")
    return newline.join(lines).encode()


def billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE gpx [\n' + "\n".join(entities) + "\n]>\n"
        f'<gpx xmlns="{GPX_1_1}" version="1.1"><metadata><desc>&lol9;</desc></metadata></gpx>'
    ).encode()


def external_entity(target: str = "file:///etc/passwd") -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE gpx [<!ENTITY secret SYSTEM "{target}">]>\n'
        f'<gpx xmlns="{GPX_1_1}" version="1.1"><metadata><desc>&secret;</desc></metadata></gpx>'
    ).encode()


def external_dtd(target: str = "http://127.0.0.1:9/evil.dtd") -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE gpx SYSTEM "{target}">\n<gpx xmlns="{GPX_1_1}" version="1.1"></gpx>'
    ).encode()


def split_route(route: Sequence[Position], at_km: float) -> tuple[list[Position], list[Position]]:
    """The route up to `at_km` and from there on, sharing the cut point."""
    cut = _point_along(route, at_km)
    before, walked = [route[0]], 0.0
    for index, (a, b) in enumerate(itertools.pairwise(route)):
        leg = haversine_km(a, b)
        if walked + leg >= at_km:
            return [*before, cut], [cut, *route[index + 1 :]]
        before.append(b)
        walked += leg
    return list(route), [route[-1]]


def ride_legs(
    legs: Sequence[tuple[Sequence[Position], float]], *, start: datetime, every_seconds: float = 5, seed: int = 1
) -> list[Fix]:
    """Consecutive legs at their own speeds (each leg starts where the previous one ended)."""
    fixes: list[Fix] = []
    for number, (route, kmh) in enumerate(legs):
        leg = ride(
            route, start=fixes[-1].time if fixes else start, kmh=kmh, every_seconds=every_seconds, seed=seed + number
        )
        fixes.extend(leg[1:] if fixes else leg)
    return fixes


def gpx_claim(fixes: Sequence[Fix], persons: int = 1) -> dict:
    """The JSON claim of a bike ride recorded as `fixes`."""
    return {"mode": "bike", "method": "gpx", "persons": persons, "evidence": {"gpx": to_gpx(fixes).decode()}}
