"""SQL of the reports. They read the rollups of sql/005_report_rollups.sql (some tens
of thousands of rows a season), never the raw passes and uses."""

from __future__ import annotations

from datetime import date

import asyncpg

# How a rollup row is grouped: by its dimension's value, its OT, its ISO week, or not.
# Every breakdown is one of these groupings of one dimension, and one query per
# rollup table answers all those a report needs (one scan, GROUPING SETS).
_GROUPING = """
    CASE WHEN GROUPING(t.key) = 0 THEN 'key' WHEN GROUPING(t.ot_id) = 0 THEN 'ot'
         WHEN GROUPING(date_trunc('week', t.day)) = 0 THEN 'week' ELSE 'total' END AS grouping,
    coalesce(nullif(t.key, ''), nullif(t.ot_id, ''), to_char(date_trunc('week', t.day), 'YYYY-MM-DD')) AS value
"""


async def pass_groups(
    conn: asyncpg.Connection, dims: list[str], ot_id: str | None, start: date, end: date
) -> list[asyncpg.Record]:
    """Passes issued in the period and scope, in dimensions `dims`, grouped every way
    (by value, OT, week, not at all) and by what the CO2 estimate needs."""
    return await conn.fetch(
        f"""
        SELECT t.dim, {_GROUPING}, t.mode, t.persons,
               sum(t.passes)::bigint AS passes, sum(t.used)::bigint AS used,
               sum(t.km)::float8 AS km, sum(t.km_passes)::bigint AS km_passes
        FROM report_passes t
        WHERE t.dim = ANY($1::text[]) AND t.day BETWEEN $2 AND $3 AND ($4::text IS NULL OR t.ot_id = $4)
        GROUP BY GROUPING SETS ((t.dim, t.key, t.mode, t.persons), (t.dim, t.ot_id, t.mode, t.persons),
                                (t.dim, date_trunc('week', t.day), t.mode, t.persons), (t.dim, t.mode, t.persons))
        HAVING sum(t.passes) <> 0  -- rows emptied by a correction
        """,
        dims,
        start,
        end,
        ot_id,
    )


async def use_groups(
    conn: asyncpg.Connection, dims: list[str], ot_id: str | None, start: date, end: date
) -> list[asyncpg.Record]:
    """Uses at the scope's sites in the period, in dimensions `dims`, grouped every way."""
    return await conn.fetch(
        f"""
        SELECT t.dim, {_GROUPING},
               sum(t.redemptions)::bigint AS redemptions, sum(t.persons)::bigint AS persons
        FROM report_uses t
        WHERE t.dim = ANY($1::text[]) AND t.day BETWEEN $2 AND $3 AND ($4::text IS NULL OR t.ot_id = $4)
        GROUP BY GROUPING SETS ((t.dim, t.key), (t.dim, t.ot_id), (t.dim, date_trunc('week', t.day)), (t.dim))
        HAVING sum(t.redemptions) <> 0  -- rows emptied by a correction or a site's move
        """,
        dims,
        start,
        end,
        ot_id,
    )


async def ots_with_passes_until(conn: asyncpg.Connection, ot_id: str | None, end: date) -> set[str]:
    """The OTs of the scope that had issued a pass by `end`: the scheme ran there then."""
    rows = await conn.fetch(
        """
        SELECT DISTINCT t.ot_id FROM report_passes t
        WHERE t.dim = 'mode' AND t.day <= $2 AND t.passes > 0 AND ($1::text IS NULL OR t.ot_id = $1)
        """,
        ot_id,
        end,
    )
    return {row["ot_id"] for row in rows}


async def scope_sites(conn: asyncpg.Connection, ot_id: str | None) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT id, name, ot_id FROM sites WHERE ($1::text IS NULL OR ot_id = $1) AND active ORDER BY name", ot_id
    )


async def ots_in_scope(conn: asyncpg.Connection, ot_id: str | None) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT id, name FROM ots WHERE ($1::text IS NULL OR id = $1) ORDER BY id", ot_id)


async def names(conn: asyncpg.Connection, breakdown: str, ids: list[str]) -> dict[str, str]:
    """Display names of the stops, sites or OTs of a breakdown's rows."""
    table = {"stop": "stops", "site": "sites", "ot": "ots"}.get(breakdown)
    if table is None or not ids:
        return {}
    rows = await conn.fetch(f"SELECT id, name FROM {table} WHERE id = ANY($1::text[])", ids)
    return {row["id"]: row["name"] for row in rows}


async def booking_totals(
    conn: asyncpg.Connection, ot_id: str | None, start: date, end: date, tz: str
) -> asyncpg.Record:
    """Bookings on the scope's slots in the period, and the no-shows among those already over."""
    return await conn.fetchrow(
        """
        SELECT count(*) AS bookings,
               coalesce(sum(b.persons), 0) AS booked_persons,
               count(*) FILTER (
                   WHERE sl.ends_at < now()
                     AND NOT EXISTS (SELECT 1 FROM redemptions r WHERE r.pass_id = b.pass_id AND r.site_id = b.site_id)
               ) AS no_shows
        FROM bookings b
        JOIN slots sl ON sl.id = b.slot_id
        JOIN sites s ON s.id = b.site_id
        WHERE b.cancelled_at IS NULL
          AND ($1::text IS NULL OR s.ot_id = $1)
          AND (sl.starts_at AT TIME ZONE $4)::date BETWEEN $2 AND $3
        """,
        ot_id,
        start,
        end,
        tz,
    )


async def sync_timezone(conn: asyncpg.Connection, timezone: str) -> bool:
    """Make the rollups count days in `timezone`; True when they had to be rebuilt for it."""
    async with conn.transaction():
        changed = await conn.fetchval(
            "UPDATE report_settings SET timezone = $1 WHERE timezone <> $1 RETURNING true", timezone
        )
        if changed:
            await conn.execute("SELECT report_rebuild()")
    return bool(changed)


async def rebuild(conn: asyncpg.Connection) -> None:
    await conn.execute("SELECT report_rebuild()")


async def differences(conn: asyncpg.Connection) -> int:
    """Rows where the rollups and a recount from the raw tables disagree (0 when exact)."""
    return await conn.fetchval(
        """
        SELECT (SELECT count(*) FROM (
                   (SELECT * FROM report_passes WHERE passes <> 0 EXCEPT SELECT * FROM report_passes_raw)
                   UNION ALL
                   (SELECT * FROM report_passes_raw EXCEPT SELECT * FROM report_passes WHERE passes <> 0)) a)
             + (SELECT count(*) FROM (
                   (SELECT * FROM report_uses WHERE redemptions <> 0 EXCEPT SELECT * FROM report_uses_raw)
                   UNION ALL
                   (SELECT * FROM report_uses_raw EXCEPT SELECT * FROM report_uses WHERE redemptions <> 0)) b)
             + (SELECT count(*) FROM passes p
                WHERE p.uses <> (SELECT count(*) FROM redemptions r WHERE r.pass_id = p.id))
        """
    )
