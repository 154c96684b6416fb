"""The territory as the API and the pages show it: OTs, stops, partner sites (the
public view, and the view of those who manage them). No I/O."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg
import msgspec

from service.core.db import from_row
from service.territory.hours import Opening


class OT(msgspec.Struct):
    id: str
    name: str


class Address(msgspec.Struct):
    street: str | None
    postcode: str | None
    town: str | None
    insee: str | None  # the commune's INSEE code


class Contact(msgspec.Struct):
    phone: str | None
    email: str | None
    website: str | None


class SitRecord(msgspec.Struct):
    """The SIT record a site was imported from (DATAtourisme)."""

    id: str  # dc:identifier, else the record's @id
    uri: str | None  # its @id
    updated: date | None  # its lastUpdate
    price_eur: float | None = None  # the full price per person its offers state


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
    # from the SIT, when the site was imported from it (else null)
    name_en: str | None = None
    name_es: str | None = None
    kind: str | None = None  # museum, heritage, nature, leisure, activity, place
    address: Address | None = None
    contact: Contact | None = None
    description: str | None = None
    description_en: str | None = None
    description_es: str | None = None
    hours: list[Opening] | None = None  # the openings; null: not known
    sit: SitRecord | None = None


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


def site_from_row(row: asyncpg.Record, kind: type[Site] = Site) -> Site:
    offer: dict[str, Any] = {}
    if row["offer_label"]:
        # `label` is French; the English and Spanish ones when the site gave them
        translated = {"label_en": row["offer_label_en"], "label_es": row["offer_label_es"]}
        offer = {
            "label": row["offer_label"],
            **{k: v for k, v in translated.items() if v},
            **(row["offer_details"] or {}),
        }
    return from_row(kind, row, ot=row["ot_id"], modes=list(row["modes"]), offer=offer, **_from_the_sit(row))


def _price(value: Any) -> float | None:
    return float(value) if value is not None else None


def _from_the_sit(row: asyncpg.Record) -> dict[str, Any]:
    """The SIT's facts of a site row, grouped as the views show them."""
    address = Address(row["street"], row["postcode"], row["town"], row["insee"])
    contact = Contact(row["phone"], row["email"], row["website"])
    hours = row["hours"]
    return {
        "address": address if any(msgspec.structs.astuple(address)) else None,
        "contact": contact if any(msgspec.structs.astuple(contact)) else None,
        "hours": msgspec.convert(hours, list[Opening]) if hours is not None else None,
        "sit": SitRecord(row["sit_id"], row["sit_uri"], row["sit_updated"], _price(row["sit_price_eur"]))
        if row["sit_id"]
        else None,
    }


class ManagedSite(Site, kw_only=True):
    """A site as the people who manage it see it: inactive ones too, and when it last changed."""

    active: bool
    updated_at: datetime


def managed_site(row: asyncpg.Record) -> ManagedSite:
    site = site_from_row(row, ManagedSite)
    assert isinstance(site, ManagedSite)
    return site


class ImportedRecord(msgspec.Struct, omit_defaults=True):
    """What an import of a DATAtourisme export did, or would do, with one record."""

    sit_id: str
    outcome: str  # created, updated, unchanged, skipped
    name: str | None = None
    site_id: str | None = None
    ot: str | None = None
    # why it was skipped (no_identifier, no_name, no_position, bad_position, not_a_place,
    # outside_lot, unknown_ot, other_ot), and that in the caller's language
    reason: str | None = None
    reason_text: str | None = None


class ImportReport(msgspec.Struct):
    dry_run: bool
    counts: dict[str, int]  # records by outcome: created, updated, unchanged, skipped
    records: list[ImportedRecord]
