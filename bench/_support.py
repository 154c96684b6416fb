"""What the benchmarks share: a throw-away database, percentiles, goal checks."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

from service.core import db
from service.settings import ROOT


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def fresh_database(name: str) -> tuple[str, db.EmbeddedPostgres | None]:
    """A new, empty database `name`: on TEST_DATABASE_URL's server, else on an embedded
    PostgreSQL under var/bench-postgres (returned, for the caller to stop)."""
    admin_url = os.environ.get("TEST_DATABASE_URL")
    server = None
    if not admin_url:
        server = db.EmbeddedPostgres(ROOT / "var" / "bench-postgres")
        admin_url = server.admin_url
    asyncio.run(db.ensure_database(admin_url, name, fresh=True))
    return with_database(admin_url, name), server


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def check_goals(results: dict[str, float], goals: dict[str, float]) -> int:
    """Print each goal against its measure; returns how many were missed."""
    missed = 0
    for goal, limit in goals.items():
        ok = results[goal] <= limit
        missed += not ok
        print(f"  {'ok  ' if ok else 'MISS'} {goal} = {results[goal]:.2f} (goal ≤ {limit})")
    return missed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def served(
    database_url: str, data_dir: str, *, demo: bool, env: dict[str, str] | None = None, workers: int = 1
) -> Iterator[str]:
    """A real `tbc serve` on a free loopback port while the block runs: its base URL."""
    with served_process(database_url, data_dir, demo=demo, env=env, workers=workers) as (base, _):
        yield base


@contextlib.contextmanager
def served_process(
    database_url: str, data_dir: str, *, demo: bool, env: dict[str, str] | None = None, workers: int = 1
) -> Iterator[tuple[str, int]]:
    """`served`, with the server's process id (its workers are its children)."""
    port = free_port()
    process = serve(database_url, data_dir, port, demo=demo, env=env, workers=workers)
    try:
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def serve(
    database_url: str, data_dir: str, port: int, *, demo: bool, env: dict[str, str] | None = None, workers: int = 1
) -> subprocess.Popen:
    """A real `tbc serve` (one uvicorn worker unless told) on loopback, once it answers ready.
    It logs as in production (INFO: an access line a request), to /dev/null."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TBC_DATA_DIR": data_dir,
        "TBC_LOG_LEVEL": "INFO",
        "TBC_LOG_FORMAT": "json",
        **(env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", *(["--demo"] if demo else []), "--port", str(port)]
        + ["--workers", str(workers)],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return ready(process, port)


def ready(process: subprocess.Popen, port: int, seconds: float = 90, path: str = "/health/ready") -> subprocess.Popen:
    """`process` once the server on `port` answers 200 at `path`; killed if it does not in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the server on port {port} did not become ready")


_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[str, int, int]]:
    """Every process of this machine: (name, parent, CPU ticks used), from /proc."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                line = stat.read()
        except OSError:  # gone meanwhile
            continue
        name, rest = line[line.index("(") + 1 : line.rindex(")")], line[line.rindex(")") + 2 :].split()
        found[int(entry.name)] = (name, int(rest[1]), int(rest[11]) + int(rest[12]))
    return found


def cpu_seconds(server_pid: int | None) -> tuple[float, float]:
    """CPU seconds used so far by the server (its process and descendants; 0 without one)
    and by this machine's PostgreSQL processes (0 when the database is elsewhere)."""
    processes = _processes()
    tree, grown = ({server_pid} if server_pid is not None else set()), server_pid is not None
    while grown:
        children = {pid for pid, (_, parent, _) in processes.items() if parent in tree} - tree
        tree |= children
        grown = bool(children)
    server = sum(processes[pid][2] for pid in tree if pid in processes)
    database = sum(ticks for name, _, ticks in processes.values() if name == "postgres")
    return server / _TICKS_PER_SECOND, database / _TICKS_PER_SECOND


async def admit_first_use(
    conn: asyncpg.Connection, pass_id: int, site_id: str, account_id: int, nonce: str
) -> dict[str, Any] | None:
    """A scan's writing statement as the load bench runs it without the scan around it
    (`redemptions.repository.admit`: two persons in, the answer stored under `nonce`): the
    answer, None if the pass was in at that site already."""
    from service.redemptions import repository

    return await repository.admit(
        conn,
        pass_id=pass_id,
        site_id=site_id,
        account_id=account_id,
        device="bench",
        device_id=None,
        persons=2,
        most=2,
        source="online",
        scanned_at=None,
        nonce=nonce,
        answer=('{"status":"ok","redemption":', "}"),
    )
