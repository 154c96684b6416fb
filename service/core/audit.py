"""The audit trail: who did what to which object, kept in `audit_log`."""

from __future__ import annotations

from typing import Any

import asyncpg


async def record(
    conn: asyncpg.Connection,
    action: str,
    object_type: str,
    object_id: str,
    *,
    actor: str = "system",
    actor_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        """
        INSERT INTO audit_log (actor_id, actor, action, object_type, object_id, details)
        VALUES ($1, $2, $3, $4, $5, $6)
        """,
        actor_id,
        actor,
        action,
        object_type,
        object_id,
        details or {},
    )
