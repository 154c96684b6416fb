"""SQL of the signing keys."""

from __future__ import annotations

import asyncpg

KEY_LOCK = 4_620_260_002


async def fetch_usable(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """The current key, and the older ones while a pass they signed is still valid."""
    return await conn.fetch(
        """
        SELECT k.kid, k.public_key, k.private_key, k.is_current FROM signing_keys k
        WHERE k.retired_at IS NULL
          AND (k.is_current OR EXISTS (SELECT 1 FROM passes p WHERE p.kid = k.kid AND p.valid_until > now()))
        ORDER BY k.created_at
        """
    )


async def all_keys(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(
        """
        SELECT k.kid, k.created_at, k.is_current, k.retired_at,
               (SELECT max(p.valid_until) FROM passes p WHERE p.kid = k.kid) AS last_pass_until
        FROM signing_keys k ORDER BY k.created_at
        """
    )


async def retire(conn: asyncpg.Connection, kid: str) -> str | None:
    """Retire a key that is not current; returns None if done, else why not."""
    row = await conn.fetchrow("SELECT is_current, retired_at FROM signing_keys WHERE kid = $1 FOR UPDATE", kid)
    if row is None:
        return "no such key"
    if row["is_current"]:
        return "it is the current key: rotate first"
    await conn.execute("UPDATE signing_keys SET retired_at = coalesce(retired_at, now()) WHERE kid = $1", kid)
    return None


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
