"""GTFS import and trip lookup on a feed of realistic size.

Generates synthetic feeds (300 stops, 20 routes, 50 000 then 200 000 stop_times),
imports each in a child process into a fresh database, and reports the import
time and the child's peak RSS growth: a streaming import grows the same for both
sizes. Then times `find_arrival` on the 200 000-row feed against a plain
`SELECT 1` round trip on the same connection, so that the goals hold on any
machine. Run: `python -m bench.gtfs_import` (TEST_DATABASE_URL names a server,
else an embedded PostgreSQL is started under var/bench-postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from datetime import time as clock_time
from pathlib import Path

from bench._support import check_goals, fresh_database, percentile
from service.core import db
from service.core.clock import lot_today
from service.core.migrations import migrate
from service.settings import ROOT, load_config
from service.territory.repository import sync_territory
from service.timetables.importer import import_feed
from service.timetables.lookup import find_arrival
from tests.gtfs_factory import synthetic_tables, write_feed

DATABASE = "tbc_bench"
FEED_ID = "bench"
SIZES = (50_000, 200_000)
LOOKUPS = 300
TOLERANCE_MINUTES = 20

# Goals, as ratios so that they hold on a slow or a fast machine.
GOALS = {
    # the import is linear in the feed: 4× the rows (the second import also
    # deletes the first copy), at most 6× the time
    "import_time_ratio": 6.0,
    # memory does not follow stop_times: 4× the rows, well under 4× the RSS growth
    # (what grows is the index of trip ids kept to check references)
    "rss_growth_ratio": 2.5,
    # a lookup is three round trips (station keys, candidates, the trip's path)
    # and the planning of one of them
    "lookup_median_vs_select1": 50.0,
    "lookup_p95_vs_select1": 75.0,
}


def _peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


async def _measure_import(zip_path: Path, database_url: str) -> dict[str, float]:
    """In the child: one import, its time and how much it raised the peak RSS."""
    conn = await db.connect(database_url)
    try:
        await conn.fetchval("SELECT 1")
        before = _peak_rss_kib()
        summary = await import_feed(
            conn, zip_path, FEED_ID, boundary=load_config(ROOT / "config").territory.boundary.points
        )
        return {
            "seconds": summary.seconds,
            "stop_times": summary.stop_times,
            "rss_growth_mib": (_peak_rss_kib() - before) / 1024,
            "peak_rss_mib": _peak_rss_kib() / 1024,
        }
    finally:
        await conn.close()


def _import_in_child(zip_path: Path, database_url: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.gtfs_import", "--measure-import", str(zip_path), database_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


async def _prepare(database_url: str) -> None:
    conn = await db.connect(database_url)
    try:
        await migrate(conn)
        await sync_territory(conn, load_config(ROOT / "config").territory)
    finally:
        await conn.close()


async def _lookups(database_url: str) -> dict[str, float]:
    conn = await db.connect(database_url)
    try:
        # real arrivals of the feed, each on a day its monthly service runs (the 10th)
        samples = await conn.fetch(
            """
            SELECT st.stop_id, st.arrival_seconds, r.mode, coalesce(t.short_name, r.short_name) AS line,
                   substr(t.service_id, 2)::int AS month
            FROM gtfs_stop_times st
            JOIN gtfs_trips t ON t.feed_id = st.feed_id AND t.trip_id = st.trip_id
            JOIN gtfs_routes r ON r.feed_id = t.feed_id AND r.route_id = t.route_id
            WHERE st.feed_id = $1 AND st.arrival_seconds < 86400
            ORDER BY md5(st.trip_id || st.stop_sequence) LIMIT $2
            """,
            FEED_ID,
            LOOKUPS,
        )
        rng = random.Random(46)

        async def timed(sample, line: str) -> tuple[float, bool]:
            seconds = sample["arrival_seconds"] + rng.randint(-600, 600)
            seconds = min(max(seconds, 0), 86_399)
            started = time.perf_counter()
            match = await find_arrival(
                conn,
                stop_id=sample["stop_id"],
                service_date=date(2025, sample["month"], 10),
                line=line,
                arrival_time=clock_time(seconds // 3600, seconds // 60 % 60),
                tolerance_minutes=TOLERANCE_MINUTES,
                mode=sample["mode"],
            )
            return time.perf_counter() - started, match is not None

        for sample in samples[:20]:  # warm the caches and the prepared statements
            await timed(sample, sample["line"])
        hits = [await timed(sample, sample["line"]) for sample in samples]
        misses = [await timed(sample, "999999") for sample in samples[:100]]
        select_one = []
        for _ in range(LOOKUPS):
            started = time.perf_counter()
            await conn.fetchval("SELECT 1")
            select_one.append(time.perf_counter() - started)
    finally:
        await conn.close()
    hit_times = [seconds for seconds, _ in hits]
    round_trip = statistics.median(select_one)
    return {
        "lookups": len(hits),
        "found": sum(found for _, found in hits),
        "misses_found": sum(found for _, found in misses),
        "select1_median_ms": round_trip * 1000,
        "lookup_median_ms": statistics.median(hit_times) * 1000,
        "lookup_p95_ms": percentile(hit_times, 0.95) * 1000,
        "miss_median_ms": statistics.median(seconds for seconds, _ in misses) * 1000,
        "lookup_median_vs_select1": statistics.median(hit_times) / round_trip,
        "lookup_p95_vs_select1": percentile(hit_times, 0.95) / round_trip,
    }


def main() -> int:
    database_url, server = fresh_database(DATABASE)
    try:
        asyncio.run(_prepare(database_url))
        imports = {}
        with tempfile.TemporaryDirectory(prefix="gtfs-bench-") as directory:
            for size in SIZES:
                path = Path(directory) / f"synthetic-{size}.zip"
                started = time.perf_counter()
                write_feed(path, synthetic_tables(stop_time_count=size))
                took = time.perf_counter() - started
                print(f"generated {path.name} ({path.stat().st_size / 1e6:.1f} MB) in {took:.1f} s")
                # the second import replaces the first: the same feed id
                imports[size] = _import_in_child(path, database_url)
                print(f"imported {size} stop_times: {json.dumps(imports[size])}")
        lookups = asyncio.run(_lookups(database_url))
    finally:
        if server is not None:
            server.stop()
    small, large = (imports[size] for size in SIZES)
    results = {
        "import_time_ratio": large["seconds"] / small["seconds"],
        # a floor of 1 MiB keeps a near-zero small growth from making the ratio meaningless
        "rss_growth_ratio": max(large["rss_growth_mib"], 1.0) / max(small["rss_growth_mib"], 1.0),
        "lookup_median_vs_select1": lookups["lookup_median_vs_select1"],
        "lookup_p95_vs_select1": lookups["lookup_p95_vs_select1"],
    }
    print(f"lookups: {json.dumps({key: round(value, 3) for key, value in lookups.items()})}")
    print(f"\nGTFS import and trip lookup ({lot_today().isoformat()}, Python {sys.version.split()[0]})")
    for size in SIZES:
        figures = imports[size]
        print(
            f"  import {size:>7} stop_times: {figures['seconds']:6.2f} s "
            f"({size / figures['seconds']:,.0f} rows/s), peak RSS +{figures['rss_growth_mib']:.1f} MiB "
            f"(process peak {figures['peak_rss_mib']:.0f} MiB)"
        )
    print(
        f"  find_arrival: median {lookups['lookup_median_ms']:.2f} ms, p95 {lookups['lookup_p95_ms']:.2f} ms, "
        f"no match {lookups['miss_median_ms']:.2f} ms; SELECT 1 round trip {lookups['select1_median_ms']:.3f} ms; "
        f"{lookups['found']}/{lookups['lookups']} found"
    )
    failed = check_goals(results, GOALS)
    if lookups["found"] < lookups["lookups"] or lookups["misses_found"]:
        print("  MISS every real arrival is found and no wrong line matches")
        failed += 1
    return 1 if failed else 0


def _child(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--measure-import", nargs=2, metavar=("ZIP", "DATABASE_URL"), required=True)
    zip_path, database_url = parser.parse_args(argv).measure_import
    print(json.dumps(asyncio.run(_measure_import(Path(zip_path), database_url))))
    return 0


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1:]) if "--measure-import" in sys.argv else main())
