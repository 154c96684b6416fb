"""Public territory: OTs and known arrival stops (partner sites: service/territory/admin.py)."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec
from litestar import Controller, get
from litestar.params import FromQuery

from service.core.db import DB
from service.settings import Mode
from service.territory import repository


class OT(msgspec.Struct):
    id: str
    name: str


class Site(msgspec.Struct):
    id: str
    name: str
    ot: str
    lat: float
    lon: float
    modes: list[str]
    offer: dict[str, Any]
    proof_max_age_days: int
    min_confidence: str
    bookable: bool
    booking_required: bool


class Stop(msgspec.Struct):
    id: str
    name: str
    mode: str
    lat: float
    lon: float
    ot: str | None
    uic: str | None
    in_lot: bool
    gateway: bool


def site_from_row(row: asyncpg.Record) -> Site:
    offer: dict[str, Any] = {}
    if row["offer_label"]:
        # `label` is French; the English and Spanish ones when the site gave them
        translated = {"label_en": row["offer_label_en"], "label_es": row["offer_label_es"]}
        offer = {
            "label": row["offer_label"],
            **{k: v for k, v in translated.items() if v},
            **(row["offer_details"] or {}),
        }
    return Site(
        id=row["id"],
        name=row["name"],
        ot=row["ot_id"],
        lat=row["lat"],
        lon=row["lon"],
        modes=list(row["modes"]),
        offer=offer,
        proof_max_age_days=row["proof_max_age_days"],
        min_confidence=row["min_confidence"],
        bookable=row["bookable"],
        booking_required=row["booking_required"],
    )


class TerritoryController(Controller):
    path = "/api/v1"
    tags = ["public"]

    @get("/ots", summary="The five Offices de tourisme")
    async def ots(self, db: DB) -> list[OT]:
        return [OT(row["id"], row["name"]) for row in await repository.list_ots(db)]

    @get("/stops", summary="Stations and coach stops known to the service; with mode=bike, where a ride may end")
    async def stops(self, db: DB, mode: FromQuery[Mode | None] = None) -> list[Stop]:
        return [
            Stop(
                id=row["id"],
                name=row["name"],
                mode=row["mode"],
                lat=row["lat"],
                lon=row["lon"],
                ot=row["ot_id"],
                uic=row["uic"],
                in_lot=row["in_lot"],
                gateway=row["gateway"],
            )
            for row in await (repository.bike_endpoints(db) if mode == "bike" else repository.list_stops(db, mode))
        ]
