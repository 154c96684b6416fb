"""SQL of staff accounts."""

from __future__ import annotations

import asyncpg

_COLUMNS = "id, username, password_hash, role, ot_id, site_id, active"


async def by_username(conn: asyncpg.Connection, username: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_COLUMNS} FROM staff_accounts WHERE username = $1", username)


async def active_by_id(conn: asyncpg.Connection, account_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_COLUMNS} FROM staff_accounts WHERE id = $1 AND active", account_id)


async def touch_login(conn: asyncpg.Connection, account_id: int) -> None:
    await conn.execute("UPDATE staff_accounts SET last_login_at = now() WHERE id = $1", account_id)


async def upsert(
    conn: asyncpg.Connection, username: str, password_hash: str, role: str, ot_id: str | None, site_id: str | None
) -> tuple[int, bool]:
    """Create the account, or update it in place; returns (id, created)."""
    row = await conn.fetchrow(
        """
        INSERT INTO staff_accounts (username, password_hash, role, ot_id, site_id)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (username) DO UPDATE
            SET password_hash = EXCLUDED.password_hash, role = EXCLUDED.role,
                ot_id = EXCLUDED.ot_id, site_id = EXCLUDED.site_id, active = true
        RETURNING id, (xmax = 0) AS created
        """,
        username,
        password_hash,
        role,
        ot_id,
        site_id,
    )
    return row["id"], row["created"]


async def existing_usernames(conn: asyncpg.Connection, usernames: list[str]) -> set[str]:
    rows = await conn.fetch("SELECT username FROM staff_accounts WHERE username = ANY($1::text[])", usernames)
    return {row["username"] for row in rows}


async def active_device(conn: asyncpg.Connection, device_id: int, account_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT id, name FROM devices WHERE id = $1 AND account_id = $2 AND active", device_id, account_id
    )


async def add_device(conn: asyncpg.Connection, account_id: int, name: str) -> asyncpg.Record | None:
    """The new device, or None when the account already has one of that name."""
    return await conn.fetchrow(
        """
        INSERT INTO devices (account_id, name) VALUES ($1, $2)
        ON CONFLICT (account_id, name) DO NOTHING
        RETURNING id, name, active, created_at
        """,
        account_id,
        name,
    )


async def devices_of(conn: asyncpg.Connection, account_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        """
        SELECT d.id, d.name, d.active, d.created_at,
               (SELECT max(r.redeemed_at) FROM redemptions r WHERE r.device_id = d.id) AS last_scan_at
        FROM devices d WHERE d.account_id = $1 ORDER BY d.created_at
        """,
        account_id,
    )


async def disable_device(conn: asyncpg.Connection, device_id: int, account_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "UPDATE devices SET active = false WHERE id = $1 AND account_id = $2 RETURNING id, name, active, created_at",
        device_id,
        account_id,
    )
