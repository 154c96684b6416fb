"""PostgreSQL going away is an expected state (issue 12, item 2): stopped and
restarted under load, every answer is a success or a 503 problem+json with
Retry-After, none hangs, no acknowledged write is lost, and the service recovers
without a restart."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from service.app import create_app
from service.core import db
from service.demo import loader
from tests.helpers import TEST_PGDATA, delta, samples, trip_claim

# An answer during the outage comes at once, never after the pool's 10 s wait or the
# 30 s command timeout; any answer at all stays well below those (the machine may be busy).
MAX_OUTAGE_ANSWER_SECONDS = 1.0
MAX_ANSWER_SECONDS = 5.0
WORKERS = 6


class Server:
    """A PostgreSQL of the test's own, to stop and start behind the app's back."""

    def __init__(self, embedded: db.EmbeddedPostgres) -> None:
        self.embedded = embedded

    def stop(self) -> None:
        self.embedded._server.stop()

    def start(self) -> None:
        server = self.embedded._server
        with server._lock:
            server.ensure_postgres_running()


@pytest.fixture
async def outage_app(settings) -> AsyncIterator[tuple[Any, Server, str]]:
    # beside the suite's own server: the server's system user can reach it (not so a pytest tmp_path)
    pgdata = Path(TEST_PGDATA).with_name(Path(TEST_PGDATA).name + "-outage")
    shutil.rmtree(pgdata, ignore_errors=True)
    embedded = await asyncio.to_thread(db.EmbeddedPostgres, pgdata)
    await db.ensure_database(embedded.admin_url, "outage")
    url = embedded.url_for("outage")
    own = msgspec.structs.replace(settings, database_url=url, pool_min_size=2, pool_max_size=WORKERS)
    app = create_app(own)
    try:
        async with LifespanManager(app):
            conn = await db.connect(url)
            try:
                await loader.load(conn, own)
            finally:
                await conn.close()
            yield app, Server(embedded), url
    finally:
        await asyncio.to_thread(embedded.stop)
        shutil.rmtree(pgdata, ignore_errors=True)


async def test_stopped_and_restarted_postgres_under_load(outage_app):
    app, server, url = outage_app
    answers: list[tuple[str, int, float, httpx.Response]] = []
    acknowledged: list[str] = []
    stop = asyncio.Event()

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tbc.test") as http:
        scraped_before = samples((await http.get("/metrics")).text)
        signed_in = await http.post("/api/v1/auth/token", json={"username": "demo-pilot", "password": "demo"})
        pilot = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        calls = [
            ("claim", lambda: http.post("/api/v1/claims", json=trip_claim())),
            ("report", lambda: http.get("/api/v1/reports/uptake", headers=pilot)),  # behind a role guard
            ("jwks", lambda: http.get("/.well-known/jwks.json")),
            ("sites", lambda: http.get("/api/v1/sites")),
            ("revocations", lambda: http.get("/api/v1/revocations")),
        ]

        async def worker(n: int) -> None:
            i = n
            while not stop.is_set():
                name, call = calls[i % len(calls)]
                i += 1
                started = time.monotonic()
                response = await call()
                answers.append((name, response.status_code, time.monotonic() - started, response))
                if name == "claim" and response.status_code == 201:
                    acknowledged.append(response.json()["pass"]["code"])
                await asyncio.sleep(0.01)

        workers = [asyncio.create_task(worker(n)) for n in range(WORKERS)]
        try:
            await asyncio.sleep(1)
            before_outage = len(acknowledged)
            await asyncio.to_thread(server.stop)
            stopped_at = len(answers)
            await asyncio.sleep(2)
            await asyncio.to_thread(server.start)
            restarted, restarted_at = time.monotonic(), len(answers)
            while len(acknowledged) == before_outage or not any(
                status == 201 for name, status, _, _ in answers[restarted_at:]
            ):
                assert time.monotonic() - restarted < 20, "no claim got through after the restart"
                await asyncio.sleep(0.1)
            recovery = time.monotonic() - restarted
            await asyncio.sleep(0.5)
        finally:
            stop.set()
            await asyncio.gather(*workers)
        scraped_after = samples((await http.get("/metrics")).text)

    statuses = {status for _, status, _, _ in answers}
    assert statuses <= {200, 201, 503}, sorted(statuses)
    outage = [(name, r) for name, status, _, r in answers[stopped_at:restarted_at] if status == 503]
    refused = [seconds for _, status, seconds, _ in answers if status == 503]
    assert outage, "the outage was never seen"
    for _, response in outage:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "service.unavailable" and int(response.headers["retry-after"]) >= 1
        assert response.json()["request_id"] == response.headers["x-request-id"]
    # every 503 is counted as a database error, and the operator sees the outage in /metrics
    database_errors = sum(
        delta(scraped_before, scraped_after, "tbc_database_errors_total", kind=kind)
        for kind in ("unreachable", "connection_lost")
    )
    assert database_errors == len(refused_all := [a for a in answers if a[1] == 503]), (
        database_errors,
        len(refused_all),
    )
    assert delta(
        scraped_before, scraped_after, "tbc_http_requests_total", method="POST", route="/api/v1/claims", status="503"
    ) == sum(1 for name, status, _, _ in answers if name == "claim" and status == 503)
    assert {"claim", "report"} <= {name for name, _ in outage}  # the guarded route too
    slowest = max(seconds for _, _, seconds, _ in answers)
    assert slowest < MAX_ANSWER_SECONDS and max(refused) < MAX_OUTAGE_ANSWER_SECONDS, (slowest, max(refused))

    conn = await db.connect(url)
    try:
        stored = await conn.fetchval("SELECT count(*) FROM passes WHERE code = ANY($1::text[])", acknowledged)
    finally:
        await conn.close()
    assert stored == len(acknowledged) > before_outage
    print(
        f"\n{len(answers)} answers, {len(outage)} × 503 during the outage, 0 × 5xx otherwise, "
        f"{len(acknowledged)} acknowledged claims all stored, recovery {recovery:.2f} s after the restart, "
        f"slowest answer {slowest:.2f} s, slowest 503 {max(refused):.2f} s"
    )
