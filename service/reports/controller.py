"""The OT reports. An OT sees its own territory; the pilot sees all of it.

- GET /api/v1/reports/figures     key figures, each with the same period last year
- GET /api/v1/reports/breakdowns  every table a dashboard draws, in one answer (JSON or XLSX)
- GET /api/v1/reports/uptake      totals and one table (API.md; JSON, CSV or XLSX)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, QueryParameter

from service.accounts.guards import Staff, requires
from service.core.clock import local_date, season_start
from service.core.db import DB
from service.core.errors import Problem
from service.reports import exports, service
from service.reports.period import Period, resolve
from service.reports.site_report import TABLES
from service.territory.scope import OtParam, checked_scope

GroupBy = Literal[tuple(service.BREAKDOWNS)]  # type: ignore[valid-type]
From = Annotated[date | None, QueryParameter(name="from", description="first Lot day (default: the season's start)")]
To = Annotated[date | None, QueryParameter(name="to", description="last Lot day, included (default: today)")]


def _period(state: State, start: date | None, end: date | None) -> Period:
    settings = state.settings
    return resolve(start, end, local_date(settings), lambda day: season_start(settings, day))


@dataclass(frozen=True)
class Asked:
    """What every report is asked for: its scope (an OT, None: the department) and period,
    and for one site's figures that site (its row: id, name, OT, offer)."""

    scope: str | None
    period: Period
    site: Any = None


SiteParam = Annotated[
    str | None, QueryParameter(description="one partner site's figures (a partner: its own, by default)")
]


async def _asked(
    request: Request[Staff, Any, Any],
    state: State,
    db: DB,
    ot: OtParam = None,
    site: SiteParam = None,
    start: From = None,
    end: To = None,
) -> Asked:
    """The scope (checked against the caller) and the period of a report (the handlers' `asked`):
    a partner's are its own site's; an OT's, its territory or one of its sites; the pilot's, any."""
    staff, period = request.user, _period(state, start, end)
    if staff.role == "partner":
        if site is not None and site != staff.site_id:
            raise Problem(403, "auth.forbidden")
        site = staff.site_id
    if site is None:
        return Asked(await checked_scope(staff, db, ot), period)
    row = await service.report_site(db, site)
    if row is None:
        raise Problem(404, "request.not_found")
    if staff.role != "partner" and not staff.may_see_ot(row["ot_id"]):
        raise Problem(403, "auth.forbidden")
    return Asked(row["ot_id"], period, row)


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


def _site_tables(report: dict[str, Any], format: str | None) -> Response[Any]:
    """A site's tables: its JSON, or a workbook of its figures and tables."""
    if format != "xlsx":
        return Response(report)
    figures = [
        {"figure": name, "value": f["value"], "previous": f["previous"]} for name, f in report["figures"].items()
    ]
    sheets = {"figures": figures, **{name: rows for name, rows in report["breakdowns"].items() if rows}}
    filename = f"tbc-{report['site']}-{report['from']}-{report['to']}.xlsx"
    return _file(exports.to_xlsx(sheets), exports.XLSX_MEDIA_TYPE, filename)


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]
    # a partner's desk too: `asked` keeps it to its own site
    guards = [requires("ot", "pilot", "admin", "partner")]
    dependencies = {"asked": Provide(_asked)}

    @get("/figures", summary="Key figures of a period, each with the same period a year earlier")
    async def figures(
        self, db: DB, state: State, asked: NamedDependency[Asked], group_by: FromQuery[Literal["ot"] | None] = None
    ) -> dict[str, Any]:
        scope, period = asked.scope, asked.period
        if asked.site is not None:
            return await service.site_report(db, asked.site, period)
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
        scope, period = asked.scope, asked.period
        if asked.site is not None:
            return _site_tables(await service.site_report(db, asked.site, period), format)
        wanted = _breakdown_list(by or [])
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
        if asked.site is not None:
            report = await service.site_report(db, asked.site, period)
            if group_by is not None and group_by not in TABLES:
                raise Problem(400, "request.invalid", reason=f"`group_by`: a site's tables are {', '.join(TABLES)}")
            totals = {name: figure["value"] for name, figure in report["figures"].items()}
            report = {**report, "group_by": group_by, "totals": totals, "rows": report["breakdowns"].get(group_by, [])}
            scope = asked.site["id"]
        else:
            report = await service.uptake(db, ot_id=scope, period=period, group_by=group_by, **_territory(state))
        rows = report["rows"] or [report["totals"]]
        name = f"tbc-uptake-{scope or 'lot'}-{group_by or 'totals'}-{period.start}-{period.end}"
        wants_csv = format == "csv" or (format is None and "text/csv" in request.headers.get("accept", ""))
        if wants_csv:
            return _file(exports.to_csv(rows, dialect or "rfc4180"), exports.CSV_MEDIA_TYPE, f"{name}.csv")
        if format == "xlsx":
            return _file(exports.to_xlsx({group_by or "totals": rows}), exports.XLSX_MEDIA_TYPE, f"{name}.xlsx")
        return Response(report)
