"""How a newly issued pass is shown to its holder (claims and review outcomes)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import msgspec

from service.passes import codes
from service.passes.qr_links import QrLinks
from service.passes.tokens import PassClaims


class IssuedPassView(msgspec.Struct):
    code: str
    code_display: str
    token: str
    persons: int
    mode: str
    method: str
    confidence: str
    valid_from: datetime
    valid_until: datetime
    # signed links, valid an hour, that open the QR image without the token
    qr_svg_url: str
    qr_png_url: str
    checks: dict[str, Any] = {}


def issued_view(
    claims: PassClaims, token: str, method: str, links: QrLinks, checks: dict[str, Any] | None = None
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
    )
