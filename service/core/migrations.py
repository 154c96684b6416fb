"""Numbered plain-SQL migrations from `sql/`, applied in order.

Each file runs in its own transaction and is recorded with its checksum; the
whole run holds a PostgreSQL advisory lock so that processes starting together
apply each file once. An applied file that was edited since is refused.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from service.settings import ROOT

log = logging.getLogger("service.migrations")

SQL_DIR = ROOT / "sql"
# An arbitrary constant shared by every process of this service.
ADVISORY_LOCK_KEY = 4_620_260_001
_NAME = re.compile(r"^(\d{3,})_([a-z0-9_]+)\.sql$")


class MigrationError(Exception):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path
    checksum: str

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def discover(directory: Path = SQL_DIR) -> list[Migration]:
    migrations: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path}: migration files are named NNN_name.sql")
        migrations.append(Migration(int(match[1]), match[2], path, hashlib.sha256(path.read_bytes()).hexdigest()))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"{directory}: two migrations share a number")
    return sorted(migrations, key=lambda m: m.version)


async def migrate(conn: asyncpg.Connection, directory: Path = SQL_DIR) -> list[Migration]:
    """Apply the pending migrations; returns those applied by this call."""
    migrations = discover(directory)
    applied_now: list[Migration] = []
    await conn.execute("SELECT pg_advisory_lock($1)", ADVISORY_LOCK_KEY)
    try:
        await conn.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer PRIMARY KEY,
                name        text NOT NULL,
                checksum    text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        done = {
            row["version"]: row for row in await conn.fetch("SELECT version, name, checksum FROM schema_migrations")
        }
        known = {m.version for m in migrations}
        for version in sorted(set(done) - known):
            log.warning("the database has migration %03d (%s), unknown to this code", version, done[version]["name"])
        for migration in migrations:
            previous = done.get(migration.version)
            if previous is not None:
                if previous["checksum"] != migration.checksum:
                    raise MigrationError(
                        f"{migration.path.name} was edited after it was applied "
                        f"(checksum {previous['checksum'][:12]}… in the database, {migration.checksum[:12]}… on disk); "
                        "restore it and add a new numbered migration instead"
                    )
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            log.info("applied migration %s", migration.path.name)
            applied_now.append(migration)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", ADVISORY_LOCK_KEY)
    return applied_now
