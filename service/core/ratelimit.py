"""Fixed-window rate limits shared by every process, counted in PostgreSQL.

Buckets are keyed by a hash of the client address, never the address itself.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import random
from datetime import datetime
from typing import NamedTuple

import asyncpg
from litestar.connection import ASGIConnection

from service.core.errors import Problem


@functools.lru_cache(maxsize=4096)
def client_digest(key: bytes, client: str, *parts: str) -> str:
    """A keyed hash of a client address (and `parts`): tells clients apart, names none. Kept
    in memory for the last ones asked: a desk or a proxy sends request after request from
    one address, and every request's access line and every limit count asks for it."""
    return hmac.new(key, "\0".join((client, *parts)).encode(), hashlib.sha256).hexdigest()[:24]


def client_bucket(kind: str, connection: ASGIConnection, key: bytes, *parts: str) -> str:
    """The bucket of the calling client (its address, as the trusted proxies report it),
    narrowed by `parts` (e.g. the username a client signs in as)."""
    client = connection.client.host if connection.client else "unknown"
    return f"{kind}:{client_digest(key, client, *parts)}"


class Count(NamedTuple):
    """One bucket's hits in its current window, this one included."""

    hits: int
    window_start: datetime
    retry_after: int  # seconds until the window closes


async def count(conn: asyncpg.Connection, bucket: str, window_seconds: int = 60) -> Count:
    """Count one hit in the bucket's current fixed window."""
    row = await conn.fetchrow(
        """
        INSERT INTO rate_limits (bucket, window_start, window_seconds, hits)
        VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), $2, 1)
        ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
        RETURNING hits, window_start,
                  ceil(extract(epoch FROM window_start + make_interval(secs => $2) - now()))::int AS retry_after
        """,
        bucket,
        window_seconds,
    )
    if row["hits"] == 1 and random.random() < 0.01:  # noqa: S311 (a sampling rate, not a secret)
        # windows long gone are dead weight; any process sweeps now and then
        await sweep(conn)
    return Count(row["hits"], row["window_start"], max(1, row["retry_after"]))


async def sweep(conn: asyncpg.Connection) -> int:
    """Delete the windows that ended more than an hour ago; returns how many."""
    status = await conn.execute(
        "DELETE FROM rate_limits WHERE window_start + make_interval(secs => window_seconds) < now() - interval '1 hour'"
    )
    return int(status.split()[-1])


async def give_back(conn: asyncpg.Connection, bucket: str, counted: Count) -> None:
    """Undo one counted hit (an attempt that turned out not to count, e.g. a good password)."""
    await conn.execute(
        "UPDATE rate_limits SET hits = hits - 1 WHERE bucket = $1 AND window_start = $2 AND hits > 0",
        bucket,
        counted.window_start,
    )


async def forget(conn: asyncpg.Connection, bucket: str) -> None:
    """Clear a bucket: its strikes no longer hold (e.g. the right password was given)."""
    await conn.execute("DELETE FROM rate_limits WHERE bucket = $1", bucket)


async def hit(conn: asyncpg.Connection, bucket: str, limit: int, window_seconds: int = 60) -> None:
    """Count one hit in the current window; 429 `rate_limited` past `limit`."""
    counted = await count(conn, bucket, window_seconds)
    if counted.hits > limit:
        raise Problem(429, "request.rate_limited", headers={"Retry-After": str(counted.retry_after)})
