"""Honest cyclists on the Lot's roads, and the cheats made of their files.

A road is a fixed winding line between two places (its bends, and a profile of
climbs and descents that slows every rider at the same places), the same for
every rider. A rider is what makes a recording their own: a receiver whose error
wanders with a memory of about 30 s (2.5–7 m), a pace (12–24 km/h) that drifts
and that the climbs slow more or less, stops of their own (a red light caught or
not, a café, a photo, an app that stops logging while parked), a sampling every
1, 3, 5 or 10 s, and a day and hour. `cheats` are what a copy of one file may
become: re-timed, scaled, thinned, jittered, cut short, written with another
precision, or several of these at once.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import httpx

from service.core import clock
from service.core.geo import haversine_km
from service.proofs.ride_recording import Recording, recording
from service.proofs.track import Track, smoothed
from service.settings import GpxRules
from tests.gpx_factory import (
    CAHORS_STATION,
    KM_PER_DEGREE_LAT,
    LALBENQUE,
    Fix,
    GpsNoise,
    Position,
    ending_ago,
    gpx_claim,
    jittered,
    moved_by,
    reversed_ride,
    shifted,
    thinned,
)

GOURDON_STATION: Position = (44.7419, 1.3894)
SOUILLAC_STATION: Position = (44.9022, 1.4667)
SAINT_CIRQ_LAPOPIE: Position = (44.4654, 1.6706)
SAMPLINGS = (1, 3, 5, 10)


@dataclass(frozen=True)
class Road:
    """A winding way, as vertices every ~10 m with their distance from the start."""

    name: str
    points: tuple[Position, ...]
    km: tuple[float, ...]
    lights_km: tuple[float, ...]
    climbs: tuple[tuple[float, float, float], ...]  # (wavelength km, amplitude, phase) of the slope profile

    @property
    def length_km(self) -> float:
        return self.km[-1]

    def at(self, km: float) -> Position:
        index = min(max(bisect.bisect_right(self.km, km), 1), len(self.km) - 1)
        (lat1, lon1), (lat2, lon2) = self.points[index - 1], self.points[index]
        leg = self.km[index] - self.km[index - 1]
        share = min(max((km - self.km[index - 1]) / leg, 0.0), 1.0) if leg else 0.0
        return lat1 + (lat2 - lat1) * share, lon1 + (lon2 - lon1) * share

    def slowdown(self, km: float) -> float:
        """How much the slope slows a rider here (1 on the flat; below 1 uphill)."""
        slope = sum(amplitude * math.sin(2 * math.pi * km / wave + phase) for wave, amplitude, phase in self.climbs)
        return min(1.3, max(0.55, 1 - slope))


def road(name: str, start: Position, end: Position, *, seed: int | str | None = None) -> Road:
    """A road from `start` to `end` that bends like a departmental road: sinuous at
    every scale from a few hundred metres to several kilometres, about 1.3 times the
    straight line."""
    rng = random.Random(f"road:{seed if seed is not None else name}")
    straight_km = haversine_km(start, end)
    waves = []
    for _ in range(9):
        wave_km = math.exp(rng.uniform(math.log(0.35), math.log(max(straight_km / 2, 1.0))))
        waves.append((wave_km, 0.11 * wave_km * rng.uniform(0.5, 1.0), rng.uniform(0, 2 * math.pi)))
    (lat1, lon1), (lat2, lon2) = start, end
    north_km = (lat2 - lat1) * KM_PER_DEGREE_LAT
    east_km = (lon2 - lon1) * KM_PER_DEGREE_LAT * math.cos(math.radians(lat1))
    steps = max(2, int(straight_km / 0.01))
    points = []
    for step in range(steps + 1):
        u = step / steps
        along = u * straight_km
        # the road wanders either side of the straight line, and meets both ends
        side_km = math.sin(math.pi * u) ** 0.5 * sum(
            amplitude * math.sin(2 * math.pi * along / wave + phase) for wave, amplitude, phase in waves
        )
        base = (lat1 + (lat2 - lat1) * u, lon1 + (lon2 - lon1) * u)
        # perpendicular to the straight line, to its left
        norm = math.hypot(north_km, east_km)
        points.append(moved_by(base, east_km / norm * side_km * 1000, -north_km / norm * side_km * 1000))
    km = [0.0]
    for a, b in itertools.pairwise(points):
        km.append(km[-1] + haversine_km(a, b))
    lights = tuple(sorted(rng.uniform(0.15, 0.9) * km[-1] for _ in range(3)))
    climbs = tuple((rng.uniform(1.0, 5.0), rng.uniform(0.05, 0.15), rng.uniform(0, 2 * math.pi)) for _ in range(3))
    return Road(name, tuple(points), tuple(km), lights, climbs)


def lot_roads() -> list[Road]:
    """Three roads into the Lot's towns, each ending at a station."""
    return [
        road("Lalbenque → Cahors", LALBENQUE, CAHORS_STATION),
        road("Saint-Cirq-Lapopie → Cahors", SAINT_CIRQ_LAPOPIE, CAHORS_STATION),
        road("Gourdon → Souillac", GOURDON_STATION, SOUILLAC_STATION),
    ]


