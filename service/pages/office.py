"""The tourist offices' pages: `/ot` (the uptake of a territory at a glance, for a
period, with charts, tables, exports and the CO2 method) and `/ot/work` (the review
queue, offline-scan conflicts, revocations, slots of bookable sites).

Staff sign in through the API (token, then the session cookie); these handlers read
the session with `authenticate`. An OT sees its own territory only; the pilot chooses
an OT or the whole department. Writes go through the API from the page's script;
the pages themselves only read, through the domains' services and repositories.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import asyncpg
from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from service.accounts.guards import (
    Staff,
    authenticate,
    check_form_post,
    end_token,
    session_cookie,
    session_cookie_token,
)
from service.bookings import service as bookings
from service.core.clock import local_date, season_start
from service.core.db import DB
from service.core.errors import Problem
from service.pages.templating import Lang, page
from service.passes import codes
from service.passes import service as passes
from service.redemptions import service as redemptions
from service.reports import breakdowns
from service.reports import service as reports
from service.reports.period import Period, resolve
from service.reviews import service as review_service
from service.settings import Settings
from service.territory import service as territory
from service.territory.views import managed_site

OFFICE_ROLES = ("ot", "pilot", "admin")


async def signed_in(request: Request) -> Staff | None:
    """The staff member of this page's session, or None (no cookie, an ended one)."""
    try:
        return await authenticate(request)
    except Problem as refusal:
        if refusal.status == 401:
            return None
        raise


def _refused(lang: str, staff: Staff | None, status: int, reason: str) -> Template:
    response = page("office/refused.html.j2", lang, staff=staff, reason=reason)
    response.status_code = status
    return response


def sign_in(lang: str) -> Template:
    return page("office/sign_in.html.j2", lang, staff=None)


async def office_staff(request: Request, lang: str) -> Staff | Template:
    """The OT or pilot of this session; else the page to show instead (sign-in, or refused)."""
    staff = await signed_in(request)
    if staff is None:
        return sign_in(lang)
    if staff.role not in OFFICE_ROLES:
        return _refused(lang, staff, 403, "role")
    return staff


def _dashboard_scope(staff: Staff, ot: str | None, ots: list[Any]) -> str | None | tuple[int, str]:
    """The OT the dashboard is about (None: the department), as the reports API decides it
    (Staff.ot_scope), or why not (status, reason)."""
    try:
        scope = staff.ot_scope(ot or None)
    except Problem:
        return 403, "ot"
    if scope is not None and not any(row["id"] == scope for row in ots):
        return 404, "unknown_ot"
    return scope


def _period_or_season(settings: Settings, start: date | None, end: date | None, today: date) -> tuple[Period, bool]:
    """The period asked for, or this season to date when it cannot be (and True)."""
    try:
        return resolve(start, end, today, lambda day: season_start(settings, day)), False
    except Problem:
        return resolve(None, None, today, lambda day: season_start(settings, day)), True


def _distance_summary(co2_method: dict[str, Any]) -> dict[str, int]:
    """Passes by where their CO2 distance came from (the report's co2_method):
    the proof (a recorded GPX ride), the timetable, or the configured average."""
    return {row["source"]: row["passes"] for row in co2_method["distance_sources"]}


