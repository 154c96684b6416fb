"""SQL of staff accounts."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

_COLUMNS = "id, username, password_hash, role, ot_id, site_id, active, credential_version"


async def by_username(conn: asyncpg.Connection, username: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_COLUMNS} FROM staff_accounts WHERE username = $1", username)


async def authenticated(
    conn: asyncpg.Connection, account_id: int, device_id: int | None, version: int, token_id: uuid.UUID | None
) -> asyncpg.Record | None:
    """The account a token speaks for, with its device, in one round trip: None unless the
    account is active at the token's credential version, the device (if any) is active, and
    the token was not signed out."""
    return await conn.fetchrow(
        """
        SELECT a.id, a.username, a.role, a.ot_id, a.site_id, d.id AS device_id, d.name AS device_name
        FROM staff_accounts a
        LEFT JOIN devices d ON d.id = $2 AND d.account_id = a.id AND d.active
        WHERE a.id = $1 AND a.active AND a.credential_version = $3
          AND ($2::bigint IS NULL OR d.id IS NOT NULL)
          AND NOT EXISTS (SELECT 1 FROM ended_staff_tokens e WHERE e.token_id = $4)
        """,
        account_id,
        device_id,
        version,
        token_id,
    )


async def end_token(conn: asyncpg.Connection, token_id: uuid.UUID, expires_at: datetime) -> None:
    """A signed-out token, refused from now on (kept until it would have expired anyway)."""
    await conn.execute(
        "INSERT INTO ended_staff_tokens (token_id, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        token_id,
        expires_at,
    )


async def end_every_token(conn: asyncpg.Connection, account_id: int) -> bool:
    """Sign the account out everywhere (its devices' tokens too); False when there is no such account."""
    status = await conn.execute(
        "UPDATE staff_accounts SET credential_version = credential_version + 1 WHERE id = $1", account_id
    )
    return status == "UPDATE 1"


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


async def count_sign_in_attempt(conn: asyncpg.Connection, username: str, window_seconds: int) -> asyncpg.Record:
    """Count one attempt at `username` from any address (before its password is checked, so
    parallel guesses cannot slip past): its failures in the window, and seconds still locked (0: not)."""
    return await conn.fetchrow(
        """
        INSERT INTO sign_in_lockouts AS l (username, failures) VALUES ($1, 1)
        ON CONFLICT (username) DO UPDATE SET
            failures = CASE WHEN l.locked_until > now() THEN l.failures
                            WHEN l.first_failure_at < now() - make_interval(secs => $2) THEN 1
                            ELSE l.failures + 1 END,
            first_failure_at = CASE WHEN l.locked_until > now() THEN l.first_failure_at
                                    WHEN l.first_failure_at < now() - make_interval(secs => $2) THEN now()
                                    ELSE l.first_failure_at END
        RETURNING failures, greatest(0, ceil(extract(epoch FROM l.locked_until - now())))::int AS locked_for
        """,
        username,
        window_seconds,
    )


async def lock_sign_in(
    conn: asyncpg.Connection, username: str, base_seconds: int, max_seconds: int
) -> asyncpg.Record | None:
    """Lock `username` for base × 2^(lockouts in a row), at most `max_seconds`; None when a
    concurrent attempt locked it first (so one lockout is counted and alerted once)."""
    return await conn.fetchrow(
        """
        UPDATE sign_in_lockouts
        SET lockouts = lockouts + 1, failures = 0, first_failure_at = now(),
            locked_until = now() + make_interval(secs => least($3, $2 * power(2, lockouts)))
        WHERE username = $1 AND (locked_until IS NULL OR locked_until <= now())
        RETURNING lockouts, locked_until, ceil(extract(epoch FROM locked_until - now()))::int AS locked_for
        """,
        username,
        base_seconds,
        max_seconds,
    )


async def clear_sign_in_failures(conn: asyncpg.Connection, username: str) -> None:
    """The right password: this attempt was no failure, and the lockouts in a row end (the
    failures others made from elsewhere still count, until their window ends)."""
    await conn.execute(
        "UPDATE sign_in_lockouts SET failures = greatest(0, failures - 1), lockouts = 0 WHERE username = $1", username
    )


async def alert_lockout(conn: asyncpg.Connection, username: str, details: dict[str, object]) -> None:
    """Tell the account's OT (its own, or its site's) that the account was locked."""
    await conn.execute(
        """
        INSERT INTO account_alerts (kind, account_id, ot_id, details)
        SELECT 'sign_in_locked', a.id, coalesce(a.ot_id, s.ot_id), $2
        FROM staff_accounts a LEFT JOIN sites s ON s.id = a.site_id
        WHERE a.username = $1
        """,
        username,
        details,
    )


async def account_alerts(conn: asyncpg.Connection, ot_id: str | None, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        """
        SELECT x.id, x.kind, a.username, a.role, x.ot_id, x.details, x.created_at
        FROM account_alerts x JOIN staff_accounts a ON a.id = x.account_id
        WHERE $1::text IS NULL OR x.ot_id = $1
        ORDER BY x.created_at DESC, x.id DESC
        LIMIT $2
        """,
        ot_id,
        limit,
    )
