"""The `gpx` verifier on generated tracks: honest rides, cheats, hostile XML. Pure, no database."""

from __future__ import annotations

import itertools
import math
import random
import secrets
import time
import tracemalloc
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import msgspec
import pytest

from service.core.errors import Problem
from service.core.geo import haversine_km
from service.proofs.gpx import (
    Endpoint,
    fastest_stretch_kmh,
    nearest_endpoint,
    read_track,
    speed_kmh,
    verify_gpx,
)
from service.proofs.rules import Verdict
from service.settings import ClaimRules, GpxRules
from tests.gpx_factory import (
    BORDEAUX_SAINT_JEAN,
    CAHORS_STATION,
    LALBENQUE,
    LALBENQUE_TO_CAHORS,
    LIBOURNE,
    MONTAUBAN,
    GpsNoise,
    Pause,
    billion_laughs,
    external_dtd,
    external_entity,
    jittered,
    ride,
    ride_legs,
    route_km,
    shifted,
    split_route,
    to_gpx,
)

UTC = UTC
NOW = datetime(2026, 6, 14, 16, 0, tzinfo=UTC)  # 18:00 in Cahors
MORNING = datetime(2026, 6, 14, 7, 30, 0, 400_000, tzinfo=UTC)
KEY = secrets.token_bytes(32)
ROCAMADOUR_SITE = (44.7997, 1.6183)
# What the caller loads: Lot stations and partner sites with their OT.
ENDPOINTS: list[Endpoint] = [
    Endpoint(*CAHORS_STATION, "cahors", "Cahors"),
    Endpoint(*LALBENQUE, "cahors", "Lalbenque"),
    Endpoint(44.9275, 1.8442, "dordogne", "Souillac"),
    Endpoint(*ROCAMADOUR_SITE, "dordogne", "Rocamadour, a partner site"),
]


def verify(
    document: bytes,
    *,
    rules: GpxRules | None = None,
    now: datetime = NOW,
    persons: int = 2,
    key: bytes = KEY,
    endpoints: list[Endpoint] = ENDPOINTS,
) -> Verdict:
    return verify_gpx(
        document,
        rules=rules or GpxRules(),
        claim_rules=ClaimRules(),
        now=now,
        endpoints=endpoints,
        persons=persons,
        fingerprint_key=key,
    )


def refusal(document: bytes, **kwargs) -> Problem:
    with pytest.raises(Problem) as caught:
        verify(document, **kwargs)
    assert caught.value.status == 422
    return caught.value


def cafe_ride(start: datetime = MORNING, *, logging: bool = True, seed: int = 1):
    """About 36 km from Lalbenque to Cahors station at 17 km/h, with 40 minutes at a café."""
    return ride(
        LALBENQUE_TO_CAHORS, start=start, kmh=17, pauses=[Pause(at_km=18, minutes=40, logging=logging)], seed=seed
    )


# honest rides


def test_a_real_ride_ending_at_cahors_station():
    fixes = cafe_ride()
    verdict = verify(to_gpx(fixes))

    assert verdict.confidence == "plausible" and verdict.persons == 2
    assert verdict.ot_id == "cahors" and verdict.arrival_stop_id is None
    assert verdict.arrival_date == date(2026, 6, 14)
    length = route_km(LALBENQUE_TO_CAHORS)
    assert 34 < length < 38
    # smoothed, the track cuts its corners by a few metres and adds no noise; pauses add nothing
    assert length * 0.99 <= verdict.trip_km <= length * 1.03
    facts = verdict.facts
    # figures only: nothing of where the ride started
    assert set(facts) == {"distance_km", "moving_avg_kmh", "points", "duration_min"}
    assert all(isinstance(value, (int, float)) for value in facts.values())
    assert 16 <= facts["moving_avg_kmh"] <= 18.5  # the café's 40 minutes are not moving time
    assert facts["points"] == len(fixes)
    assert facts["duration_min"] == round((fixes[-1].time - fixes[0].time).total_seconds() / 60)
    assert 165 <= facts["duration_min"] <= 175
    assert len(verdict.fingerprint) == 32


