"""Redemption at a partner desk: once per pass and site, whatever the concurrency."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from service.core import clock
from tests.helpers import days_ago, issue_pass, nonce, request_folds, staff_headers

PARTNER = "demo-partner-musee-champollion"


async def test_fifty_concurrent_scans_of_one_pass_redeem_once(client, conn):
    issued = await issue_pass(client)
    headers = await staff_headers(client, PARTNER)

    async def scan():
        return await client.post(
            "/api/v1/redemptions", json={"token": issued["token"], "nonce": nonce()}, headers=headers
        )

    responses = await asyncio.gather(*(scan() for _ in range(50)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == 49, statuses
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"redemption.already_redeemed"}
    stored = await conn.fetchval(
        "SELECT count(*) FROM redemptions r JOIN passes p ON p.id = r.pass_id WHERE p.code = $1", issued["code"]
    )
    assert stored == 1


async def test_replayed_nonce_returns_the_first_answer_and_records_nothing(client, conn):
    issued = await issue_pass(client)
    headers = await staff_headers(client, PARTNER)
    body = {"token": issued["token"], "nonce": nonce()}

    replies = await asyncio.gather(*(client.post("/api/v1/redemptions", json=body, headers=headers) for _ in range(20)))
    assert {reply.status_code for reply in replies} == {201}
    assert len({reply.text for reply in replies}) == 1  # the same answer, byte for byte
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM redemptions r JOIN passes p ON p.id = r.pass_id WHERE p.code = $1", issued["code"]
        )
        == 1
    )

    # a refusal is replayed too, even once the reason is gone
    other = await issue_pass(client)
    refused_body = {"code": other["code"], "persons": other["persons"] + 1, "nonce": nonce()}
    first = await client.post("/api/v1/redemptions", json=refused_body, headers=headers)
    assert first.status_code == 422 and first.json()["code"] == "redemption.too_many_persons"
    replay = await client.post("/api/v1/redemptions", json=refused_body, headers=headers)
    assert (replay.status_code, replay.json()) == (first.status_code, first.json())


async def test_typed_code_is_forgiving_but_checked(client):
    issued = await issue_pass(client)
    headers = await staff_headers(client, "demo-partner-musee-murat")
    mistyped = issued["code"][:-1] + ("2" if issued["code"][-1] != "2" else "3")
    response = await client.post("/api/v1/redemptions", json={"code": mistyped, "nonce": nonce()}, headers=headers)
    assert response.status_code == 422 and response.json()["code"] == "pass.code_invalid"
    typed = " " + issued["code_display"].lower().replace("-", " ") + " "
    response = await client.post("/api/v1/redemptions", json={"code": typed, "nonce": nonce()}, headers=headers)
    assert response.status_code == 201, response.text


async def test_persons_default_to_the_pass_and_are_capped(client):
    issued = await issue_pass(client, persons=4)
    headers = await staff_headers(client, "demo-partner-rocher-des-aigles")
    too_many = await client.post(
        "/api/v1/redemptions", json={"token": issued["token"], "persons": 5, "nonce": nonce()}, headers=headers
    )
    assert too_many.status_code == 422 and too_many.json()["code"] == "redemption.too_many_persons"
    fewer = await client.post(
        "/api/v1/redemptions", json={"token": issued["token"], "persons": 2, "nonce": nonce()}, headers=headers
    )
    assert fewer.status_code == 201 and fewer.json()["redemption"]["persons"] == 2


@pytest.mark.lot_day
async def test_site_rules_mode_confidence_and_age(client):
    # Castelnau takes train and bike only, and same-day arrivals only
    bus_pass = await issue_pass(client, mode="bus", stop="lio:souillac-centre")
    castelnau = await staff_headers(client, "demo-partner-chateau-castelnau")
    response = await client.post(
        "/api/v1/redemptions", json={"token": bus_pass["token"], "nonce": nonce()}, headers=castelnau
    )
    assert response.status_code == 403 and response.json()["code"] == "site.mode_not_accepted"

    yesterday = await issue_pass(client, travel_date=days_ago(1))
    response = await client.post(
        "/api/v1/redemptions", json={"token": yesterday["token"], "nonce": nonce()}, headers=castelnau
    )
    assert response.status_code == 403 and response.json()["code"] == "site.proof_too_old"

    # Padirac requires a verified proof; a declared trip is only plausible
    padirac = await staff_headers(client, "demo-partner-gouffre-padirac")
    response = await client.post(
        "/api/v1/redemptions", json={"token": yesterday["token"], "nonce": nonce()}, headers=padirac
    )
    assert response.status_code == 403 and response.json()["code"] == "site.confidence_too_low"


async def test_scanned_at_is_kept_beside_the_server_time(client, conn):
    issued = await issue_pass(client)
    headers = await staff_headers(client, "demo-partner-grottes-cougnac")
    scanned_at = (datetime.now(UTC) - timedelta(minutes=7)).replace(microsecond=0)
    response = await client.post(
        "/api/v1/redemptions",
        json={"token": issued["token"], "nonce": nonce(), "scanned_at": scanned_at.isoformat(), "device": "desk 2"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    row = await conn.fetchrow(
        "SELECT scanned_at, redeemed_at, device FROM redemptions WHERE id = $1", response.json()["redemption"]["id"]
    )
    assert row["scanned_at"] == scanned_at and row["redeemed_at"] > scanned_at and row["device"] == "desk 2"


async def test_only_partners_redeem(client):
    issued = await issue_pass(client)
    body = {"token": issued["token"], "nonce": nonce()}
    anonymous = await client.post("/api/v1/redemptions", json=body)
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "auth.required"
    ot = await client.post("/api/v1/redemptions", json=body, headers=await staff_headers(client, "demo-ot-figeac"))
    assert ot.status_code == 403 and ot.json()["code"] == "auth.forbidden"
    forged = await client.post("/api/v1/redemptions", json=body, headers={"Authorization": "Bearer not.a.token"})
    assert forged.status_code == 401 and forged.json()["code"] == "auth.invalid_token"


async def _admit(client, headers, token, persons=None, path="/api/v1/redemptions"):
    body = {"token": token, "nonce": nonce(), **({"persons": persons} if persons is not None else {})}
    return await client.post(path, json=body, headers=headers)


async def test_a_family_enters_in_two_halves(client, conn):
    issued = await issue_pass(client, persons=4)
    desk = await staff_headers(client, "demo-partner-musee-henri-martin")

    first = await _admit(client, desk, issued["token"], persons=2)
    assert first.status_code == 201, first.text
    use = first.json()["redemption"]
    assert (use["persons"], use["admitted"], use["admitted_before"]) == (2, 2, 0)

    # the second scan admits those not yet in, by default
    second = await _admit(client, desk, issued["token"])
    assert second.status_code == 201, second.text
    later = second.json()["redemption"]
    assert (later["persons"], later["admitted"], later["admitted_before"]) == (2, 4, 2)
    assert later["id"] == use["id"] and later["redeemed_at"] == use["redeemed_at"]  # one use of the site

    all_in = await _admit(client, desk, issued["token"], persons=1)
    assert all_in.status_code == 409, all_in.text
    refusal = all_in.json()
    assert refusal["code"] == "redemption.already_redeemed"
    assert (refusal["admitted"], refusal["pass_persons"], refusal["first"]["persons"]) == (4, 4, 4)
    assert refusal["pass_code"] == issued["code"]

    # the visitor's uses list the persons admitted, and the OT's figures count them once
    shown = await client.get(f"/api/v1/passes/{issued['code']}", headers={"Authorization": f"Bearer {issued['token']}"})
    assert [(u["site_id"], u["persons"]) for u in shown.json()["redemptions"]] == [("musee-henri-martin", 4)]
    counted = await conn.fetchrow(
        "SELECT sum(redemptions) AS uses, sum(persons) AS persons FROM report_uses WHERE dim = 'site' AND NOT weekly AND key = $1",
        "musee-henri-martin",
    )
    raw = await conn.fetchrow(
        "SELECT count(*) AS uses, sum(persons) AS persons FROM redemptions WHERE site_id = $1", "musee-henri-martin"
    )
    assert (counted["uses"], counted["persons"]) == (raw["uses"], raw["persons"])


async def test_more_than_those_left_is_refused_with_how_many_may_enter(client):
    issued = await issue_pass(client, persons=4)
    desk = await staff_headers(client, "demo-partner-musee-henri-martin")
    assert (await _admit(client, desk, issued["token"], persons=3)).status_code == 201
    refused = await _admit(client, desk, issued["token"], persons=2)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert (body["code"], body["left"], body["admitted"]) == ("redemption.persons_already_in", 1, 3)
    assert "1" in body["detail"] and "3" in body["detail"]
    last = await _admit(client, desk, issued["token"], persons=1)
    assert last.status_code == 201 and last.json()["redemption"]["admitted"] == 4


@pytest.mark.parametrize("each", [1, 2])
async def test_desks_admitting_the_last_persons_at_once_never_admit_more(client, conn, each):
    issued = await issue_pass(client, persons=4)
    desks = [await staff_headers(client, "demo-partner-musee-henri-martin") for _ in range(2)]
    assert (await _admit(client, desks[0], issued["token"], persons=2)).status_code == 201

    # two persons left: 24 scans at once from two desks, `each` persons a scan
    answers = await asyncio.gather(*(_admit(client, desks[i % 2], issued["token"], persons=each) for i in range(24)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses.count(201) == 2 // each and statuses.count(409) == 24 - 2 // each, statuses
    stored = await conn.fetchval(
        "SELECT r.persons FROM redemptions r JOIN passes p ON p.id = r.pass_id WHERE p.code = $1", issued["code"]
    )
    assert stored == 4


async def test_offline_desks_follow_the_same_rule_when_they_sync(client):
    issued = await issue_pass(client, persons=4)
    partner = await staff_headers(client, "demo-partner-musee-champollion")
    assert (await _admit(client, partner, issued["token"], persons=2)).status_code == 201
    moment = clock.now().isoformat()

    def batch(device, persons):
        item = {"nonce": nonce(), "token": issued["token"], "persons": persons, "scanned_at": moment}
        return {"device": device, "items": [item]}

    # another desk, offline, let the other two in: they count
    synced = await client.post("/api/v1/redemptions/sync", json=batch("Boutique", 2), headers=partner)
    [result] = synced.json()["results"]
    assert result["status"] == "ok" and result["redemption"]["admitted"] == 4, result
    # a third desk, offline, let one more in than the pass covers: a conflict for the OT
    synced = await client.post("/api/v1/redemptions/sync", json=batch("Terrasse", 1), headers=partner)
    [result] = synced.json()["results"]
    assert (result["status"], result["first"]["persons"]) == ("conflict", 4), result
    conflicts = await client.get("/api/v1/redemptions/conflicts", headers=partner)
    assert [(c["device"], c["persons"]) for c in conflicts.json() if c["code"] == issued["code"]] == [("Terrasse", 1)]


async def test_the_benchs_floor_is_a_scans_writing_statement_alone(client, conn, settings):
    """The load bench's floor (bench/_bare_app.py) writes what a scan writes — the use, the
    answer under the nonce, the rollup event — for the pass and site its body names, and
    refuses a second first use of a pass at a site: what it measures is the scan's own
    statement, nothing less."""
    import httpx
    from asgi_lifespan import LifespanManager

    from bench._bare_app import bare_app
    from service.reports.rollups import fold_all

    issued = await issue_pass(client)
    pass_id = await conn.fetchval("SELECT id FROM passes WHERE code = $1", issued["code"])
    floor = bare_app(settings.database_url)
    counted = """SELECT coalesce(sum(redemptions), 0) FROM report_uses
                 WHERE dim = 'site' AND key = 'musee-champollion' AND NOT weekly"""
    await fold_all(conn)
    before = await conn.fetchval(counted)
    async with (
        LifespanManager(floor),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=floor), base_url="http://127.0.0.1") as bare,
    ):
        use = {"pass_id": pass_id, "site_id": "musee-champollion", "nonce": nonce()}
        first = await bare.post("/floor", json=use)
        again = await bare.post("/floor", json={**use, "nonce": nonce()})
    assert first.status_code == 201 and first.json()["redemption"]["admitted"] == 2, first.text
    assert again.status_code == 409
    stored = await conn.fetchrow(
        "SELECT r.persons, s.status_code FROM redemptions r JOIN scan_requests s ON s.site_id = r.site_id"
        " WHERE r.pass_id = $1 AND s.nonce = $2",
        pass_id,
        use["nonce"],
    )
    assert (stored["persons"], stored["status_code"]) == (2, 201)
    await fold_all(conn)
    assert await conn.fetchval(counted) == before + 1  # the rollup trigger's event, as a scan's


async def test_a_scan_is_two_statements_and_its_share_of_a_fold(client, app, settings):
    """What a scan asks of PostgreSQL, counted on the connection that serves it: the facts
    with any answer already stored, then the admission with its answer; a replay only the
    first; a refusal its facts and its answer (issue 19: every guarantee, fewest round trips).
    An admission also asks for a fold, on a connection of the fold's own once the request
    has answered (here, outside a request, at once)."""
    from service.core import db
    from service.redemptions import service
    from service.reports.rollups import Folder

    issued = await issue_pass(client)
    conn = await db.connect(settings.database_url)
    sent: list[str] = []
    try:
        site = "musee-champollion"
        account = await conn.fetchval("SELECT id FROM staff_accounts WHERE username = $1", PARTNER)
        desk = service.Desk(account_id=account, site_id=site)
        state = app.state

        async def scan(code: str, the_nonce: str, persons: int | None = None) -> tuple[int, dict]:
            sent.clear()
            presented = service.Scan(the_nonce, None, code, persons, None, "counted")
            with conn.query_logger(lambda record: sent.append(" ".join(record.query.split())[:40])):
                answer = await service.redeem(
                    conn, settings, state.keyring, state.pool, Folder(state.pool), desk, presented, "en"
                )
                await asyncio.sleep(0)  # the loggers are called soon after each statement
            return answer

        first_nonce, folds = nonce(), request_folds()
        status, body = await scan(issued["code"], first_nonce)
        assert status == 201 and body["redemption"]["admitted"] == issued["persons"]
        assert len(sent) == 2, sent  # facts, admission + answer
        assert request_folds() == folds + 1
        assert await scan(issued["code"], first_nonce) == (status, body) and len(sent) == 1, sent
        other = await issue_pass(client)
        status, body = await scan(other["code"], nonce(), persons=other["persons"] + 1)
        assert (status, body["code"]) == (422, "redemption.too_many_persons") and len(sent) == 2, sent
    finally:
        await conn.close()
