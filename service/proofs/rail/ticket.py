"""What every rail barcode format is reduced to: the trip facts the rules need.
No personal data (names, birth dates, card numbers) is carried here."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from service.core.errors import Problem

_DIGITS = re.compile(r"^[0-9]+$")


@dataclass(frozen=True)
class Station:
    """A station as a ticket names it: a code (7-digit UIC, or the issuer's own,
    e.g. a RESARAIL code) and/or a printed name."""

    code: str | None = None
    name: str | None = None

    def lookup_keys(self) -> tuple[str, ...]:
        """What to ask the station index, most precise first."""
        return tuple(key for key in (self.code, self.name) if key)


@dataclass(frozen=True)
class Leg:
    origin: Station | None
    destination: Station | None
    # The (first) day of travel; for an open ticket the first day of validity.
    travel_date: date
    valid_until: date | None = None
    train_number: str | None = None
    travel_class: str | None = None  # "1" or "2" (first/second and their variants), else None


@dataclass(frozen=True)
class RailTicket:
    format: str  # "uic9183", "dosipas", "sncf_cv" or "sncf_2200"
    issuer: str  # RICS company code, e.g. "1187" (SNCF), "1080" (DB)
    reference: str | None  # booking reference (PNR) or ticket number
    legs: tuple[Leg, ...]
    passengers: int | None  # None: the ticket does not say
    signed_by: str | None = None  # "issuer/key id" of the verified signature
    specimen: bool = False
    # "issuer/key id" the barcode names, verified or not (None: the format has no signature)
    key: str | None = None
    issued_on: date | None = None  # UTC day of issue, when the barcode tells it

    def summary(self) -> dict[str, str | None]:
        """What was read, for the visitor: the first leg that arrives somewhere."""
        leg = next((leg for leg in self.legs if leg.destination), self.legs[0] if self.legs else None)
        if leg is None:
            return {"date": None, "from": None, "to": None, "train": None}
        return {
            "date": leg.travel_date.isoformat(),
            "from": _named(leg.origin),
            "to": _named(leg.destination),
            "train": leg.train_number,
        }

    @contextmanager
    def told_on_refusal(self) -> Iterator[None]:
        """A refusal raised inside carries what was read (`ticket`), so the visitor sees why."""
        try:
            yield
        except Problem as problem:
            problem.params.setdefault("ticket", self.summary())
            raise

    def check_signed_on(self, signing: SigningWindow) -> None:
        """The key's window must hold the day of issue."""
        with self.told_on_refusal():
            signing.check_signed_on(self.issued_on, *(self.key or "/").split("/", 1))


class SigningWindow(Protocol):
    def check_signed_on(self, day: date | None, issuer: str, key_id: str) -> None: ...


def _named(station: Station | None) -> str | None:
    return (station.name or station.code) if station else None


def unreadable(reason: str) -> Problem:
    return Problem(422, "proof.barcode_unreadable", reason=reason)


def uic_station_code(value: int | str | None) -> str | None:
    """The 7-digit form of a UIC station code (an 8-digit one ends with a check digit)."""
    if value is None:
        return None
    text = str(value).strip()
    if not _DIGITS.match(text):
        return None
    if len(text) == 8:
        return text[:7]
    if len(text) == 7:
        return text
    return None


def fold_station_name(name: str) -> str:
    """Station names as printed on tickets: case, accents and punctuation do not matter."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())
