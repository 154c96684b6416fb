"""Tests run against a real PostgreSQL and the real ASGI app.

The database is the embedded one under `var/test-postgres` unless
TEST_DATABASE_URL names a server (its user must be allowed to create databases).
The app is driven in the tests' own event loop through httpx's ASGI transport,
with its lifespan run by asgi-lifespan; tests that look at the database use
their own connection, never the app's pool.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
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
from service.demo import loader
from service.settings import ROOT, Settings, load_config, load_settings
from tests.helpers import PUBLIC_URL, TEST_DATABASE, TEST_PGDATA, SmtpSink


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
def wallet_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Throw-away Apple and Google wallet accounts (tests/wallet_factory.py): the TBC_WALLET_*
    variables, `ca` and `google_public`."""
    from tests import wallet_factory

    return wallet_factory.make(tmp_path_factory.mktemp("wallet"))


@pytest.fixture(scope="session")
def wallets(wallet_env: dict[str, str]) -> Any:
    from service.wallet import credentials

    return credentials.load(wallet_env)


@pytest.fixture(scope="session")
async def app(settings: Settings, wallets: Any) -> AsyncIterator[Any]:
    application = create_app(settings, wallets)
    # Requests go to the app itself, not to `manager.app`: asgi-lifespan hands every
    # request the same lifespan-state dict, and Litestar caches parsed headers there.
    async with LifespanManager(application):
        conn = await db.connect(settings.database_url)  # type: ignore[arg-type]
        try:
            await loader.load(conn, settings)
        finally:
            await conn.close()
        yield application


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
