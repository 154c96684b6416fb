"""Partner sites from a DATAtourisme export (`tbc import-sites`, the OT's « Importer depuis
DATAtourisme »): each record placed — its OT from its commune, inside the Lot — then its
site created, updated or left as it was, found again by its SIT identifier. What the SIT
does not know stays as the OT set it: the offer, the rules, the staff, whether it is on.

A new site is created off (`active` false) until its OT gives it an offer. A site its OT
typed by hand before the first import, of the record's name and within a kilometre of it,
is the same site: the record links to it instead of doubling it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal, get_args

import asyncpg
import msgspec

from service.core import audit, geo
from service.core.audit import Actor
from service.core.i18n import gettext
from service.core.text import place_name
from service.settings import Mode, SiteDefaults, TerritoryConfig
from service.territory import repository
from service.territory.datatourisme import SKIP_REASONS, Record, Skipped
from service.territory.views import ImportedRecord, ImportReport

# A site typed by hand this close to a record of the same name is that record's site.
SAME_SITE_KM = 1.0
MODES = list(get_args(Mode))  # a new site takes every mode until its OT says otherwise


class Outcome(msgspec.Struct, omit_defaults=True):
    """What an import did with one record (`reason`: a key of datatourisme.SKIP_REASONS)."""

    sit_id: str
    outcome: Literal["created", "updated", "unchanged", "skipped"]
    name: str | None = None
    site_id: str | None = None
    ot: str | None = None
    reason: str | None = None


class _Rollback(Exception):
    """Ends a dry run's transaction: nothing it wrote stays."""


async def import_records(
    conn: asyncpg.Connection,
    records: Sequence[Record | Skipped],
    territory: TerritoryConfig,
    defaults: SiteDefaults,
    *,
    fallback_ot: str | None,
    scope: str | None,
    dry_run: bool,
    by: Actor | None = None,
    source: str = "",
) -> list[Outcome]:
    """Each record's outcome, in order; all of them written in one transaction, or none
    (`dry_run`: the same work, rolled back). `scope`: the OT whose sites these may be
    (None: the department's); `fallback_ot`: the OT of a commune the table does not place."""
    outcomes: list[Outcome] = []
    try:
        async with conn.transaction():
            await repository.lock_site_imports(conn)
            for record in records:
                outcomes.append(await _import(conn, record, territory, defaults, fallback_ot, scope))
            for done in outcomes:
                if done.outcome in ("created", "updated") and done.site_id:
                    details = {"sit_id": done.sit_id, "file": source}
                    await audit.record(
                        conn, f"site.{done.outcome}", "site", done.site_id, by=by, actor="cli", details=details
                    )
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return outcomes


OUTCOMES = ("created", "updated", "unchanged", "skipped")


def import_report(outcomes: Sequence[Outcome], dry_run: bool, lang: str) -> ImportReport:
    """The outcomes as the API and the OT's page show them, reasons in `lang`."""
    records = [
        ImportedRecord(
            **msgspec.structs.asdict(done),
            reason_text=gettext(SKIP_REASONS[done.reason], lang) if done.reason else None,
        )
        for done in outcomes
    ]
    counts = {what: sum(1 for done in outcomes if done.outcome == what) for what in OUTCOMES}
    return ImportReport(dry_run, counts, records)


def placed_ot(record: Record, territory: TerritoryConfig, fallback_ot: str | None) -> str | None:
    """The OT of the record's commune, else `fallback_ot`."""
    return territory.communes.get(record.insee or "") or fallback_ot


async def _import(
    conn: asyncpg.Connection,
    record: Record | Skipped,
    territory: TerritoryConfig,
    defaults: SiteDefaults,
    fallback_ot: str | None,
    scope: str | None,
) -> Outcome:
    if isinstance(record, Skipped):
        return Outcome(record.sit_id, "skipped", record.name, reason=record.reason)
    name = record.names["fr"]
    if not geo.point_in_polygon((record.lat, record.lon), territory.boundary.points):
        return Outcome(record.sit_id, "skipped", name, reason="outside_lot")
    existing = await repository.site_of_sit(conn, record.sit_id)
    ot = existing["ot_id"] if existing else placed_ot(record, territory, fallback_ot)
    if ot is None:
        return Outcome(record.sit_id, "skipped", name, reason="unknown_ot")
    if scope is not None and ot != scope:
        return Outcome(record.sit_id, "skipped", name, ot=ot, reason="other_ot")
    values = sit_values(record)
    if existing is None:
        site_id, linked = await _new_site_id(conn, record, ot)
        if not linked:
            await repository.insert_sit_site(conn, site_id, ot, MODES, defaults, values)
            return Outcome(record.sit_id, "created", name, site_id, ot)
    else:
        site_id = existing["id"]
    changed = await repository.update_sit_fields(conn, site_id, values)
    return Outcome(record.sit_id, "updated" if changed else "unchanged", name, site_id, ot)


async def _new_site_id(conn: asyncpg.Connection, record: Record, ot: str) -> tuple[str, bool]:
    """The id for a record without a site yet, and whether it is a site of the OT typed by
    hand (not from the SIT), of the same name written alike and close by."""
    name = place_name(record.names["fr"])
    for row in await repository.hand_typed_sites(conn, ot):
        close = geo.haversine_km((row["lat"], row["lon"]), (record.lat, record.lon)) <= SAME_SITE_KM
        if close and place_name(row["name"]) == name:
            return row["id"], True
    base = site_id_of(record.names["fr"])
    taken = set(await repository.site_ids_like(conn, base))
    n = 2
    site_id = base
    while site_id in taken:
        site_id, n = f"{base}-{n}", n + 1
    return site_id, False


def site_id_of(name: str) -> str:
    """A site's id from its name: « Musée Henri-Martin » → musee-henri-martin."""
    slug = place_name(name).replace(" ", "-")[:56].strip("-")
    return slug if re.fullmatch(r"[a-z0-9][a-z0-9-]{1,55}", slug) else f"site-{slug or 'x'}".strip("-")


def sit_values(record: Record) -> tuple[object, ...]:
    """The record in the order of repository.SIT_COLUMNS."""
    texts = record.descriptions
    return (
        record.sit_id,
        record.uri,
        record.updated,
        record.kind,
        record.names["fr"],
        record.names.get("en"),
        record.names.get("es"),
        record.lat,
        record.lon,
        record.street,
        record.postcode,
        record.town,
        record.insee,
        record.phone,
        record.email,
        record.website,
        texts.get("fr"),
        texts.get("en"),
        texts.get("es"),
        msgspec.to_builtins(list(record.hours)) if record.hours is not None else None,
        record.price_eur,
    )
