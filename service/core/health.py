"""Liveness and readiness probes for the orchestrator and the load balancer."""

from __future__ import annotations

import asyncio

import asyncpg
from litestar import get
from litestar.datastructures import State

from service.core.errors import Problem


@get("/health/live", tags=["health"], summary="The process answers")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@get("/health/ready", tags=["health"], summary="The database answers")
async def ready(state: State) -> dict[str, str]:
    pool: asyncpg.Pool = state.pool
    try:
        async with asyncio.timeout(2):
            async with pool.acquire() as conn:
                await conn.fetchval("SELECT 1")
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise Problem(503, "service.unavailable", headers={"Retry-After": "5"}) from exc
    return {"status": "ok"}
