"""Staff sign-in limits: wrong passwords lock one account from one address, not the
office behind it; a higher ceiling holds per address; a lockout says when to retry."""

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

PER_ACCOUNT, PER_ADDRESS = 3, 7
# A day-long window: the suite never straddles its edge by accident.
WINDOW_MINUTES = 24 * 60


@pytest.fixture(scope="module")
async def strict_app(settings, app) -> AsyncIterator[Any]:
    limits = msgspec.structs.replace(
        settings.config.rules.rate_limits,
        sign_in_failures_per_account=PER_ACCOUNT,
        sign_in_failures_per_address=PER_ADDRESS,
        sign_in_window_minutes=WINDOW_MINUTES,
    )
    rules = msgspec.structs.replace(settings.config.rules, rate_limits=limits)
    strict = create_app(msgspec.structs.replace(settings, config=msgspec.structs.replace(settings.config, rules=rules)))
    async with LifespanManager(strict):
        yield strict


def client_at(app: Any, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 4000))
    return httpx.AsyncClient(transport=transport, base_url="http://tbc.test")


async def sign_in(http: httpx.AsyncClient, username: str, password: str = "demo") -> httpx.Response:
    return await http.post("/api/v1/auth/token", json={"username": username, "password": password})


def assert_locked(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "auth.too_many_attempts"
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= WINDOW_MINUTES * 60 and body["retry_after"] == retry_after
    retry_at = datetime.fromisoformat(body["retry_at"])
    assert abs(retry_at - (datetime.now(UTC) + timedelta(seconds=retry_after))) < timedelta(seconds=5)
    assert f"{body['minutes']} min" in body["detail"]


async def test_one_locked_account_leaves_the_office_signing_in(strict_app):
    async with client_at(strict_app, "198.51.100.1") as office:
        wrong = [await sign_in(office, "demo-ot-cahors", "guess") for _ in range(PER_ACCOUNT)]
        assert [r.status_code for r in wrong] == [401] * PER_ACCOUNT
        # locked from this address, even with the right password (else the lock would leak it)
        assert_locked(await sign_in(office, "demo-ot-cahors"))
        assert_locked(await sign_in(office, "Demo-OT-Cahors ", "guess"))
        # a colleague behind the same router still signs in
        assert (await sign_in(office, "demo-ot-figeac")).status_code == 200
    async with client_at(strict_app, "198.51.100.2") as elsewhere:
        assert (await sign_in(elsewhere, "demo-ot-cahors")).status_code == 200


async def test_the_right_password_clears_the_strikes(strict_app):
    async with client_at(strict_app, "198.51.100.3") as desk:
        for _ in range(3):
            typos = [await sign_in(desk, "demo-ot-gourdon", "typo") for _ in range(PER_ACCOUNT - 1)]
            assert [r.status_code for r in typos] == [401] * (PER_ACCOUNT - 1)
            assert (await sign_in(desk, "demo-ot-gourdon")).status_code == 200


async def test_a_ceiling_per_address_whatever_the_username(strict_app):
    async with client_at(strict_app, "198.51.100.4") as sprayer:
        spray = [await sign_in(sprayer, f"guess-{n}", "guess") for n in range(PER_ADDRESS)]
        assert [r.status_code for r in spray] == [401] * PER_ADDRESS
        assert_locked(await sign_in(sprayer, "guess-next", "guess"))
        assert_locked(await sign_in(sprayer, "demo-ot-labastide"))
    async with client_at(strict_app, "198.51.100.5") as other:
        assert (await sign_in(other, "demo-ot-labastide")).status_code == 200


async def test_parallel_guesses_cannot_slip_past_the_limit(strict_app):
    async with client_at(strict_app, "198.51.100.6") as attacker:
        guesses = await asyncio.gather(*(sign_in(attacker, "demo-pilot", f"guess-{n}") for n in range(20)))
        statuses = sorted(r.status_code for r in guesses)
        assert statuses == [401] * PER_ACCOUNT + [429] * (20 - PER_ACCOUNT), statuses
        # refusals of a locked account do not count against the address
        assert (await sign_in(attacker, "demo-ot-dordogne")).status_code == 200


async def test_a_long_window_outlives_the_sweep(conn):
    """A lockout window longer than an hour keeps its count until an hour after it ends."""
    from service.core import ratelimit

    await conn.executemany(
        "INSERT INTO rate_limits (bucket, window_start, window_seconds, hits) VALUES ($1, now() - interval '3 hours', $2, 9)",
        [("sweep-test:day", 86_400), ("sweep-test:minute", 60)],
    )
    await ratelimit.sweep(conn)
    left = await conn.fetch("SELECT bucket FROM rate_limits WHERE bucket LIKE 'sweep-test:%'")
    assert [row["bucket"] for row in left] == ["sweep-test:day"]
    await conn.execute("DELETE FROM rate_limits WHERE bucket LIKE 'sweep-test:%'")


PER_USERNAME, LOCKOUT_MINUTES = 20, 10


@pytest.fixture(scope="module")
async def ceiling_app(settings, app) -> AsyncIterator[Any]:
    """Roomy per address (an attacker rotating addresses stays under those), a ceiling per username."""
    limits = msgspec.structs.replace(
        settings.config.rules.rate_limits,
        sign_in_failures_per_account=100,
        sign_in_failures_per_address=100,
        sign_in_failures_per_username=PER_USERNAME,
        sign_in_lockout_minutes=LOCKOUT_MINUTES,
        sign_in_window_minutes=WINDOW_MINUTES,
    )
    rules = msgspec.structs.replace(settings.config.rules, rate_limits=limits)
    ceiling = create_app(
        msgspec.structs.replace(settings, config=msgspec.structs.replace(settings.config, rules=rules))
    )
    async with LifespanManager(ceiling):
        yield ceiling


async def _partner_of_cahors(conn) -> str:
    from service.accounts import repository
    from service.accounts.passwords import hash_password_async

    username = f"ceiling-{secrets.token_hex(4)}"
    await repository.upsert(
        conn, username, await hash_password_async("the right one!"), "partner", None, "musee-henri-martin"
    )
    return username


async def _alerts(client, who: str) -> list[dict]:
    from tests.helpers import staff_headers

    answer = await client.get("/api/v1/auth/alerts", headers=await staff_headers(client, who))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_password_sprayed_from_many_addresses_locks_the_account_and_alerts_its_ot(ceiling_app, client, conn):
    username = await _partner_of_cahors(conn)
    statuses = []
    for n in range(50):  # 5 addresses, 10 guesses each
        async with client_at(ceiling_app, f"203.0.113.{10 + n % 5}") as attacker:
            statuses.append((await sign_in(attacker, username, f"guess-{n}")).status_code)
    assert statuses == [401] * PER_USERNAME + [429] * (50 - PER_USERNAME), statuses
    async with client_at(ceiling_app, "198.51.100.200") as owner:
        locked = await sign_in(owner, username, "the right one!")  # locked, from anywhere
        assert_locked(locked)
        assert LOCKOUT_MINUTES * 60 - 5 <= int(locked.headers["retry-after"]) <= LOCKOUT_MINUTES * 60
    mine = [a for a in await _alerts(client, "demo-ot-cahors") if a["username"] == username]
    assert len(mine) == 1 and mine[0]["kind"] == "sign_in_locked" and mine[0]["ot_id"] == "cahors"
    assert mine[0]["details"]["lockouts_in_a_row"] == 1
    assert not [a for a in await _alerts(client, "demo-ot-figeac") if a["username"] == username]
    assert [a for a in await _alerts(client, "demo-pilot") if a["username"] == username]


async def test_lockouts_in_a_row_double_and_the_right_password_ends_the_run(ceiling_app, conn):
    username = await _partner_of_cahors(conn)

    async def spray_until_locked() -> int:
        async with client_at(ceiling_app, "203.0.113.50") as attacker:
            for n in range(PER_USERNAME + 1):
                answer = await sign_in(attacker, username, f"guess-{n}")
            assert_locked(answer)
            return int(answer.headers["retry-after"])

    first = await spray_until_locked()
    await conn.execute(
        "UPDATE sign_in_lockouts SET locked_until = now() - interval '1 second' WHERE username = $1", username
    )
    second = await spray_until_locked()
    assert abs(second - 2 * first) <= 5, (first, second)
    await conn.execute(
        "UPDATE sign_in_lockouts SET locked_until = now() - interval '1 second' WHERE username = $1", username
    )
    async with client_at(ceiling_app, "198.51.100.201") as owner:
        assert (await sign_in(owner, username, "the right one!")).status_code == 200
    assert await conn.fetchval("SELECT lockouts FROM sign_in_lockouts WHERE username = $1", username) == 0


async def test_parallel_sprays_lock_once_and_alert_once(ceiling_app, conn):
    username = await _partner_of_cahors(conn)

    async def guess(n: int) -> int:
        async with client_at(ceiling_app, f"203.0.113.{100 + n % 20}") as attacker:
            return (await sign_in(attacker, username, f"guess-{n}")).status_code

    statuses = sorted(await asyncio.gather(*(guess(n) for n in range(60))))
    assert statuses == [401] * PER_USERNAME + [429] * (60 - PER_USERNAME), statuses
    alerts = await conn.fetchval(
        "SELECT count(*) FROM account_alerts x JOIN staff_accounts a ON a.id = x.account_id WHERE a.username = $1",
        username,
    )
    assert alerts == 1