def test_an_app_that_stops_recording_during_the_pause_gives_the_same_figures():
    logged = verify(to_gpx(cafe_ride()))
    gap = verify(to_gpx(cafe_ride(logging=False)))
    assert gap.facts["points"] < logged.facts["points"]
    assert gap.facts["moving_avg_kmh"] == pytest.approx(logged.facts["moving_avg_kmh"], abs=0.3)
    assert gap.trip_km == pytest.approx(logged.trip_km, abs=0.2)
    assert gap.facts["duration_min"] == logged.facts["duration_min"]


def test_the_arrival_date_is_the_local_date_of_the_last_point():
    # ends at 00:30 in Cahors, 22:30 UTC the day before
    fixes = cafe_ride()
    late = shifted(fixes, datetime(2026, 6, 13, 22, 30, tzinfo=UTC) - fixes[-1].time)
    assert late[-1].time.date() == date(2026, 6, 13)
    assert verify(to_gpx(late)).arrival_date == date(2026, 6, 14)


def test_a_loop_counts_unless_the_ots_say_otherwise():
    loop = ride([CAHORS_STATION, (44.52, 1.52), (44.47, 1.60), CAHORS_STATION], start=MORNING, kmh=17)
    assert verify(to_gpx(loop)).ot_id == "cahors"
    problem = refusal(to_gpx(loop), rules=GpxRules(loops_count=False))
    assert problem.code == "proof.track_is_loop" and problem.params["max_km"] == 2
    # a ride from elsewhere still counts under that rule
    assert verify(to_gpx(cafe_ride()), rules=GpxRules(loops_count=False))


def test_the_nearest_endpoint_gives_the_ot():
    ride_to_site = ride([(44.85, 1.50), (44.82, 1.58), ROCAMADOUR_SITE], start=MORNING, kmh=15)
    assert verify(to_gpx(ride_to_site)).ot_id == "dordogne"


def test_gpx_1_0_and_an_unqualified_root_are_read():
    fixes = cafe_ride()
    assert verify(to_gpx(fixes, version="1.0")).fingerprint == verify(to_gpx(fixes)).fingerprint
    unqualified = to_gpx(fixes).replace(b' xmlns="http://www.topografix.com/GPX/1/1"', b"")
    assert verify(unqualified).facts["points"] == len(fixes)


def test_a_short_burst_of_car_speed_downhill_is_fine_but_a_sustained_one_is_not():
    before, rest = split_route(LALBENQUE_TO_CAHORS, 15)
    brief, after_brief = split_route(rest, 1.25)  # 90 s at 50 km/h
    assert verify(to_gpx(ride_legs([(before, 18), (brief, 50), (after_brief, 18)], start=MORNING)))

    sustained, after_sustained = split_route(rest, 3.4)  # 4 minutes at 50 km/h
    problem = refusal(to_gpx(ride_legs([(before, 18), (sustained, 50), (after_sustained, 18)], start=MORNING)))
    assert problem.code == "proof.track_too_fast"
    assert 45 < problem.params["kmh"] < 56 and problem.params["minutes"] == 2


@pytest.mark.parametrize("noise", ["wandering", "fresh"])
def test_an_honest_one_second_track_with_5_m_of_error_is_not_too_fast(noise):
    """5 m of error at one fix a second, whether it wanders (a receiver) or is fresh at
    every fix (a poor phone): measured raw, the error's own length would make the ride
    "too fast"; measured smoothed, the ride is the rider's."""
    fixes = ride(LALBENQUE_TO_CAHORS, start=MORNING, kmh=22, every_seconds=1, noise_m=0.1)
    if noise == "fresh":
        fixes = jittered(fixes, metres=5 * 3**0.5, seed=7)  # uniform ±8.7 m: 5 m standard deviation
    else:
        noisy = GpsNoise(random.Random(7), 5, memory_seconds=30)
        fixes = [replace(fix, lat=lat, lon=lon) for fix in fixes for lat, lon in [noisy((fix.lat, fix.lon))]]
    raw_km = sum(haversine_km((a.lat, a.lon), (b.lat, b.lon)) for a, b in itertools.pairwise(fixes))
    verdict = verify(to_gpx(fixes))
    assert verdict.facts["moving_avg_kmh"] < 24
    assert verdict.trip_km < route_km(LALBENQUE_TO_CAHORS) * 1.03
    if noise == "fresh":
        assert raw_km > route_km(LALBENQUE_TO_CAHORS) * 1.5  # what a raw measure would have seen