@dataclass(frozen=True)
class Rider:
    seed: int
    kmh: float
    every_seconds: int
    gps_error_m: float
    start: datetime
    # how much the climbs slow this rider (1: as much as the profile says)
    climbing: float
    cafe_stops: tuple[tuple[float, float, bool], ...]  # (share of the road, minutes, logging)
    catches_lights: tuple[bool, ...]


def rider(seed: int, *, around: datetime, days: int = 2, every_seconds: int | None = None) -> Rider:
    """A rider of their own, starting within `days` days and a working day's hours of `around`."""
    rng = random.Random(f"rider:{seed}")
    stops = tuple(
        (rng.uniform(0.1, 0.9), rng.uniform(1, 15), rng.random() > 0.3) for _ in range(rng.choice((0, 0, 1, 1, 2)))
    )
    return Rider(
        seed=seed,
        kmh=rng.uniform(12, 24),
        every_seconds=every_seconds or rng.choice(SAMPLINGS),
        gps_error_m=rng.uniform(2.5, 7),
        start=around - timedelta(days=rng.randint(0, days), minutes=rng.uniform(0, 9 * 60)),
        climbing=rng.uniform(0.6, 1.4),
        cafe_stops=stops,
        catches_lights=tuple(rng.random() < 0.4 for _ in range(3)),
    )


def ride_road(way: Road, who: Rider, *, backwards: bool = False, receiver: int = 0) -> list[Fix]:
    """The recording `who` makes riding `way` (from its end to its start if `backwards`).
    Another `receiver` is a companion's phone on the same ride: same pace, same stops,
    its own error."""
    rng = random.Random(f"ride:{who.seed}:{way.name}:{backwards}")
    noise = GpsNoise(random.Random(f"receiver:{who.seed}:{receiver}"), who.gps_error_m, memory_seconds=30)
    total = way.length_km

    def position(done_km: float) -> Position:
        return way.at(total - done_km if backwards else done_km)

    stops = sorted(
        [(share * total, minutes * 60, logging) for share, minutes, logging in who.cafe_stops]
        + [
            ((total - km) if backwards else km, rng.uniform(10, 60), True)
            for km, caught in zip(way.lights_km, who.catches_lights, strict=True)
            if caught
        ]
    )
    pace = 1.0  # the rider's own drift: legs, wind, mood (an AR(1) with a few minutes' memory)
    step = who.every_seconds
    done_km, moment = 0.0, who.start
    fixes = [Fix(*noise(position(0.0), step), moment)]
    while done_km < total:
        if stops and done_km >= stops[0][0]:
            _, seconds, logging = stops.pop(0)
            waited = 0.0
            while waited + step < seconds:
                waited += step
                if logging:
                    fixes.append(Fix(*noise(position(done_km), step), moment + timedelta(seconds=waited)))
            moment += timedelta(seconds=seconds)
            continue
        pace = 1 + (pace - 1) * math.exp(-step / 240) + rng.gauss(0, 0.08 * math.sqrt(1 - math.exp(-2 * step / 240)))
        slope = way.slowdown(total - done_km if backwards else done_km)
        kmh = who.kmh * pace * (1 - (1 - slope) * who.climbing)
        done_km = min(total, done_km + max(kmh, 5) * step / 3600)
        moment += timedelta(seconds=step)
        fixes.append(Fix(*noise(position(done_km), step), moment))
    return fixes


