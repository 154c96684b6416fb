"""GET /api/v1/reports/uptake: an OT sees its own territory; the pilot sees all."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.params import FromQuery, QueryParameter

from service.accounts.guards import Staff, requires
from service.core.clock import local_date
from service.core.db import DB
from service.core.errors import Problem
from service.reports import service
from service.territory import repository as territory_repository

GroupBy = Literal["mode", "site", "week", "method", "stop"]
MAX_PERIOD_DAYS = 3 * 366
# No pass was issued before the scheme began: a period ending earlier is a mistake.
EARLIEST_REPORT_DAY = date(2020, 1, 1)
DEFAULT_PERIOD_DAYS = 365


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]
    guards = [requires("ot", "pilot", "admin")]

    @get("/uptake", summary="Uptake of the Tarif bas carbone (JSON, or CSV with Accept: text/csv)")
    async def uptake(
        self,
        request: Request[Staff, Any, Any],
        db: DB,
        state: State,
        ot: FromQuery[str | None] = None,
        start: Annotated[date | None, QueryParameter(name="from")] = None,
        end: Annotated[date | None, QueryParameter(name="to")] = None,
        group_by: FromQuery[GroupBy | None] = None,
        format: FromQuery[Literal["json", "csv"] | None] = None,
    ) -> Response[Any]:
        staff = request.user
        if staff.role == "ot":
            ot = ot or staff.ot_id
        if ot is not None:
            if not staff.may_see_ot(ot):
                raise Problem(403, "auth.forbidden")
            if not await territory_repository.ot_exists(db, ot):
                raise Problem(404, "ot.unknown", ot=ot)
        settings = state.settings
        today = local_date(settings)
        end = end or today
        if not EARLIEST_REPORT_DAY <= end <= today + timedelta(days=366):  # years 1 and 9999 included
            raise Problem(400, "report.invalid_period")
        start = start or end - timedelta(days=DEFAULT_PERIOD_DAYS)
        if start > end or (end - start).days > MAX_PERIOD_DAYS:
            raise Problem(400, "report.invalid_period")
        report = await service.uptake(
            db,
            ot_id=ot,
            start=start,
            end=end,
            group_by=group_by,
            tz=settings.config.territory.timezone,
            factors=settings.config.factors,
        )
        wants_csv = format == "csv" or (format is None and "text/csv" in request.headers.get("accept", ""))
        if wants_csv:
            filename = f"tbc-uptake-{ot or 'lot'}-{start}-{end}.csv"
            rows = report["rows"] or [report["totals"]]
            return Response(
                service.to_csv(rows),
                media_type="text/csv",  # Litestar adds "; charset=utf-8" to text types
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            )
        return Response(report)
