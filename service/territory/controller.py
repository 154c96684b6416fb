"""Public territory: OTs and known arrival stops (partner sites: service/territory/admin.py)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromQuery

from service.core.db import DB, from_row
from service.settings import Mode
from service.territory import repository
from service.territory.views import OT, Stop


class TerritoryController(Controller):
    path = "/api/v1"
    tags = ["public"]

    @get("/ots", summary="The five Offices de tourisme")
    async def ots(self, db: DB) -> list[OT]:
        return [OT(row["id"], row["name"]) for row in await repository.list_ots(db)]

    @get("/stops", summary="Stations and coach stops known to the service; with mode=bike, where a ride may end")
    async def stops(self, db: DB, mode: FromQuery[Mode | None] = None) -> list[Stop]:
        return [
            from_row(Stop, row, ot=row["ot_id"])
            for row in await (repository.bike_endpoints(db) if mode == "bike" else repository.list_stops(db, mode))
        ]