async def companions_ride(client: httpx.AsyncClient, way: Road, seed: int, *, ended_minutes_ago: float = 30) -> str:
    """A rider's ride claimed (201), then a companion's phone on the same ride, which started
    logging a minute and a half later, claimed for two (202): the held proof's review id."""
    who = rider(seed, around=clock.now(), days=0, every_seconds=3)
    first = await client.post("/api/v1/claims", json=gpx_claim(ending_ago(ride_road(way, who), ended_minutes_ago)))
    assert first.status_code == 201, first.text
    phone = ride_road(way, who, receiver=1)
    phone = [fix for fix in phone if fix.time >= phone[0].time + timedelta(seconds=90)]
    held = await client.post("/api/v1/claims", json=gpx_claim(ending_ago(phone, ended_minutes_ago), persons=2))
    assert held.status_code == 202, held.text
    return held.json()["review"]["id"]


def recording_of(key: bytes, fixes: Sequence[Fix]) -> Recording:
    """The recording the service keeps of these fixes, smoothed as `verify_gpx` smooths them."""
    lats, lons, times = zip(*((fix.lat, fix.lon, fix.time.timestamp()) for fix in fixes), strict=True)
    track = Track(array("d", lats), array("d", lons), array("d", times))
    return recording(key, track, smoothed(track, GpxRules().smooth_seconds))


# The cheats: what a copy of one recording may become.


def scaled(fixes: Sequence[Fix], factor: float) -> list[Fix]:
    """Times stretched (or shrunk) about the end of the ride, which stays where it was."""
    end = fixes[-1].time
    return [replace(fix, time=end - (end - fix.time) * factor) for fix in fixes]


def cut(fixes: Sequence[Fix], share: float, *, at_start: bool) -> list[Fix]:
    """`share` of the recording's time removed at its start, or at its end."""
    span = (fixes[-1].time - fixes[0].time) * share
    if at_start:
        return [fix for fix in fixes if fix.time >= fixes[0].time + span]
    return [fix for fix in fixes if fix.time <= fixes[-1].time - span]


def rounded(fixes: Sequence[Fix], decimals: int) -> list[Fix]:
    return [replace(fix, lat=round(fix.lat, decimals), lon=round(fix.lon, decimals)) for fix in fixes]


Cheat = Callable[[Sequence[Fix]], list[Fix]]


def cheats(seed: int = 0) -> dict[str, Cheat]:
    """Every kind of copy of one file, by name."""
    rng = random.Random(f"cheats:{seed}")
    kinds: dict[str, Cheat] = {
        "shifted -40 min": lambda f: shifted(f, timedelta(minutes=-40)),
        "shifted +7 min": lambda f: shifted(f, timedelta(minutes=7)),
        "shifted 1 day": lambda f: shifted(f, timedelta(days=1)),
        "shifted 2 days 3 h": lambda f: shifted(f, timedelta(days=2, hours=3)),
        "scaled ×0.9": lambda f: scaled(f, 0.9),
        "scaled ×1.1": lambda f: scaled(f, 1.1),
        "thinned 1 in 2": lambda f: thinned(f, 2),
        "thinned 1 in 3": lambda f: thinned(f, 3),
        "thinned 1 in 5": lambda f: thinned(f, 5),
        "jittered 2 m": lambda f: jittered(f, 2, seed=rng.randint(0, 10**6)),
        "jittered 6 m": lambda f: jittered(f, 6, seed=rng.randint(0, 10**6)),
        "cut 10 % at the start": lambda f: cut(f, 0.1, at_start=True),
        "cut 30 % at the start": lambda f: cut(f, 0.3, at_start=True),
        "cut 10 % at the end": lambda f: cut(f, 0.1, at_start=False),
        "cut 30 % at the end": lambda f: cut(f, 0.3, at_start=False),
        "5 decimals": lambda f: rounded(f, 5),
        "reversed": reversed_ride,
        "shifted, scaled, thinned, jittered, cut": lambda f: cut(
            jittered(thinned(scaled(shifted(f, timedelta(hours=-5)), 1.07), 2), 4, seed=rng.randint(0, 10**6)),
            0.15,
            at_start=True,
        ),
    }
    return kinds
