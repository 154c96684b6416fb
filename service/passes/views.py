"""How a newly issued pass is shown to its holder (claims and review outcomes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from service.passes import codes
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
    qr_svg_url: str
    qr_png_url: str
    checks: dict[str, Any] = {}


def issued_view(claims: PassClaims, token: str, method: str, checks: dict[str, Any] | None = None) -> IssuedPassView:
    base = f"/api/v1/passes/{claims.code}"
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
        qr_svg_url=f"{base}/qr.svg",
        qr_png_url=f"{base}/qr.png",
        checks=checks or {},
    )
