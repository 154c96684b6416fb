"""The report rollups' pending events folded in (sql/018_report_events.sql).

A pass or a use appends one event in its own transaction; `fold` moves the events into
the rollups. Each request that wrote some folds right after its commit, so that the
rollups hold it when the request answers; each server also folds every
`report_fold_seconds` what others left (a bulk load, a fold cut short). The reports read
the rollups plus what is still pending, so they are exact either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

log = logging.getLogger("service.reports")

# A request folds at most this many events of each kind (the oldest first): after a bulk
# load the background folder, not a visitor's request, moves the backlog.
REQUEST_BATCH = 1_000
BACKGROUND_BATCH = 50_000


async def fold(conn: asyncpg.Connection) -> int:
    """Fold what is pending after this connection's transaction committed, waiting for a
    folder at work (whose batch may not hold this request's events). The events moved."""
    return await conn.fetchval("SELECT report_fold($1, true)", REQUEST_BATCH)


async def fold_all(conn: asyncpg.Connection) -> int:
    """Fold every pending event (a check, a command): the events moved."""
    total = 0
    while moved := await conn.fetchval("SELECT report_fold($1, true)", BACKGROUND_BATCH):
        total += moved
    return total


async def fold_in_background(pool: asyncpg.Pool, every_seconds: float) -> None:
    """The server's folder: every `every_seconds`, what is pending, unless another folder is
    at work (it will be folded then, or next time)."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            async with pool.acquire() as conn:
                while await conn.fetchval("SELECT report_fold($1, false)", BACKGROUND_BATCH) >= BACKGROUND_BATCH:
                    pass
        except asyncio.CancelledError:
            raise
        except Exception:  # the folder must outlive a bad moment (database restart …)
            log.exception("report rollups: fold failed")


@contextlib.asynccontextmanager
async def folding(pool: asyncpg.Pool, every_seconds: float):  # type: ignore[no-untyped-def]
    """The background folder for as long as the application runs."""
    task = asyncio.create_task(fold_in_background(pool, every_seconds), name="report-fold")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
