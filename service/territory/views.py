"""The territory as the API and the pages show it: OTs, stops, partner sites (the
public view, and the view of those who manage them). No I/O."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from service.core.db import from_row


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
    return from_row(kind, row, ot=row["ot_id"], modes=list(row["modes"]), offer=offer)


class ManagedSite(Site):
    """A site as the people who manage it see it: inactive ones too, and when it last changed."""

    active: bool
    updated_at: datetime


def managed_site(row: asyncpg.Record) -> ManagedSite:
    site = site_from_row(row, ManagedSite)
    assert isinstance(site, ManagedSite)
    return site
