"""The territory as the API and the pages show it: OTs, stops, partner sites (the
public view, and the view of those who manage them). No I/O."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec


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


class ManagedSite(Site):
    """A site as the people who manage it see it: inactive ones too, and when it last changed."""

    active: bool
    updated_at: datetime


def managed_site(row: asyncpg.Record) -> ManagedSite:
    return ManagedSite(**msgspec.structs.asdict(site_from_row(row)), active=row["active"], updated_at=row["updated_at"])
