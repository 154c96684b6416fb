"""Pass lifecycle: bookings with quotas, offline sync, revocation, key rotation, devices."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from service.app import create_app
from service.core.clock import lot_zone
from service.settings import ROOT
from tests.helpers import days_ago, end_pass, issue_pass, nonce, staff_headers

CANOE = "canoe-bouzies"  # bookable, accepts train, bus and bike


async def _new_slot(client, capacity: int, *, site: str = CANOE, hours_ahead: int = 30) -> dict:
    start = (datetime.now(UTC) + timedelta(hours=hours_ahead)).replace(microsecond=0, second=0)
    start += timedelta(seconds=int.from_bytes(nonce()[:4].encode(), "big") % 3600)  # distinct starts per test
    response = await client.post(
        f"/api/v1/sites/{site}/slots",
        json={"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(), "capacity": capacity},
        headers=await staff_headers(client, "demo-ot-cahors"),
    )
    assert response.status_code == 201, response.text
    return response.json()


# bookings


async def test_three_hundred_concurrent_bookings_on_ten_places(client, conn):
    slot = await _new_slot(client, capacity=10)
    passes = await asyncio.gather(*(issue_pass(client, persons=1) for _ in range(300)))
    responses = await asyncio.gather(
        *(
            client.post("/api/v1/bookings", json={"token": p["token"], "slot_id": slot["id"], "persons": 1})
            for p in passes
        )
    )
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 10, sorted(statuses)
    assert statuses.count(409) == 290
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"booking.full"}
    row = await conn.fetchrow("SELECT capacity, booked FROM slots WHERE id = $1", slot["id"])
    assert (row["capacity"], row["booked"]) == (10, 10)
    assert (
        await conn.fetchval("SELECT count(*) FROM bookings WHERE slot_id = $1 AND cancelled_at IS NULL", slot["id"])
        == 10
    )
    listed = (await client.get(f"/api/v1/sites/{CANOE}/slots")).json()
    assert next(s for s in listed if s["id"] == slot["id"])["remaining"] == 0


@pytest.mark.lot_day
async def test_a_pass_books_a_site_once_and_cancelling_gives_places_back(client):
    slot = await _new_slot(client, capacity=4)
    other = await _new_slot(client, capacity=4)
    issued = await issue_pass(client, persons=3)
    holder = {"Authorization": f"Bearer {issued['token']}"}
    booked = await client.post("/api/v1/bookings", json={"token": issued["token"], "slot_id": slot["id"], "persons": 3})
    assert booked.status_code == 201, booked.text
    twice = await client.post("/api/v1/bookings", json={"token": issued["token"], "slot_id": other["id"], "persons": 1})
    assert twice.status_code == 409 and twice.json()["code"] == "booking.duplicate"
    too_many = await issue_pass(client, persons=2)
    full = await client.post("/api/v1/bookings", json={"token": too_many["token"], "slot_id": slot["id"], "persons": 2})
    assert full.status_code == 409 and full.json()["code"] == "booking.full"

    shown = (await client.get(f"/api/v1/passes/{issued['code']}", headers=holder)).json()
    assert [b["slot_id"] for b in shown["bookings"]] == [slot["id"]]

    # only the pass holder cancels
    stranger = {"Authorization": f"Bearer {too_many['token']}"}
    assert (await client.delete(f"/api/v1/bookings/{booked.json()['id']}", headers=stranger)).status_code == 404
    assert (await client.delete(f"/api/v1/bookings/{booked.json()['id']}")).status_code == 401
    cancelled = await client.delete(f"/api/v1/bookings/{booked.json()['id']}", headers=holder)
    assert cancelled.status_code == 204
    assert (await client.delete(f"/api/v1/bookings/{booked.json()['id']}", headers=holder)).status_code == 204
    listed = (await client.get(f"/api/v1/sites/{CANOE}/slots")).json()
    assert next(s for s in listed if s["id"] == slot["id"])["remaining"] == 4
    now_fits = await client.post(
        "/api/v1/bookings", json={"token": too_many["token"], "slot_id": slot["id"], "persons": 2}
    )
    assert now_fits.status_code == 201
    # and the pass may book the site again
    again = await client.post("/api/v1/bookings", json={"token": issued["token"], "slot_id": other["id"], "persons": 1})
    assert again.status_code == 201


async def test_booking_refusals(client):
    slot = await _new_slot(client, capacity=5)
    issued = await issue_pass(client, persons=1)
    cases = [
        ({"token": issued["token"], "slot_id": 999999999}, 404, "booking.slot_not_found"),
        ({"token": issued["token"], "slot_id": slot["id"], "persons": 2}, 422, "booking.too_many_persons"),
        ({"token": "forged.token.here", "slot_id": slot["id"]}, 422, "pass.invalid"),
    ]
    for body, status, code in cases:
        response = await client.post("/api/v1/bookings", json=body)
        assert (response.status_code, response.json()["code"]) == (status, code), body
    # a slot beyond the pass's week
    late = await _new_slot(client, capacity=5, hours_ahead=24 * 9)
    response = await client.post("/api/v1/bookings", json={"token": issued["token"], "slot_id": late["id"]})
    assert response.status_code == 422 and response.json()["code"] == "booking.outside_validity"
    # a site without bookings takes no slots
    response = await client.post(
        "/api/v1/sites/musee-henri-martin/slots",
        json={"start": "2030-01-01T10:00:00+01:00", "end": "2030-01-01T11:00:00+01:00", "capacity": 3},
        headers=await staff_headers(client, "demo-ot-cahors"),
    )
    assert response.status_code == 422 and response.json()["code"] == "booking.not_bookable"
    # an OT opens slots for its own sites only
    response = await client.post(
        f"/api/v1/sites/{CANOE}/slots",
        json={"start": "2030-01-01T10:00:00+01:00", "end": "2030-01-01T11:00:00+01:00", "capacity": 3},
        headers=await staff_headers(client, "demo-ot-figeac"),
    )
    assert response.status_code == 404


def _lot_time(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(lot_zone())


@pytest.mark.lot_day
async def test_demo_slots_exist_for_bookable_sites(client):
    tomorrow = days_ago(-1)
    for site in ("grotte-pech-merle", CANOE, "gouffre-padirac"):
        slots = (await client.get(f"/api/v1/sites/{site}/slots", params={"date": tomorrow.isoformat()})).json()
        # the demo's three slots, on the hour in the Lot (other tests add theirs at odd minutes)
        demo = [s for s in slots if _lot_time(s["start"]).minute == _lot_time(s["start"]).second == 0]
        assert [(_lot_time(s["start"]).date(), _lot_time(s["start"]).hour) for s in demo] == [
            (tomorrow, 10),
            (tomorrow, 14),
            (tomorrow, 16),
        ], site
        assert all(s["capacity"] == 10 for s in demo), site
    assert (await client.get("/api/v1/sites/musee-murat/slots", params={"date": days_ago(0).isoformat()})).json() == []


@pytest.mark.lot_day
async def test_scan_shows_the_booking_and_reports_count_no_shows(client, conn):
    ot = await staff_headers(client, "demo-ot-cahors")
    before = (await client.get("/api/v1/reports/uptake", headers=ot)).json()["totals"]
    slot = await _new_slot(client, capacity=3, hours_ahead=2)
    issued, absent = await issue_pass(client, persons=2), await issue_pass(client, persons=1)
    booking = await client.post(
        "/api/v1/bookings", json={"token": issued["token"], "slot_id": slot["id"], "persons": 2}
    )
    assert booking.status_code == 201
    assert (
        await client.post("/api/v1/bookings", json={"token": absent["token"], "slot_id": slot["id"]})
    ).status_code == 201
    scan = await client.post(
        "/api/v1/redemptions",
        json={"token": issued["token"], "nonce": nonce()},
        headers=await staff_headers(client, f"demo-partner-{CANOE}"),
    )
    assert scan.status_code == 201 and scan.json()["booking"]["id"] == booking.json()["id"]
    # the slot ends: one came, one did not
    await conn.execute(
        "UPDATE slots SET starts_at = now() - interval '2 hours', ends_at = now() - interval '1 hour' WHERE id = $1",
        slot["id"],
    )
    after = (await client.get("/api/v1/reports/uptake", headers=ot)).json()["totals"]
    assert after["bookings"] == before["bookings"] + 2 and after["booked_persons"] == before["booked_persons"] + 3
    assert after["no_shows"] == before["no_shows"] + 1


async def test_a_site_requiring_booking_refuses_a_pass_without_one(client, conn):
    await conn.execute("UPDATE sites SET booking_required = true WHERE id = 'grotte-pech-merle'")
    try:
        issued = await issue_pass(client)
        scan = await client.post(
            "/api/v1/redemptions",
            json={"token": issued["token"], "nonce": nonce()},
            headers=await staff_headers(client, "demo-partner-grotte-pech-merle"),
        )
        assert scan.status_code == 409 and scan.json()["code"] == "booking.required"
    finally:
        await conn.execute("UPDATE sites SET booking_required = false WHERE id = 'grotte-pech-merle'")


# offline scanning


@pytest.mark.lot_day
async def test_offline_batch_answered_item_by_item_and_idempotent(client, conn, app):
    partner = await staff_headers(client, "demo-partner-rocher-des-aigles")
    good, duplicate, expired = (
        await issue_pass(client),
        await issue_pass(client),
        await issue_pass(client, travel_date=days_ago(3)),
    )
    await end_pass(conn, expired["code"])
    earlier = (datetime.now(UTC) - timedelta(minutes=20)).isoformat()
    items = [
        {"nonce": nonce(), "token": good["token"], "scanned_at": earlier},
        {"nonce": nonce(), "token": duplicate["token"], "scanned_at": earlier},
        {"nonce": nonce(), "code": duplicate["code"], "scanned_at": earlier},  # the same desk scanned it twice
        {"nonce": nonce(), "token": good["token"][:-4] + "AAAA", "scanned_at": earlier},  # forged
        {"nonce": nonce(), "token": expired["token"], "scanned_at": earlier},
    ]
    first = await client.post("/api/v1/redemptions/sync", json={"items": items}, headers=partner)
    assert first.status_code == 200, first.text
    results = first.json()["results"]
    assert [r["nonce"] for r in results] == [i["nonce"] for i in items]
    assert [r["status"] for r in results] == ["ok", "ok", "duplicate", "rejected", "rejected"]
    assert [r.get("code") for r in results[3:]] == ["pass.invalid", "pass.expired"]

    count = await conn.fetchval("SELECT count(*) FROM redemptions WHERE site_id = 'rocher-des-aigles'")
    again = await client.post("/api/v1/redemptions/sync", json={"items": items}, headers=partner)
    assert again.json() == first.json()
    assert await conn.fetchval("SELECT count(*) FROM redemptions WHERE site_id = 'rocher-des-aigles'") == count

    row = await conn.fetchrow(
        "SELECT r.scanned_at, r.redeemed_at, r.source FROM redemptions r JOIN passes p ON p.id = r.pass_id WHERE p.code = $1",
        good["code"],
    )
    assert row["source"] == "sync" and row["scanned_at"] == datetime.fromisoformat(earlier)
    assert row["redeemed_at"] > row["scanned_at"]


async def test_two_offline_devices_conflict_the_first_wins_the_later_is_kept(client, conn):
    partner = await staff_headers(client, "demo-partner-musee-champollion")
    desk_a = (await client.post("/api/v1/devices", json={"name": f"desk A {nonce()[:6]}"}, headers=partner)).json()
    desk_b = (await client.post("/api/v1/devices", json={"name": f"desk B {nonce()[:6]}"}, headers=partner)).json()
    issued = await issue_pass(client)

    def item(minutes: int) -> dict:
        scanned_at = (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()
        return {"nonce": nonce(), "token": issued["token"], "scanned_at": scanned_at}

    a = await client.post(
        "/api/v1/redemptions/sync",
        json={"items": [item(30)]},
        headers={"Authorization": f"Bearer {desk_a['access_token']}"},
    )
    b = await client.post(
        "/api/v1/redemptions/sync",
        json={"items": [item(25)]},
        headers={"Authorization": f"Bearer {desk_b['access_token']}"},
    )
    assert a.json()["results"][0]["status"] == "ok"
    result = b.json()["results"][0]
    assert result["status"] == "conflict" and result["first"]["device"] == desk_a["name"]
    conflicts = (
        await client.get("/api/v1/redemptions/conflicts", headers=await staff_headers(client, "demo-ot-figeac"))
    ).json()
    mine = [c for c in conflicts if c["code"] == issued["code"]]
    assert len(mine) == 1 and (mine[0]["first_device"], mine[0]["device"]) == (desk_a["name"], desk_b["name"])
    assert mine[0]["scanned_at"] is not None
    other_ot = (
        await client.get("/api/v1/redemptions/conflicts", headers=await staff_headers(client, "demo-ot-cahors"))
    ).json()
    assert issued["code"] not in [c["code"] for c in other_ot]


async def test_sync_batches_are_capped_and_checked(client):
    partner = await staff_headers(client, "demo-partner-rocher-des-aigles")
    now = datetime.now(UTC).isoformat()
    too_many = {"items": [{"nonce": f"nonce-{i:05d}", "code": "ABCD-EFGH-JK", "scanned_at": now} for i in range(501)]}
    response = await client.post("/api/v1/redemptions/sync", json=too_many, headers=partner)
    assert response.status_code == 400 and response.json()["code"] == "request.invalid"
    no_time = {"items": [{"nonce": "nonce-000001", "code": "ABCD-EFGH-JK"}]}
    assert (await client.post("/api/v1/redemptions/sync", json=no_time, headers=partner)).status_code == 400


async def test_offline_scan_before_revocation_stands_after_it_is_refused(client):
    partner = await staff_headers(client, "demo-partner-musee-henri-martin")
    ot = await staff_headers(client, "demo-ot-cahors")
    before, after = await issue_pass(client), await issue_pass(client)
    scanned_before = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    for issued in (before, after):
        assert (
            await client.post(f"/api/v1/passes/{issued['code']}/revoke", json={"reason": "erreur"}, headers=ot)
        ).status_code == 200
    scanned_after = datetime.now(UTC).isoformat()
    results = (
        await client.post(
            "/api/v1/redemptions/sync",
            json={
                "items": [
                    {"nonce": nonce(), "token": before["token"], "scanned_at": scanned_before},
                    {"nonce": nonce(), "token": after["token"], "scanned_at": scanned_after},
                ]
            },
            headers=partner,
        )
    ).json()["results"]
    assert [r["status"] for r in results] == ["ok", "rejected"] and results[1]["code"] == "pass.revoked"


# revocation list


async def test_revocation_delta_list(client):
    ot = await staff_headers(client, "demo-ot-cahors")
    first = (await client.get("/api/v1/revocations")).json()
    issued = await issue_pass(client)
    assert (
        await client.post(f"/api/v1/passes/{issued['code']}/revoke", json={"reason": "fraude"}, headers=ot)
    ).status_code == 200
    delta = (await client.get("/api/v1/revocations", params={"since": first["generated_at"]})).json()
    assert issued["code"] in [r["jti"] for r in delta["revoked"]]
    later = (await client.get("/api/v1/revocations", params={"since": datetime.now(UTC).isoformat()})).json()
    assert issued["code"] not in [r["jti"] for r in later["revoked"]]


# partner devices


async def test_devices_are_named_listed_and_disabled(client, conn):
    partner = await staff_headers(client, "demo-partner-grottes-cougnac")
    name = f"tablette {nonce()[:6]}"
    enrolled = await client.post("/api/v1/devices", json={"name": name}, headers=partner)
    assert enrolled.status_code == 201, enrolled.text
    device = enrolled.json()
    taken = await client.post("/api/v1/devices", json={"name": name}, headers=partner)
    assert taken.status_code == 409 and taken.json()["code"] == "device.name_taken"
    as_device = {"Authorization": f"Bearer {device['access_token']}"}
    issued = await issue_pass(client)
    scan = await client.post(
        "/api/v1/redemptions", json={"token": issued["token"], "nonce": nonce()}, headers=as_device
    )
    assert scan.status_code == 201
    again = await client.post("/api/v1/redemptions", json={"code": issued["code"], "nonce": nonce()}, headers=partner)
    assert again.status_code == 409 and again.json()["first"]["device"] == name
    assert (
        await conn.fetchval("SELECT device_id FROM redemptions WHERE id = $1", scan.json()["redemption"]["id"])
        == device["id"]
    )
    assert (await client.post("/api/v1/devices", json={"name": "another"}, headers=as_device)).status_code == 403

    listed = (await client.get("/api/v1/devices", headers=partner)).json()
    assert any(d["id"] == device["id"] and d["active"] and d["last_scan_at"] for d in listed)
    disabled = await client.post(f"/api/v1/devices/{device['id']}/disable", headers=partner)
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    refused = await client.post(
        "/api/v1/redemptions", json={"token": issued["token"], "nonce": nonce()}, headers=as_device
    )
    assert refused.status_code == 401 and refused.json()["code"] == "auth.invalid_token"
    other_partner = await staff_headers(client, "demo-partner-musee-murat")
    assert (await client.post(f"/api/v1/devices/{device['id']}/disable", headers=other_partner)).status_code == 404


# key rotation


def _cli(database_url: str, secret: str, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url, "TBC_SECRET_KEY": secret, "HOME": "/tmp"}
    return subprocess.run(
        [sys.executable, "-m", "service", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


async def test_key_rotation_keeps_old_passes_valid_until_they_expire(settings, database_url, conn):
    fresh = msgspec.structs.replace(settings, keyring_refresh_seconds=0.0)
    app = create_app(fresh)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        before = await issue_pass(http)
        old_kid = jwt.get_unverified_header(before["token"])["kid"]

        rotated = await asyncio.to_thread(_cli, database_url, settings.secret_key, "rotate-key")
        assert rotated.returncode == 0, rotated.stderr
        after = await issue_pass(http)
        new_kid = jwt.get_unverified_header(after["token"])["kid"]
        assert new_kid != old_kid
        kids = {key["kid"] for key in (await http.get("/.well-known/jwks.json")).json()["keys"]}
        assert {old_kid, new_kid} <= kids

        partner = await staff_headers(http, "demo-partner-musee-henri-martin")
        scan = await http.post(
            "/api/v1/redemptions", json={"token": before["token"], "nonce": nonce()}, headers=partner
        )
        assert scan.status_code == 201, scan.text

        # once every pass the old key signed has expired, it drops out and its tokens are refused
        # (passes not yet valid included: their window moves back whole)
        await conn.execute(
            """
            UPDATE passes SET valid_from = least(valid_from, now() - interval '1 day'),
                              valid_until = now() - interval '1 second'
            WHERE kid = $1
            """,
            old_kid,
        )
        kids = {key["kid"] for key in (await http.get("/.well-known/jwks.json")).json()["keys"]}
        assert old_kid not in kids and new_kid in kids
        other = await http.post(
            "/api/v1/redemptions",
            json={"token": before["token"], "nonce": nonce()},
            headers=await staff_headers(http, "demo-partner-musee-champollion"),
        )
        assert other.status_code == 422 and other.json()["code"] == "pass.invalid"

        # a key retired by hand (compromised) is refused at once
        assert (
            await asyncio.to_thread(_cli, database_url, settings.secret_key, "retire-key", "--", new_kid)
        ).returncode == 2
        rotated = await asyncio.to_thread(_cli, database_url, settings.secret_key, "rotate-key")
        assert rotated.returncode == 0
        retired = await asyncio.to_thread(_cli, database_url, settings.secret_key, "retire-key", "--", new_kid)
        assert retired.returncode == 0, retired.stderr
        await http.get("/.well-known/jwks.json")  # the process reloads its keyring
        refused = await http.post(
            "/api/v1/redemptions",
            json={"token": after["token"], "nonce": nonce()},
            headers=await staff_headers(http, "demo-partner-musee-champollion"),
        )
        assert refused.status_code == 422 and refused.json()["code"] == "pass.invalid"
        listed = await asyncio.to_thread(_cli, database_url, settings.secret_key, "list-keys")
        assert new_kid in listed.stdout and "retired" in listed.stdout
