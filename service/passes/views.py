"""How a newly issued pass is shown to its holder (claims and review outcomes)."""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

import msgspec

from service.passes import codes
from service.passes.qr_links import QrLinks
from service.passes.tokens import PassClaims
from service.territory.hours import DayHours


class PassFacts(msgspec.Struct):
    """What a pass says of itself, as issued and as read back."""

    code: str
    code_display: str
    persons: int
    mode: str
    method: str
    confidence: str
    valid_from: datetime
    valid_until: datetime


class IssuedPassView(PassFacts):
    token: str
    # signed links, valid an hour, that open the QR image without the token
    qr_svg_url: str
    qr_png_url: str
    checks: dict[str, Any] = {}
    wallet: dict[str, str] | None = None


class SiteForPass(msgspec.Struct):
    """A site that takes the pass today, as the pass page lists it."""

    id: str
    name: str
    offer: dict[str, Any]
    bookable: bool
    booking_required: bool
    lat: float
    lon: float
    km: float | None  # from the pass's arrival stop
    today: DayHours  # what its hours say of today in the Lot (state: open, closed, unknown)


class PassView(PassFacts):
    status: str
    redemptions: list[dict[str, Any]]
    bookings: list[dict[str, Any]]
    arrival_date: date | None = None
    # the sites that take this pass today, nearest its arrival stop first
    sites_today: list[SiteForPass] = []
    # links to the pass's wallet files, when the service has wallet accounts
    wallet: dict[str, str] | None = None
    # kg CO2e this arrival avoided against the same trip by car: the OT report's factors
    # and distance (config/factors.toml, service/reports/co2.py)
    co2_avoided_kg: float = 0.0


def wallet_links(links: QrLinks, wallets: tuple[str, ...], code: str, now: float) -> dict[str, str] | None:
    """Signed one-hour links to the pass's file for each wallet the service has an account for."""
    if not wallets:
        return None
    return {wallet: links.wallet_url(code, wallet, int(now) + links.seconds) for wallet in wallets}


def wallet_opening(link: str, wallet: str) -> str:
    """The link a page or a message opens: Google's answers its save link as a redirect."""
    return f"{link}&go=1" if wallet == "google" else link


def issued_view(
    claims: PassClaims,
    token: str,
    method: str,
    links: QrLinks,
    checks: dict[str, Any] | None = None,
    wallets: tuple[str, ...] = (),
) -> IssuedPassView:
    now = time.time()
    return IssuedPassView(
        code=claims.code,
        code_display=codes.display(claims.code),
        token=token,
        persons=claims.persons,
        mode=claims.mode,
        method=method,
        confidence=claims.confidence,
        valid_from=claims.valid_from,
        valid_until=claims.valid_until,
        qr_svg_url=links.url(claims.code, "svg", now),
        qr_png_url=links.url(claims.code, "png", now),
        checks=checks or {},
        wallet=wallet_links(links, wallets, claims.code, now),
    )
