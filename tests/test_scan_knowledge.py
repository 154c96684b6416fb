"""Offline scans judged against what the desk could know (issue 12, item 3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import issue_pass, nonce, staff_headers


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
    issued = await issue_pass(client, travel_date=(datetime.now(UTC) - timedelta(days=5)).date())
    hours = settings.config.rules.scans.offline_window_hours
    result = await sync(client, desk, issued["token"], datetime.now(UTC) - timedelta(hours=hours, minutes=1))
    assert (result["status"], result["code"]) == ("rejected", "redemption.scan_too_old")
