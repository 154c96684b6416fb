"""The same ride or photo sent again in another form gives no second pass; honest
neighbours still do. Each cheat is replayed as a cheat would: through the API."""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest

from service.core.clock import local_date
from service.core.geo import haversine_km
from service.proofs.methods.photos import (
    CROPPED_FINE_BITS,
    LOOKALIKE_BITS,
    SAME_PHOTO_BITS,
    SAME_PHOTO_FINE_BITS,
    bits_apart,
    cropped_bits_apart,
    perceptual_hash,
    prepare,
    sanitise,
)
from service.proofs.ride_recording import compare
from service.proofs.ride_shape import SAME_ROAD_SHARE, ride_shape
from tests.gpx_factory import (
    CAHORS_STATION,
    LALBENQUE,
    ending_ago,
    gpx_claim,
    jittered,
    reversed_ride,
    ride,
    shifted,
    thinned,
    winding_route,
)
from tests.helpers import reject_review, staff_headers
from tests.photo_factory import app_screenshot, brightened, cropped, cut, resized, ticket_photo
from tests.rider_factory import SAMPLINGS, cheats, companions_ride, lot_roads, recording_of, ride_road, rider, road

KEY = b"k" * 32
NORTH_OF_CAHORS = (44.62, 1.38)


def _shape(fixes):
    return ride_shape(KEY, [fix.lat for fix in fixes], [fix.lon for fix in fixes])


def _recording(fixes):
    return recording_of(KEY, fixes)


def _todays(route, *, seed: int = 1):
    """A ride on `route` that ended 20 minutes ago."""
    fixes = ride(route, start=datetime.now(UTC), kmh=17, seed=seed)
    return shifted(fixes, datetime.now(UTC) - timedelta(minutes=20) - fixes[-1].time)


def _cheats(fixes):
    return {
        "shifted -60 min": shifted(fixes, timedelta(minutes=-60)),
        "shifted -7 min": shifted(fixes, timedelta(minutes=-7)),
        "shifted +3 min": shifted(fixes, timedelta(minutes=3)),
        "every other point, +2 min": shifted(thinned(fixes), timedelta(minutes=2)),
        "reversed": reversed_ride(fixes),
        "a few metres of jitter": jittered(fixes, metres=8),
    }


def test_a_ride_keeps_its_shape_whatever_its_times_sampling_or_direction():
    fixes = _todays(winding_route("shape"))
    original = _shape(fixes)
    assert len(original.cells) > 40
    for name, cheat in _cheats(fixes).items():
        assert _shape(cheat).share_with(original.cells) >= SAME_ROAD_SHARE, name


def test_another_way_to_the_same_station_the_same_hour_is_another_ride():
    one = _shape(_todays(winding_route("neighbour-a")))
    other = _shape(_todays(winding_route("neighbour-b", start=NORTH_OF_CAHORS), seed=2))
    assert other.share_with(one.cells) < 0.2
    # and two riders on different ways from the same village, too: their shapes may
    # overlap near the village, their recordings are their own
    first, third = _todays(winding_route("neighbour-a")), _todays(winding_route("neighbour-c"), seed=3)
    assert compare(_recording(third), _recording(first)).verdict == "other"


def test_the_kept_shape_holds_no_position_and_not_the_start():
    fixes = _todays(winding_route("privacy"))
    shape = _shape(fixes)
    assert all(isinstance(cell, int) and -(2**63) <= cell < 2**63 for cell in shape.cells)
    # another key, other hashes: nothing can be compared without the service's key
    assert not set(ride_shape(b"other" * 8, [f.lat for f in fixes], [f.lon for f in fixes]).cells) & set(shape.cells)
    # the first kilometre (usually home) is not in it
    home_only = fixes[: next(i for i, f in enumerate(fixes) if abs(f.lat - fixes[0].lat) > 0.006)]
    assert not _shape(home_only).cells


