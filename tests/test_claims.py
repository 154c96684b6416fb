"""Claims with a declared trip: the rules that need no timetable, and one proof → one pass."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers import days_ago, trip_claim


async def _refusal(client, claim, status=422):
    response = await client.post("/api/v1/claims", json=claim)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body["code"]


@pytest.mark.parametrize(
    ("claim", "code"),
    [
        (trip_claim(stop="StopArea:OCE00000000"), "proof.unknown_stop"),
        (trip_claim(stop="lio:lauzerte", mode="bus"), "proof.stop_outside_lot"),
        (trip_claim(stop="lio:cajarc", mode="train"), "proof.stop_mode_mismatch"),
        (trip_claim(persons=7), "proof.too_many_persons"),
        (trip_claim(travel_date=days_ago(31)), "proof.too_old"),
        (trip_claim(travel_date=days_ago(-31)), "proof.in_future"),
        (trip_claim(mode="bike"), "proof.method_not_for_mode"),
        (trip_claim(ticket_ref="--- - ---"), "proof.evidence_invalid"),
        ({**trip_claim(), "evidence": {"date": "yesterday"}}, "proof.evidence_invalid"),
        ({**trip_claim(), "method": "gpx", "mode": "bike", "evidence": {}}, "proof.evidence_invalid"),
    ],
)
@pytest.mark.lot_day
async def test_refusals_have_stable_codes(client, claim, code):
    assert await _refusal(client, claim) == code


async def test_gateway_station_counts(client):
    response = await client.post("/api/v1/claims", json=trip_claim(stop="StopArea:OCE87594002"))  # Brive
    assert response.status_code == 201, response.text


async def test_a_ticket_gives_one_pass_however_it_is_typed_and_gives_it_back(client, conn):
    claim = trip_claim(ticket_ref="QWERTY")
    first = await client.post("/api/v1/claims", json=claim)
    assert first.status_code == 201, first.text
    # the tab closed, another phone: the same ticket, typed otherwise, gives back the same pass as it was issued
    again = trip_claim(ticket_ref=" qwe-rty ", persons=1, stop="StopArea:OCE87613091")
    again["evidence"]["date"] = claim["evidence"]["date"]
    response = await client.post("/api/v1/claims", json=again)
    assert response.status_code == 200, response.text
    given, issued = response.json()["pass"], first.json()["pass"]
    assert (given["code"], given["persons"], given["valid_until"]) == (
        issued["code"],
        issued["persons"],
        issued["valid_until"],
    )
    opened = await client.get(f"/api/v1/passes/{given['code']}", headers={"Authorization": f"Bearer {given['token']}"})
    assert opened.status_code == 200 and opened.json()["status"] == "valid", opened.text
    assert await conn.fetchval("SELECT count(*) FROM passes WHERE code = $1", given["code"]) == 1
    # a revoked pass is never handed out again
    await conn.execute("UPDATE passes SET revoked_at = now(), revoked_reason = 'test' WHERE code = $1", given["code"])
    assert await _refusal(client, again, 410) == "pass.revoked"


async def test_the_same_ticket_claimed_concurrently_gives_one_pass(client, conn):
    claim = trip_claim(ticket_ref="CONCUR")
    responses = await asyncio.gather(*(client.post("/api/v1/claims", json=claim) for _ in range(20)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 19 + [201], statuses
    # the others get that pass back, not one of their own
    assert len({r.json()["pass"]["code"] for r in responses}) == 1
    assert await conn.fetchval("SELECT count(*) FROM passes WHERE code = $1", responses[0].json()["pass"]["code"]) == 1


async def test_messages_follow_the_visitors_language(client):
    claim = trip_claim(stop="lio:lauzerte", mode="bus")
    details = {}
    for lang in ("fr", "en", "es"):
        response = await client.post("/api/v1/claims", json=claim, headers={"Accept-Language": f"{lang};q=0.9"})
        details[lang] = response.json()["detail"]
    assert len(set(details.values())) == 3
    assert "Lot" in details["fr"] and "gateway" in details["en"] and "estación" in details["es"]


async def test_no_personal_data_is_kept(client, conn):
    claim = trip_claim(ticket_ref="PRIVACY1")
    response = await client.post("/api/v1/claims", json={**claim, "email": "visiteur@example.org"})
    assert response.status_code == 201
    row = await conn.fetchrow(
        "SELECT pr.facts, pr.fingerprint FROM proofs pr JOIN passes p ON p.proof_id = pr.id WHERE p.code = $1",
        response.json()["pass"]["code"],
    )
    assert "PRIVACY1" not in str(row["facts"]) and b"PRIVACY1" not in row["fingerprint"]
    assert len(row["fingerprint"]) == 32


async def test_what_a_declared_trip_claim_asks_of_the_database(app, settings):
    """The statements of a claim, counted on the connection that serves it (issue 19): the
    client's count, the stop, whether a timetable is loaded, the proof and its pass in one
    transaction (the fold it asks for runs on a connection of its own). A new round trip here
    is a choice to make in docs/BENCHMARKS.md, not an accident."""
    from service.core import db
    from service.proofs import service
    from service.proofs.methods.base import Claim
    from service.reports.rollups import Folder

    conn = await db.connect(settings.database_url)
    sent: list[str] = []
    try:
        body = trip_claim()
        claim = Claim(body["mode"], body["method"], body["persons"], body["evidence"], None, None, "fr")
        state = app.state
        claiming = service.Claiming(
            settings, state.keyring, Folder(state.pool), state.derived_keys.fingerprint, lambda: None
        )

        async def read() -> Claim:
            return claim

        await state.keyring.refresh(conn, settings.keyring_refresh_seconds)  # fresh: no reload counted

        def note(record) -> None:
            if not record.query.lstrip().startswith("DELETE FROM rate_limits"):  # a sampled sweep, 1 % of counts
                sent.append(record.query.split()[0].upper())

        with conn.query_logger(note):
            issued = await service.submit(conn, claiming, "claims:counted", read)
            await asyncio.sleep(0)  # the loggers are called soon after each statement
    finally:
        await conn.close()
    assert issued.code and not issued.again
    assert sent == ["INSERT", "SELECT", "SELECT", "BEGIN;", "INSERT", "INSERT", "COMMIT;"], sent
