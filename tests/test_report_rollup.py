"""The report's rollups stay equal to a recount of the raw passes and uses,
whatever the concurrency (sql/010_report_rollups.sql)."""

from __future__ import annotations

import asyncio

import pytest

from service.core import db
from service.reports import repository, rollups
from tests.helpers import issue_pass, nonce, request_folds, staff_headers
from tests.season_factory import PASS_CODE_OF_PROOF

# Demo sites of four OTs that take a plausible train pass arriving today.
SITES = ("musee-henri-martin", "canoe-bouzies", "rocher-des-aigles", "musee-champollion", "grottes-cougnac")


async def _raw_used(conn, codes):
    return await conn.fetchval(
        "SELECT count(*) FROM passes p WHERE p.code = ANY($1::text[]) AND EXISTS "
        "(SELECT 1 FROM redemptions r WHERE r.pass_id = p.id)",
        codes,
    )


async def test_rollups_equal_the_raw_count_after_concurrent_claims_and_scans(client, conn):
    passes = await asyncio.gather(*(issue_pass(client, persons=1 + i % 4) for i in range(24)))
    desks = {site: await staff_headers(client, f"demo-partner-{site}") for site in SITES}

    async def scan(token, site):
        return await client.post("/api/v1/redemptions", json={"token": token, "nonce": nonce()}, headers=desks[site])

    # every pass at several sites at once, and twice at the same site (two desks, one wins)
    scans = [scan(p["token"], site) for i, p in enumerate(passes) for site in SITES[: 1 + i % len(SITES)]]
    scans += [scan(p["token"], SITES[0]) for p in passes[::2]]
    answers = await asyncio.gather(*scans)
    assert {a.status_code for a in answers} <= {201, 409}
    codes = [p["code"] for p in passes]
    expected_uses = sum(1 + i % len(SITES) for i in range(len(passes)))
    recorded = await conn.fetchval(
        "SELECT count(*) FROM redemptions r JOIN passes p ON p.id = r.pass_id WHERE p.code = ANY($1::text[])", codes
    )
    assert recorded == expected_uses == sum(a.status_code == 201 for a in answers)
    assert await _raw_used(conn, codes) == len(passes)
    assert await repository.differences(conn) == 0


async def test_rollups_follow_updates_and_deletes_and_rebuild_to_the_same_rows(client, conn):
    issued = await issue_pass(client, persons=3)
    scan = await client.post(
        "/api/v1/redemptions",
        json={"token": issued["token"], "nonce": nonce()},
        headers=await staff_headers(client, "demo-partner-musee-henri-martin"),
    )
    assert scan.status_code == 201

    class RollBack(Exception):
        pass

    with pytest.raises(RollBack):
        async with conn.transaction():
            # a correction of a pass or a use moves its counts; removing the use makes the pass unused again
            await conn.execute(
                "UPDATE passes SET persons = 2, ot_id = 'figeac', trip_km = 87.5 WHERE code = $1", issued["code"]
            )
            await conn.execute(
                "UPDATE redemptions SET persons = 1 WHERE pass_id = (SELECT id FROM passes WHERE code = $1)",
                issued["code"],
            )
            assert await repository.differences(conn) == 0
            await conn.execute(
                "DELETE FROM redemptions WHERE pass_id = (SELECT id FROM passes WHERE code = $1)", issued["code"]
            )
            assert await conn.fetchval("SELECT uses FROM passes WHERE code = $1", issued["code"]) == 0
            assert await repository.differences(conn) == 0
            before = await conn.fetch("SELECT * FROM report_passes WHERE passes <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7")
            await repository.rebuild(conn)
            after = await conn.fetch("SELECT * FROM report_passes ORDER BY 1, 2, 3, 4, 5, 6, 7")
            assert [tuple(r) for r in after] == [tuple(r) for r in before]
            # and a rollup row off by one is seen
            await conn.execute(
                "UPDATE report_uses SET redemptions = redemptions + 1 WHERE ctid = (SELECT ctid FROM report_uses LIMIT 1)"
            )
            assert await repository.differences(conn) == 2  # the row as counted, and as it should be
            raise RollBack
    assert await repository.differences(conn) == 0


