"""SQL of slots and bookings. Capacity holds in the database: `slots.booked` only
moves by conditional updates and is checked against `capacity`."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg


async def slots_of(conn: asyncpg.Connection, site_id: str, day: date | None, tz: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        """
        SELECT id, starts_at, ends_at, capacity, capacity - booked AS remaining
        FROM slots
        WHERE site_id = $1
          AND ($2::date IS NULL AND ends_at > now() OR (starts_at AT TIME ZONE $3)::date = $2)
        ORDER BY starts_at
        LIMIT 500
        """,
        site_id,
        day,
        tz,
    )


async def add_slot(
    conn: asyncpg.Connection, site_id: str, starts_at: datetime, ends_at: datetime, capacity: int
) -> asyncpg.Record | None:
    """The new slot, or None when the site already has one starting then."""
    return await conn.fetchrow(
        """
        INSERT INTO slots (site_id, starts_at, ends_at, capacity) VALUES ($1, $2, $3, $4)
        ON CONFLICT (site_id, starts_at) DO NOTHING
        RETURNING id, starts_at, ends_at, capacity, capacity - booked AS remaining
        """,
        site_id,
        starts_at,
        ends_at,
        capacity,
    )


async def add_slots(conn: asyncpg.Connection, rows: list[tuple[str, datetime, datetime, int]]) -> None:
    await conn.executemany(
        "INSERT INTO slots (site_id, starts_at, ends_at, capacity) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", rows
    )


async def slot(conn: asyncpg.Connection, slot_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT id, site_id, starts_at, ends_at, capacity, booked FROM slots WHERE id = $1", slot_id
    )


async def insert_booking(
    conn: asyncpg.Connection, slot_id: int, site_id: str, pass_id: int, persons: int
) -> asyncpg.Record | None:
    """The new booking, or None when the pass already holds one at this site."""
    return await conn.fetchrow(
        """
        INSERT INTO bookings (slot_id, site_id, pass_id, persons) VALUES ($1, $2, $3, $4)
        ON CONFLICT (pass_id, site_id) WHERE cancelled_at IS NULL DO NOTHING
        RETURNING id, slot_id, persons, created_at
        """,
        slot_id,
        site_id,
        pass_id,
        persons,
    )


async def take_places(conn: asyncpg.Connection, slot_id: int, persons: int) -> bool:
    """Take `persons` places if that many are left (the row lock orders concurrent takers)."""
    return bool(
        await conn.fetchval(
            "UPDATE slots SET booked = booked + $2 WHERE id = $1 AND booked + $2 <= capacity RETURNING true",
            slot_id,
            persons,
        )
    )


async def booking_for_cancel(conn: asyncpg.Connection, booking_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """
        SELECT b.id, b.slot_id, b.persons, b.cancelled_at, p.code AS pass_code, sl.starts_at
        FROM bookings b JOIN passes p ON p.id = b.pass_id JOIN slots sl ON sl.id = b.slot_id
        WHERE b.id = $1
        FOR UPDATE OF b
        """,
        booking_id,
    )


async def cancel(conn: asyncpg.Connection, booking_id: int, slot_id: int, persons: int) -> None:
    await conn.execute("UPDATE bookings SET cancelled_at = now() WHERE id = $1", booking_id)
    await conn.execute("UPDATE slots SET booked = booked - $2 WHERE id = $1", slot_id, persons)


async def slots_of_scope(
    conn: asyncpg.Connection,
    ot_id: str | None,
    site_id: str | None,
    first_day: date,
    last_day: date,
    tz: str,
    limit: int,
) -> list[asyncpg.Record]:
    """Slots of the scope's bookable sites starting on those Lot days, with their live bookings."""
    return await conn.fetch(
        """
        SELECT sl.id, sl.site_id, s.name AS site_name, s.ot_id, sl.starts_at, sl.ends_at, sl.capacity, sl.booked,
               sl.capacity - sl.booked AS remaining,
               (SELECT count(*) FROM bookings b WHERE b.slot_id = sl.id AND b.cancelled_at IS NULL) AS bookings
        FROM slots sl JOIN sites s ON s.id = sl.site_id
        WHERE s.bookable AND ($1::text IS NULL OR s.ot_id = $1) AND ($6::text IS NULL OR s.id = $6)
          AND sl.starts_at >= ($2::date::timestamp AT TIME ZONE $4)
          AND sl.starts_at < (($3::date + 1)::timestamp AT TIME ZONE $4)
        ORDER BY sl.starts_at, s.name
        LIMIT $5
        """,
        ot_id,
        first_day,
        last_day,
        tz,
        limit,
        site_id,
    )


async def day_sheet(conn: asyncpg.Connection, site_id: str, day: date, tz: str) -> list[asyncpg.Record]:
    """The site's slots of `day` with their live bookings and whether each pass has been
    scanned here: one row per slot and booking (booking columns null for an empty slot)."""
    return await conn.fetch(
        """
        SELECT sl.id AS slot_id, sl.starts_at, sl.ends_at, sl.capacity, sl.capacity - sl.booked AS remaining,
               b.id AS booking_id, b.persons, p.code, r.redeemed_at, r.device
        FROM slots sl
        LEFT JOIN bookings b ON b.slot_id = sl.id AND b.cancelled_at IS NULL
        LEFT JOIN passes p ON p.id = b.pass_id
        LEFT JOIN redemptions r ON r.pass_id = b.pass_id AND r.site_id = sl.site_id
        WHERE sl.site_id = $1 AND (sl.starts_at AT TIME ZONE $3)::date = $2
        ORDER BY sl.starts_at, b.created_at
        LIMIT 5000
        """,
        site_id,
        day,
        tz,
    )
