"""What a wallet file says of a pass: the same facts for Apple and for Google. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# The Lot's green of the pages (front/src/base.css --brand), as RGB.
BRAND = (31, 92, 52)


@dataclass(frozen=True)
class SiteLine:
    """A partner site that takes the pass, nearest its arrival stop first."""

    name: str
    lat: float
    lon: float
    offer: str | None


@dataclass(frozen=True)
class WalletFacts:
    code: str
    code_display: str
    token: str  # the pass token: the QR's message, what the desk verifies
    persons: int
    mode: str
    valid_from: datetime
    valid_until: datetime
    arrival: str | None  # the arrival stop's name
    sites: tuple[SiteLine, ...]
