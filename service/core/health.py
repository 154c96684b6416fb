"""Liveness and readiness probes for the orchestrator and the load balancer, and the
operator's metrics."""

from __future__ import annotations

import asyncio

import asyncpg
from litestar import Request, Response, get
from litestar.datastructures import State

from service.core import metrics
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


@get("/metrics", include_in_schema=False, sync_to_thread=False)
def scrape(request: Request, state: State) -> Response[bytes]:
    """For the operator's Prometheus, not for API clients nor the public: served to local
    scrapers or with the metrics token, else 404 `request.not_found` (nothing to see here)."""
    if not metrics.may_scrape(request, state.settings.metrics_token):
        raise Problem(404, "request.not_found")
    metrics.observe_pool(state.pool)
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE_LATEST)
