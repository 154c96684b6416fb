"""SQL of the signing keys."""

from __future__ import annotations

import asyncpg

KEY_LOCK = 4_620_260_002


async def fetch_usable(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT kid, public_key, private_key, is_current FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at"
    )


async def has_current(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM signing_keys WHERE is_current)"))


async def lock_keys(conn: asyncpg.Connection) -> None:
    """Serialise key creation and rotation across processes (inside a transaction)."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", KEY_LOCK)


async def insert_current(conn: asyncpg.Connection, kid: str, public: bytes, encrypted_private: str) -> None:
    await conn.execute("UPDATE signing_keys SET is_current = false WHERE is_current")
    await conn.execute(
        "INSERT INTO signing_keys (kid, public_key, private_key, is_current) VALUES ($1, $2, $3, true)",
        kid,
        public,
        encrypted_private,
    )
