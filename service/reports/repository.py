"""SQL of the uptake report. Grouping keys are a fixed whitelist of expressions."""

from __future__ import annotations

from datetime import date

import asyncpg

# group_by -> (key over passes p, key over redemptions r joined to their pass p)
_WEEK = "to_char(({column} AT TIME ZONE $4)::date, 'IYYY-\"W\"IW')"
GROUP_KEYS: dict[str, tuple[str | None, str]] = {
    "mode": ("p.mode", "p.mode"),
    "method": ("p.method", "p.method"),
    "stop": ("p.arrival_stop_id", "p.arrival_stop_id"),
    "week": (_WEEK.format(column="p.created_at"), _WEEK.format(column="r.redeemed_at")),
    "site": (None, "r.site_id"),
}


async def pass_groups(
    conn: asyncpg.Connection, ot_id: str | None, start: date, end: date, tz: str, group_by: str | None
) -> list[asyncpg.Record]:
    """Passes issued in the period and scope, by key and by what the CO2 estimate needs."""
    key = GROUP_KEYS[group_by][0] if group_by else "NULL::text"
    return await conn.fetch(
        f"""
        SELECT {key} AS key, p.mode, p.persons, p.trip_km,
               count(*) AS passes,
               count(*) FILTER (WHERE EXISTS (SELECT 1 FROM redemptions u WHERE u.pass_id = p.id)) AS used
        FROM passes p
        WHERE ($1::text IS NULL OR p.ot_id = $1)
          AND (p.created_at AT TIME ZONE $4)::date BETWEEN $2 AND $3
        GROUP BY 1, 2, 3, 4
        """,
        ot_id,
        start,
        end,
        tz,
    )


async def redemption_groups(
    conn: asyncpg.Connection, ot_id: str | None, start: date, end: date, tz: str, group_by: str | None
) -> list[asyncpg.Record]:
    """Uses at the scope's sites in the period, by key."""
    key = GROUP_KEYS[group_by][1] if group_by else "NULL::text"
    return await conn.fetch(
        f"""
        SELECT {key} AS key, count(*) AS redemptions, sum(r.persons) AS persons, count(DISTINCT r.pass_id) AS passes
        FROM redemptions r
        JOIN passes p ON p.id = r.pass_id
        JOIN sites s ON s.id = r.site_id
        WHERE ($1::text IS NULL OR s.ot_id = $1)
          AND (r.redeemed_at AT TIME ZONE $4)::date BETWEEN $2 AND $3
        GROUP BY 1
        """,
        ot_id,
        start,
        end,
        tz,
    )


async def scope_sites(conn: asyncpg.Connection, ot_id: str | None) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT id, name FROM sites WHERE ($1::text IS NULL OR ot_id = $1) AND active ORDER BY name", ot_id
    )


async def stop_names(conn: asyncpg.Connection, ids: list[str]) -> dict[str, str]:
    rows = await conn.fetch("SELECT id, name FROM stops WHERE id = ANY($1::text[])", ids)
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
