"""The audit trail: who did what to which object, kept in `audit_log`."""

from __future__ import annotations

from typing import Any, Protocol

import asyncpg


class Actor(Protocol):
    """Who acts, as the audit names them (a staff account)."""

    @property
    def id(self) -> int: ...
    @property
    def username(self) -> str: ...


_INSERT = """
INSERT INTO audit_log (actor_id, actor, action, object_type, object_id, details) VALUES ($1, $2, $3, $4, $5, $6)
"""


async def record(
    conn: asyncpg.Connection,
    action: str,
    object_type: str,
    object_id: str,
    *,
    by: Actor | None = None,
    actor: str = "system",
    details: dict[str, Any] | None = None,
) -> None:
    """`by` a staff account, or an `actor` without one ("cli", "sign-in", "system")."""
    actor_id, actor = (by.id, by.username) if by is not None else (None, actor)
    await conn.execute(_INSERT, actor_id, actor, action, object_type, object_id, details or {})
