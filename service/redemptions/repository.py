"""SQL of redemptions and of the scan idempotency record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg


async def claim_nonce(conn: asyncpg.Connection, site_id: str, nonce: str, account_id: int) -> bool:
    """True when this request is the first with `nonce` at the site.

    A concurrent request with the same nonce waits here until the first commits,
    then finds its answer.
    """
    return bool(
        await conn.fetchval(
            """
            INSERT INTO scan_requests (site_id, nonce, account_id) VALUES ($1, $2, $3)
            ON CONFLICT (site_id, nonce) DO NOTHING RETURNING true
            """,
            site_id,
            nonce,
            account_id,
        )
    )


async def stored_answer(conn: asyncpg.Connection, site_id: str, nonce: str) -> tuple[int, dict[str, Any]]:
    row = await conn.fetchrow(
        "SELECT status_code, response FROM scan_requests WHERE site_id = $1 AND nonce = $2", site_id, nonce
    )
    return row["status_code"], row["response"]


async def store_answer(
    conn: asyncpg.Connection, site_id: str, nonce: str, status: int, response: dict[str, Any]
) -> None:
    await conn.execute(
        "UPDATE scan_requests SET status_code = $3, response = $4 WHERE site_id = $1 AND nonce = $2",
        site_id,
        nonce,
        status,
        response,
    )


async def insert(
    conn: asyncpg.Connection,
    *,
    pass_id: int,
    site_id: str,
    account_id: int,
    device: str,
    device_id: int | None,
    persons: int,
    source: str,
    scanned_at: datetime | None,
) -> asyncpg.Record | None:
    """The new redemption, or None when the pass was already used at the site."""
    return await conn.fetchrow(
        """
        INSERT INTO redemptions (pass_id, site_id, account_id, device, device_id, persons, source, scanned_at)
        VALUES ($1, $2, $3, $4, $8, $5, $6, $7)
        ON CONFLICT (pass_id, site_id) DO NOTHING
        RETURNING id, site_id, persons, redeemed_at, scanned_at
        """,
        pass_id,
        site_id,
        account_id,
        device,
        persons,
        source,
        scanned_at,
        device_id,
    )


async def existing(conn: asyncpg.Connection, pass_id: int, site_id: str) -> asyncpg.Record:
    return await conn.fetchrow(
        "SELECT id, redeemed_at, device, persons FROM redemptions WHERE pass_id = $1 AND site_id = $2", pass_id, site_id
    )


async def active_booking(conn: asyncpg.Connection, pass_id: int, site_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """
        SELECT b.id, b.slot_id, b.persons, sl.starts_at, sl.ends_at
        FROM bookings b JOIN slots sl ON sl.id = b.slot_id
        WHERE b.pass_id = $1 AND b.site_id = $2 AND b.cancelled_at IS NULL
        """,
        pass_id,
        site_id,
    )


async def insert_conflict(
    conn: asyncpg.Connection,
    *,
    redemption_id: int,
    account_id: int,
    device: str,
    device_id: int | None,
    persons: int,
    scanned_at: datetime | None,
) -> None:
    await conn.execute(
        """
        INSERT INTO redemption_conflicts (redemption_id, account_id, device, device_id, persons, scanned_at)
        VALUES ($1, $2, $3, $4, $5, $6)
        """,
        redemption_id,
        account_id,
        device,
        device_id,
        persons,
        scanned_at,
    )


async def conflicts(
    conn: asyncpg.Connection, ot_id: str | None, limit: int, site_id: str | None = None
) -> list[asyncpg.Record]:
    return await conn.fetch(
        """
        SELECT c.id, p.code, r.site_id, r.device AS first_device, r.scanned_at AS first_scanned_at,
               r.redeemed_at AS first_redeemed_at, c.device, c.scanned_at, c.received_at, c.persons
        FROM redemption_conflicts c
        JOIN redemptions r ON r.id = c.redemption_id
        JOIN passes p ON p.id = r.pass_id
        JOIN sites s ON s.id = r.site_id
        WHERE c.resolved_at IS NULL AND ($1::text IS NULL OR s.ot_id = $1) AND ($3::text IS NULL OR r.site_id = $3)
        ORDER BY c.received_at DESC
        LIMIT $2
        """,
        ot_id,
        limit,
        site_id,
    )
