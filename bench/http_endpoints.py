"""HTTP: a claim and a scan at a partner desk, against the same server's trivial endpoint.

A real `tbc serve` (uvicorn) on loopback, a fresh database, demo data. Each
endpoint is hit REQUESTS times, CONCURRENCY at once, by one httpx client; the
goals compare medians and 95th percentiles with `GET /health/live` measured in
the same run, so they hold on a slow or a fast machine.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import uuid

import httpx

from bench._support import check_goals, free_port, fresh_database, percentile, serve
from service.core.clock import lot_today

DATABASE = "tbc_bench_http"
REQUESTS = 400
CONCURRENCY = 8
PARTNER = "demo-partner-musee-henri-martin"

GOALS = {
    # a claim: validation, two lookups, two inserts in one transaction, an Ed25519 signature
    "claim_median_vs_live": 6.0,
    "claim_p95_vs_live": 8.0,
    # a scan: signature check, the staff account, the nonce, the pass, the site, one insert
    "redeem_median_vs_live": 6.0,
    "redeem_p95_vs_live": 8.0,
}


async def _timed(requests: list, concurrency: int) -> tuple[list[float], list[httpx.Response]]:
    """Run the request factories `concurrency` at a time; latencies in ms."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def one(make):  # type: ignore[no-untyped-def]
        async with gate:
            started = time.perf_counter()
            response = await make()
            latencies.append((time.perf_counter() - started) * 1000)
            return response

    responses = await asyncio.gather(*(one(make) for make in requests))
    return latencies, responses


def _claim(http: httpx.AsyncClient):  # type: ignore[no-untyped-def]
    body = {
        "mode": "train",
        "method": "declared_trip",
        "persons": 2,
        "evidence": {
            "date": lot_today().isoformat(),
            "arrival_stop_id": "StopArea:OCE87613000",
            "arrival_time": "10:42",
            "line": "871234",
            "ticket_ref": uuid.uuid4().hex[:10],
        },
    }
    return lambda: http.post("/api/v1/claims", json=body)


async def _measure(base_url: str) -> dict[str, list[float]]:
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as http:
        login = await http.post("/api/v1/auth/token", json={"username": PARTNER, "password": "demo"})
        desk = {"Authorization": f"Bearer {login.json()['access_token']}"}
        await _timed([lambda: http.get("/health/live") for _ in range(50)], CONCURRENCY)  # warm up
        live, _ = await _timed([lambda: http.get("/health/live") for _ in range(REQUESTS)], CONCURRENCY)
        claims, claimed = await _timed([_claim(http) for _ in range(REQUESTS)], CONCURRENCY)
        assert all(r.status_code == 201 for r in claimed), {r.status_code for r in claimed}
        tokens = [r.json()["pass"]["token"] for r in claimed]
        scans = [
            (
                lambda token=token: http.post(
                    "/api/v1/redemptions", json={"token": token, "nonce": uuid.uuid4().hex}, headers=desk
                )
            )
            for token in tokens
        ]
        redeems, redeemed = await _timed(scans, CONCURRENCY)
        assert all(r.status_code == 201 for r in redeemed), {r.status_code for r in redeemed}
    return {"live": live, "claim": claims, "redeem": redeems}


def main() -> int:
    database_url, server = fresh_database(DATABASE)
    try:
        with tempfile.TemporaryDirectory(prefix="tbc-bench-") as data_dir:
            port = free_port()
            process = serve(database_url, data_dir, port, demo=True)
            try:
                measures = asyncio.run(_measure(f"http://127.0.0.1:{port}"))
            finally:
                process.terminate()
                process.wait(timeout=30)
    finally:
        if server is not None:
            server.stop()
    live_median, live_p95 = percentile(measures["live"], 0.5), percentile(measures["live"], 0.95)
    print(f"HTTP endpoints ({lot_today().isoformat()}, {REQUESTS} requests, {CONCURRENCY} at once, one uvicorn worker)")
    results = {}
    for name, latencies in measures.items():
        median, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
        print(f"  {name:7} median {median:7.2f} ms   p95 {p95:7.2f} ms")
        if name != "live":
            results[f"{name}_median_vs_live"] = median / live_median
            results[f"{name}_p95_vs_live"] = p95 / live_p95
    return 1 if check_goals(results, GOALS) else 0


if __name__ == "__main__":
    sys.exit(main())
