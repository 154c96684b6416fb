"""The OT reports on a whole season: 300 000 passes, 1 000 000 uses, 5 OTs, 40 sites.

The season is generated in PostgreSQL (generate_series) in one bulk-load transaction
(`reports.repository.bulk_load`, as `tbc load-history` does): no rollup work per row,
the rollups rebuilt from it once at the end. A real `tbc serve` answers the dashboard's two requests —
the key figures and every breakdown at once — for the department (pilot) and for
one OT, REQUESTS times each, one at a time. Beside each 95th percentile is the
median of a bare `SELECT count(*)` over the same rows (the scope's passes of the
period plus the uses at its sites), measured in the same run.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench._support import check_goals, fresh_database, percentile, served
from service.accounts import repository as accounts
from service.accounts.passwords import hash_password
from service.core import db
from service.core.clock import local_date, season_start
from service.reports import repository as reports_repository
from service.runtime import prepare_database
from service.settings import load_settings

DATABASE = "tbc_bench_reports"
PASSES = 300_000
USES = 1_000_000
SITES = 40
USED_SHARE = 0.7  # passes used at least once
REQUESTS = 100
OT = "cahors"
PASSWORD = "bench-password-not-secret"  # noqa: S105 (a throw-away database)

GOALS = {
    "department figures p95 ms": 250.0,
    "department breakdowns p95 ms": 250.0,
    "ot figures p95 ms": 250.0,
    "ot breakdowns p95 ms": 250.0,
    # one partner site's figures, from the rollups too (issue 23: as fast as the OT's)
    "site figures p95 ms": 250.0,
    "site breakdowns p95 ms": 250.0,
}

# 32 symbols of the pass codes; a code is the row number written in base 32.
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_CODE = " || ".join(f"substr('{_ALPHABET}', ((g >> {5 * k}) & 31)::int + 1, 1)" for k in range(10))


async def _generate(conn: db.Connection, kid: str) -> None:
    """A season: passes over the past 365 days, uses in the days after each."""
    used = int(PASSES * USED_SHARE)
    started = time.perf_counter()
    # a bulk load: no rollup work per row, the rollups rebuilt once at the end
    async with reports_repository.bulk_load(conn):
        await conn.execute(
            """
            INSERT INTO sites (id, ot_id, name, lat, lon, modes, proof_max_age_days, min_confidence)
            SELECT 'bench-site-' || lpad(k::text, 2, '0'), o.id, 'Site ' || k, 44.5, 1.6,
                   ARRAY['train', 'bus', 'bike'], 7, 'plausible'
            FROM generate_series(0, $1 - 1) k
            JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM ots) o ON o.n = k % 5
            """,
            SITES,
        )
        await conn.execute(
            """
            INSERT INTO staff_accounts (username, password_hash, role, site_id)
            SELECT 'bench-desk-' || id, 'x', 'partner', id FROM sites WHERE id LIKE 'bench-site-%'
            """
        )
        # arrival: one of the known stops (its OT is the pass's), or a bike arrival by track
        await conn.execute(
            """
            CREATE TEMP TABLE bench_stops ON COMMIT DROP AS
            SELECT id, mode, ot_id, row_number() OVER (ORDER BY id) - 1 AS n FROM stops WHERE ot_id IS NOT NULL
            """
        )
        stop_count = await conn.fetchval("SELECT count(*) FROM bench_stops")
        await conn.execute(
            f"""
            INSERT INTO proofs (method, mode, fingerprint, confidence, status, arrival_date, arrival_stop_id,
                                persons, ot_id, created_at)
            SELECT CASE WHEN g % 10 = 0 THEN 'gpx' WHEN g % 10 = 1 AND s.mode = 'train' THEN 'rail_barcode'
                        ELSE 'declared_trip' END,
                   CASE WHEN g % 10 = 0 THEN 'bike' ELSE s.mode END,
                   sha256(convert_to('bench-' || g, 'UTF8')),
                   CASE WHEN g % 10 = 1 AND s.mode = 'train' THEN 'verified' ELSE 'plausible' END,
                   'accepted',
                   (now() - (g % 365) * interval '1 day')::date,
                   CASE WHEN g % 10 = 0 THEN NULL ELSE s.id END,
                   1 + g % 5,
                   s.ot_id,
                   now() - (g % 365) * interval '1 day' - (g % 600) * interval '1 minute'
            FROM generate_series(1, $1) g
            JOIN bench_stops s ON s.n = (g * 7) % {stop_count}
            """,
            PASSES,
        )
        await conn.execute(
            f"""
            INSERT INTO passes (code, proof_id, kid, mode, method, confidence, persons, arrival_date, arrival_stop_id,
                                ot_id, trip_km, valid_from, valid_until, created_at)
            SELECT {_CODE.replace("g >>", "pr.id >>")}, pr.id, $1, pr.mode, pr.method, pr.confidence, pr.persons,
                   pr.arrival_date, pr.arrival_stop_id, pr.ot_id,
                   CASE WHEN pr.method = 'gpx' THEN 10 + pr.id % 70
                        WHEN pr.id % 3 = 0 THEN round((20 + pr.id % 200)::numeric, 1) END,
                   pr.created_at, pr.created_at + interval '7 days', pr.created_at
            FROM proofs pr
            """,
            kid,
        )
        # uses: the first USED_SHARE of passes, each at up to five distinct sites
        await conn.execute(
            """
            INSERT INTO redemptions (pass_id, site_id, account_id, device, persons, redeemed_at)
            SELECT p.id, a.site_id, a.id, 'bench', p.persons,
                   least(now(), p.created_at + ((g - 1) / $2 + 1) * interval '20 hours')
            FROM generate_series(1, $1) g
            JOIN passes p ON p.id = (SELECT min(id) FROM passes) + (g - 1) % $2
            JOIN (SELECT id, site_id, row_number() OVER (ORDER BY site_id) - 1 AS n
                  FROM staff_accounts WHERE username LIKE 'bench-desk-%') a
              ON a.n = (p.id * 13 + ((g - 1) / $2) * 7) % $3
            """,
            USES,
            used,
            SITES,
        )
    print(f"  season loaded and its rollups rebuilt in {time.perf_counter() - started:.1f} s")
    await conn.execute("ANALYZE")


async def _count_median(conn: db.Connection, ot: str | None, start, end) -> float:  # type: ignore[no-untyped-def]
    """A bare count of the rows a report covers: the scope's passes and its sites' uses."""
    timings = []
    for _ in range(15):
        started = time.perf_counter()
        await conn.fetchval(
            """
            SELECT (SELECT count(*) FROM passes p
                    WHERE ($1::text IS NULL OR p.ot_id = $1) AND p.created_at >= $2 AND p.created_at < $3)
                 + (SELECT count(*) FROM redemptions r JOIN sites s ON s.id = r.site_id
                    WHERE ($1::text IS NULL OR s.ot_id = $1) AND r.redeemed_at >= $2 AND r.redeemed_at < $3)
            """,
            ot,
            start,
            end,
        )
        timings.append((time.perf_counter() - started) * 1000)
    return percentile(timings, 0.5)


async def _measure(base_url: str) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        for scope, username in (("department", "bench-pilot"), ("ot", "bench-ot"), ("site", "bench-partner")):
            login = await http.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            for report in ("figures", "breakdowns"):
                url = f"/api/v1/reports/{report}"
                for _ in range(3):  # warm up
                    assert (await http.get(url, headers=headers)).status_code == 200
                timings = []
                for _ in range(REQUESTS):
                    started = time.perf_counter()
                    response = await http.get(url, headers=headers)
                    timings.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.text
                results[f"{scope} {report}"] = timings
    return results


def main() -> int:
    database_url, server = fresh_database(DATABASE)
    try:
        with tempfile.TemporaryDirectory(prefix="tbc-bench-") as data_dir:
            settings = load_settings(database_url=database_url, data_dir=Path(data_dir))
            today = local_date(settings)
            season = season_start(settings, today)

            async def prepare() -> dict[str | None, float]:
                conn = await db.connect(database_url)
                try:
                    await prepare_database(settings, conn)
                    kid = await conn.fetchval("SELECT kid FROM signing_keys WHERE is_current")
                    started = time.perf_counter()
                    await _generate(conn, kid)
                    print(f"  season generated and loaded in {time.perf_counter() - started:.1f} s")
                    password_hash = hash_password(PASSWORD)
                    await accounts.upsert(conn, "bench-pilot", password_hash, "pilot", None, None)
                    await accounts.upsert(conn, "bench-ot", password_hash, "ot", OT, None)
                    busiest = await conn.fetchval(
                        "SELECT r.site_id FROM redemptions r JOIN sites s ON s.id = r.site_id WHERE s.ot_id = $1"
                        " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
                        OT,
                    )
                    await accounts.upsert(conn, "bench-partner", password_hash, "partner", None, busiest)
                    counts = await conn.fetchrow(
                        "SELECT (SELECT count(*) FROM passes) AS passes, (SELECT count(*) FROM redemptions) AS uses"
                    )
                    print(f"  {counts['passes']} passes, {counts['uses']} uses, {SITES} sites, 5 OTs")
                    start = datetime.combine(season, datetime.min.time(), UTC)
                    end = datetime.now(UTC)
                    return {ot: await _count_median(conn, ot, start, end) for ot in (None, OT)}
                finally:
                    await conn.close()

            counts = asyncio.run(prepare())
            with served(database_url, data_dir, demo=False) as base:
                measures = asyncio.run(_measure(base))
    finally:
        if server is not None:
            server.stop()
    print(
        f"Reports over this season to date ({season} to {today}), {REQUESTS} requests each, one at a time, "
        "one uvicorn worker"
    )
    results = {}
    for name, timings in measures.items():
        median, p95 = percentile(timings, 0.5), percentile(timings, 0.95)
        count = counts[None if name.startswith("department") else OT]
        print(
            f"  {name:24} median {median:7.1f} ms   p95 {p95:7.1f} ms   "
            f"count(*) {count:6.1f} ms   p95 / count(*) {p95 / count:5.2f}"
        )
        results[f"{name} p95 ms"] = p95
    return 1 if check_goals(results, GOALS) else 0


if __name__ == "__main__":
    sys.exit(main())
