"""What the server and the commands both need before their first piece of work: the
keys derived from the deployment secret, and a database prepared (schema, territory,
a usable signing key). The top floor with service.app and service.cli: it composes the
domains' preparation steps; commands receive it through service.core.commands."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

from service.core import db, migrations
from service.core.commands import CommandContext, CommandError
from service.core.secrets import DerivedKeys, derive_keys, load_or_create_secret
from service.reports import repository as reports_repository
from service.settings import Settings
from service.signing.service import Keyring, ensure_current_key
from service.territory import repository as territory_repository

T = TypeVar("T")


def settings_keys(settings: Settings) -> DerivedKeys:
    return derive_keys(settings.secret_key or load_or_create_secret(settings.data_dir))


async def prepare_database(settings: Settings, conn: db.Connection) -> Keyring:
    """Everything the database needs before the first request: schema, territory, a
    usable signing key. Returns the keyring, loaded."""
    await migrations.migrate(conn)
    await territory_repository.sync_territory(conn, settings.config.territory)
    await reports_repository.sync_timezone(conn, settings.config.territory.timezone)
    password = settings_keys(settings).key_encryption
    await ensure_current_key(conn, password)
    keyring = Keyring(password)
    await keyring.load(conn)
    return keyring


def with_connection(settings: Settings, work: Callable[[db.Connection], Awaitable[T]]) -> T:
    """Run `work` on one connection to the database (not prepared), from synchronous code."""
    import asyncpg

    async def run() -> T:
        try:
            conn = await db.connect(settings.database_url)  # type: ignore[arg-type]
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise CommandError(f"cannot reach the database ({_safe_url(settings.database_url)}): {exc}") from exc
        try:
            return await work(conn)
        finally:
            await conn.close()

    return asyncio.run(run())


def command_context(settings: Settings) -> CommandContext:
    def on_database(work: Callable[[db.Connection], Awaitable[T]]) -> T:
        async def prepared(conn: db.Connection) -> T:
            await prepare_database(settings, conn)
            return await work(conn)

        return with_connection(settings, prepared)

    return CommandContext(settings, on_database, lambda: settings_keys(settings))


def _safe_url(url: str | None) -> str:
    """The database URL without its password, fit for a message."""
    return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", url or "")
