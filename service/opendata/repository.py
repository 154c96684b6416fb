"""SQL of the open data: the weekly rows of the report rollups (with the events not folded
yet), never the raw passes and uses."""

from __future__ import annotations

from datetime import date

import asyncpg


async def weekly_passes(conn: asyncpg.Connection, before: date) -> list[asyncpg.Record]:
    """Passes issued in the ISO weeks before the Monday `before`, by week (its Monday), OT of
    the arrival stop ('' for none), mode and group size, as `reports.service.Tally` adds them."""
    return await conn.fetch(
        """
        SELECT t.day AS monday, t.ot_id, t.mode, t.persons, sum(t.passes) AS passes, sum(t.used) AS used,
               sum(t.km_m)::bigint AS km_m, sum(t.km_passes) AS km_passes
        FROM report_passes_live t
        WHERE t.dim = 'mode' AND t.weekly AND t.day < $1
        GROUP BY t.day, t.ot_id, t.mode, t.persons
        HAVING sum(t.passes) <> 0
        """,
        before,
    )


async def weekly_uses(conn: asyncpg.Connection, before: date) -> list[asyncpg.Record]:
    """Uses recorded in the ISO weeks before the Monday `before`, by week, OT of the site and
    the pass's arrival mode."""
    return await conn.fetch(
        """
        SELECT t.day AS monday, t.ot_id, t.key AS mode, sum(t.redemptions) AS redemptions, sum(t.persons) AS persons
        FROM report_uses_live t
        WHERE t.dim = 'mode' AND t.weekly AND t.day < $1
        GROUP BY t.day, t.ot_id, t.key
        HAVING sum(t.redemptions) <> 0
        """,
        before,
    )


async def ot_names(conn: asyncpg.Connection) -> dict[str, str]:
    return {row["id"]: row["name"] for row in await conn.fetch("SELECT id, name FROM ots")}