# cheats and mistakes


def test_a_car_trip_is_refused():
    drive = ride([MONTAUBAN, (44.25, 1.45), CAHORS_STATION], start=MORNING, kmh=70)
    problem = refusal(to_gpx(drive))
    assert problem.code == "proof.track_too_fast"
    assert 60 < problem.params["kmh"] < 80


def test_a_teleport_is_refused():
    north = ride([(44.82, 1.58), (44.73, 1.58)], start=MORNING, kmh=17, seed=2)
    south_start = (44.46, 1.58)
    assert 29 < haversine_km((north[-1].lat, north[-1].lon), south_start) < 31
    south = ride(
        [south_start, (44.47, 1.50), CAHORS_STATION], start=north[-1].time + timedelta(seconds=10), kmh=17, seed=3
    )
    problem = refusal(to_gpx(north + south))
    assert problem.code == "proof.track_too_fast"
    assert problem.params["kmh"] > 500


def test_a_ride_elsewhere_in_france_is_refused():
    problem = refusal(to_gpx(ride([LIBOURNE, (44.87, -0.40), BORDEAUX_SAINT_JEAN], start=MORNING, kmh=18)))
    assert problem.code == "proof.track_not_near_lot"
    assert problem.params["km"] > 150 and problem.params["max_km"] == 2


def test_ending_a_little_further_than_allowed_from_a_station_is_refused():
    fixes = cafe_ride()
    # 3 km north of Cahors station
    moved = ride([*LALBENQUE_TO_CAHORS, (CAHORS_STATION[0] + 0.027, CAHORS_STATION[1])], start=MORNING, kmh=17)
    assert verify(to_gpx(fixes))
    problem = refusal(to_gpx(moved))
    assert problem.code == "proof.track_not_near_lot" and 2.9 < problem.params["km"] < 3.1
    assert problem.params["place"] == "Cahors"  # the refusal names the nearest place
    assert refusal(to_gpx(fixes), endpoints=[]).code == "proof.track_not_near_lot"


def test_a_replayed_old_ride_is_refused():
    problem = refusal(to_gpx(cafe_ride(MORNING - timedelta(days=91))))
    assert problem.code == "proof.too_old" and problem.params["days"] == ClaimRules().max_proof_age_days
    # still inside the window
    assert verify(to_gpx(cafe_ride(MORNING - timedelta(days=29))))


def test_a_ride_ending_in_the_future_is_refused_beyond_the_clock_skew():
    fixes = cafe_ride()
    just_ahead = shifted(fixes, NOW + timedelta(minutes=3) - fixes[-1].time)
    assert verify(to_gpx(just_ahead))
    far_ahead = shifted(fixes, NOW + timedelta(hours=1) - fixes[-1].time)
    assert refusal(to_gpx(far_ahead)).code == "proof.track_in_future"


def test_a_sparse_track_has_too_few_points():
    sparse = ride(LALBENQUE_TO_CAHORS, start=MORNING, kmh=17, every_seconds=180)
    problem = refusal(to_gpx(sparse))
    assert problem.code == "proof.track_too_few_points"
    assert problem.params == {"points": len(sparse), "min": 50} and len(sparse) < 50


def test_a_planned_route_without_a_track_has_no_points_and_one_without_times_is_named():
    route_only = (
        b'<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1"><rte>'
        + b'<rtept lat="44.33" lon="1.51"/>' * 60
        + b"</rte></gpx>"
    )
    assert refusal(route_only).params == {"points": 0, "min": 50}
    assert refusal(to_gpx(cafe_ride(), with_times=False)).code == "proof.track_without_times"


@pytest.mark.parametrize("same_time", [False, True])
def test_times_must_strictly_increase(same_time):
    fixes = cafe_ride()
    if same_time:
        fixes[100] = replace(fixes[100], time=fixes[99].time)
    else:
        fixes[100], fixes[101] = replace(fixes[100], time=fixes[101].time), replace(fixes[101], time=fixes[100].time)
    problem = refusal(to_gpx(fixes))
    assert problem.code == "proof.track_times_not_increasing"
    assert problem.params["point"] == 101 if same_time else 102