async def test_tbc_check_reports_compares_and_rebuilds(client, database_url, settings):
    from tests.helpers import TBC, cli_env, run_cli

    env = cli_env(DATABASE_URL=database_url, TBC_SECRET_KEY=settings.secret_key)
    checked = await run_cli([*TBC, "check-reports"], env=env)
    assert checked.returncode == 0 and "equal to a recount" in checked.stdout, checked.stderr
    rebuilt = await run_cli([*TBC, "check-reports", "--rebuild"], env=env)
    assert rebuilt.returncode == 0 and "rebuilt" in rebuilt.stdout, rebuilt.stderr


def test_full_weeks_and_edge_days_cover_a_period_exactly_once():
    from datetime import date, timedelta

    from service.reports.period import Period

    for length in range(0, 40):
        for offset in range(7):
            start = date(2026, 3, 2) + timedelta(days=offset)  # from a Monday, then each weekday
            period = Period(start, start + timedelta(days=length))
            first, last = period.full_weeks()
            assert first.weekday() == 0 and last.weekday() == 0
            weeks = (
                [first + timedelta(days=7 * n) for n in range(((last - first).days // 7) + 1)] if last >= first else []
            )
            days = [
                d
                for d in (start + timedelta(days=n) for n in range(length + 1))
                if d < first or d >= last + timedelta(7)
            ]
            covered = sorted([*days, *(w + timedelta(days=n) for w in weeks for n in range(7))])
            assert covered == [start + timedelta(days=n) for n in range(length + 1)], (period, first, last)


async def test_reports_over_any_period_equal_a_raw_count(client, conn, settings):
    """Weekly rows for the full weeks, daily rows for the edges: the same as counting."""
    from datetime import timedelta

    from service.core.clock import local_date

    passes = await asyncio.gather(*(issue_pass(client, stop="StopArea:OCE87613091") for _ in range(12)))
    desk = await staff_headers(client, "demo-partner-musee-champollion")
    for issued in passes:
        scan = await client.post("/api/v1/redemptions", json={"token": issued["token"], "nonce": nonce()}, headers=desk)
        assert scan.status_code == 201
    for n, issued in enumerate(passes):  # spread over the past weeks
        await conn.execute(
            "UPDATE passes SET created_at = created_at - make_interval(days => $2) WHERE code = $1",
            issued["code"],
            3 * n + 2,
        )
        await conn.execute(
            "UPDATE redemptions SET redeemed_at = redeemed_at - make_interval(days => $2)"
            " WHERE pass_id = (SELECT id FROM passes WHERE code = $1)",
            issued["code"],
            3 * n + 1,
        )
    assert await repository.differences(conn) == 0
    today = local_date(settings)
    headers = await staff_headers(client, "demo-ot-figeac")
    for first, last in ((40, 0), (36, 30), (20, 14), (9, 9), (15, 1), (29, 2)):
        start, end = today - timedelta(days=first), today - timedelta(days=last)
        raw = await conn.fetchrow(
            """
            SELECT (SELECT count(*) FROM passes WHERE ot_id = 'figeac'
                      AND (created_at AT TIME ZONE 'Europe/Paris')::date BETWEEN $1 AND $2) AS passes,
                   (SELECT count(*) FROM redemptions r JOIN sites s ON s.id = r.site_id WHERE s.ot_id = 'figeac'
                      AND (r.redeemed_at AT TIME ZONE 'Europe/Paris')::date BETWEEN $1 AND $2) AS redemptions
            """,
            start,
            end,
        )
        report = await client.get(
            "/api/v1/reports/uptake", params={"from": start.isoformat(), "to": end.isoformat()}, headers=headers
        )
        totals = report.json()["totals"]
        assert (totals["passes"], totals["redemptions"]) == (raw["passes"], raw["redemptions"]), (start, end)


async def test_a_site_moved_between_ots_while_its_desk_scans_stays_exact(client, conn):
    """A move waits for the uses in flight at the site, and the uses for the move."""
    pilot = await staff_headers(client, "demo-pilot")
    site = "musee-murat"  # Labastide's
    desk = await staff_headers(client, f"demo-partner-{site}")
    passes = await asyncio.gather(*(issue_pass(client) for _ in range(16)))

    async def scan(issued):
        return await client.post("/api/v1/redemptions", json={"token": issued["token"], "nonce": nonce()}, headers=desk)

    async def move(ot):
        return await client.patch(f"/api/v1/sites/{site}", json={"ot": ot}, headers=pilot)

    work = [scan(p) for p in passes]
    for position, ot in ((3, "gourdon"), (8, "labastide"), (12, "figeac")):
        work.insert(position, move(ot))
    answers = await asyncio.gather(*work)
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers if a.status_code >= 400]
    try:
        assert await repository.differences(conn) == 0
    finally:
        assert (await move("labastide")).status_code == 200
    assert await repository.differences(conn) == 0


async def test_the_report_adds_the_events_not_folded_yet(client, conn, settings):
    """A use whose event waits to be folded (a request cut short, a bulk load; here a
    transaction that folds nothing) is in the report already: what it says is a raw count."""
    from service.core.clock import local_date
    from service.reports import service
    from service.reports.period import Period

    issued = await issue_pass(client, stop="StopArea:OCE87613091")
    today = local_date(settings)
    territory = {"tz": settings.config.territory.timezone, "factors": settings.config.factors}

    async def report_and_raw() -> tuple[int, int]:
        report = await service.uptake(conn, ot_id="figeac", period=Period(today, today), group_by=None, **territory)
        raw = await conn.fetchval(
            "SELECT count(*) FROM redemptions r JOIN sites s ON s.id = r.site_id WHERE s.ot_id = 'figeac'"
            " AND (r.redeemed_at AT TIME ZONE 'Europe/Paris')::date = $1",
            today,
        )
        return report["totals"]["redemptions"], raw

    class RollBack(Exception):
        pass

    with pytest.raises(RollBack):
        async with conn.transaction(isolation="repeatable_read"):  # the reports' own
            before, raw_before = await report_and_raw()
            await conn.execute(
                """
                INSERT INTO redemptions (pass_id, site_id, account_id, device, persons)
                SELECT p.id, 'musee-champollion', a.id, 'test', 1 FROM passes p, staff_accounts a
                WHERE p.code = $1 AND a.username = 'demo-partner-musee-champollion'
                """,
                issued["code"],
            )
            assert await conn.fetchval("SELECT count(*) FROM report_use_events") > 0  # pending, not folded
            after, raw_after = await report_and_raw()
            assert (before, after) == (raw_before, raw_after) and after == before + 1
            raise RollBack


async def test_concurrent_scans_answer_with_their_uses_folded(client, conn):
    """Each scan answers once a fold begun after its commit has run: when all have answered,
    none of their events is pending, though they shared their folds (rollups.Folder)."""
    passes = await asyncio.gather(*(issue_pass(client) for _ in range(16)))
    desk = await staff_headers(client, f"demo-partner-{SITES[0]}")
    answers = await asyncio.gather(
        *(
            client.post("/api/v1/redemptions", json={"token": p["token"], "nonce": nonce()}, headers=desk)
            for p in passes
        )
    )
    assert [a.status_code for a in answers] == [201] * len(passes)
    assert await conn.fetchval("SELECT count(*) FROM report_use_events") == 0
    assert await conn.fetchval("SELECT count(*) FROM report_pass_events") == 0


async def test_folds_asked_together_run_once_and_fold_everything_pending(client, conn, settings):
    issued = await asyncio.gather(*(issue_pass(client) for _ in range(3)))
    await conn.execute(
        "UPDATE passes SET persons = persons + 1 WHERE code = ANY($1::text[])", [p["code"] for p in issued]
    )
    assert await conn.fetchval("SELECT count(*) FROM report_pass_events") > 0
    pool = await db.create_pool(settings.database_url, 1, 2)
    try:
        folder, before = rollups.Folder(pool), request_folds()
        await asyncio.gather(*(folder.fold() for _ in range(20)))
        assert request_folds() == before + 1
        assert await conn.fetchval("SELECT count(*) FROM report_pass_events") == 0
        await folder.fold()  # asked after that fold ended: a fold of its own
        assert request_folds() == before + 2
    finally:
        await pool.close()
    assert await repository.differences(conn) == 0


async def test_each_server_folds_what_no_request_folded(client, conn):
    """Events written outside any request (a correction here) are folded by the servers'
    own folder within a few seconds, and the rollups then equal a recount."""
    issued = await issue_pass(client)
    await conn.execute("UPDATE passes SET persons = persons + 1 WHERE code = $1", issued["code"])
    for _ in range(100):
        if await conn.fetchval("SELECT count(*) FROM report_pass_events") == 0:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the pass's events are still pending after 10 s")
    assert await repository.differences(conn) == 0


# A season from another system: 500 passes of July–August 2025 arriving at Cahors, 400 of
# them used at the Musée Henri-Martin. Pass codes: the proof's id written in the code's alphabet.
_HISTORY = f"""
INSERT INTO proofs (method, mode, fingerprint, confidence, status, arrival_date, arrival_stop_id, persons, ot_id,
                    created_at)
SELECT 'declared_trip', 'train', sha256(convert_to('history-' || g, 'UTF8')), 'plausible', 'accepted',
       DATE '2025-07-01' + g % 60, 'StopArea:OCE87613000', 1 + g % 3, 'cahors',
       TIMESTAMPTZ '2025-07-01 08:00Z' + g * interval '2 hours'
FROM generate_series(1, 500) g;
INSERT INTO passes (code, proof_id, kid, mode, method, confidence, persons, arrival_date, arrival_stop_id, ot_id,
                    valid_from, valid_until, created_at)
SELECT {PASS_CODE_OF_PROOF},
       pr.id, (SELECT kid FROM signing_keys ORDER BY created_at DESC LIMIT 1), pr.mode, pr.method, pr.confidence,
       pr.persons, pr.arrival_date, pr.arrival_stop_id, pr.ot_id, pr.created_at, pr.created_at + interval '7 days',
       pr.created_at
FROM proofs pr WHERE pr.created_at < '2026-01-01';
INSERT INTO redemptions (pass_id, site_id, account_id, device, persons, redeemed_at)
SELECT p.id, 'musee-henri-martin', a.id, 'history', p.persons, p.created_at + interval '3 hours'
FROM passes p, staff_accounts a
WHERE p.created_at < '2026-01-01' AND p.proof_id % 5 <> 0 AND a.username = 'demo-partner-musee-henri-martin';
"""


async def test_a_season_loads_without_per_row_rollup_work_and_ends_rebuilt(make_database, settings, tmp_path):
    """`tbc load-history`: the history in one transaction, no rollup event per row, the rollups
    rebuilt at the end and equal to a recount (docs/OPERATIONS.md, Loading history)."""
    from service.core import db
    from tests.helpers import TBC, cli_env, run_cli

    url = await make_database("tbc_history")
    env = cli_env(DATABASE_URL=url, TBC_SECRET_KEY=settings.secret_key)
    prepared = await run_cli([*TBC, "demo-data"], env=env)
    assert prepared.returncode == 0, prepared.stderr
    season = tmp_path / "season.sql"
    season.write_text(_HISTORY)
    conn = await db.connect(url)
    try:
        events = "SELECT (SELECT last_value FROM report_pass_events_id_seq), (SELECT last_value FROM report_use_events_id_seq)"
        before = tuple(await conn.fetchrow(events))
        loaded = await run_cli([*TBC, "load-history", str(season)], env=env)
        assert loaded.returncode == 0, loaded.stderr
        assert "loaded 500 passes and 400 uses; report rollups rebuilt" in loaded.stdout
        assert tuple(await conn.fetchrow(events)) == before  # not one event written per row
        assert await repository.differences(conn) == 0
        counted = await conn.fetchrow(
            """
            SELECT (SELECT sum(passes) FROM report_passes WHERE dim = 'mode' AND NOT weekly AND ot_id = 'cahors'
                      AND day BETWEEN '2025-07-01' AND '2025-09-30') AS passes,
                   (SELECT sum(redemptions) FROM report_uses WHERE dim = 'site' AND NOT weekly
                      AND key = 'musee-henri-martin' AND day BETWEEN '2025-07-01' AND '2025-09-30') AS uses
            """
        )
        assert (counted["passes"], counted["uses"]) == (500, 400)
    finally:
        await conn.close()


async def test_a_fold_without_a_database_is_logged_not_counted_as_a_requests_error(caplog):
    """A fold runs after its request has answered: a database out of reach then is logged,
    and is no request's database error (`tbc_database_errors_total` counts the 503s)."""
    import asyncpg

    from tests.helpers import delta, free_port, scraped_here

    nowhere = await asyncpg.create_pool(f"postgresql://tbc@127.0.0.1:{free_port()}/tbc", min_size=0, max_size=1)
    try:
        before = scraped_here()
        await rollups.Folder(nowhere).fold()
        after = scraped_here()
    finally:
        await nowhere.close()
    assert "report rollups: a request's fold failed" in caplog.text
    for kind in ("unreachable", "connection_lost"):
        assert delta(before, after, "tbc_database_errors_total", kind=kind) == 0
