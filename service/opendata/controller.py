"""The open data, for anyone and any site (no credential, any origin):

- GET /api/v1/open-data/uptake.csv        the uptake by ISO week, OT and arrival mode
- GET /api/v1/open-data/schema.json       its Table Schema
- GET /api/v1/open-data/datapackage.json  the data package: licence, source, update frequency
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import State

from service.core.db import DB
from service.opendata import table
from service.reports.exports import CSV_MEDIA_TYPE

# Public and the same for everyone: any page may fetch it, any cache keep it an hour.
_PUBLIC = {"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"}


def _not_modified(if_none_match: str, etag: str) -> bool:
    """RFC 9110 If-None-Match: `*`, or any of the listed tags (weak ones compared weakly)."""
    return any(tag.strip().removeprefix("W/") in (etag, "*") for tag in if_none_match.split(","))


def _min_count(state: State) -> int:
    return state.settings.config.rules.open_data.min_count


class OpenDataController(Controller):
    path = "/api/v1/open-data"
    tags = ["open data"]

    @get("/uptake.csv", summary="The uptake by ISO week, tourist office and arrival mode (Licence Ouverte 2.0)")
    async def uptake(self, request: Request[Any, Any, Any], state: State, db: DB) -> Response[bytes]:
        published = await state.open_data.get(db, state.settings)
        headers = {**_PUBLIC, "ETag": published.etag}
        if _not_modified(request.headers.get("if-none-match", ""), published.etag):
            return Response(b"", status_code=304, headers=headers)
        headers["Content-Disposition"] = 'inline; filename="tarif-bas-carbone-lot-frequentation.csv"'
        return Response(published.csv, media_type=CSV_MEDIA_TYPE, headers=headers)

    @get("/schema.json", summary="The Table Schema of uptake.csv")
    async def schema(self, state: State) -> Response[dict[str, Any]]:
        return Response(table.schema(_min_count(state)), headers=_PUBLIC)

    @get("/datapackage.json", summary="The data package of uptake.csv: licence, source, update frequency")
    async def datapackage(self, state: State) -> Response[dict[str, Any]]:
        settings = state.settings
        package = table.datapackage(settings.public_url, settings.config.legal, _min_count(state))
        return Response(package, headers=_PUBLIC)
