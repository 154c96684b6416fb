"""SQL of the timetables: feed rows, the arrival stops they add, and the trip lookup."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg

from service.core.geo import LatLon
from service.timetables.gtfs import TerritoryStop

FEED_TABLES = (
    "gtfs_stop_times",
    "gtfs_trips",
    "gtfs_calendar_dates",
    "gtfs_calendar",
    "gtfs_routes",
    "gtfs_stops",
)


async def lock_feed(conn: asyncpg.Connection, feed_id: str) -> None:
    """Serialise imports of one feed until the end of the transaction."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('gtfs-feed:' || $1, 0))", feed_id)


async def delete_feed_rows(conn: asyncpg.Connection, feed_id: str) -> None:
    for table in FEED_TABLES:
        await conn.execute(f"DELETE FROM {table} WHERE feed_id = $1", feed_id)


async def analyze_feed_tables(conn: asyncpg.Connection) -> None:
    """Fresh statistics, so that the lookup's plan fits the new rows (committed with them)."""
    await conn.execute(f"ANALYZE {', '.join(FEED_TABLES)}")


async def delete_feed(conn: asyncpg.Connection, feed_id: str) -> bool:
    """Drop a feed's timetable; the arrival stops it added stay known (passes may name them)."""
    async with conn.transaction():
        await lock_feed(conn, feed_id)
        await delete_feed_rows(conn, feed_id)
        return await conn.fetchval("DELETE FROM gtfs_feeds WHERE id = $1 RETURNING true", feed_id) is not None


async def copy_rows(
    conn: asyncpg.Connection, table: str, columns: Sequence[str], records: Sequence[tuple[Any, ...]]
) -> None:
    await conn.copy_records_to_table(table, records=records, columns=list(columns))


async def record_feed(
    conn: asyncpg.Connection, feed_id: str, file_name: str, sha256: str, counts: dict[str, int]
) -> None:
    """Register the feed; `counts`: rows per file, keyed by file name without `.txt`."""
    await conn.execute(
        """
        INSERT INTO gtfs_feeds (id, file_name, sha256, imported_at, stop_count, route_count, trip_count,
                                stop_time_count, calendar_count, calendar_date_count)
        VALUES ($1, $2, $3, now(), $4, $5, $6, $7, $8, $9)
        ON CONFLICT (id) DO UPDATE SET
            file_name = EXCLUDED.file_name, sha256 = EXCLUDED.sha256, imported_at = EXCLUDED.imported_at,
            stop_count = EXCLUDED.stop_count, route_count = EXCLUDED.route_count,
            trip_count = EXCLUDED.trip_count, stop_time_count = EXCLUDED.stop_time_count,
            calendar_count = EXCLUDED.calendar_count, calendar_date_count = EXCLUDED.calendar_date_count
        """,
        feed_id,
        file_name,
        sha256,
        counts["stops"],
        counts["routes"],
        counts["trips"],
        counts["stop_times"],
        counts["calendar"],
        counts["calendar_dates"],
    )


async def feeds(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM gtfs_feeds ORDER BY id")


async def territory_stops(conn: asyncpg.Connection) -> list[TerritoryStop]:
    """The stops of config/territory.toml."""
    rows = await conn.fetch(
        "SELECT id, mode, lat, lon, uic, ot_id, in_lot, gateway, name FROM stops WHERE source = 'config' ORDER BY id"
    )
    return [TerritoryStop(*row.values()) for row in rows]


async def upsert_arrival_stops(conn: asyncpg.Connection, feed_id: str, rows: Sequence[tuple[Any, ...]]) -> int:
    """Add or refresh the feed's stops as arrival stops; the configured ones are left as they are.

    `rows`: (id, name, mode, lat, lon, uic, ot_id, in_lot, gateway, same_as). Returns how many were written.
    """
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(10)]
    status = await conn.execute(
        """
        INSERT INTO stops (id, name, mode, lat, lon, uic, ot_id, in_lot, gateway, same_as, source)
        SELECT id, name, mode, lat, lon, uic, ot_id, in_lot, gateway, same_as, $11
        FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::text[], $7::text[], $8::bool[],
                    $9::bool[], $10::text[])
             AS feed_stop(id, name, mode, lat, lon, uic, ot_id, in_lot, gateway, same_as)
        ON CONFLICT (id) DO UPDATE SET
            name = EXCLUDED.name, mode = EXCLUDED.mode, lat = EXCLUDED.lat, lon = EXCLUDED.lon,
            uic = EXCLUDED.uic, ot_id = EXCLUDED.ot_id, in_lot = EXCLUDED.in_lot, gateway = EXCLUDED.gateway,
            same_as = EXCLUDED.same_as, source = EXCLUDED.source
        WHERE stops.source <> 'config'
        """,
        *[list(column) for column in columns],
        feed_id,
    )
    return int(status.rsplit(" ", 1)[-1])


