"""The OT reports. An OT sees its own territory; the pilot sees all of it.

- GET /api/v1/reports/figures     key figures, each with the same period last year
- GET /api/v1/reports/breakdowns  every table a dashboard draws, in one answer (JSON or XLSX)
- GET /api/v1/reports/uptake      totals and one table (API.md; JSON, CSV or XLSX)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, QueryParameter

from service.accounts.guards import OfficeRoutes, Staff
from service.core.clock import local_date, season_start
from service.core.db import DB
from service.core.errors import Problem
from service.reports import exports, service
from service.reports.period import Period, resolve
from service.territory.scope import OT_SCOPE

GroupBy = Literal[tuple(service.BREAKDOWNS)]  # type: ignore[valid-type]
From = Annotated[date | None, QueryParameter(name="from", description="first Lot day (default: the season's start)")]
To = Annotated[date | None, QueryParameter(name="to", description="last Lot day, included (default: today)")]


def _period(state: State, start: date | None, end: date | None) -> Period:
    settings = state.settings
    return resolve(start, end, local_date(settings), lambda day: season_start(settings, day))


@dataclass(frozen=True)
class Asked:
    """What every report is asked for: its scope (an OT, None: the department) and period."""

    scope: str | None
    period: Period


async def _asked(state: State, ot_scope: NamedDependency[str | None], start: From = None, end: To = None) -> Asked:
    """The scope (checked against the caller) and the period of a report (the handlers' `asked`)."""
    return Asked(ot_scope, _period(state, start, end))


def _territory(state: State) -> dict[str, Any]:
    """What every report reads from the configuration: the Lot's zone, the CO2 factors."""
    return {"tz": state.settings.config.territory.timezone, "factors": state.settings.config.factors}


def _file(content: bytes, media_type: str, filename: str) -> Response[bytes]:
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def _breakdown_list(by: list[str]) -> list[str]:
    """`by=week,mode` or `by=week&by=mode`; every breakdown when absent."""
    asked = [name.strip() for value in by for name in value.split(",")]
    asked = [name for name in asked if name]
    if not asked:
        return list(service.BREAKDOWNS)
    unknown = sorted(set(asked) - set(service.BREAKDOWNS))
    if unknown:
        raise Problem(400, "request.invalid", reason=f"`by`: unknown breakdown {', '.join(unknown)}")
    if len(set(asked)) != len(asked):
        raise Problem(400, "request.invalid", reason="`by`: a breakdown is named twice")
    return asked


class ReportController(OfficeRoutes):
    path = "/api/v1/reports"
    tags = ["reports"]
    dependencies = {"asked": Provide(_asked), **OT_SCOPE}

    @get("/figures", summary="Key figures of a period, each with the same period a year earlier")
    async def figures(
        self, db: DB, state: State, asked: NamedDependency[Asked], group_by: FromQuery[Literal["ot"] | None] = None
    ) -> dict[str, Any]:
        scope, period = asked.scope, asked.period
        report = await service.figures(
            db, ot_id=scope, period=period, by_ot=group_by == "ot", factors=state.settings.config.factors
        )
        report["season_start"] = season_start(state.settings, period.end).isoformat()
        return report

    @get("/breakdowns", summary="Every table of the dashboard at once (JSON, or an XLSX workbook)")
    async def breakdowns(
        self,
        db: DB,
        state: State,
        asked: NamedDependency[Asked],
        by: Annotated[
            list[str] | None,
            QueryParameter(description=f"breakdowns, comma-separated or repeated: {', '.join(service.BREAKDOWNS)}"),
        ] = None,
        format: FromQuery[Literal["json", "xlsx"] | None] = None,
    ) -> Response[Any]:
        wanted = _breakdown_list(by or [])
        scope, period = asked.scope, asked.period
        report = await service.breakdowns(db, ot_id=scope, period=period, wanted=wanted, **_territory(state))
        if format == "xlsx":
            method = dict(report["co2_method"])
            sources = method.pop("distance_sources")
            sheets = {
                "totals": [report["totals"]],
                **report["breakdowns"],
                "co2_sources": sources,
                "co2_factors": [{"name": k, "value": v} for k, v in exports.flatten("", method).items()],
            }
            return _file(
                exports.to_xlsx(sheets),
                exports.XLSX_MEDIA_TYPE,
                f"tbc-{scope or 'lot'}-{period.start}-{period.end}.xlsx",
            )
        return Response(report)

    @get("/uptake", summary="Uptake of the Tarif bas carbone (JSON; CSV with Accept: text/csv or format=csv)")
    async def uptake(
        self,
        request: Request[Staff, Any, Any],
        db: DB,
        state: State,
        asked: NamedDependency[Asked],
        group_by: FromQuery[GroupBy | None] = None,
        format: FromQuery[Literal["json", "csv", "xlsx"] | None] = None,
        dialect: Annotated[
            exports.Dialect | None,
            QueryParameter(description="CSV flavour: rfc4180 (default; comma) or excel-fr (BOM, `;`, decimal comma)"),
        ] = None,
    ) -> Response[Any]:
        scope, period = asked.scope, asked.period
        report = await service.uptake(db, ot_id=scope, period=period, group_by=group_by, **_territory(state))
        rows = report["rows"] or [report["totals"]]
        name = f"tbc-uptake-{scope or 'lot'}-{group_by or 'totals'}-{period.start}-{period.end}"
        wants_csv = format == "csv" or (format is None and "text/csv" in request.headers.get("accept", ""))
        if wants_csv:
            return _file(exports.to_csv(rows, dialect or "rfc4180"), exports.CSV_MEDIA_TYPE, f"{name}.csv")
        if format == "xlsx":
            return _file(exports.to_xlsx({group_by or "totals": rows}), exports.XLSX_MEDIA_TYPE, f"{name}.xlsx")
        return Response(report)
