"""Staff sign-in limits: wrong passwords lock one account from one address, not the
office behind it; a higher ceiling holds per address; a lockout says when to retry."""

from __future__ import annotations

import asyncio
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
