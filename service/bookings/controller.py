"""Slots of bookable sites, and bookings made with a pass."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from service.accounts.guards import OfficeRoutes, PartnerRoutes, Staff, bearer_token, requires
from service.bookings import repository, service
from service.core import clock
from service.core.db import DB, RowId, from_row
from service.core.errors import Problem
from service.core.i18n import N_, text
from service.core.requests import check_day
from service.passes import codes
from service.territory import repository as territory
from service.territory.scope import OT_SCOPE

# Slots are opened for the coming seasons, each within one day.
SLOT_HORIZON = timedelta(days=366)
MAX_SLOT_LENGTH = timedelta(hours=24)


class Slot(msgspec.Struct):
    id: int
    start: datetime
    end: datetime
    capacity: int
    remaining: int


class NewSlot(msgspec.Struct, forbid_unknown_fields=True):
    start: datetime
    end: datetime
    capacity: Annotated[int, msgspec.Meta(ge=1, le=10_000)]


class BookingRequest(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
    slot_id: RowId
    persons: Annotated[int, msgspec.Meta(ge=1, le=50)] = 1


class Booking(msgspec.Struct):
    id: int
    slot_id: int
    persons: int


def _slot(row: Any) -> Slot:
    return Slot(row["id"], row["starts_at"], row["ends_at"], row["capacity"], row["remaining"])


class SlotController(Controller):
    path = "/api/v1/sites/{site_id:str}/slots"
    tags = ["bookings"]

    @get("", summary="Slots of a bookable site (upcoming, or those of `date`)")
    async def list(
        self, db: DB, state: State, site_id: FromPath[str], date: FromQuery[date | None] = None
    ) -> list[Slot]:
        site = await territory.site(db, site_id)
        if site is None or not site["active"]:
            raise Problem(404, "request.not_found")
        rows = await repository.slots_of(db, site_id, date, state.settings.config.territory.timezone)
        return [_slot(row) for row in rows]

    @post("", guards=[requires("ot", "pilot", "admin")], summary="Open a slot with a quota of low-carbon places")
    async def create(
        self, request: Request[Staff, Any, Any], db: DB, site_id: FromPath[str], data: JSONBody[NewSlot]
    ) -> Slot:
        site = await territory.site(db, site_id)
        if site is None or not request.user.may_see_ot(site["ot_id"]):
            raise Problem(404, "request.not_found")
        if not site["bookable"]:
            raise Problem(422, "booking.not_bookable")
        if data.start.tzinfo is None or data.end.tzinfo is None or data.end <= data.start:
            raise Problem(
                400,
                "request.invalid",
                reason=text(N_("start and end: dates and times with their offset, the end after the start")),
            )
        now = clock.now()
        if not now <= data.start <= now + SLOT_HORIZON or data.end - data.start > MAX_SLOT_LENGTH:
            raise Problem(
                400,
                "request.invalid",
                reason=text(N_("a slot starts between now and a year ahead, and lasts a day at most")),
            )
        row = await repository.add_slot(db, site_id, data.start, data.end, data.capacity)
        if row is None:
            raise Problem(409, "booking.slot_exists")
        return _slot(row)


class ScopeSlot(msgspec.Struct):
    id: int
    site_id: str
    site_name: str
    ot_id: str
    start: datetime
    end: datetime
    capacity: int
    booked: int
    remaining: int
    bookings: int


MAX_SLOT_DAYS = 92


class ScopeSlotController(OfficeRoutes):
    """The OT's view of its bookable sites: every slot of a period, how full it is."""

    path = "/api/v1/slots"
    tags = ["bookings"]

    @get(
        "",
        summary="Slots of the bookable sites of an OT (or the department), by Lot day; default: the next 14 days",
        dependencies=OT_SCOPE,
    )
    async def list(
        self,
        db: DB,
        state: State,
        ot_scope: NamedDependency[str | None],
        site: FromQuery[str | None] = None,
        first: Annotated[date | None, QueryParameter(name="from")] = None,
        last: Annotated[date | None, QueryParameter(name="to")] = None,
    ) -> list[ScopeSlot]:
        settings = state.settings
        check_day(first, "from")
        check_day(last, "to")
        first = first or clock.local_date(settings)
        last = last or first + timedelta(days=13)
        if last < first or (last - first).days >= MAX_SLOT_DAYS:
            raise Problem(400, "request.invalid", reason=f"from ≤ to, at most {MAX_SLOT_DAYS} days")
        rows = await repository.slots_of_scope(
            db, ot_scope, site, first, last, settings.config.territory.timezone, limit=5000
        )
        return [from_row(ScopeSlot, row, start=row["starts_at"], end=row["ends_at"]) for row in rows]


class BookedPass(msgspec.Struct):
    booking_id: int
    code: str
    code_display: str
    persons: int
    scanned_at: datetime | None
    device: str | None


class SlotSheet(msgspec.Struct):
    id: int
    start: datetime
    end: datetime
    capacity: int
    remaining: int
    bookings: list[BookedPass]


class DeskBookingController(PartnerRoutes):
    """A bookable partner's day at the desk: who booked which slot, who has come."""

    path = "/api/v1/bookings/today"

    @get("", summary="Today's slots of the caller's site, with their bookings and who has been scanned")
    async def today(self, request: Request[Staff, Any, Any], db: DB, state: State) -> list[SlotSheet]:
        site_id = request.user.site_id
        assert site_id is not None
        settings = state.settings
        rows = await repository.day_sheet(db, site_id, clock.local_date(settings), settings.config.territory.timezone)
        sheets: dict[int, SlotSheet] = {}
        for row in rows:
            sheet = sheets.setdefault(
                row["slot_id"],
                SlotSheet(row["slot_id"], row["starts_at"], row["ends_at"], row["capacity"], row["remaining"], []),
            )
            if row["booking_id"] is not None:
                sheet.bookings.append(
                    BookedPass(
                        row["booking_id"],
                        row["code"],
                        codes.display(row["code"]),
                        row["persons"],
                        row["redeemed_at"],
                        row["device"],
                    )
                )
        return list(sheets.values())


class BookingController(Controller):
    path = "/api/v1/bookings"
    tags = ["bookings"]

    @post("", summary="Book places on a slot with a pass")
    async def book(self, db: DB, state: State, data: JSONBody[BookingRequest]) -> Booking:
        row = await service.book(
            db, state.settings, state.keyring, state.pool, token=data.token, slot_id=data.slot_id, persons=data.persons
        )
        return Booking(row["id"], row["slot_id"], row["persons"])

    @delete("/{booking_id:int}", summary="Cancel a booking (bearer: the pass token); the places come back")
    async def cancel(self, request: Request, db: DB, state: State, booking_id: FromPath[RowId]) -> None:
        token = bearer_token(request)
        if token is None:
            raise Problem(401, "pass.token_required", headers={"WWW-Authenticate": "Bearer"})
        await service.cancel(db, state.settings, state.keyring, state.pool, token=token, booking_id=booking_id)
