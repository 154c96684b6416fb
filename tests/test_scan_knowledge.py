"""Offline scans judged against what the desk could know, and unknown codes limited
(issue 12, items 3 and 4)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from service.app import create_app
from service.passes import codes
from tests.helpers import days_ago, issue_pass, nonce, staff_headers


async def enrol(client: httpx.AsyncClient, partner: str) -> dict[str, str]:
    device = await client.post(
        "/api/v1/devices", json={"name": f"desk {nonce()[:8]}"}, headers=await staff_headers(client, partner)
    )
    assert device.status_code == 201, device.text
    return {"Authorization": f"Bearer {device.json()['access_token']}"}


async def revoke(client: httpx.AsyncClient, conn, code: str, *, minutes_ago: int) -> datetime:
    """Revoke a pass as the pilot would, dated `minutes_ago` (the list's `generated_at`
    looks back half a minute, so a fresh revocation is not yet surely known)."""
    ot = await staff_headers(client, "demo-pilot")
    response = await client.post(f"/api/v1/passes/{code}/revoke", json={"reason": "fraude"}, headers=ot)
    assert response.status_code == 200, response.text
    return await conn.fetchval(
        "UPDATE passes SET revoked_at = now() - make_interval(mins => $2) WHERE code = $1 RETURNING revoked_at",
        code,
        minutes_ago,
    )


async def sync(client: httpx.AsyncClient, headers: dict[str, str], token: str, scanned_at: datetime) -> dict:
    response = await client.post(
        "/api/v1/redemptions/sync",
        json={"items": [{"nonce": nonce(), "token": token, "scanned_at": scanned_at.isoformat()}]},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()["results"][0]


async def alerts(client: httpx.AsyncClient, who: str) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/redemptions/alerts", headers=await staff_headers(client, who))
    assert response.status_code == 200, response.text
    return response.json()


# item 3: what the desk could know


async def test_a_desk_that_fetched_the_revocation_list_cannot_backdate_past_it(client, conn):
    desk = await enrol(client, "demo-partner-musee-champollion")
    issued = await issue_pass(client)
    revoked_at = await revoke(client, conn, issued["code"], minutes_ago=10)
    fetched = await client.get("/api/v1/revocations", headers=desk)
    assert fetched.status_code == 200 and issued["code"] in [r["jti"] for r in fetched.json()["revoked"]]
    # the desk says it scanned before the revocation: it had the list, so it knew
    result = await sync(client, desk, issued["token"], revoked_at - timedelta(minutes=5))
    assert (result["status"], result["code"]) == ("rejected", "pass.revoked")
    assert issued["code"] not in [a["code"] for a in await alerts(client, "demo-ot-figeac")]


async def test_a_scan_made_before_the_desk_could_know_stands_and_is_flagged(client, conn):
    desk = await enrol(client, "demo-partner-musee-champollion")
    assert (await client.get("/api/v1/revocations", headers=desk)).status_code == 200
    issued = await issue_pass(client)
    # revoked after the desk's last fetch (which looks back 30 s), scanned before that
    revoked_at = await revoke(client, conn, issued["code"], minutes_ago=0)
    result = await sync(client, desk, issued["token"], revoked_at - timedelta(seconds=5))
    assert result["status"] == "ok", result
    flagged = [a for a in await alerts(client, "demo-ot-figeac") if a["code"] == issued["code"]]
    assert len(flagged) == 1 and flagged[0]["kind"] == "revoked_pass_accepted_offline"
    assert datetime.fromisoformat(flagged[0]["details"]["revoked_at"]) == revoked_at
    assert flagged[0]["details"]["revocations_known_at"] is not None
    assert issued["code"] not in [a["code"] for a in await alerts(client, "demo-ot-cahors")]
    # a scan after the revocation is refused whatever the desk knew
    late = await issue_pass(client)
    revoked_late = await revoke(client, conn, late["code"], minutes_ago=0)
    result = await sync(client, desk, late["token"], revoked_late + timedelta(seconds=1))
    assert (result["status"], result["code"]) == ("rejected", "pass.revoked")


async def test_what_a_desk_knows_is_its_own(client, conn):
    """An anonymous fetch teaches the server nothing; a partner account without a
    device is judged by its own fetches; another device's fetch is not this one's."""
    informed = await enrol(client, "demo-partner-musee-champollion")
    uninformed = await enrol(client, "demo-partner-musee-champollion")
    account = await staff_headers(client, "demo-partner-rocher-des-aigles")
    passes = [await issue_pass(client) for _ in range(3)]
    moments = [await revoke(client, conn, p["code"], minutes_ago=10) for p in passes]
    assert (await client.get("/api/v1/revocations")).status_code == 200
    assert (await client.get("/api/v1/revocations", headers=informed)).status_code == 200
    assert (await client.get("/api/v1/revocations", headers=account)).status_code == 200
    before = [moment - timedelta(minutes=1) for moment in moments]
    assert (await sync(client, uninformed, passes[0]["token"], before[0]))["status"] == "ok"
    assert (await sync(client, informed, passes[1]["token"], before[1]))["code"] == "pass.revoked"
    assert (await sync(client, account, passes[2]["token"], before[2]))["code"] == "pass.revoked"
    # a forged token on the list is refused, not ignored
    forged = await client.get("/api/v1/revocations", headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401


async def test_backdating_beyond_the_offline_window_is_refused(client, settings):
    desk = await enrol(client, "demo-partner-musee-champollion")
    issued = await issue_pass(client, travel_date=days_ago(5))
    hours = settings.config.rules.scans.offline_window_hours
    result = await sync(client, desk, issued["token"], datetime.now(UTC) - timedelta(hours=hours, minutes=1))
    assert (result["status"], result["code"]) == ("rejected", "redemption.scan_too_old")


# item 4: unknown codes

PER_DEVICE, PER_ACCOUNT = 3, 5
PARTNER, SITE, ITS_OT = "demo-partner-grottes-cougnac", "grottes-cougnac", "demo-ot-gourdon"


@pytest.fixture
async def strict_client(settings, app, conn) -> AsyncIterator[httpx.AsyncClient]:
    limits = msgspec.structs.replace(
        settings.config.rules.rate_limits,
        unknown_codes_per_device=PER_DEVICE,
        unknown_codes_per_account=PER_ACCOUNT,
        unknown_codes_window_minutes=24 * 60,  # the test never straddles a window's edge
    )
    rules = msgspec.structs.replace(settings.config.rules, rate_limits=limits)
    strict = create_app(msgspec.structs.replace(settings, config=msgspec.structs.replace(settings.config, rules=rules)))
    account_id = await conn.fetchval("SELECT id FROM staff_accounts WHERE username = $1", PARTNER)
    device_ids = await conn.fetch("SELECT id FROM devices WHERE account_id = $1", account_id)
    buckets = [f"unknown-codes:account:{account_id}", *(f"unknown-codes:device:{r['id']}" for r in device_ids)]
    await conn.execute("DELETE FROM rate_limits WHERE bucket = ANY($1::text[])", buckets)
    await conn.execute("DELETE FROM scan_alerts WHERE site_id = $1", SITE)
    async with LifespanManager(strict):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=strict), base_url="http://tbc.test") as http:
            yield http


def unknown_code() -> str:
    """A well-formed code (its check symbol holds) that no pass has."""
    return codes.new_code()


async def scan(http: httpx.AsyncClient, headers: dict[str, str], code: str, scan_nonce: str | None = None):
    body = {"code": code, "nonce": scan_nonce or nonce()}
    return await http.post("/api/v1/redemptions", json=body, headers=headers)


async def test_unknown_codes_are_limited_per_device_then_per_account(strict_client, client, conn):
    desk_a, desk_b = await enrol(client, PARTNER), await enrol(client, PARTNER)
    first_nonce = nonce()
    answers = [await scan(strict_client, desk_a, unknown_code(), first_nonce if n == 0 else None) for n in range(3)]
    assert [a.status_code for a in answers] == [404] * PER_DEVICE
    refused_nonce = nonce()
    refused = await scan(strict_client, desk_a, unknown_code(), refused_nonce)
    assert refused.status_code == 429 and refused.json()["code"] == "redemption.unknown_codes_limited"
    assert int(refused.headers["retry-after"]) >= 1 and refused.json()["retry_after"] >= 1
    # the refusal is not kept under its nonce (it may be tried again later); earlier answers replay
    assert await conn.fetchval("SELECT count(*) FROM scan_requests WHERE nonce = $1", refused_nonce) == 0
    replay = await scan(strict_client, desk_a, "ANY-THING", first_nonce)
    assert replay.status_code == 404 and replay.json() == answers[0].json()
    # a real pass still goes through at the limited desk
    issued = await issue_pass(client)
    assert (await scan(strict_client, desk_a, issued["code"])).status_code == 201
    # the account's ceiling holds across its devices
    other = [await scan(strict_client, desk_b, unknown_code()) for _ in range(PER_ACCOUNT - PER_DEVICE + 1)]
    assert [a.status_code for a in other] == [404] * (PER_ACCOUNT - PER_DEVICE) + [429]

    seen = await alerts(client, ITS_OT)
    bursts = [a for a in seen if a["kind"] == "unknown_codes_burst"]
    assert sorted(a["details"]["scope"] for a in bursts) == ["account", "device"]
    assert all(a["site_id"] == SITE for a in bursts)
    assert not [a for a in await alerts(client, "demo-ot-cahors") if a["site_id"] == SITE]


async def test_a_sync_of_random_codes_stops_at_the_limit(strict_client, client, conn):
    desk = await enrol(client, PARTNER)
    items = [
        {"nonce": nonce(), "code": secrets.token_hex(5).upper(), "scanned_at": datetime.now(UTC).isoformat()}
        for _ in range(500)
    ]
    response = await strict_client.post("/api/v1/redemptions/sync", json={"items": items}, headers=desk)
    assert response.status_code == 429 and response.json()["code"] == "redemption.unknown_codes_limited"
    assert "retry-after" in response.headers
    stored = await conn.fetchval(
        "SELECT count(*) FROM scan_requests WHERE nonce = ANY($1::text[])", [i["nonce"] for i in items]
    )
    assert stored == PER_DEVICE  # each guess past the limit is neither answered nor kept
    bursts = [a for a in await alerts(client, ITS_OT) if a["kind"] == "unknown_codes_burst"]
    assert len(bursts) == 1 and bursts[0]["details"]["unknown_codes"] == PER_DEVICE


async def test_parallel_unknown_codes_cannot_slip_past_the_limit(strict_client, client):
    desk = await enrol(client, PARTNER)
    answers = await asyncio.gather(*(scan(strict_client, desk, unknown_code()) for _ in range(12)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [404] * PER_DEVICE + [429] * (12 - PER_DEVICE), statuses
    bursts = [a for a in await alerts(client, ITS_OT) if a["kind"] == "unknown_codes_burst"]
    assert len(bursts) == 1  # one alert per scanner and window, however many refusals


async def test_purge_forgets_old_scanner_alerts(client, conn, settings):
    from service.privacy.commands import purge

    desk = await enrol(client, "demo-partner-musee-champollion")
    await client.get("/api/v1/revocations", headers=desk)
    old, recent = await issue_pass(client), await issue_pass(client)
    for issued in (old, recent):
        revoked_at = await revoke(client, conn, issued["code"], minutes_ago=0)
        assert (await sync(client, desk, issued["token"], revoked_at - timedelta(seconds=5)))["status"] == "ok"
    days = settings.config.rules.privacy.scan_retention_days
    await conn.execute(
        "UPDATE scan_alerts SET created_at = now() - make_interval(days => $2)"
        " WHERE pass_id = (SELECT id FROM passes WHERE code = $1)",
        old["code"],
        days + 1,
    )
    done = await purge(conn, settings)
    assert done["scan_alerts_deleted"] >= 1
    left = {a["code"] for a in await alerts(client, "demo-ot-figeac")}
    assert recent["code"] in left and old["code"] not in left