def test_a_ride_too_short_a_walk_and_a_steady_speed_pedelec_are_refused():
    _, last_six_km = split_route(LALBENQUE_TO_CAHORS, route_km(LALBENQUE_TO_CAHORS) - 6)
    problem = refusal(to_gpx(ride(last_six_km, start=MORNING, kmh=15)))
    assert problem.code == "proof.track_too_short" and 5.5 < problem.params["km"] < 6.5

    problem = refusal(to_gpx(ride(LALBENQUE_TO_CAHORS, start=MORNING - timedelta(hours=3), kmh=5)))
    assert problem.code == "proof.track_too_slow" and 4.5 < problem.params["kmh"] < 5.6

    problem = refusal(to_gpx(ride(LALBENQUE_TO_CAHORS, start=MORNING, kmh=36)))
    assert problem.code == "proof.track_average_too_fast" and 33 < problem.params["kmh"] < 39


def test_persons_are_capped_by_the_claim_rules():
    assert refusal(to_gpx(cafe_ride()), persons=ClaimRules().max_persons + 1).code == "proof.too_many_persons"


# hostile and broken files


@pytest.mark.parametrize(
    "document",
    [
        billion_laughs(),
        external_entity("file:///etc/passwd"),
        external_entity("http://127.0.0.1:9/secret"),
        external_dtd(),
    ],
    ids=["billion-laughs", "xxe-file", "xxe-http", "external-dtd"],
)
def test_xml_entity_tricks_are_refused_at_once(document):
    started = time.perf_counter()
    problem = refusal(document)
    assert problem.code == "proof.gpx_unsafe"
    assert "root" not in str(problem.params)  # nothing of the file's content comes back
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n not xml", "not well-formed near line 1"),
        (b'<kml xmlns="http://www.opengis.net/kml/2.2"></kml>', "root element"),
        (b'<gpx xmlns="http://example.com/not-gpx"></gpx>', "root element"),
        (b'<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>', "not well-formed"),
        (
            b'<gpx xmlns="http://www.topografix.com/GPX/1/1"><metadata><desc>&secret;</desc></metadata></gpx>',
            "not well-formed",
        ),
        (b'<gpx xmlns="http://www.topografix.com/GPX/1/1">' + b"<a>" * 40 + b"</a>" * 40 + b"</gpx>", "too deep"),
        (
            b'<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg><trkpt lat="x" lon="1">'
            b"<time>2026-06-14T10:00:00Z</time></trkpt></trkseg></trk></gpx>",
            "lat and lon",
        ),
        (
            b'<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg><trkpt lat="95" lon="1">'
            b"<time>2026-06-14T10:00:00Z</time></trkpt></trkseg></trk></gpx>",
            "out of range",
        ),
        (
            b'<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg><trkpt lat="44" lon="1">'
            b"<time>yesterday</time></trkpt></trkseg></trk></gpx>",
            "2026-07-14T09:05:00Z",
        ),
    ],
)
def test_broken_documents_are_invalid(document, reason):
    problem = refusal(document)
    assert problem.code == "proof.gpx_invalid"
    assert reason in problem.params["reason"].render("en")
    assert problem.params["reason"].render("fr") != problem.params["reason"].render("en")  # translated


def test_a_huge_file_is_refused_before_parsing():
    document = to_gpx(cafe_ride())
    assert verify(document, rules=GpxRules(max_bytes=len(document)))
    problem = refusal(document, rules=GpxRules(max_bytes=len(document) - 1))
    assert problem.code == "proof.gpx_too_large"

    limit = GpxRules().max_bytes
    huge = document + b"\n" * (limit - len(document) + 1)
    assert refusal(huge).params == {"max_mib": round(limit / 1024 / 1024, 1)}


def test_too_many_points_are_refused():
    problem = refusal(to_gpx(cafe_ride()), rules=GpxRules(max_points=500))
    assert problem.code == "proof.track_too_many_points" and problem.params == {"max": 500}


