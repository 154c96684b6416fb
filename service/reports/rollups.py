"""The report rollups' pending events folded in (sql/018_report_events.sql).

A pass or a use appends one event in its own transaction; `report_fold` moves the events
into the rollups. A request that wrote some has, once it has answered, a fold begun after
its commit (`Folder`: concurrent requests share one; the client does not wait for it), so
that the pending events stay few; each server also folds every `report_fold_seconds`
what others left (a bulk load, a fold cut short). The reports read the rollups plus what
is still pending, so they are exact either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from service.core import db, metrics

log = logging.getLogger("service.reports")

# A request folds at most this many events of each kind (the oldest first): after a bulk
# load the background folder, not a visitor's request, moves the backlog.
REQUEST_BATCH = 1_000
BACKGROUND_BATCH = 50_000
# How long a request's fold waits for others to join it: one turn of the event loop, so
# that the requests that answered meanwhile join it. Waiting longer (2 ms was tried, when
# the fold came before the answer) only stalled the pipeline of folds — each request
# waits for the running fold, then for its own — and halved the scans a second at 32
# connections (docs/BENCHMARKS.md).
GATHER_SECONDS = 0.0


class Folder:
    """The requests' folds of one pool, shared: a request that wrote has, after its answer
    (service.core.observe.after_answer), a fold begun after its commit. A fold gathers for
    one turn of the event loop (`GATHER_SECONDS`) the requests that answer meanwhile, then
    runs once for them all on a connection of its own: under load one fold (one round trip,
    one pass over the rollup rows) serves many scans and claims."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._gathering: asyncio.Future[None] | None = None  # a fold not begun yet
        self._running: asyncio.Future[None] | None = None  # a fold begun, perhaps before our commit

    async def fold(self) -> None:
        """Return once a fold begun after this call has moved the pending events (up to a
        request's batch), run here when no fold is gathering; a failed or cut-short fold is
        logged, the next one (or the background folder) catches up."""
        if self._gathering is None and (running := self._running) is not None:
            await asyncio.shield(running)
        if (gathering := self._gathering) is not None:
            await asyncio.shield(gathering)
            return
        self._gathering = done = asyncio.get_running_loop().create_future()
        try:
            await asyncio.sleep(GATHER_SECONDS)
            self._gathering, self._running = None, done
            # not db.acquire: a fold is no request, and its failure no request's database error
            async with self._pool.acquire(timeout=db.ACQUIRE_TIMEOUT_SECONDS) as conn:
                await conn.fetchval("SELECT report_fold($1, true)", REQUEST_BATCH)
            metrics.REPORT_FOLDS.labels("request").inc()
        except asyncio.CancelledError:
            raise
        except Exception:  # the answer stands; the reports add what is still pending
            log.exception("report rollups: a request's fold failed")
        finally:
            if self._gathering is done:
                self._gathering = None
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
                while moved := await conn.fetchval("SELECT report_fold($1, false)", BACKGROUND_BATCH):
                    metrics.REPORT_FOLDS.labels("background").inc()
                    if moved < BACKGROUND_BATCH:
                        break
        except asyncio.CancelledError:
            raise
        except Exception:  # the folder must outlive a bad moment (database restart …)
            log.exception("report rollups: fold failed")


@contextlib.asynccontextmanager
async def folding(pool: asyncpg.Pool, every_seconds: float):  # type: ignore[no-untyped-def]
    """The requests' `Folder`, and the background folder for as long as the application runs."""
    task = asyncio.create_task(fold_in_background(pool, every_seconds), name="report-fold")
    try:
        yield Folder(pool)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
