"""Bike attestations, manual review and GPX tracks, through POST /api/v1/claims."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime, time, timedelta

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager
from PIL import Image

from service.app import create_app
from service.core import clock
from service.core.clock import lot_zone
from service.proofs.service import MAX_CLAIM_BYTES, MAX_FILE_BYTES
from tests.gpx_factory import (
    CAHORS_STATION,
    LALBENQUE_TO_CAHORS,
    ending_ago,
    gpx_claim,
    ride,
    shifted,
    to_gpx,
    winding_route,
)
from tests.helpers import days_ago, nonce, reject_review, staff_headers
from tests.photo_factory import ticket_photo
from tests.rider_factory import SAINT_CIRQ_LAPOPIE, ride_road, rider, road


def _photo(colour: str = "green", size: tuple[int, int] = (640, 480), format: str = "JPEG") -> bytes:
    """A distinct ticket-like picture per `colour` (uniform images would all look alike), with EXIF."""
    buffer = io.BytesIO()
    image = Image.open(io.BytesIO(ticket_photo(colour, size, format="PNG"))).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    image.save(buffer, format=format, exif=exif) if format == "JPEG" else image.save(buffer, format=format)
    return buffer.getvalue()


async def _attestation(client, persons=2, site="musee-murat"):
    response = await client.post(
        "/api/v1/attestations", json={"persons": persons}, headers=await staff_headers(client, f"demo-partner-{site}")
    )
    assert response.status_code == 201, response.text
    return response.json()


def _bike_claim(code: str, persons: int = 2) -> dict:
    return {"mode": "bike", "method": "attestation", "persons": persons, "evidence": {"code": code}}


# bike attestations


async def test_attestation_gives_one_verified_pass(client, conn):
    attestation = await _attestation(client)
    assert len(attestation["code"]) == 8 and attestation["code_display"].count("-") == 1
    response = await client.post("/api/v1/claims", json=_bike_claim(attestation["code_display"].lower()))
    assert response.status_code == 201, response.text
    issued = response.json()["pass"]
    assert (issued["mode"], issued["method"], issued["confidence"]) == ("bike", "attestation", "verified")
    # Padirac wants verified proofs: this one is
    scan = await client.post(
        "/api/v1/redemptions",
        json={"token": issued["token"], "nonce": nonce()},
        headers=await staff_headers(client, "demo-partner-gouffre-padirac"),
    )
    assert scan.status_code == 201, scan.text
    # the code typed again (the tab closed), even once expired: the same pass back
    await conn.execute("UPDATE attestations SET expires_at = now() WHERE code = $1", attestation["code"])
    again = await client.post("/api/v1/claims", json=_bike_claim(attestation["code"]))
    assert again.status_code == 200 and again.json()["pass"]["code"] == issued["code"], again.text


async def test_attestation_used_once_under_concurrency(client, conn):
    attestation = await _attestation(client)
    responses = await asyncio.gather(
        *(client.post("/api/v1/claims", json=_bike_claim(attestation["code"])) for _ in range(10))
    )
    assert sorted(r.status_code for r in responses) == [200] * 9 + [201]
    assert len({r.json()["pass"]["code"] for r in responses}) == 1
    row = await conn.fetchrow("SELECT used_at, proof_id FROM attestations WHERE code = $1", attestation["code"])
    assert row["used_at"] is not None and row["proof_id"] is not None


async def test_attestation_refusals(client, conn):
    response = await client.post("/api/v1/claims", json=_bike_claim("ABCD-EFGH"))
    assert response.status_code == 422 and response.json()["code"] == "proof.attestation_unknown"
    attestation = await _attestation(client, persons=1)
    response = await client.post("/api/v1/claims", json=_bike_claim(attestation["code"], persons=2))
    assert response.status_code == 422 and response.json()["code"] == "proof.too_many_persons"
    await conn.execute(
        "UPDATE attestations SET expires_at = now() - interval '1 minute' WHERE code = $1", attestation["code"]
    )
    response = await client.post("/api/v1/claims", json=_bike_claim(attestation["code"], persons=1))
    assert response.status_code == 422 and response.json()["code"] == "proof.attestation_expired"
    train = {**_bike_claim(attestation["code"]), "mode": "train"}
    response = await client.post("/api/v1/claims", json=train)
    assert response.status_code == 422 and response.json()["code"] == "proof.method_not_for_mode"


async def test_only_partners_issue_attestations(client):
    response = await client.post("/api/v1/attestations", json={}, headers=await staff_headers(client, "demo-ot-cahors"))
    assert response.status_code == 403


# manual review


async def _submit_manual(client, photo: bytes, *, stop="StopArea:OCE87613042", mode="train", **evidence):
    form = {
        "mode": mode,
        "method": "manual",
        "persons": "2",
        "lang": "en",
        "evidence": json.dumps({"date": days_ago(0).isoformat(), "arrival_stop_id": stop, **evidence}),
    }
    return await client.post("/api/v1/claims", data=form, files={"file": ("ticket.jpg", photo, "image/jpeg")})


async def test_manual_proof_reviewed_then_pass(client, conn):
    photo_of_ticket = _photo("navy")
    submitted = await _submit_manual(client, photo_of_ticket)
    assert submitted.status_code == 202, submitted.text
    review_id = submitted.json()["review"]["id"]
    assert submitted.json()["review"]["status"] == "pending"
    # the tab closed, the photo sent again: its review, not a refusal
    resent = await _submit_manual(client, photo_of_ticket)
    assert resent.status_code == 202 and resent.json()["review"] == {"id": review_id, "status": "pending"}
    assert (await client.get(f"/api/v1/claims/review/{review_id}")).json()["review"]["status"] == "pending"

    # Rocamadour-Padirac is in the Dordogne valley: the Dordogne OT sees it, Figeac does not
    dordogne = await staff_headers(client, "demo-ot-dordogne")
    queue = (await client.get("/api/v1/review/proofs", headers=dordogne)).json()
    item = next(item for item in queue if item["id"] == review_id)
    assert item["ot"] == "dordogne" and item["photo_url"]
    figeac = await staff_headers(client, "demo-ot-figeac")
    assert review_id not in [item["id"] for item in (await client.get("/api/v1/review/proofs", headers=figeac)).json()]
    assert (await client.post(f"/api/v1/review/proofs/{review_id}/approve", headers=figeac)).status_code == 404

    photo = await client.get(item["photo_url"], headers=dordogne)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert b"PhoneMaker" not in photo.content  # EXIF dropped by re-encoding
    Image.open(io.BytesIO(photo.content)).verify()

    decided = await client.post(f"/api/v1/review/proofs/{review_id}/approve", headers=dordogne)
    assert decided.status_code == 200 and decided.json()["status"] == "accepted"
    again = await client.post(f"/api/v1/review/proofs/{review_id}/approve", headers=dordogne)
    assert again.status_code == 409 and again.json()["code"] == "review.already_decided"

    outcome = (await client.get(f"/api/v1/claims/review/{review_id}")).json()
    assert outcome["review"]["status"] == "accepted"
    issued = outcome["pass"]
    assert issued["code"] == decided.json()["pass_code"] and issued["confidence"] == "verified"
    shown = await client.get(f"/api/v1/passes/{issued['code']}", headers={"Authorization": f"Bearer {issued['token']}"})
    assert shown.status_code == 200 and shown.json()["method"] == "manual"
    # once approved, the same photo gives that pass back
    resent = await _submit_manual(client, photo_of_ticket)
    assert resent.status_code == 200 and resent.json()["pass"]["code"] == issued["code"], resent.text
    # the photo is gone once reviewed
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM proof_photos ph JOIN proofs p ON p.id = ph.proof_id WHERE p.public_id = $1::uuid",
            review_id,
        )
        == 0
    )
    assert (await client.get(item["photo_url"], headers=dordogne)).status_code == 404


async def test_a_photo_alone_waits_for_the_reviewer_to_date_and_place_it(client, conn):
    """As the contract says: mode, method, persons, lang and the file; the reviewer sets the rest."""
    form = {"mode": "train", "method": "manual", "persons": "2", "lang": "en"}
    submitted = await client.post(
        "/api/v1/claims", data=form, files={"file": ("ticket.jpg", _photo("indigo"), "image/jpeg")}
    )
    assert submitted.status_code == 202, submitted.text
    review_id = submitted.json()["review"]["id"]
    url = f"/api/v1/review/proofs/{review_id}/approve"

    # no place ties it to an OT yet: every OT's queue has it
    figeac = await staff_headers(client, "demo-ot-figeac")
    dordogne = await staff_headers(client, "demo-ot-dordogne")
    queued = (await client.get("/api/v1/review/proofs", headers=figeac)).json()
    item = next(item for item in queued if item["id"] == review_id)
    assert (item["arrival_date"], item["arrival_stop_id"], item["ot"]) == (None, None, None)

    no_date = await client.post(url, headers=dordogne)
    assert no_date.status_code == 422 and no_date.json()["code"] == "review.date_required"
    day = days_ago(3).isoformat()
    no_place = await client.post(url, json={"date": day}, headers=dordogne)
    assert no_place.status_code == 422 and no_place.json()["code"] == "review.place_required"
    too_old = await client.post(url, json={"date": days_ago(400).isoformat()}, headers=dordogne)
    assert too_old.status_code == 422 and too_old.json()["code"] == "proof.too_old"
    # Rocamadour-Padirac is the Dordogne OT's: Figeac may not place it there
    rocamadour = {"date": day, "arrival_stop_id": "StopArea:OCE87613042"}
    assert (await client.post(url, json=rocamadour, headers=figeac)).status_code == 403
    unknown = await client.post(url, json={"date": day, "arrival_stop_id": "nowhere"}, headers=dordogne)
    assert unknown.status_code == 422 and unknown.json()["code"] == "proof.unknown_stop"

    approved = await client.post(url, json=rocamadour, headers=dordogne)
    assert approved.status_code == 200, approved.text
    proof = await conn.fetchrow(
        "SELECT p.arrival_date, p.arrival_stop_id, p.ot_id FROM passes p JOIN proofs pr ON pr.id = p.proof_id"
        " WHERE pr.public_id = $1::uuid",
        review_id,
    )
    assert (proof["arrival_date"].isoformat(), proof["arrival_stop_id"], proof["ot_id"]) == (
        day,
        "StopArea:OCE87613042",
        "dordogne",
    )
    # now the Dordogne's: gone from Figeac's queue of decided proofs
    accepted = (await client.get("/api/v1/review/proofs?status=accepted", headers=figeac)).json()
    assert review_id not in [item["id"] for item in accepted]


@pytest.mark.lot_day
async def test_an_approval_counts_the_pass_from_the_approval_day(client, conn):
    """A trip 10 days old, sent 5 days ago, approved today: a week from today."""
    submitted = await _submit_manual(client, _photo("sienna"), date=days_ago(10).isoformat())
    review_id = submitted.json()["review"]["id"]
    await conn.execute("UPDATE proofs SET created_at = now() - interval '5 days' WHERE public_id = $1::uuid", review_id)
    approved = await client.post(
        f"/api/v1/review/proofs/{review_id}/approve", headers=await staff_headers(client, "demo-ot-dordogne")
    )
    assert approved.status_code == 200, approved.text
    issued = (await client.get(f"/api/v1/claims/review/{review_id}")).json()["pass"]
    zone = lot_zone()
    assert datetime.fromisoformat(issued["valid_from"]) == datetime.combine(days_ago(10), time(0), zone)
    assert datetime.fromisoformat(issued["valid_until"]) == datetime.combine(days_ago(-7), time(0), zone)


async def test_manual_proof_rejected_with_a_reason(client):
    submitted = await _submit_manual(client, _photo("maroon"), stop="lio:cajarc", mode="bus")
    review_id = submitted.json()["review"]["id"]
    figeac = await staff_headers(client, "demo-ot-figeac")
    response = await client.post(
        f"/api/v1/review/proofs/{review_id}/reject", json={"reason": "Photo illisible"}, headers=figeac
    )
    assert response.status_code == 200
    outcome = (await client.get(f"/api/v1/claims/review/{review_id}")).json()
    assert outcome["review"] == {"id": review_id, "status": "rejected", "reason": "Photo illisible"}
    assert outcome.get("pass") is None


async def test_two_reviewers_approving_at_once_give_one_pass(client, conn):
    submitted = await _submit_manual(client, _photo("olive"))
    review_id = submitted.json()["review"]["id"]
    heads = [await staff_headers(client, "demo-ot-dordogne"), await staff_headers(client, "demo-pilot")]
    responses = await asyncio.gather(
        *(client.post(f"/api/v1/review/proofs/{review_id}/approve", headers=heads[i % 2]) for i in range(8))
    )
    assert sorted(r.status_code for r in responses) == [200] + [409] * 7
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM passes p JOIN proofs pr ON pr.id = p.proof_id WHERE pr.public_id = $1::uuid",
            review_id,
        )
        == 1
    )


async def test_manual_refusals(client):
    not_an_image = await _submit_manual(client, b"%PDF-1.4 not a photo")
    assert not_an_image.status_code == 422 and not_an_image.json()["code"] == "proof.photo_invalid"
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    assert (await _submit_manual(client, gif.getvalue())).json()["code"] == "proof.photo_invalid"
    photo = _photo("teal", format="PNG")
    assert (await _submit_manual(client, photo)).status_code == 202
    duplicate = await _submit_manual(client, photo)
    assert duplicate.status_code == 202, duplicate.text
    await reject_review(client, duplicate.json()["review"]["id"], "not a ticket")
    # a proof a person refused stays refused, with their reason
    declined = await _submit_manual(client, photo)
    assert declined.status_code == 409 and declined.json()["code"] == "proof.declined"
    assert "not a ticket" in declined.json()["detail"]
    no_file = await client.post(
        "/api/v1/claims", json={"mode": "train", "method": "manual", "persons": 1, "evidence": {}}
    )
    assert no_file.status_code == 422 and no_file.json()["code"] == "proof.evidence_invalid"
    unknown_site = await _submit_manual(client, _photo("lime"), mode="bike", stop=None, site_id="nowhere")
    assert unknown_site.status_code == 422 and unknown_site.json()["code"] == "proof.evidence_invalid"
    bike = await _submit_manual(client, _photo("lime"), mode="bike", stop=None, site_id="grottes-cougnac")
    assert bike.status_code == 202, bike.text
    assert (await client.get("/api/v1/claims/review/00000000-0000-0000-0000-000000000000")).status_code == 404


# GPX tracks


def _todays_ride(minutes_ago: int = 30, seed: int = 7) -> bytes:
    """A ride of its own (each seed a different way to Cahors: the same way twice is one ride)."""
    fixes = ride(winding_route(f"proof-methods-{seed}"), start=datetime.now(UTC), kmh=17, seed=seed)
    return to_gpx(shifted(fixes, datetime.now(UTC) - timedelta(minutes=minutes_ago) - fixes[-1].time))


@pytest.mark.lot_day
async def test_gpx_track_as_text_or_file(client):
    document = _todays_ride(seed=11)
    claim = {"mode": "bike", "method": "gpx", "persons": 1, "evidence": {"gpx": document.decode()}}
    response = await client.post("/api/v1/claims", json=claim)
    assert response.status_code == 201, response.text
    assert (response.json()["pass"]["method"], response.json()["pass"]["confidence"]) == ("gpx", "plausible")
    # the same ride again, as a file: its pass back
    again = await client.post(
        "/api/v1/claims",
        data={"mode": "bike", "method": "gpx", "persons": "1"},
        files={"file": ("ride.gpx", document, "application/gpx+xml")},
    )
    assert again.status_code == 200 and again.json()["pass"]["code"] == response.json()["pass"]["code"], again.text
    other = await client.post(
        "/api/v1/claims",
        data={"mode": "bike", "method": "gpx", "persons": "1"},
        files={"file": ("ride.gpx", _todays_ride(minutes_ago=300, seed=12), "application/gpx+xml")},
    )
    assert other.status_code == 201, other.text


async def test_gpx_refusals_through_http(client):
    fast = to_gpx(ride(LALBENQUE_TO_CAHORS, start=datetime.now(UTC) - timedelta(hours=1), kmh=70))
    response = await client.post(
        "/api/v1/claims", json={"mode": "bike", "method": "gpx", "persons": 1, "evidence": {"gpx": fast.decode()}}
    )
    assert response.status_code == 422 and response.json()["code"] == "proof.track_too_fast"
    bomb = b'<?xml version="1.0"?><!DOCTYPE g [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><gpx>&b;</gpx>'
    response = await client.post(
        "/api/v1/claims", json={"mode": "bike", "method": "gpx", "persons": 1, "evidence": {"gpx": bomb.decode()}}
    )
    assert response.status_code == 422 and response.json()["code"] == "proof.gpx_unsafe"
    response = await client.post("/api/v1/claims", json={"mode": "bike", "method": "gpx", "persons": 1, "evidence": {}})
    assert response.status_code == 422 and response.json()["code"] == "proof.evidence_invalid"


# rate limit


async def test_claims_are_rate_limited_per_client(settings):
    limits = msgspec.structs.replace(settings.config.rules.rate_limits, claims_per_minute=3)
    strict = msgspec.structs.replace(
        settings,
        config=msgspec.structs.replace(
            settings.config, rules=msgspec.structs.replace(settings.config.rules, rate_limits=limits)
        ),
    )
    app = create_app(strict)

    def client_at(address: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 4000)), base_url="http://t")

    async with LifespanManager(app):
        async with client_at("203.0.113.9") as http:
            claims = [await http.post("/api/v1/claims", json={"mode": "train"}) for _ in range(8)]
        async with client_at("203.0.113.10") as http:
            other_client = (await http.post("/api/v1/claims", json={"mode": "train"})).status_code
    # fixed one-minute windows: eight tries get three through, six if a window turns meanwhile
    statuses = [r.status_code for r in claims]
    assert statuses[0] == 400 and 3 <= statuses.count(400) <= 6 and 429 in statuses, statuses
    refusal = next(r for r in claims if r.status_code == 429)
    assert refusal.json()["code"] == "request.rate_limited" and int(refusal.headers["retry-after"]) >= 1
    assert other_client == 400


# rail tickets


async def test_rail_barcode_as_bytes_or_photo(client, conn):
    import base64
    from datetime import time

    from service.proofs.rail import keys
    from service.proofs.rail import repository as rail_repository
    from tests import rail_factory as factory

    signer = factory.dsa_signer_v2()
    key_list = keys.parse_key_list(factory.key_list_xml(factory.key_entry(signer)), max_bytes=1_000_000)
    await rail_repository.replace_keys(conn, key_list.keys)
    issued_at = datetime.combine(days_ago(2), time(9, 30))

    def ticket(pnr: str) -> bytes:
        return factory.uic9183(
            signer,
            [
                factory.u_head("1187", pnr, issued_at),
                factory.u_flex(
                    factory.fcb_open_ticket(issued_at, days_ago(0), to_station=factory.CAHORS, passengers=2, pnr=pnr)
                ),
            ],
            version=2,
        )

    claim = {
        "mode": "train",
        "method": "rail_barcode",
        "persons": 2,
        "evidence": {"barcode_b64": base64.b64encode(ticket("HTTP01")).decode()},
    }
    # twenty friends sharing one ticket at the same moment: one pass
    responses = await asyncio.gather(*(client.post("/api/v1/claims", json=claim) for _ in range(20)))
    assert sorted(r.status_code for r in responses) == [200] * 19 + [201]
    assert len({r.json()["pass"]["code"] for r in responses}) == 1
    response = next(r for r in responses if r.status_code == 201)
    assert (response.json()["pass"]["confidence"], response.json()["pass"]["method"]) == ("verified", "rail_barcode")
    issued_code = response.json()["pass"]["code"]

    # the same ticket declared by hand is the same proof
    declared = {
        "mode": "train",
        "method": "declared_trip",
        "persons": 1,
        "evidence": {
            "date": days_ago(0).isoformat(),
            "arrival_stop_id": "StopArea:OCE87613000",
            "arrival_time": "11:05",
            "line": "3611",
            "ticket_ref": "http01",
        },
    }
    response = await client.post("/api/v1/claims", json=declared)
    assert response.status_code == 200 and response.json()["pass"]["code"] == issued_code, response.text

    photo = factory.photo_png(ticket("HTTP02"))
    response = await client.post(
        "/api/v1/claims",
        data={"mode": "train", "method": "rail_barcode", "persons": "3"},
        files={"file": ("ticket.png", photo, "image/png")},
    )
    assert response.status_code == 422 and response.json()["code"] == "proof.too_many_persons"
    response = await client.post(
        "/api/v1/claims",
        data={"mode": "train", "method": "rail_barcode", "persons": "2"},
        files={"file": ("ticket.png", photo, "image/png")},
    )
    assert response.status_code == 201, response.text

    tampered = bytearray(ticket("HTTP03"))
    tampered[-5] ^= 0x01
    claim["evidence"]["barcode_b64"] = base64.b64encode(bytes(tampered)).decode()
    response = await client.post("/api/v1/claims", json=claim)
    assert response.status_code == 422 and response.json()["code"] in (
        "proof.signature_invalid",
        "proof.barcode_unreadable",
    )
    claim["evidence"]["barcode_b64"] = "%%%"
    response = await client.post("/api/v1/claims", json=claim)
    assert response.status_code == 422 and response.json()["code"] == "proof.evidence_invalid"


async def test_a_ride_may_end_at_a_coach_stop_and_the_places_are_listed(client):
    places = (await client.get("/api/v1/stops", params={"mode": "bike"})).json()
    by_id = {place["id"]: place for place in places}
    assert by_id["lio:saint-cirq-lapopie"]["mode"] == "bus"
    assert any(place["mode"] == "train" and place["gateway"] for place in places)
    sites = (await client.get("/api/v1/sites")).json()
    assert {site["id"] for site in sites} <= {place["id"] for place in places if place["mode"] == "bike"}
    # a cyclist from Cahors to Saint-Cirq-Lapopie, a liO stop and a village of the Lot
    way = road("Cahors → Saint-Cirq-Lapopie", CAHORS_STATION, SAINT_CIRQ_LAPOPIE, seed="ends-at-a-coach-stop")
    fixes = ending_ago(ride_road(way, rider(800, around=clock.now(), days=0, every_seconds=5)), 20)
    answer = await client.post("/api/v1/claims", json=gpx_claim(fixes))
    assert answer.status_code == 201, answer.text
    # a ride ending in the countryside is told the nearest place and how far it is
    astray = ending_ago(
        ride_road(road("Cahors → Bach", CAHORS_STATION, (44.3551, 1.6728)), rider(801, around=clock.now(), days=0)), 20
    )
    refused = await client.post("/api/v1/claims", json=gpx_claim(astray), headers={"Accept-Language": "en"})
    body = refused.json()
    assert body["code"] == "proof.track_not_near_lot" and body["place"] and body["km"] > 2, body
    assert body["place"] in body["detail"]


async def test_a_long_ride_with_extensions_fits_the_limits_and_a_larger_file_is_told_how_to_shrink(client):
    # about 110 km at a point a second, from Gourdon by Figeac to Cahors: a day's Strava export
    route = [(44.7419, 1.3894), (44.6086, 2.0317), CAHORS_STATION]
    fixes = ending_ago(ride(route, start=clock.now(), kmh=14, every_seconds=1, seed=7), 20)
    assert len(fixes) >= 25_000
    document = to_gpx(fixes, extensions=True).replace(
        b"<gpxtpx:hr>128</gpxtpx:hr>",
        b"<gpxtpx:atemp>21</gpxtpx:atemp><gpxtpx:hr>128</gpxtpx:hr><gpxtpx:cad>85</gpxtpx:cad>",
    )
    assert len(document) > 6 * 1024 * 1024  # larger than the old 5 MiB limit
    answer = await client.post(
        "/api/v1/claims",
        data={"mode": "bike", "method": "gpx", "persons": "1"},
        files={"file": ("ride.gpx", document, "application/gpx+xml")},
    )
    assert answer.status_code == 201, answer.text
    # past the limit, the claim form (not a JSON body) says why and how to shrink the file
    huge = b" " * (MAX_CLAIM_BYTES + 1)
    refused = await client.post(
        "/claim?lang=en",
        data={"mode": "bike", "method": "gpx", "persons": "1"},
        files={"gpx_file": ("ride.gpx", huge, "application/gpx+xml")},
    )
    assert refused.status_code == 303 and refused.headers["location"].startswith("/?lang=en&refused=too_large")
    page = await client.get(refused.headers["location"])
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "Your file is larger than 17 MiB" not in page.text
    assert "Your file is larger than 16 MiB. A GPX track can be exported without heart rate" in page.text


async def test_a_form_file_past_its_own_limit_brings_the_form_back_too(client):
    # within the body's limit, past the file's: the same answer as a body too large
    refused = await client.post(
        "/claim?lang=en",
        data={"mode": "bike", "method": "gpx", "persons": "1"},
        files={"gpx_file": ("ride.gpx", b" " * (MAX_FILE_BYTES + 10), "application/gpx+xml")},
    )
    assert refused.status_code == 303 and refused.headers["location"].startswith("/?lang=en&refused=too_large")