def test_a_file_at_the_size_limit_is_read_in_little_memory():
    limit = GpxRules().max_bytes
    fixes = ride(LALBENQUE_TO_CAHORS, start=MORNING - timedelta(hours=8), kmh=5, every_seconds=0.3)
    whole = to_gpx(fixes, extensions=True)
    assert len(whole) > limit
    fitting = fixes[: int(len(fixes) * limit * 0.99 / len(whole))]
    document = to_gpx(fitting, extensions=True)
    assert limit * 0.95 < len(document) <= limit

    rules = GpxRules(max_points=len(fitting))  # these points are lighter than a real export's
    tracemalloc.start()
    try:
        track = read_track(document, rules)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(track) == len(fitting)
    # the tree of a whole file this size takes a hundred MiB or more; read as a stream it is a few arrays
    assert peak < 6 * 1024 * 1024


# the fingerprint


def test_the_same_ride_presented_differently_has_the_same_fingerprint():
    fixes = cafe_ride()
    original = verify(to_gpx(fixes)).fingerprint
    presentations = [
        to_gpx(fixes, pretty=False),
        to_gpx(fixes, prefix="gpx"),
        to_gpx(fixes, metadata=True, extensions=True),
        to_gpx(fixes, lon_first=True),
        to_gpx(fixes, decimals=5),
        to_gpx(fixes, time_style="millis"),
        to_gpx(fixes, time_style="offset"),
        to_gpx(fixes, time_style="naive"),
        to_gpx(fixes, segments=3),
        to_gpx(fixes, version="1.0", decimals=6, pretty=False, time_style="offset"),
        to_gpx(fixes).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
    ]
    for document in presentations:
        assert verify(document).fingerprint == original


def test_companions_phones_started_seconds_apart_have_their_own_fingerprints():
    fixes = cafe_ride()
    later = [fix for fix in fixes if fix.time >= fixes[0].time + timedelta(seconds=20)]
    assert later[0].time.replace(second=0) == fixes[0].time.replace(second=0)  # the same minute
    assert verify(to_gpx(later)).fingerprint != verify(to_gpx(fixes)).fingerprint


def test_a_different_ride_has_a_different_fingerprint():
    original = verify(to_gpx(cafe_ride())).fingerprint
    assert verify(to_gpx(cafe_ride(MORNING + timedelta(hours=1)))).fingerprint != original
    assert verify(to_gpx(cafe_ride(MORNING - timedelta(days=1)))).fingerprint != original
    to_souillac = ride([(44.85, 1.70), (44.9275, 1.8442)], start=MORNING, kmh=17)
    assert verify(to_gpx(to_souillac)).fingerprint != original
    # the fingerprint is keyed
    assert verify(to_gpx(cafe_ride()), key=secrets.token_bytes(32)).fingerprint != original


# rules, messages and maths


def test_rules_come_from_configuration_with_their_defaults():
    assert msgspec.convert({}, GpxRules) == GpxRules()
    assert msgspec.convert({"max_end_distance_km": 5}, GpxRules).max_end_distance_km == 5
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"min_moving_avg_kmh": 30}, GpxRules)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"max_stretch_kmh": 0}, GpxRules)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"max_speed": 45}, GpxRules)


def test_haversine_and_speed():
    assert haversine_km((0, 0), (0, 1)) == pytest.approx(111.19, abs=0.01)
    assert haversine_km(CAHORS_STATION, CAHORS_STATION) == 0
    assert haversine_km(CAHORS_STATION, BORDEAUX_SAINT_JEAN) == pytest.approx(160, abs=5)
    assert haversine_km((0, 179.5), (0, -179.5)) == pytest.approx(111.19, abs=0.01)
    assert speed_kmh(10, 1800) == 20
    assert speed_kmh(1, 0) == math.inf


def test_the_fastest_stretch_needs_the_whole_window():
    # 1 km a minute for one minute, then 200 m a minute
    times = [0.0, 60.0, 120.0, 180.0]
    path = [0.0, 1.0, 1.2, 1.4]
    assert fastest_stretch_kmh(times, path, 120) == pytest.approx(36)
    assert fastest_stretch_kmh(times, path, 60) == pytest.approx(60)
    assert fastest_stretch_kmh(times, path, 200) == 0


def test_nearest_endpoint():
    assert nearest_endpoint(44.45, 1.44, ENDPOINTS)[1].ot_id == "cahors"
    distance, end = nearest_endpoint(44.90, 1.83, ENDPOINTS)
    assert end.name == "Souillac" and end.ot_id == "dordogne" and 3 < distance < 4
    assert nearest_endpoint(44.45, 1.44, []) == (math.inf, None)
