"""A bare Litestar app (no middleware, no request class, no hooks, no guard) that the
service is measured against (bench/http_load.py), with two routes:

- the service's `GET /health/live`: what the service's own stack costs;
- `POST /floor`, whose whole work is a scan's writing statement
  (`redemptions.repository.admit`: the use and its answer under a nonce, rollup triggers
  included) on a pool connection, for the pass and site its JSON body names: the least
  any scan over HTTP can cost on this machine — no token, no account check, no facts
  read, no rules, no fold, no log line.

Served with `python -m bench._bare_app PORT DATABASE_URL`, with the same uvicorn options
as `tbc serve`.
"""

from __future__ import annotations

import sys

import asyncpg
import msgspec
import uvicorn
from litestar import Litestar, Request, Response, post

from bench._support import admit_first_use
from service.core import db
from service.core.health import live
from service.core.http11 import ProblemH11Protocol


class _Use(msgspec.Struct, forbid_unknown_fields=True):
    pass_id: int
    site_id: str
    nonce: str


class _Database:
    """The floor's pool, and the staff account its uses are recorded under."""

    pool: asyncpg.Pool
    account: int


def bare_app(database_url: str) -> Litestar:
    """The bare route and the scan's floor, on a pool the size of the service's."""
    database = _Database()

    async def start() -> None:
        database.pool = await db.create_pool(database_url, min_size=10, max_size=10)
        database.account = await database.pool.fetchval("SELECT id FROM staff_accounts ORDER BY id LIMIT 1")

    async def stop() -> None:
        await database.pool.close()

    @post("/floor", status_code=201)
    async def floor(request: Request) -> Response[bytes]:
        use = msgspec.json.decode(await request.body(), type=_Use)
        async with database.pool.acquire() as conn:
            answer = await admit_first_use(conn, use.pass_id, use.site_id, database.account, use.nonce)
        if answer is None:  # the pass was in at that site already: a broken bench
            return Response(b'{"code":"floor.used"}', media_type="application/json", status_code=409)
        return Response(msgspec.json.encode(answer), media_type="application/json", status_code=201)

    return Litestar(
        route_handlers=[live, floor], on_startup=[start], on_shutdown=[stop], debug=False, logging_config=None
    )


def main() -> int:
    port = int(sys.argv[1])
    uvicorn.run(
        bare_app(sys.argv[2]), host="127.0.0.1", port=port, log_config=None, access_log=False, http=ProblemH11Protocol
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