async def test_each_cheat_of_a_ride_is_refused_and_honest_neighbours_pass(client, conn):
    fixes = _todays(winding_route("http-cheats"), seed=5)
    first = await client.post("/api/v1/claims", json=gpx_claim(fixes))
    assert first.status_code == 201, first.text
    for name, cheat in _cheats(fixes).items():
        response = await client.post("/api/v1/claims", json=gpx_claim(cheat))
        if name == "a few metres of jitter":
            # the very same times and ends are the same ride's fingerprint: its own pass back, never a new one
            assert response.status_code == 200, (name, response.text)
            assert response.json()["pass"]["code"] == first.json()["pass"]["code"], name
            continue
        assert response.status_code == 409, (name, response.text)
        assert response.json()["code"] == "proof.already_used", name
    # Two other riders reach the same station within the same hour, by their own ways.
    for seed, start in ((6, LALBENQUE), (7, NORTH_OF_CAHORS)):
        other = shifted(
            _todays(winding_route(f"http-honest-{seed}", start=start, end=CAHORS_STATION), seed=seed),
            timedelta(minutes=-seed),
        )
        assert abs(other[-1].time - fixes[-1].time) < timedelta(hours=1)
        response = await client.post("/api/v1/claims", json=gpx_claim(other))
        assert response.status_code == 201, (seed, response.text)
    # only the coarse shape is kept, as hashes, with its proof
    kept = await conn.fetch(
        "SELECT r.cells FROM ride_signatures r JOIN proofs p ON p.id = r.proof_id WHERE p.method = 'gpx'"
    )
    assert kept and all(isinstance(cell, int) for row in kept for cell in row["cells"])


async def test_copies_of_one_ride_sent_at_once_give_one_pass(client):
    fixes = _todays(winding_route("http-concurrent"), seed=8)
    copies = [shifted(fixes, timedelta(minutes=minutes)) for minutes in (-20, -9, -4, 0, 2, 5)]
    answers = await asyncio.gather(*(client.post("/api/v1/claims", json=gpx_claim(copy)) for copy in copies))
    assert sorted(answer.status_code for answer in answers) == [201, 409, 409, 409, 409, 409]


async def test_a_ride_shape_outside_the_reuse_window_is_forgotten(client, conn, settings):
    from service.privacy.commands import purge

    fixes = _todays(winding_route("http-window"), seed=9)
    assert (await client.post("/api/v1/claims", json=gpx_claim(fixes))).status_code == 201
    window = settings.config.rules.privacy.reuse_window_days
    await conn.execute(
        "UPDATE ride_signatures SET created_at = now() - make_interval(days => $1 + 1) "
        "WHERE created_at > now() - interval '1 minute'",
        window,
    )
    done = await purge(conn, settings)
    assert done["reuse_signatures_deleted"] >= 1
    again = await client.post("/api/v1/claims", json=gpx_claim(shifted(fixes, timedelta(minutes=-30))))
    assert again.status_code == 201, again.text


# Photos


def test_perceptual_hashes_tell_a_resaved_photo_from_a_crop_from_another_photo():
    photo = ticket_photo("hash-ladder")
    own = perceptual_hash(sanitise(photo))
    assert bits_apart(own, perceptual_hash(sanitise(resized(photo, 0.33)))) <= SAME_PHOTO_BITS
    crop = bits_apart(own, perceptual_hash(sanitise(cropped(photo, 0.1))))
    assert SAME_PHOTO_BITS < crop <= LOOKALIKE_BITS
    assert bits_apart(own, perceptual_hash(sanitise(ticket_photo("hash-ladder-other")))) > LOOKALIKE_BITS


