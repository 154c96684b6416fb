"""What the territory's faces read: OTs, arrival stops, partner sites (as the public
and their managers see them) and a site's staff. Its SQL: repository.py."""

from __future__ import annotations

import asyncpg

from service.territory import repository
from service.territory.views import ManagedSite, Site, managed_site, site_from_row


async def ots(db: asyncpg.Connection) -> list[asyncpg.Record]:
    return await repository.list_ots(db)


async def stops(db: asyncpg.Connection, mode: str | None = None) -> list[asyncpg.Record]:
    return await repository.list_stops(db, mode)


async def partner_sites(db: asyncpg.Connection, ot: str | None = None, mode: str | None = None) -> list[Site]:
    """The active partner sites, as GET /api/v1/sites shows them."""
    return [site_from_row(row) for row in await repository.list_sites(db, ot, mode)]


async def site_rows(db: asyncpg.Connection, ot: str | None = None) -> list[asyncpg.Record]:
    """The active partner sites with every column (booking flags, offer)."""
    return await repository.list_sites(db, ot, None)


async def managed_sites(db: asyncpg.Connection, scope: str | None) -> list[ManagedSite]:
    """Every site of `scope` (None: the department), inactive ones too."""
    return [managed_site(row) for row in await repository.all_sites(db, scope)]


async def site(db: asyncpg.Connection, site_id: str) -> asyncpg.Record | None:
    return await repository.site(db, site_id)


async def site_staff(db: asyncpg.Connection, site_id: str) -> list[asyncpg.Record]:
    return await repository.site_staff(db, site_id)
