"""SQL of the reports. They read the rollups of sql/010_report_rollups.sql (some tens
of thousands of rows a season) with the events not yet folded into them
(sql/018_report_events.sql), never the raw passes and uses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import asyncpg

from service.reports import rollups
from service.reports.period import Period

# The Monday of a row's ISO week, in integer arithmetic (1 January 2001 was a Monday).
_WEEK = "t.day - (t.day - DATE '2001-01-01') % 7"
# Each breakdown is a grouping of one dimension of a rollup: by its value (the
# dimensions in `by_value`), or, for the dimension counting everything once, by OT,
# by week or not at all (`overall`). One query per rollup answers them all.
_OVERALL = f"""
    CASE WHEN GROUPING(t.ot_id) = 0 THEN 'ot' WHEN GROUPING({_WEEK}) = 0 THEN 'week' ELSE 'total' END,
    coalesce(nullif(t.ot_id, ''), to_char({_WEEK}, 'YYYY-MM-DD'))
"""


# Full weeks ($6 to $7, Mondays) from the weekly rows, the edge days from the daily ones.
_IN_PERIOD = """
    (t.weekly AND t.day BETWEEN $6 AND $7
     OR NOT t.weekly AND t.day BETWEEN $2 AND $3 AND (t.day < $6 OR t.day >= $7::date + 7))
    AND ($4::text IS NULL OR t.ot_id = $4)
"""


async def pass_groups(
    conn: asyncpg.Connection, by_value: list[str], overall: bool, ot_id: str | None, period: Period
) -> list[asyncpg.Record]:
    """Passes issued in the period and scope as (dim, grouping, value, mode, persons, sums):
    by value of the dimensions `by_value`, and with `overall` by OT, week and in all."""
    sums = (
        """sum(t.passes) AS passes, sum(t.used) AS used, sum(t.km_m)::bigint AS km_m, sum(t.km_passes) AS km_passes"""
    )
    scope = _IN_PERIOD
    return await conn.fetch(
        f"""
        SELECT t.dim, 'key' AS grouping, nullif(t.key, '') AS value, t.mode, t.persons, {sums}
        FROM report_passes_live t
        WHERE t.dim = ANY($1::text[]) AND {scope}
        GROUP BY t.dim, t.key, t.mode, t.persons
        HAVING sum(t.passes) <> 0  -- rows emptied by a correction
        UNION ALL
        SELECT 'mode', {_OVERALL}, t.mode, t.persons, {sums}
        FROM report_passes_live t
        WHERE $5 AND t.dim = 'mode' AND {scope}
        GROUP BY GROUPING SETS ((t.ot_id, t.mode, t.persons), ({_WEEK}, t.mode, t.persons), (t.mode, t.persons))
        HAVING sum(t.passes) <> 0
        """,
        by_value,
        period.start,
        period.end,
        ot_id,
        overall,
        *period.full_weeks(),
    )


async def use_groups(
    conn: asyncpg.Connection, by_value: list[str], overall: bool, ot_id: str | None, period: Period
) -> list[asyncpg.Record]:
    """Uses at the scope's sites in the period as (dim, grouping, value, sums), as `pass_groups`."""
    sums = "sum(t.redemptions) AS redemptions, sum(t.persons) AS persons"
    scope = _IN_PERIOD
    return await conn.fetch(
        f"""
        SELECT t.dim, 'key' AS grouping, nullif(t.key, '') AS value, {sums}
        FROM report_uses_live t
        WHERE t.dim = ANY($1::text[]) AND {scope}
        GROUP BY t.dim, t.key
        HAVING sum(t.redemptions) <> 0  -- rows emptied by a correction or a site's move
        UNION ALL
        SELECT 'site', {_OVERALL}, {sums}
        FROM report_uses_live t
        WHERE $5 AND t.dim = 'site' AND {scope}
        GROUP BY GROUPING SETS ((t.ot_id), ({_WEEK}), ())
        HAVING sum(t.redemptions) <> 0
        """,
        by_value,
        period.start,
        period.end,
        ot_id,
        overall,
        *period.full_weeks(),
    )


