"""SQL of bike attestations."""

from __future__ import annotations

from datetime import datetime

import asyncpg


async def insert(
    conn: asyncpg.Connection, code: str, site_id: str, account_id: int, persons: int, expires_at: datetime
) -> asyncpg.Record | None:
    """The new attestation, or None if `code` is taken (the caller draws another)."""
    return await conn.fetchrow(
        """
        INSERT INTO attestations (code, site_id, account_id, persons, expires_at)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (code) DO NOTHING
        RETURNING id, code, persons, created_at, expires_at
        """,
        code,
        site_id,
        account_id,
        persons,
        expires_at,
    )


async def by_code(conn: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """
        SELECT a.id, a.code, a.site_id, s.ot_id, a.persons, a.created_at, a.expires_at, a.used_at
        FROM attestations a JOIN sites s ON s.id = a.site_id
        WHERE a.code = $1
        """,
        code,
    )


async def mark_used(conn: asyncpg.Connection, code: str, proof_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "UPDATE attestations SET used_at = now(), proof_id = $2 WHERE code = $1 AND used_at IS NULL RETURNING true",
            code,
            proof_id,
        )
    )
