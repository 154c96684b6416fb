"""SQL of the territory: OTs, stops, partner sites and their offers."""

from __future__ import annotations

import asyncpg

from service.settings import OfferConfig, SiteConfig, SiteDefaults, TerritoryConfig


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


def _offer_details(offer: OfferConfig) -> dict[str, object]:
    return {
        name: value
        for name, value in (
            ("normal_price_eur", offer.normal_price_eur),
            ("reduced_price_eur", offer.reduced_price_eur),
            ("conditions", offer.conditions),
        )
        if value is not None
    }


async def upsert_sites(conn: asyncpg.Connection, sites: list[SiteConfig], defaults: SiteDefaults) -> dict[str, str]:
    """Create or update the sites and their offers; returns each id's fate:
    "created", "updated" or "unchanged" (a row is only written when it differs)."""
    fate: dict[str, str] = {}
    async with conn.transaction():
        for s in sites:
            site = await _upsert_site(conn, s, defaults)
            offer = await _upsert_offer(conn, s)
            if site is not None and site["created"]:
                fate[s.id] = "created"
            elif site is not None or offer:
                fate[s.id] = "updated"
                if site is None:
                    await conn.execute("UPDATE sites SET updated_at = now() WHERE id = $1", s.id)
            else:
                fate[s.id] = "unchanged"
    return fate


async def _upsert_site(conn: asyncpg.Connection, s: SiteConfig, defaults: SiteDefaults) -> asyncpg.Record | None:
    """The site written (`created` true when new), or None when it was already so."""
    return await conn.fetchrow(
        """
        INSERT INTO sites AS t (id, ot_id, name, lat, lon, modes, proof_max_age_days, min_confidence,
                                bookable, booking_required, active)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (id) DO UPDATE SET
            ot_id = EXCLUDED.ot_id, name = EXCLUDED.name, lat = EXCLUDED.lat, lon = EXCLUDED.lon,
            modes = EXCLUDED.modes, proof_max_age_days = EXCLUDED.proof_max_age_days,
            min_confidence = EXCLUDED.min_confidence, bookable = EXCLUDED.bookable,
            booking_required = EXCLUDED.booking_required, active = EXCLUDED.active, updated_at = now()
        WHERE (t.ot_id, t.name, t.lat, t.lon, t.modes, t.proof_max_age_days, t.min_confidence, t.bookable,
               t.booking_required, t.active)
              IS DISTINCT FROM
              (EXCLUDED.ot_id, EXCLUDED.name, EXCLUDED.lat, EXCLUDED.lon, EXCLUDED.modes,
               EXCLUDED.proof_max_age_days, EXCLUDED.min_confidence, EXCLUDED.bookable,
               EXCLUDED.booking_required, EXCLUDED.active)
        RETURNING (xmax = 0) AS created
        """,
        s.id,
        s.ot,
        s.name,
        s.lat,
        s.lon,
        list(dict.fromkeys(s.modes)),
        defaults.proof_max_age_days if s.proof_max_age_days is None else s.proof_max_age_days,
        s.min_confidence or defaults.min_confidence,
        s.bookable,
        s.booking_required,
        s.active,
    )


async def _upsert_offer(conn: asyncpg.Connection, s: SiteConfig) -> bool | None:
    """True when the offer was written, None when it was already so."""
    return await conn.fetchval(
        """
        INSERT INTO offers AS t (site_id, label, label_en, label_es, details) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (site_id) DO UPDATE SET
            label = EXCLUDED.label, label_en = EXCLUDED.label_en, label_es = EXCLUDED.label_es,
            details = EXCLUDED.details
        WHERE (t.label, t.label_en, t.label_es, t.details)
              IS DISTINCT FROM (EXCLUDED.label, EXCLUDED.label_en, EXCLUDED.label_es, EXCLUDED.details)
        RETURNING true
        """,
        s.id,
        s.offer.label,
        s.offer.label_en,
        s.offer.label_es,
        _offer_details(s.offer),
    )


async def list_ots(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT id, name FROM ots ORDER BY id")


async def ot_exists(conn: asyncpg.Connection, ot_id: str) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM ots WHERE id = $1)", ot_id))


_SITE_SELECT = """
    SELECT s.id, s.name, s.ot_id, s.lat, s.lon, s.modes, s.proof_max_age_days, s.min_confidence,
           s.bookable, s.booking_required, s.active, s.updated_at, o.label AS offer_label,
           o.label_en AS offer_label_en, o.label_es AS offer_label_es, o.details AS offer_details,
           s.sit_id, s.sit_uri, s.sit_updated, s.kind, s.name_en, s.name_es, s.street, s.postcode, s.town,
           s.insee, s.phone, s.email, s.website, s.description, s.description_en, s.description_es, s.hours,
           s.sit_price_eur
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


async def bike_endpoints(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Where a bike ride may end, shaped as stops: the Lot's stations and coach stops, the
    gateway stations, and the active partner sites (mode 'bike', no UIC code)."""
    return await conn.fetch(
        """
        SELECT id, name, mode, lat, lon, uic, ot_id, in_lot, gateway FROM stops
        WHERE same_as IS NULL AND (in_lot OR (mode = 'train' AND gateway))
        UNION ALL
        SELECT id, name, 'bike', lat, lon, NULL, ot_id, true, false FROM sites WHERE active
        ORDER BY name
        """
    )