def _fine_bits_apart(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("make", [ticket_photo, app_screenshot], ids=["photo", "screenshot"])
def test_the_fine_hashes_tell_the_same_picture_a_cut_and_another_ticket_in_one_app(make):
    photo = make("fine-ladder")
    own = prepare(photo)
    for same in (resized(photo, 0.5), resized(photo, 0.33, quality=50), brightened(photo, 1.15)):
        assert _fine_bits_apart(own.fine, prepare(same).fine) <= SAME_PHOTO_FINE_BITS
    # cut by up to 8 % a side, anywhere: not the same picture, but near one of its cuts
    for edit in (cropped(photo, 0.05), cropped(photo, 0.1), cut(photo, top=0.06), cut(photo, left=0.07, top=0.03)):
        edited = prepare(edit)
        assert _fine_bits_apart(own.fine, edited.fine) > SAME_PHOTO_FINE_BITS
        assert cropped_bits_apart(own.cuts, edited.cuts) <= CROPPED_FINE_BITS
        assert cropped_bits_apart(edited.cuts, own.cuts) <= CROPPED_FINE_BITS


def test_screenshots_of_one_app_share_its_layout_not_their_tickets():
    shots = [prepare(app_screenshot(seed)) for seed in range(6)]
    pairs = list(itertools.combinations(shots, 2))
    # the 64-bit hash sees the app's frame: most pairs would pass for a crop of each other
    assert sum(bits_apart(a.phash, b.phash) <= LOOKALIKE_BITS for a, b in pairs) >= len(pairs) // 2
    for a, b in pairs:
        assert _fine_bits_apart(a.fine, b.fine) > SAME_PHOTO_FINE_BITS
        assert cropped_bits_apart(a.cuts, b.cuts) > CROPPED_FINE_BITS


async def test_six_screenshots_of_one_app_are_six_proofs_without_lookalikes(client, settings):
    reviews = []
    for seed in range(6):
        answer = await _manual(client, settings, app_screenshot(f"queue-{seed}"), name="screenshot.png")
        assert answer.status_code == 202, answer.text
        reviews.append(answer.json()["review"]["id"])
    for review_id in reviews:
        assert (await _queue_item(client, review_id))["lookalikes"] == []
    # the same screenshot again, saved smaller, is the same picture; cut at its top, a look-alike
    again = await _manual(client, settings, resized(app_screenshot("queue-3"), 0.5))
    assert again.status_code == 409 and again.json()["code"] == "proof.already_used", again.text
    crop = await _manual(client, settings, cut(app_screenshot("queue-3"), top=0.05))
    assert crop.status_code == 202, crop.text
    alike = (await _queue_item(client, crop.json()["review"]["id"]))["lookalikes"]
    assert [(item["id"], item["photo_url"]) for item in alike] == [
        (reviews[3], f"/api/v1/review/proofs/{reviews[3]}/photo")
    ]


async def _manual(client, settings, photo: bytes, name: str = "ticket.jpg"):
    evidence = {"date": local_date(settings).isoformat(), "arrival_stop_id": "StopArea:OCE87613042"}
    form = {"mode": "train", "method": "manual", "persons": "1", "evidence": json.dumps(evidence)}
    return await client.post("/api/v1/claims", data=form, files={"file": (name, photo, "image/jpeg")})


async def _queue_item(client, review_id: str, status: str = "pending"):
    queue = await client.get(
        f"/api/v1/review/proofs?status={status}", headers=await staff_headers(client, "demo-ot-dordogne")
    )
    assert queue.status_code == 200, queue.text
    return next(item for item in queue.json() if item["id"] == review_id)


@pytest.mark.parametrize("seed", ["photo-a", "photo-b"])
async def test_a_resized_or_resaved_photo_is_refused_and_a_crop_is_shown_beside_the_first(client, seed, settings):
    photo = ticket_photo(seed)
    first = await _manual(client, settings, photo)
    assert first.status_code == 202, first.text
    first_id = first.json()["review"]["id"]
    for cheat in (resized(photo, 0.5), resized(photo, 0.33, quality=50), sanitise(photo)):
        again = await _manual(client, settings, cheat)
        assert again.status_code == 409 and again.json()["code"] == "proof.already_used", again.text
    crop = await _manual(client, settings, cropped(photo, 0.1))
    assert crop.status_code == 202, crop.text
    crop_id = crop.json()["review"]["id"]
    # the reviewer sees the earlier proof beside the crop, and what became of it
    await reject_review(client, first_id, "illegible")
    item = await _queue_item(client, crop_id)
    assert [(alike["id"], alike["status"], alike["reason"]) for alike in item["lookalikes"]] == [
        (first_id, "rejected", "illegible")
    ]
    assert item["lookalikes"][0]["photo_url"] is None  # the decision erased its photo
    assert SAME_PHOTO_BITS < item["lookalikes"][0]["bits_apart"] <= LOOKALIKE_BITS
    # an unrelated photo has no look-alike
    other = await _manual(client, settings, ticket_photo(f"{seed}-unrelated"))
    assert other.status_code == 202, other.text
    assert (await _queue_item(client, other.json()["review"]["id"]))["lookalikes"] == []


async def test_copies_of_one_photo_sent_at_once_give_one_proof(client, settings):
    photo = ticket_photo("photo-concurrent")
    copies = [resized(photo, scale) for scale in (0.9, 0.8, 0.7, 0.6, 0.5)]
    answers = await asyncio.gather(*(_manual(client, settings, copy) for copy in copies))
    assert sorted(answer.status_code for answer in answers) == [202, 409, 409, 409, 409]


# Cyclists on one road (tests/rider_factory.py): the road is shared, a recording is not.


def test_riders_of_one_road_are_other_recordings_and_every_copy_is_caught():
    roads = lot_roads()
    around = datetime(2026, 7, 14, 16, tzinfo=UTC)
    for way in roads:
        riders = [rider(seed, around=around) for seed in range(10)]
        kept = [_recording(ride_road(way, who, backwards=who.seed % 4 == 3)) for who in riders]
        for index, mine in enumerate(kept):
            assert [compare(mine, theirs).verdict for theirs in kept[:index]] == ["other"] * index, (way.name, index)
    # every kind of copy, of recordings sampled every 1, 3, 5 and 10 s: never another recording
    for seed, every in enumerate(SAMPLINGS):
        fixes = ride_road(roads[0], rider(100 + seed, around=around, every_seconds=every))
        original = _recording(fixes)
        for name, cheat in cheats(seed).items():
            likeness = compare(_recording(cheat(fixes)), original)
            assert likeness.verdict != "other", (every, name, likeness)
            if every == 1 and name != "reversed":
                assert likeness.verdict == "copy", (name, likeness)


def test_companions_side_by_side_share_a_pace_not_a_receiver():
    around = datetime(2026, 7, 14, 16, tzinfo=UTC)
    way = lot_roads()[1]
    for seed in range(4):
        who = rider(200 + seed, around=around, every_seconds=(1, 3, 5, 5)[seed])
        one, other = ride_road(way, who), ride_road(way, who, receiver=1)
        likeness = compare(_recording(other), _recording(one))
        assert likeness.time_gap_seconds < 4 and likeness.verdict == "unsure", likeness


def test_the_kept_recording_holds_numbers_only():
    fixes = ride_road(lot_roads()[2], rider(300, around=datetime(2026, 7, 14, 16, tzinfo=UTC), every_seconds=3))
    kept = _recording(fixes)
    assert all(isinstance(cell, int) for cell in kept.mark_cells)
    assert list(kept.mark_seconds) == sorted(kept.mark_seconds) and kept.mark_seconds[0] > 0
    assert kept.wobble is not None and all(value is None or abs(value) < 400 for value in kept.wobble)
    # the marks leave the start (usually home) out, as the shape does
    walked = itertools.accumulate(haversine_km((a.lat, a.lon), (b.lat, b.lon)) for a, b in itertools.pairwise(fixes))
    home_only = fixes[: next(index for index, km in enumerate(walked) if km > 0.9)]
    assert len(home_only) > 30 and not _recording(home_only).mark_cells


async def test_riders_on_one_road_the_same_morning_each_get_their_pass(client):
    way = road("Lalbenque → Cahors", LALBENQUE, CAHORS_STATION, seed="http-same-road")
    now = datetime.now(UTC)
    riders = [rider(400 + seed, around=now, days=0, every_seconds=every) for seed, every in enumerate((1, 5, 10))]
    answers = []
    for minutes, who in zip((95, 60, 25), riders, strict=True):
        answers.append(await client.post("/api/v1/claims", json=gpx_claim(ending_ago(ride_road(way, who), minutes))))
    assert [answer.status_code for answer in answers] == [201, 201, 201], [answer.text for answer in answers]
    # and one rides the other way, Cahors → Lalbenque, after them
    back = ending_ago(ride_road(way, rider(410, around=now, days=0), backwards=True), 5)
    response = await client.post("/api/v1/claims", json=gpx_claim(back))
    assert response.status_code == 201, response.text
    # A's file re-timed by -40 min is still refused
    again = await client.post("/api/v1/claims", json=gpx_claim(ending_ago(ride_road(way, riders[0]), 135)))
    assert again.status_code == 409 and again.json()["code"] == "proof.already_used", again.text


async def test_a_companion_waits_for_a_person_who_sees_the_earlier_ride(client):
    held = await companions_ride(client, road("Assier → Figeac", (44.6746, 1.8697), (44.6035, 2.0371)), 500)
    headers = await staff_headers(client, "demo-pilot")
    queue = await client.get("/api/v1/review/proofs?status=pending", headers=headers)
    item = next(entry for entry in queue.json() if entry["id"] == held)
    assert item["method"] == "gpx" and item["photo_url"] is None and item["ride"]["distance_km"] > 10
    [earlier] = item["similar_rides"]
    assert earlier["status"] == "accepted" and earlier["persons"] == 1
    assert earlier["time_gap_seconds"] < 4 and earlier["wobble_correlation"] < 0.3
    # the person approves: the companion's pass, a ride's (plausible, by gpx)
    approved = await client.post(f"/api/v1/review/proofs/{held}/approve", headers=headers)
    assert approved.status_code == 200, approved.text
    outcome = await client.get(f"/api/v1/claims/review/{held}")
    assert outcome.json()["pass"]["method"] == "gpx" and outcome.json()["pass"]["confidence"] == "plausible"


async def test_a_sparse_copy_goes_to_a_person_never_to_a_pass(client):
    way = road("Souillac → Saint-Denis-près-Martel", (44.9022, 1.4667), (44.9458, 1.6663))
    fixes = ending_ago(ride_road(way, rider(600, around=datetime.now(UTC), days=0, every_seconds=10)), 60)
    assert (await client.post("/api/v1/claims", json=gpx_claim(fixes))).status_code == 201
    copy = thinned(shifted(fixes, timedelta(minutes=20)), 5)
    response = await client.post("/api/v1/claims", json=gpx_claim(copy))
    assert response.status_code == 202, response.text
