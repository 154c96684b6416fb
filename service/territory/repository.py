"""SQL of the territory: OTs, stops, partner sites and their offers."""

from __future__ import annotations

import asyncpg

from service.settings import SiteConfig, SiteDefaults, TerritoryConfig


async def sync_territory(conn: asyncpg.Connection, territory: TerritoryConfig) -> None:
    """Make the OTs and configured stops in the database match `config/territory.toml`."""
    async with conn.transaction():
        await conn.executemany(
            """
            INSERT INTO ots (id, name, pilot) VALUES ($1, $2, $3)
            ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, pilot = EXCLUDED.pilot
            """,
            [(ot.id, ot.name, ot.pilot) for ot in territory.ots],
        )
        await conn.executemany(
            """
            INSERT INTO stops (id, name, mode, lat, lon, uic, ot_id, in_lot, gateway, source)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'config')
            ON CONFLICT (id) DO UPDATE SET
                name = EXCLUDED.name, mode = EXCLUDED.mode, lat = EXCLUDED.lat, lon = EXCLUDED.lon,
                uic = EXCLUDED.uic, ot_id = EXCLUDED.ot_id, in_lot = EXCLUDED.in_lot,
                gateway = EXCLUDED.gateway, source = 'config'
            """,
            [(s.id, s.name, s.mode, s.lat, s.lon, s.uic, s.ot, s.in_lot, s.gateway) for s in territory.stops],
        )


async def upsert_sites(conn: asyncpg.Connection, sites: list[SiteConfig], defaults: SiteDefaults) -> None:
    async with conn.transaction():
        await conn.executemany(
            """
            INSERT INTO sites (id, ot_id, name, lat, lon, modes, proof_max_age_days, min_confidence, bookable,
                               booking_required)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (id) DO UPDATE SET
                ot_id = EXCLUDED.ot_id, name = EXCLUDED.name, lat = EXCLUDED.lat, lon = EXCLUDED.lon,
                modes = EXCLUDED.modes, proof_max_age_days = EXCLUDED.proof_max_age_days,
                min_confidence = EXCLUDED.min_confidence, bookable = EXCLUDED.bookable,
                booking_required = EXCLUDED.booking_required
            """,
            [
                (
                    s.id,
                    s.ot,
                    s.name,
                    s.lat,
                    s.lon,
                    list(s.modes),
                    defaults.proof_max_age_days if s.proof_max_age_days is None else s.proof_max_age_days,
                    s.min_confidence or defaults.min_confidence,
                    s.bookable,
                    s.booking_required,
                )
                for s in sites
            ],
        )
        await conn.executemany(
            """
            INSERT INTO offers (site_id, label, details) VALUES ($1, $2, $3)
            ON CONFLICT (site_id) DO UPDATE SET label = EXCLUDED.label, details = EXCLUDED.details
            """,
            [
                (
                    s.id,
                    s.offer.label,
                    {
                        k: v
                        for k, v in (
                            ("normal_price_eur", s.offer.normal_price_eur),
                            ("reduced_price_eur", s.offer.reduced_price_eur),
                            ("conditions", s.offer.conditions),
                        )
                        if v is not None
                    },
                )
                for s in sites
            ],
        )


async def list_ots(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT id, name FROM ots ORDER BY id")


async def ot_exists(conn: asyncpg.Connection, ot_id: str) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM ots WHERE id = $1)", ot_id))


_SITE_SELECT = """
    SELECT s.id, s.name, s.ot_id, s.lat, s.lon, s.modes, s.proof_max_age_days, s.min_confidence,
           s.bookable, s.booking_required, s.active, o.label AS offer_label, o.details AS offer_details
    FROM sites s LEFT JOIN offers o ON o.site_id = s.id
"""


async def list_sites(conn: asyncpg.Connection, ot_id: str | None, mode: str | None) -> list[asyncpg.Record]:
    return await conn.fetch(
        _SITE_SELECT
        + " WHERE s.active AND ($1::text IS NULL OR s.ot_id = $1) AND ($2::text IS NULL OR $2 = ANY (s.modes))"
        + " ORDER BY s.ot_id, s.name",
        ot_id,
        mode,
    )


async def site(conn: asyncpg.Connection, site_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(_SITE_SELECT + " WHERE s.id = $1", site_id)


async def list_stops(conn: asyncpg.Connection, mode: str | None) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT id, name, mode, lat, lon, uic, ot_id, in_lot, gateway FROM stops"
        " WHERE same_as IS NULL AND ($1::text IS NULL OR mode = $1) ORDER BY mode, name",
        mode,
    )


async def stop(conn: asyncpg.Connection, stop_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT id, name, mode, lat, lon, uic, ot_id, in_lot, gateway FROM stops WHERE id = $1", stop_id
    )