# The same days, for one OT's rows ($4), the full weeks in $5 and $6.
_IN_SITE_PERIOD = (
    _IN_PERIOD.replace("$6", "$5").replace("$7", "$6").replace("($4::text IS NULL OR t.ot_id = $4)", "t.ot_id = $4")
)


async def site_use_groups(conn: asyncpg.Connection, site_id: str, ot_id: str, period: Period) -> list[asyncpg.Record]:
    """One site's uses in the period as (grouping, value, sums): in all (`total`), by week,
    by arrival mode, by proof method (sql/020's dimensions), and its OT's uses (`ot`)."""
    sums = "sum(t.redemptions) AS redemptions, sum(t.persons) AS persons"
    return await conn.fetch(
        f"""
        SELECT CASE WHEN GROUPING({_WEEK}) = 0 THEN 'week' ELSE 'total' END AS grouping,
               to_char({_WEEK}, 'YYYY-MM-DD') AS value, {sums}
        FROM report_uses_live t
        WHERE t.dim = 'site' AND t.key = $1 AND {_IN_SITE_PERIOD}
        GROUP BY GROUPING SETS (({_WEEK}), ())
        UNION ALL
        SELECT substr(t.dim, 6), split_part(t.key, ':', 2), {sums}
        FROM report_uses_live t
        WHERE t.dim IN ('site_mode', 'site_method') AND t.key LIKE $1 || ':%' AND {_IN_SITE_PERIOD}
        GROUP BY t.dim, t.key
        HAVING sum(t.redemptions) <> 0
        UNION ALL
        SELECT 'ot', NULL, {sums}
        FROM report_uses_live t
        WHERE t.dim = 'site' AND {_IN_SITE_PERIOD}
        """,
        site_id,
        period.start,
        period.end,
        ot_id,
        *period.full_weeks(),
    )


async def report_site(conn: asyncpg.Connection, site_id: str) -> dict[str, Any] | None:
    """A site as its figures need it: id, name, OT and offer (its stated prices)."""
    row = await conn.fetchrow(
        """
        SELECT s.id, s.name, s.ot_id, s.sit_price_eur, o.details
        FROM sites s LEFT JOIN offers o ON o.site_id = s.id WHERE s.id = $1
        """,
        site_id,
    )
    if row is None:
        return None
    offer = dict(row["details"] or {})
    if offer.get("normal_price_eur") is None and row["sit_price_eur"] is not None:
        offer["normal_price_eur"] = float(row["sit_price_eur"])  # the SIT's, when the OT stated none
    return {"id": row["id"], "name": row["name"], "ot_id": row["ot_id"], "offer": offer}


async def ots_with_passes_until(conn: asyncpg.Connection, ot_id: str | None, end: date) -> set[str]:
    """The OTs of the scope that had issued a pass by `end`: the scheme ran there then."""
    rows = await conn.fetch(
        """
        SELECT t.ot_id FROM report_passes_live t
        WHERE t.dim = 'mode' AND NOT t.weekly AND t.day <= $2 AND ($1::text IS NULL OR t.ot_id = $1)
        GROUP BY t.ot_id HAVING sum(t.passes) > 0
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


@asynccontextmanager
async def bulk_load(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """A transaction that loads history (a restore, a season from another system): the
    rollup triggers do nothing per row meanwhile, and the rollups are rebuilt from
    everything at its end, once. Writers wait for the rebuild, not for the load."""
    async with conn.transaction():
        await conn.execute("SELECT set_config('tbc.rollup_paused', 'on', true)")
        yield
        await conn.execute("SELECT report_rebuild()")


async def differences(conn: asyncpg.Connection) -> int:
    """Rows where the rollups and a recount from the raw tables disagree (0 when exact),
    once every pending event is folded in."""
    await rollups.fold_all(conn)
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
