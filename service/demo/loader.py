"""Demo data: partner sites across the five OTs and the demo accounts of API.md.

Idempotent: running it again updates the same rows and adds no duplicates.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from service.accounts import repository as accounts
from service.accounts.passwords import hash_password_async
from service.bookings import repository as bookings
from service.core.clock import local_date
from service.settings import Settings, load_demo
from service.territory import repository as territory

log = logging.getLogger("service.demo")

DEMO_PASSWORD = "demo"  # noqa: S105 (the documented demo password, demo data only)
# Bookable demo sites open three slots a day for the coming two weeks.
SLOT_HOURS = (10, 14, 16)
SLOT_MINUTES = 90
SLOT_CAPACITY = 10
SLOT_DAYS = 14


def demo_accounts(settings: Settings, site_ids: list[str]) -> list[tuple[str, str, str | None, str | None]]:
    """(username, role, ot, site) of every demo account."""
    accounts_list: list[tuple[str, str, str | None, str | None]] = [("demo-pilot", "pilot", None, None)]
    accounts_list += [(f"demo-ot-{ot.id}", "ot", ot.id, None) for ot in settings.config.territory.ots]
    accounts_list += [(f"demo-partner-{site_id}", "partner", None, site_id) for site_id in site_ids]
    return accounts_list


async def load(conn: asyncpg.Connection, settings: Settings) -> int:
    """Load the demo sites and accounts; returns the number of accounts created."""
    demo = load_demo(settings.config_dir)
    await territory.upsert_sites(conn, demo.sites, settings.config.rules.sites)
    wanted = demo_accounts(settings, [site.id for site in demo.sites])
    # Hash once: argon2 is slow on purpose, and every demo account shares the password.
    existing = await accounts.existing_usernames(conn, [username for username, *_ in wanted])
    missing = [account for account in wanted if account[0] not in existing]
    if missing:
        password_hash = await hash_password_async(DEMO_PASSWORD)
        async with conn.transaction():
            for username, role, ot_id, site_id in missing:
                await accounts.upsert(conn, username, password_hash, role, ot_id, site_id)
    await bookings.add_slots(conn, demo_slots(settings, [site.id for site in demo.sites if site.bookable]))
    log.info("demo data: %d sites, %d accounts (%d new)", len(demo.sites), len(wanted), len(missing))
    return len(missing)


def demo_slots(settings: Settings, site_ids: list[str]) -> list[tuple[str, datetime, datetime, int]]:
    tz = ZoneInfo(settings.config.territory.timezone)
    today = local_date(settings)
    rows = []
    for site_id in site_ids:
        for day in range(SLOT_DAYS + 1):
            for hour in SLOT_HOURS:
                start = datetime.combine(today + timedelta(days=day), time(hour), tz)
                rows.append((site_id, start, start + timedelta(minutes=SLOT_MINUTES), SLOT_CAPACITY))
    return rows
