"""What the benchmarks share: a throw-away database, percentiles, goal checks."""

from __future__ import annotations

import asyncio
import os
from urllib.parse import urlsplit, urlunsplit

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
