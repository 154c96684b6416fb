"""Where a visitor may use the pass: the active partner sites with what their hours say of
the Lot's today, filtered and sorted as the visitor asks — by OT, by arrival mode, open
today, nearest an arrival stop — and one site with its week and its nearest stops."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import asyncpg

from service.core import clock, geo
from service.settings import Settings
from service.territory import hours, repository
from service.territory.views import Site, site_from_row

NEAREST_STOPS = 3


@dataclass(frozen=True)
class Listed:
    """A site as the list shows it: today's hours, and how far from the chosen stop."""

    site: Site
    today: hours.DayHours
    km: float | None = None


@dataclass(frozen=True)
class Visit:
    """A site's own page: its week from Monday, today, and the arrival stops nearest it."""

    site: Site
    today: date
    week: list[tuple[date, hours.DayHours]]
    stops: list[tuple[Any, float]]


async def stop(db: asyncpg.Connection, stop_id: str) -> asyncpg.Record | None:
    return await repository.stop(db, stop_id)


async def arrival_stops(db: asyncpg.Connection) -> list[asyncpg.Record]:
    """The stations and coach stops of the Lot a visitor may arrive at, by mode and name."""
    return [row for row in await repository.list_stops(db, None) if row["in_lot"]]


async def where_to_go(
    db: asyncpg.Connection,
    settings: Settings,
    *,
    ot: str | None = None,
    mode: str | None = None,
    open_today: bool = False,
    near: asyncpg.Record | None = None,
) -> list[Listed]:
    """The active sites of `ot` taking arrivals by `mode`, each with today's hours (the Lot's
    day); only those open today when asked; nearest `near` first, else by OT and name."""
    today = clock.local_date(settings)
    listed = [
        Listed(site, hours.on_day(site.hours, today), _km(near, site) if near is not None else None)
        for site in (site_from_row(row) for row in await repository.list_sites(db, ot, mode))
    ]
    if open_today:
        listed = [entry for entry in listed if entry.today.state == "open"]
    if near is not None:
        listed.sort(key=lambda entry: (entry.km, entry.site.name))
    return listed


async def visit(db: asyncpg.Connection, settings: Settings, site_id: str) -> Visit | None:
    """An active site's page, or None."""
    row = await repository.site(db, site_id)
    if row is None or not row["active"]:
        return None
    site = site_from_row(row)
    today = clock.local_date(settings)
    monday = today - timedelta(days=today.weekday())
    distances = sorted(((stop, _km(stop, site)) for stop in await arrival_stops(db)), key=lambda pair: pair[1])
    return Visit(site, today, hours.week(site.hours, monday), distances[:NEAREST_STOPS])


def _km(stop: Any, site: Site) -> float:
    return geo.haversine_km((stop["lat"], stop["lon"]), (site.lat, site.lon))
