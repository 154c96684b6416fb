"""Tests run against a real PostgreSQL and the real ASGI app.

The database is the embedded one under `var/test-postgres` unless
TEST_DATABASE_URL names a server (its user must be allowed to create databases).
The app is driven in the tests' own event loop through httpx's ASGI transport,
with its lifespan run by asgi-lifespan; tests that look at the database use
their own connection, never the app's pool.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import msgspec
import pytest
from aiosmtpd.controller import Controller
from asgi_lifespan import LifespanManager

from service.app import create_app
from service.core import db
from service.core.clock import lot_today, lot_zone
from service.demo import loader
from service.settings import ROOT, Settings, load_config, load_settings

# Several suites may run at once on one machine: each can name its own database
# and embedded server directory.
TEST_DATABASE = os.environ.get("TBC_TEST_DATABASE", "tbc_test")
TEST_PGDATA = os.environ.get("TBC_TEST_PGDATA") or str(ROOT / "var" / "test-postgres")


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


@pytest.fixture(scope="session")
def admin_url() -> str:
    """A URL of the test server, on a database we may create others from."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    server = db.EmbeddedPostgres(Path(TEST_PGDATA))
    return server.admin_url


@pytest.fixture(scope="session")
def make_database(admin_url: str):
    """Factory of fresh, empty databases on the test server."""

    async def make(name: str) -> str:
        await db.ensure_database(admin_url, name, fresh=True)
        return _with_database(admin_url, name)

    return make


@pytest.fixture(scope="session")
async def database_url(make_database) -> str:
    return await make_database(TEST_DATABASE)


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    """A local SMTP server that keeps what it receives: the app's mail goes there."""
    sink = SmtpSink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        sink.port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory, smtp_sink: SmtpSink) -> Settings:
    config = load_config(ROOT / "config")
    # The whole suite talks from one address: rate limits are tested on their own
    # app (test_proof_methods), not by accident here.
    roomy = msgspec.structs.replace(
        config.rules.rate_limits,
        claims_per_minute=100_000,
        sign_in_failures_per_account=100_000,
        sign_in_failures_per_address=100_000,
        sign_in_failures_per_username=100_000,
        unknown_codes_per_device=100_000,
        unknown_codes_per_account=100_000,
    )
    return load_settings(
        config=msgspec.structs.replace(config, rules=msgspec.structs.replace(config.rules, rate_limits=roomy)),
        database_url=database_url,
        secret_key=secrets.token_urlsafe(48),
        data_dir=tmp_path_factory.mktemp("data"),
        pool_max_size=10,
        smtp_host="127.0.0.1",
        smtp_port=smtp_sink.port,
        smtp_starttls=False,
        mail_poll_seconds=0.5,
        # the `client` fixture's base URL: the public origin cookie-borne writes must come from
        public_url=PUBLIC_URL,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    # Requests go to the app itself, not to `manager.app`: asgi-lifespan hands every
    # request the same lifespan-state dict, and Litestar caches parsed headers there.
    async with LifespanManager(application):
        conn = await db.connect(settings.database_url)  # type: ignore[arg-type]
        try:
            await loader.load(conn, settings)
        finally:
            await conn.close()
        yield application


PUBLIC_URL = "http://tbc.test"


@pytest.fixture(scope="session")
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL, timeout=60) as http:
        yield http


@pytest.fixture
async def conn(settings: Settings, app: Any) -> AsyncIterator[asyncpg.Connection]:
    """The test's own connection to the database the app uses."""
    connection = await db.connect(settings.database_url)  # type: ignore[arg-type]
    try:
        yield connection
    finally:
        await connection.close()


_tokens: dict[str, str] = {}


async def reject_review(client: httpx.AsyncClient, review_id: str, reason: str, user: str = "demo-ot-dordogne") -> None:
    """A reviewer (of `user`'s OT) refuses the proof held for review, with `reason`."""
    rejected = await client.post(
        f"/api/v1/review/proofs/{review_id}/reject", json={"reason": reason}, headers=await staff_headers(client, user)
    )
    assert rejected.status_code == 200, rejected.text


async def staff_headers(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    if username not in _tokens:
        response = await client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
        assert response.status_code == 200, response.text
        _tokens[username] = response.json()["access_token"]
    return {"Authorization": f"Bearer {_tokens[username]}"}


def trip_claim(
    *,
    travel_date: date | None = None,
    stop: str = "StopArea:OCE87613000",
    mode: str = "train",
    persons: int = 2,
    ticket_ref: str | None = None,
    line: str = "871234",
) -> dict[str, Any]:
    return {
        "mode": mode,
        "method": "declared_trip",
        "persons": persons,
        "evidence": {
            "date": (travel_date or lot_today()).isoformat(),
            "arrival_stop_id": stop,
            "arrival_time": "10:42",
            "line": line,
            "ticket_ref": ticket_ref or uuid.uuid4().hex[:8].upper(),
        },
    }


async def issue_pass(client: httpx.AsyncClient, **claim: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/claims", json=trip_claim(**claim))
    assert response.status_code == 201, response.text
    return response.json()["pass"]


def nonce() -> str:
    return uuid.uuid4().hex


async def end_pass(conn: asyncpg.Connection, code: str) -> datetime:
    """End a pass at the start of the Lot's day, as if its week were over: no claim
    gives a pass already expired. The pass must have arrived before today."""
    ended = datetime.combine(lot_today(), time(0), lot_zone()).astimezone(UTC)
    await conn.execute("UPDATE passes SET valid_until = $2 WHERE code = $1", code, ended)
    return ended


def days_ago(days: int) -> date:
    """The Lot's day `days` days ago (negative: ahead)."""
    return lot_today() - timedelta(days=days)


class SmtpSink:
    """aiosmtpd handler: every message received, parsed."""

    def __init__(self) -> None:
        self.port = 0
        self.messages: list[EmailMessage] = []
        # the sink's own chatter (envelopes, addresses) is the test's, not the service's log
        logging.getLogger("mail.log").setLevel(logging.WARNING)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]

    async def one_to(self, address: str, seconds: float = 10) -> EmailMessage:
        """The one message sent to `address`, waiting for the app's outbox to send it."""
        for _attempt in range(int(seconds * 10)):
            if self.to(address):
                break
            await asyncio.sleep(0.1)
        [message] = self.to(address)
        return message