async def has_timetable(conn: asyncpg.Connection, mode: str) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM gtfs_routes WHERE mode = $1)", mode))


async def station_keys(conn: asyncpg.Connection, stop_id: str) -> list[str]:
    """The station keys the feeds give the place of `stop_id` (every id it goes by: the
    territory's and the feeds' linked to it), and their UIC codes as `stops` knows them."""
    rows = await conn.fetch(
        """
        WITH place AS (SELECT coalesce((SELECT same_as FROM stops WHERE id = $1), $1) AS id),
        names AS (
            SELECT $1 AS id
            UNION SELECT id FROM place
            UNION SELECT s.id FROM stops s, place WHERE s.same_as = place.id
        )
        SELECT station_key FROM gtfs_stops WHERE stop_id IN (SELECT id FROM names)
        UNION SELECT 'uic:' || uic FROM stops WHERE id IN (SELECT id FROM names) AND uic IS NOT NULL
        """,
        stop_id,
    )
    return [row[0] for row in rows]


async def arrival_candidates(
    conn: asyncpg.Connection,
    *,
    station_keys: Sequence[str],
    service_date: date,
    windows: Sequence[tuple[int, int, int]],
    mode: str,
    line_key: str,
) -> list[asyncpg.Record]:
    """Stop times of trips of `line_key` at the stops of these stations inside the time windows.

    `windows`: (day offset of the service day from `service_date`, earliest, latest arrival
    in seconds of that service day). Each row carries the trip's calendar and its
    calendar_dates exception for that service day, for the caller to decide whether it runs.
    The OFFSET 0 fences split the join into small steps in the order written: planning
    the whole join at once costs several times more than running it.
    """
    offsets, earliest, latest = (list(column) for column in zip(*windows, strict=True))
    return await conn.fetch(
        """
        SELECT m.*, c.monday, c.tuesday, c.wednesday, c.thursday, c.friday, c.saturday, c.sunday,
               c.start_date, c.end_date, cd.exception_type
        FROM (
            SELECT st.feed_id, st.trip_id, st.stop_id, st.stop_sequence, st.arrival_seconds, sw.day_offset,
                   r.short_name AS route_short_name, t.short_name AS trip_short_name, t.service_id
            FROM (
                SELECT s.feed_id, s.stop_id, w.day_offset, w.earliest, w.latest
                FROM gtfs_stops s
                CROSS JOIN unnest($2::int[], $3::int[], $4::int[]) AS w(day_offset, earliest, latest)
                WHERE s.station_key = ANY($1::text[])
                OFFSET 0
            ) sw
            JOIN gtfs_stop_times st ON st.feed_id = sw.feed_id AND st.stop_id = sw.stop_id
                                   AND st.arrival_seconds BETWEEN sw.earliest AND sw.latest
            JOIN gtfs_trips t ON t.feed_id = st.feed_id AND t.trip_id = st.trip_id
            JOIN gtfs_routes r ON r.feed_id = t.feed_id AND r.route_id = t.route_id
            WHERE r.mode = $6 AND (r.line_key = $7 OR t.train_key = $7)
            OFFSET 0
        ) m
        LEFT JOIN gtfs_calendar c ON c.feed_id = m.feed_id AND c.service_id = m.service_id
        LEFT JOIN gtfs_calendar_dates cd
               ON cd.feed_id = m.feed_id AND cd.service_id = m.service_id AND cd.date = $5::date + m.day_offset
        """,
        list(station_keys),
        offsets,
        earliest,
        latest,
        service_date,
        mode,
        line_key,
    )


async def trip_path(conn: asyncpg.Connection, feed_id: str, trip_id: str, until_sequence: int) -> list[LatLon]:
    """Positions of the trip's stops, in order, from its first stop to `until_sequence`."""
    rows = await conn.fetch(
        """
        SELECT s.lat, s.lon
        FROM gtfs_stop_times st
        JOIN gtfs_stops s ON s.feed_id = st.feed_id AND s.stop_id = st.stop_id
        WHERE st.feed_id = $1 AND st.trip_id = $2 AND st.stop_sequence <= $3 AND s.lat IS NOT NULL
        ORDER BY st.stop_sequence
        """,
        feed_id,
        trip_id,
        until_sequence,
    )
    return [(row["lat"], row["lon"]) for row in rows]
