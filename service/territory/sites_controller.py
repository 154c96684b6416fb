"""Partner sites: the public list, and their management through the API — by the
pilot for every OT, by an OT user for its own territory. The body of a site is the
shape of `tbc import-sites` and config/demo.toml.

One controller for every /api/v1/sites route: Litestar cannot spread the methods of
one path over two controllers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from service.accounts.guards import Staff, requires
from service.accounts.passwords import hash_password_async
from service.core import audit
from service.core.db import DB, RowId
from service.core.errors import Problem, request_lang
from service.core.requests import is_json
from service.settings import Mode, SiteConfig
from service.territory import repository
from service.territory.datatourisme import ExportError, read_export
from service.territory.scope import OT_SCOPE
from service.territory.sit_import import import_records, import_report
from service.territory.sites import as_dict, problems
from service.territory.views import ImportReport, ManagedSite, Site, managed_site, site_from_row


class NewStaff(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")]
    password: Annotated[str, msgspec.Meta(min_length=12, max_length=256)]


class StaffChange(msgspec.Struct, forbid_unknown_fields=True):
    active: bool


# One OT's export of its sites, and then some.
MAX_IMPORT_BYTES = 32 * 1024 * 1024


class SiteStaff(msgspec.Struct):
    id: int
    username: str
    active: bool
    created_at: datetime
    last_login_at: datetime | None


def _may_manage(staff: Staff, ot_id: str) -> None:
    if not staff.may_see_ot(ot_id):
        raise Problem(403, "auth.forbidden")


async def _checked(db: DB, staff: Staff, site: SiteConfig) -> None:
    _may_manage(staff, site.ot)
    found = problems(site, await repository.ot_ids(db))
    if found:
        field, reason = found[0]
        raise Problem(
            422, "site.invalid", field=field, reason=reason, errors=[{"field": f, "reason": r} for f, r in found]
        )


async def _managed(db: DB, staff: Staff, site_id: str) -> asyncpg.Record:
    row = await repository.site(db, site_id)
    if row is None:
        raise Problem(404, "request.not_found")
    _may_manage(staff, row["ot_id"])
    return row


def _as_config(row: asyncpg.Record) -> dict[str, Any]:
    site = managed_site(row)
    return {
        "id": site.id,
        "name": site.name,
        "ot": site.ot,
        "lat": site.lat,
        "lon": site.lon,
        "modes": site.modes,
        "offer": site.offer,
        "proof_max_age_days": site.proof_max_age_days,
        "min_confidence": site.min_confidence,
        "bookable": site.bookable,
        "booking_required": site.booking_required,
        "active": site.active,
    }


def _merge(current: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    merged = dict(current)
    for key, value in change.items():
        if key == "offer" and isinstance(value, dict) and isinstance(current.get("offer"), dict):
            # a null removes an optional offer field (e.g. the English label)
            offer = {**current["offer"], **value}
            merged["offer"] = {name: item for name, item in offer.items() if item is not None}
        else:
            merged[key] = value
    return merged


MANAGERS = [requires("ot", "pilot", "admin")]


class SiteController(Controller):
    path = "/api/v1/sites"
    tags = ["sites"]

    @get("", tags=["public"], summary="Partner sites and their low-carbon offer")
    async def sites(self, db: DB, ot: FromQuery[str | None] = None, mode: FromQuery[Mode | None] = None) -> list[Site]:
        if ot is not None and not await repository.ot_exists(db, ot):
            raise Problem(404, "ot.unknown", ot=ot)
        return [site_from_row(row) for row in await repository.list_sites(db, ot, mode)]

    @get("/{site_id:str}", tags=["public"], summary="One partner site")
    async def site(self, db: DB, site_id: FromPath[str]) -> Site:
        row = await repository.site(db, site_id)
        if row is None or not row["active"]:
            raise Problem(404, "request.not_found")
        return site_from_row(row)

    @get(
        "/managed",
        guards=MANAGERS,
        summary="Sites of the caller's territory, inactive ones included, offers in every language",
        dependencies=OT_SCOPE,
    )
    async def managed(self, db: DB, ot_scope: NamedDependency[str | None]) -> list[ManagedSite]:
        return [managed_site(row) for row in await repository.all_sites(db, ot_scope)]

    @post(
        "/import",
        guards=MANAGERS,
        status_code=200,
        summary="Create or update sites from a DATAtourisme export (JSON-LD body); dry_run=true previews",
        description="The body is the export as DATAtourisme gives it (one record, a list or a `@graph`). "
        "An OT imports into its own territory: records of another OT's communes are skipped, and those of "
        "communes config/territory.toml does not place are its own. The pilot imports for `ot` the same way, "
        "or without it for the department (records of unplaced communes skipped).",
        request_max_body_size=MAX_IMPORT_BYTES,
        dependencies=OT_SCOPE,
    )
    async def import_export(
        self,
        request: Request[Staff, Any, Any],
        db: DB,
        state: State,
        ot_scope: NamedDependency[str | None],
        dry_run: FromQuery[bool] = False,
    ) -> ImportReport:
        if not is_json(request.headers.get("content-type", "")):
            raise Problem(415, "request.unsupported_media_type")
        try:
            records = read_export(await request.body())
        except ExportError as exc:
            raise Problem(422, "site.import_invalid", reason=str(exc)) from exc
        settings = state.settings.config
        outcomes = await import_records(
            db,
            records,
            settings.territory,
            settings.rules.sites,
            fallback_ot=ot_scope,
            scope=ot_scope,
            dry_run=dry_run,
            by=request.user,
            source="upload",
        )
        return import_report(outcomes, dry_run, request_lang(request))

    @post("", guards=MANAGERS, summary="Add a partner site with its offer")
    async def create(
        self, request: Request[Staff, Any, Any], db: DB, state: State, data: JSONBody[SiteConfig]
    ) -> ManagedSite:
        staff = request.user
        await _checked(db, staff, data)
        async with db.transaction():
            if await repository.site(db, data.id) is not None:
                raise Problem(409, "site.exists", site=data.id)
            await repository.upsert_sites(db, [data], state.settings.config.rules.sites)
            await audit.record(db, "site.created", "site", data.id, by=staff, details=as_dict(data))
        return managed_site(await repository.site(db, data.id))

    @patch(
        "/{site_id:str}",
        guards=MANAGERS,
        summary="Change some fields of a site (the others stay; `offer` fields merge)",
    )
    async def update(
        self,
        request: Request[Staff, Any, Any],
        db: DB,
        state: State,
        site_id: FromPath[str],
        data: JSONBody[dict[str, Any]],
    ) -> ManagedSite:
        staff = request.user
        if "id" in data and data["id"] != site_id:
            raise Problem(422, "site.invalid", field="id", reason="a site's id cannot change")
        async with db.transaction():
            row = await _managed(db, staff, site_id)
            try:
                site = msgspec.convert(_merge(_as_config(row), data), SiteConfig)
            except msgspec.ValidationError as exc:
                raise Problem(400, "request.invalid", reason=str(exc)) from exc
            await _checked(db, staff, site)  # an OT cannot hand its site to another OT
            fate = await repository.upsert_sites(db, [site], state.settings.config.rules.sites)
            if fate[site_id] != "unchanged":
                await audit.record(db, "site.updated", "site", site_id, by=staff, details=data)
        return managed_site(await repository.site(db, site_id))

    @get("/{site_id:str}/staff", guards=MANAGERS, summary="Partner accounts of a site")
    async def staff(self, request: Request[Staff, Any, Any], db: DB, site_id: FromPath[str]) -> list[SiteStaff]:
        await _managed(db, request.user, site_id)
        return [SiteStaff(**dict(row)) for row in await repository.site_staff(db, site_id)]

    @post("/{site_id:str}/staff", guards=MANAGERS, summary="Give a site a partner account (its desk signs in with it)")
    async def add_staff(
        self, request: Request[Staff, Any, Any], db: DB, site_id: FromPath[str], data: JSONBody[NewStaff]
    ) -> SiteStaff:
        staff = request.user
        await _managed(db, staff, site_id)
        password_hash = await hash_password_async(data.password)
        async with db.transaction():
            row = await repository.add_site_staff(db, site_id, data.username, password_hash)
            if row is None:
                raise Problem(409, "account.username_taken", username=data.username)
            await audit.record(
                db,
                "account.created",
                "staff_account",
                str(row["id"]),
                by=staff,
                details={"username": data.username, "role": "partner", "site": site_id},
            )
        return SiteStaff(**dict(row))

    @patch(
        "/{site_id:str}/staff/{account_id:int}", guards=MANAGERS, summary="Disable (or enable again) a partner account"
    )
    async def change_staff(
        self,
        request: Request[Staff, Any, Any],
        db: DB,
        site_id: FromPath[str],
        account_id: FromPath[RowId],
        data: JSONBody[StaffChange],
    ) -> SiteStaff:
        staff = request.user
        await _managed(db, staff, site_id)
        async with db.transaction():
            row = await repository.set_site_staff_active(db, site_id, account_id, data.active)
            if row is None:
                raise Problem(404, "request.not_found")
            await audit.record(
                db,
                "account.enabled" if data.active else "account.disabled",
                "staff_account",
                str(account_id),
                by=staff,
            )
        return SiteStaff(**dict(row))

    @post(
        "/{site_id:str}/staff/{account_id:int}/sign-out",
        guards=MANAGERS,
        status_code=204,
        summary="Sign a partner account out everywhere (a lost phone): every token of it ends, its devices' too",
    )
    async def sign_out_staff(
        self, request: Request[Staff, Any, Any], db: DB, site_id: FromPath[str], account_id: FromPath[RowId]
    ) -> None:
        staff = request.user
        await _managed(db, staff, site_id)
        async with db.transaction():
            if not await repository.end_site_staff_tokens(db, site_id, account_id):
                raise Problem(404, "request.not_found")
            await audit.record(
                db,
                "account.signed_out_everywhere",
                "staff_account",
                str(account_id),
                by=staff,
            )