async def stop(conn: asyncpg.Connection, stop_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT id, name, mode, lat, lon, uic, ot_id, in_lot, gateway FROM stops WHERE id = $1", stop_id
    )


async def ot_ids(conn: asyncpg.Connection) -> set[str]:
    return {row["id"] for row in await conn.fetch("SELECT id FROM ots")}


async def all_sites(conn: asyncpg.Connection, ot_id: str | None) -> list[asyncpg.Record]:
    """Every site of the scope, inactive ones included (for the people who manage them)."""
    return await conn.fetch(_SITE_SELECT + " WHERE ($1::text IS NULL OR s.ot_id = $1) ORDER BY s.ot_id, s.name", ot_id)


async def site_staff(conn: asyncpg.Connection, site_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        """
        SELECT id, username, active, created_at, last_login_at FROM staff_accounts
        WHERE site_id = $1 AND role = 'partner' ORDER BY username
        """,
        site_id,
    )


async def add_site_staff(
    conn: asyncpg.Connection, site_id: str, username: str, password_hash: str
) -> asyncpg.Record | None:
    """A new partner account of the site; None when the username is taken (never overwritten)."""
    return await conn.fetchrow(
        """
        INSERT INTO staff_accounts (username, password_hash, role, site_id) VALUES ($1, $2, 'partner', $3)
        ON CONFLICT (username) DO NOTHING
        RETURNING id, username, active, created_at, last_login_at
        """,
        username,
        password_hash,
        site_id,
    )


async def end_site_staff_tokens(conn: asyncpg.Connection, site_id: str, account_id: int) -> bool:
    """Every token of the site's partner account ends (see sql/014); False when it is not the site's."""
    status = await conn.execute(
        """
        UPDATE staff_accounts SET credential_version = credential_version + 1
        WHERE id = $2 AND site_id = $1 AND role = 'partner'
        """,
        site_id,
        account_id,
    )
    return status == "UPDATE 1"


async def set_site_staff_active(
    conn: asyncpg.Connection, site_id: str, account_id: int, active: bool
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """
        UPDATE staff_accounts SET active = $3 WHERE id = $2 AND site_id = $1 AND role = 'partner'
        RETURNING id, username, active, created_at, last_login_at
        """,
        site_id,
        account_id,
        active,
    )


# What the SIT says of a site (sql/019_sites_from_the_sit.sql), in the order of `sit_values`.
SIT_COLUMNS = (
    "sit_id",
    "sit_uri",
    "sit_updated",
    "kind",
    "name",
    "name_en",
    "name_es",
    "lat",
    "lon",
    "street",
    "postcode",
    "town",
    "insee",
    "phone",
    "email",
    "website",
    "description",
    "description_en",
    "description_es",
    "hours",
    "sit_price_eur",
)
_SIT_SET = ", ".join(f"{name} = ${n}" for n, name in enumerate(SIT_COLUMNS, 2))
_SIT_CHANGED = (
    f"({', '.join(SIT_COLUMNS)}) IS DISTINCT FROM ({', '.join(f'${n}' for n in range(2, len(SIT_COLUMNS) + 2))})"
)


async def lock_site_imports(conn: asyncpg.Connection) -> None:
    """One import of sites at a time (until this transaction ends): new ids and links are
    chosen against every site there is."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('tbc:import-sites'))")


async def site_of_sit(conn: asyncpg.Connection, sit_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT id, ot_id FROM sites WHERE sit_id = $1", sit_id)


async def hand_typed_sites(conn: asyncpg.Connection, ot_id: str) -> list[asyncpg.Record]:
    """The OT's sites that no SIT record stands for yet."""
    return await conn.fetch("SELECT id, name, lat, lon FROM sites WHERE ot_id = $1 AND sit_id IS NULL", ot_id)


async def site_ids_like(conn: asyncpg.Connection, base: str) -> list[str]:
    """The ids taken among `base` and `base-N`."""
    rows = await conn.fetch("SELECT id FROM sites WHERE id = $1 OR id ~ ('^' || $1 || '-[0-9]+$')", base)
    return [row["id"] for row in rows]


async def update_sit_fields(conn: asyncpg.Connection, site_id: str, values: tuple[object, ...]) -> bool:
    """Write what the SIT says of the site; False when it already said so."""
    changed = await conn.fetchval(
        f"UPDATE sites SET {_SIT_SET}, updated_at = now() WHERE id = $1 AND {_SIT_CHANGED} RETURNING true",
        site_id,
        *values,
    )
    return bool(changed)


async def insert_sit_site(
    conn: asyncpg.Connection,
    site_id: str,
    ot_id: str,
    modes: list[str],
    defaults: SiteDefaults,
    values: tuple[object, ...],
) -> None:
    """A new site from the SIT: inactive until its OT gives it an offer and turns it on."""
    names = ", ".join(SIT_COLUMNS)
    params = ", ".join(f"${n}" for n in range(6, len(SIT_COLUMNS) + 6))
    await conn.execute(
        f"""
        INSERT INTO sites (id, ot_id, modes, proof_max_age_days, min_confidence, active, {names})
        VALUES ($1, $2, $3, $4, $5, false, {params})
        """,
        site_id,
        ot_id,
        modes,
        defaults.proof_max_age_days,
        defaults.min_confidence,
        *values,
    )