def _previous(figures: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """Last year's figures, or None when the scheme did not run then (nothing to compare)."""
    then = {name: figure["previous"] for name, figure in figures.items()}
    return then if then["passes"] is not None else None


class OfficePages(Controller):
    path = "/ot"

    @get("", name="office.dashboard")
    async def dashboard(
        self,
        request: Request,
        db: DB,
        lang: Lang,
        ot: FromQuery[str | None] = None,
        start: Annotated[date | None, QueryParameter(name="from")] = None,
        end: Annotated[date | None, QueryParameter(name="to")] = None,
    ) -> Template:
        """Key figures for a period (this season to date by default) and the five breakdowns."""
        staff = await office_staff(request, lang)
        if isinstance(staff, Template):
            return staff
        settings: Settings = request.app.state.settings
        ots = await territory.ots(db)
        scope = _dashboard_scope(staff, ot, ots)
        if isinstance(scope, tuple):
            return _refused(lang, staff, *scope)
        today = local_date(settings)
        period, period_error = _period_or_season(settings, start, end, today)
        factors = settings.config.factors
        # The numbers of GET /api/v1/reports/figures (the pilot's comparison is its
        # group_by=ot) and of GET /api/v1/reports/breakdowns: one snapshot each.
        key = await reports.figures(db, ot_id=scope, period=period, by_ot=scope is None, factors=factors)
        tables = await reports.breakdowns(
            db,
            ot_id=scope,
            period=period,
            wanted=[b.name for b in breakdowns.ON_DASHBOARD],
            tz=settings.config.territory.timezone,
            factors=factors,
        )
        comparison = [(row, {name: figure["value"] for name, figure in row["figures"].items()}) for row in key["rows"]]
        return page(
            "office/dashboard.html.j2",
            lang,
            staff=staff,
            ots=ots,
            scope=scope,
            scope_name=next((row["name"] for row in ots if row["id"] == scope), None),
            start=period.start,
            end=period.end,
            period_error=period_error,
            is_season=period.start == season_start(settings, period.end) and period.end == today,
            totals={name: figure["value"] for name, figure in key["figures"].items()},
            last_year=_previous(key["figures"]),
            breakdowns=tables["breakdowns"],
            dashboard_breakdowns=breakdowns.ON_DASHBOARD,
            comparison=comparison,
            factors=factors,
            distances=_distance_summary(tables["co2_method"]),
            # the department's report is the one without `ot`
            export_query={
                **({"ot": scope} if scope else {}),
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
            },
        )

    @get("/work", name="office.work")
    async def work(
        self,
        request: Request,
        db: DB,
        lang: Lang,
        site: FromQuery[str | None] = None,
        day: Annotated[date | None, QueryParameter(name="date")] = None,
        done: FromQuery[str | None] = None,
        code: FromQuery[str | None] = None,
    ) -> Template:
        """What waits for a person: proofs to review, offline-scan conflicts, revocations, slots."""
        staff = await office_staff(request, lang)
        if isinstance(staff, Template):
            return staff
        settings: Settings = request.app.state.settings
        scope = staff.ot_scope(None)
        sites = await territory.site_rows(db, scope)
        bookable = [row for row in sites if row["bookable"]]
        chosen = next((row for row in bookable if row["id"] == site), bookable[0] if bookable else None)
        day = day or local_date(settings)
        stops = [row for row in await territory.stops(db) if row["in_lot"] or row["gateway"]]
        queue = await review_service.review_queue(db, settings, scope, "pending")
        return page(
            "office/work.html.j2",
            lang,
            staff=staff,
            queue=queue.proofs,
            lookalikes=queue.lookalikes,
            similar_rides=queue.similar_rides,
            stops=stops,
            stop_names={row["id"]: row["name"] for row in stops},
            sites=await territory.site_rows(db),
            bookable=bookable,
            chosen_site=chosen,
            day=day,
            slots=await bookings.slots_of(db, chosen["id"], day, settings.config.territory.timezone) if chosen else [],
            conflicts=await redemptions.open_conflicts(db, scope),
            site_names={row["id"]: row["name"] for row in sites},
            timezone=settings.config.territory.timezone,
            done=done if done in ("approved", "rejected", "revoked", "slot_created", "acknowledged") else None,
            done_code=await _revoked_code(db, code) if done == "revoked" else None,
        )

    @get("/sites", name="office.sites")
    async def sites(
        self,
        request: Request,
        db: DB,
        lang: Lang,
        site: FromQuery[str | None] = None,
        done: FromQuery[str | None] = None,
    ) -> Template:
        """The partner sites of the scope (inactive ones too), a form to add one, and with
        `site` the form to edit it and its partner accounts. Writes go to the sites API."""
        staff = await office_staff(request, lang)
        if isinstance(staff, Template):
            return staff
        scope = staff.ot_scope(None)
        # the rows of GET /api/v1/sites/managed
        managed = await territory.managed_sites(db, scope)
        chosen = None
        if site:
            row = await territory.site(db, site)
            if row is None:
                return _refused(lang, staff, 404, "unknown_site")
            if not staff.may_see_ot(row["ot_id"]):
                return _refused(lang, staff, 403, "ot")
            chosen = managed_site(row)
        ots = [row for row in await territory.ots(db) if staff.may_see_ot(row["id"])]
        return page(
            "office/sites.html.j2",
            lang,
            staff=staff,
            sites=managed,
            ots=ots,
            ot_names={row["id"]: row["name"] for row in ots},
            chosen=chosen,
            accounts=await territory.site_staff(db, chosen.id) if chosen else [],
            done=done if done in ("site_created", "site_updated", "account_created") else None,
        )

    @get("/sites/{site_id:str}/figures", name="office.site_figures")
    async def site_figures(self, request: Request, db: DB, lang: Lang, site_id: FromPath[str]) -> Template:
        """One site's figures this season (as GET /api/v1/reports/figures?site=), for its OT and the pilot."""
        staff = await office_staff(request, lang)
        if isinstance(staff, Template):
            return staff
        site = await reports.report_site(db, site_id)
        if site is None:
            return _refused(lang, staff, 404, "unknown_site")
        if not staff.may_see_ot(site["ot_id"]):
            return _refused(lang, staff, 403, "ot")
        settings: Settings = request.app.state.settings
        period = resolve(None, None, local_date(settings), lambda day: season_start(settings, day))
        report = await reports.site_report(db, site, period)
        return page("office/site_figures.html.j2", lang, staff=staff, report=report)

    @post("/sign-out", name="office.sign_out", status_code=303)
    async def sign_out(self, request: Request, db: DB, lang: Lang) -> Redirect:
        """Sign out (as DELETE /api/v1/auth/session: the session's token ends for good), back to
        the sign-in form. A form post of our own page: its form token and our origin, or 403."""
        token = session_cookie_token(request)
        staff = None
        if token is not None:
            try:
                staff = await authenticate(request, token)
            except Problem:
                staff = None  # an ended session: only the cookie is left to clear
        if staff is not None:
            form = await request.form()
            check_form_post(request, staff, form.get("form_token"))
            await end_token(request, db, token)
        return Redirect(f"/ot?lang={lang}", status_code=303, cookies=[session_cookie(request)])


async def _revoked_code(db: asyncpg.Connection, code: str | None) -> str | None:
    """The code the flash names after a revocation, shown only when that pass is revoked
    (a link cannot make the page claim what did not happen)."""
    canonical = codes.normalise(code) if code else None
    row = await passes.by_code(db, canonical) if canonical else None
    return codes.display(row["code"]) if row is not None and row["revoked_at"] is not None else None
