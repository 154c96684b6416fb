"""The report rollups' pending events folded in (sql/018_report_events.sql).

A pass or a use appends one event in its own transaction; `report_fold` moves the events
into the rollups. Each request that wrote some waits, after its commit, for a fold that
began after it (`Folder`: concurrent requests share one), so that the rollups hold it
when the request answers; each server also folds every
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


class Folder:
    """The requests' folds of one pool, shared: a request that wrote waits for a fold begun
    after its commit, and the requests that commit while one fold runs share the next.
    Under load one fold serves many requests instead of one round trip (and one pass over
    the rollup rows) each; alone, a request still finds its writes folded when it answers."""

    def __init__(self) -> None:
        self._running: asyncio.Future[None] | None = None

    async def fold(self, conn: asyncpg.Connection) -> None:
        """Return once a fold begun after this call has moved the pending events (up to a
        request's batch), run on `conn` when no other is running; a failed fold is logged,
        the next one (or the background folder) catches up."""
        if (earlier := self._running) is not None:
            # it may have begun before our commit: wait for its end, then join or lead the next
            await asyncio.shield(earlier)
            if (later := self._running) is not None:
                await asyncio.shield(later)
                return
        self._running = done = asyncio.get_running_loop().create_future()
        try:
            await conn.fetchval("SELECT report_fold($1, true)", REQUEST_BATCH)
        except asyncio.CancelledError:
            raise
        except Exception:  # the answer stands; the reports add what is still pending
            log.exception("report rollups: a request's fold failed")
        finally:
            self._running = None
            done.set_result(None)


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
    """The requests' `Folder`, and the background folder for as long as the application runs."""
    task = asyncio.create_task(fold_in_background(pool, every_seconds), name="report-fold")
    try:
        yield Folder()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
