"""Prometheus metrics, served at `/metrics` in the text exposition format.

One registry per process (prometheus-client's default): each `tbc serve` process is
scraped on its own and Prometheus sums them (docs/OPERATIONS.md says why). The workers
of one `tbc serve --workers N` share a port, so they share their counts instead
(prometheus-client's multiprocess mode, in the directory `PROMETHEUS_MULTIPROC_DIR`
that `tbc serve` empties at start): any worker's `/metrics` answers for all.
Labels are bounded: route templates (never paths), status codes, outcome codes.
"""

from __future__ import annotations

import hmac
import ipaddress
import os

from litestar import Request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

__all__ = ["CONTENT_TYPE_LATEST", "REGISTRY", "generate_latest"]

REQUESTS = Counter(
    "tbc_http_requests", "HTTP requests answered, by route template and status", ["method", "route", "status"]
)
LATENCY = Histogram(
    "tbc_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CLAIMS = Counter("tbc_claims", "Claims by outcome: issued, pending_review, or the refusal's code", ["outcome"])
REDEMPTIONS = Counter(
    "tbc_redemptions",
    "Scans by outcome (ok, replayed, or the refusal's code) and source (online, sync)",
    ["outcome", "source"],
)
REPORT_FOLDS = Counter(
    "tbc_report_folds",
    "Folds of the report rollups' pending events, run for requests (shared by those that wrote meanwhile) "
    "or by the server's own folder",
    ["by"],
)
# with several workers: the sum over the live ones
POOL_IN_USE = Gauge(
    "tbc_db_pool_connections_in_use", "Database connections lent to requests", multiprocess_mode="livesum"
)
POOL_SIZE = Gauge("tbc_db_pool_connections", "Database connections open in the pool", multiprocess_mode="livesum")
DATABASE_ERRORS = Counter(
    "tbc_database_errors",
    "Requests the database failed: unreachable (no connection to be had) or connection_lost (cut mid-request)",
    ["kind"],
)

# A request that matched no route is counted under this label, not its path.
UNMATCHED_ROUTE = "unmatched"


# The labelled children of the request metrics, by their labels: `labels()` takes a lock
# and builds a key each time, and a route has few (method, status) pairs.
_REQUEST_CHILDREN: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """One request answered: counted by route and status, timed by route."""
    children = _REQUEST_CHILDREN.get((method, route, status))
    if children is None:
        children = (REQUESTS.labels(method, route, str(status)), LATENCY.labels(method, route))
        _REQUEST_CHILDREN[(method, route, status)] = children
    children[0].inc()
    children[1].observe(seconds)


def exposition() -> bytes:
    """What `/metrics` answers: this process's metrics, or all the workers' (multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def worker_stopped() -> None:
    """A worker's end: its live gauges leave the sums (its counters stay counted)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(os.getpid())


def observe_pool(pool: object) -> None:
    """Record how many of the pool's connections are open and lent (asyncpg.Pool)."""
    size, idle = pool.get_size(), pool.get_idle_size()  # type: ignore[attr-defined]
    POOL_SIZE.set(size)
    POOL_IN_USE.set(size - idle)


# What came through a proxy names the client it forwards: such a request is never "local".
_FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


def may_scrape(request: Request, token: str | None) -> bool:
    """A scraper on this machine (a loopback address, not a request forwarded by a proxy),
    or anyone presenting the configured metrics token (`TBC_METRICS_TOKEN`)."""
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if given and hmac.compare_digest(given.encode(), token.encode()):
            return True
    if any(name in request.headers for name in _FORWARDING_HEADERS):
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
