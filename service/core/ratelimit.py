"""Fixed-window rate limits shared by every process, counted in PostgreSQL.

Buckets are keyed by a hash of the client address, never the address itself.
"""

from __future__ import annotations

import hashlib
import hmac
import random

import asyncpg
from litestar.connection import ASGIConnection

from service.core.errors import Problem


def client_bucket(kind: str, connection: ASGIConnection, key: bytes) -> str:
    """The bucket of the calling client (its address, as the trusted proxies report it)."""
    client = connection.client.host if connection.client else "unknown"
    digest = hmac.new(key, client.encode(), hashlib.sha256).hexdigest()[:24]
    return f"{kind}:{digest}"


async def hit(conn: asyncpg.Connection, bucket: str, limit: int, window_seconds: int = 60) -> None:
    """Count one hit in the current window; 429 `rate_limited` past `limit`."""
    row = await conn.fetchrow(
        """
        INSERT INTO rate_limits (bucket, window_start, hits)
        VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
        ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
        RETURNING hits, ceil(extract(epoch FROM window_start + make_interval(secs => $2) - now()))::int AS retry_after
        """,
        bucket,
        window_seconds,
    )
    if row["hits"] == 1 and random.random() < 0.01:  # noqa: S311 (a sampling rate, not a secret)
        # windows long gone are dead weight; any process sweeps now and then
        await conn.execute("DELETE FROM rate_limits WHERE window_start < now() - interval '1 hour'")
    if row["hits"] > limit:
        raise Problem(429, "request.rate_limited", headers={"Retry-After": str(max(1, row["retry_after"]))})
