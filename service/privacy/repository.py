"""SQL of retention: what personal or bulky data has outlived its purpose."""

from __future__ import annotations

import asyncpg

from service.core import ratelimit

EXPIRED_REVIEW_REASON = "not reviewed in time; please claim again"


async def close_stale_reviews(conn: asyncpg.Connection, days: int) -> int:
    """Pending manual proofs older than `days`: photo deleted, proof closed as rejected."""
    rows = await conn.fetch(
        """
        UPDATE proofs SET status = 'rejected', reviewed_at = now(), review_reason = $2
        WHERE status = 'pending' AND created_at < now() - make_interval(days => $1)
        RETURNING id
        """,
        days,
        EXPIRED_REVIEW_REASON,
    )
    await conn.execute("DELETE FROM proof_photos WHERE proof_id = ANY($1::bigint[])", [row["id"] for row in rows])
    return len(rows)


async def orphan_photos(conn: asyncpg.Connection) -> int:
    """Photos of proofs no longer pending (belt and braces: decisions delete them already)."""
    status = await conn.execute(
        "DELETE FROM proof_photos ph USING proofs p WHERE p.id = ph.proof_id AND p.status <> 'pending'"
    )
    return int(status.split()[-1])


async def forget_emails(conn: asyncpg.Connection, days: int) -> int:
    status = await conn.execute(
        "UPDATE passes SET email = NULL WHERE email IS NOT NULL AND valid_until < now() - make_interval(days => $1)",
        days,
    )
    await conn.execute("UPDATE proofs SET email = NULL WHERE email IS NOT NULL AND status <> 'pending'")
    return int(status.split()[-1])


async def old_scan_answers(conn: asyncpg.Connection, days: int) -> int:
    status = await conn.execute("DELETE FROM scan_requests WHERE received_at < now() - make_interval(days => $1)", days)
    return int(status.split()[-1])


async def old_scan_alerts(conn: asyncpg.Connection, days: int) -> int:
    """Alerts about scanners outlive the scans they are about no longer than their answers."""
    status = await conn.execute("DELETE FROM scan_alerts WHERE created_at < now() - make_interval(days => $1)", days)
    return int(status.split()[-1])


async def old_reuse_signatures(conn: asyncpg.Connection, days: int) -> int:
    """Rides' shapes and photos' perceptual hashes past the reuse window."""
    total = 0
    for table in ("ride_signatures", "photo_hashes"):
        status = await conn.execute(
            f"DELETE FROM {table} WHERE created_at < now() - make_interval(days => $1)",  # noqa: S608 (fixed names)
            days,
        )
        total += int(status.split()[-1])
    return total


async def old_rate_windows(conn: asyncpg.Connection) -> int:
    return await ratelimit.sweep(conn)


async def old_sign_in_traces(conn: asyncpg.Connection, days: int) -> int:
    """Signed-out tokens past their expiry, lockouts long over, account alerts past the scans' retention."""
    statuses = [
        await conn.execute("DELETE FROM ended_staff_tokens WHERE expires_at < now()"),
        await conn.execute(
            "DELETE FROM sign_in_lockouts WHERE coalesce(locked_until, first_failure_at) < now() - interval '1 day'"
        ),
        await conn.execute("DELETE FROM account_alerts WHERE created_at < now() - make_interval(days => $1)", days),
    ]
    return sum(int(status.split()[-1]) for status in statuses)


async def old_audit_entries(conn: asyncpg.Connection, days: int) -> int:
    """The audit trail past its retention: who did what, once nobody may ask any more."""
    status = await conn.execute("DELETE FROM audit_log WHERE at < now() - make_interval(days => $1)", days)
    return int(status.split()[-1])
