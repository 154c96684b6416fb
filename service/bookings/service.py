"""Booking a low-carbon place on a slot with a pass, and giving it back."""

from __future__ import annotations

from datetime import date

import asyncpg

from service.bookings import repository
from service.core import clock
from service.core.errors import Problem
from service.core.i18n import End
from service.passes import repository as passes_repository
from service.passes.service import check_site_accepts, verify_token
from service.settings import Settings
from service.signing.service import Keyring
from service.territory import repository as territory


async def book(
    db: asyncpg.Connection,
    settings: Settings,
    keyring: Keyring,
    pool: asyncpg.Pool,
    *,
    token: str,
    slot_id: int,
    persons: int,
) -> asyncpg.Record:
    claims = await verify_token(token, settings, keyring, pool)
    pass_row = await passes_repository.by_code(db, claims.code)
    if pass_row is None:
        raise Problem(422, "pass.invalid")
    if pass_row["revoked_at"] is not None:
        raise Problem(410, "pass.revoked")
    slot = await repository.slot(db, slot_id)
    if slot is None:
        raise Problem(404, "booking.slot_not_found")
    now = clock.now()
    if slot["starts_at"] <= now:
        raise Problem(422, "booking.slot_past")
    if not (pass_row["valid_from"] <= slot["starts_at"] < pass_row["valid_until"]):
        raise Problem(422, "booking.outside_validity", valid_until=End(pass_row["valid_until"]))
    site = await territory.site(db, slot["site_id"])
    if site is None or not site["active"] or not site["bookable"]:
        raise Problem(422, "booking.not_bookable")
    check_site_accepts(site, pass_row, clock.local_date(settings, slot["starts_at"]))
    if persons > pass_row["persons"]:
        raise Problem(422, "booking.too_many_persons", persons=pass_row["persons"])

    async with db.transaction():
        booking = await repository.insert_booking(db, slot_id, slot["site_id"], pass_row["id"], persons)
        if booking is None:
            raise Problem(409, "booking.duplicate")
        if not await repository.take_places(db, slot_id, persons):
            raise Problem(409, "booking.full")  # the transaction, and the booking, roll back
    return booking


async def cancel(
    db: asyncpg.Connection, settings: Settings, keyring: Keyring, pool: asyncpg.Pool, *, token: str, booking_id: int
) -> None:
    claims = await verify_token(token, settings, keyring, pool)
    async with db.transaction():
        booking = await repository.booking_for_cancel(db, booking_id)
        if booking is None or booking["pass_code"] != claims.code:
            raise Problem(404, "request.not_found")
        if booking["cancelled_at"] is not None:
            return  # already given back: cancelling twice is harmless
        if booking["starts_at"] <= clock.now():
            raise Problem(409, "booking.started")
        await repository.cancel(db, booking["id"], booking["slot_id"], booking["persons"])


async def slots_of(db: asyncpg.Connection, site_id: str, day: date | None, tz: str) -> list[asyncpg.Record]:
    """A site's slots of a Lot day, with the places left."""
    return await repository.slots_of(db, site_id, day, tz)
