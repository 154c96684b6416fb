"""UIC IRS 90918-9 "Flexible Content Barcode" (FCB), the ASN.1 content of a
U_FLEX record, decoded with asn1tools (unaligned PER). No I/O beyond reading
the bundled schema once.

Supported: FCB versions 1.3, 2 and 3 (U_FLEX record versions "13"/"01", "02"
and "03"; DOSIPAS blocks "FCB1", "FCB2", "FCB3"), whose subsets are in
`fcb_v1_subset.asn`, `fcb_v2_subset.asn` and `fcb_v3_subset.asn` (the same
documents, each type as its version declares it): issuing data, travellers, reservations, open tickets and
passes and customer cards (the latter read past, not used). Read from it:
- the issuing time stamp (UTC: year, day of year, minute of day);
- per reservation: train, departure date (days after issue), from/to stations;
- per open ticket or pass: from/to stations (a pass has none), validity (`validFromDay` days after issue,
  `validUntilDay` days after the first day of validity);
- passengers: the tariffs' `numberOfPassengers` (dogs and bicycles aside), or
  else the number of travellers listed;
- the booking reference: `issuerPNR`, else the document's reference.

Source: the public FCB ASN.1 module of the UIC (uicRailTicketData v3.0.x), and
its comments on dates ("number of days from issuing date", "number of days from
valid-from date").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import asn1tools

from service.proofs.rail.ticket import Leg, Station, uic_station_code, unreadable

SCHEMA_PATHS = {
    "01": Path(__file__).with_name("fcb_v1_subset.asn"),
    "13": Path(__file__).with_name("fcb_v1_subset.asn"),
    "02": Path(__file__).with_name("fcb_v2_subset.asn"),
    "03": Path(__file__).with_name("fcb_v3_subset.asn"),
}
ROOT_TYPE = "UicRailTicketData"
SUPPORTED_RECORD_VERSIONS = frozenset(SCHEMA_PATHS)
# Station code tables whose numbers are UIC station codes.
_UIC_TABLES = frozenset({"stationUIC", "stationUICReservation"})
# Tariff passenger types that are not persons.
_NOT_PERSONS = frozenset({"dog", "bicycle"})
# FCB travel classes as the two classes people know.
_CLASSES = {
    "first": "1",
    "premiumFirst": "1",
    "standardFirst": "1",
    "business": "1",
    "second": "2",
    "premiumSecond": "2",
    "standardSecond": "2",
    "tourist": "2",
}
_READ_DOCUMENTS = frozenset({"reservation", "openTicket", "pass", "customerCard", "extension"})


@dataclass(frozen=True)
class FcbTicket:
    issued_at: datetime  # UTC
    security_provider: str | None
    issuer: str | None
    reference: str | None
    specimen: bool
    legs: tuple[Leg, ...]
    passengers: int | None


@cache
def schema(record_version: str = "03") -> asn1tools.compiler.Specification:
    return asn1tools.compile_files(str(SCHEMA_PATHS[record_version]), "uper")


def encode(value: dict[str, Any], record_version: str = "03") -> bytes:
    """UPER bytes of a `UicRailTicketData` value (used to build tickets, e.g. in tests)."""
    return schema(record_version).encode(ROOT_TYPE, value)


def decode(data: bytes, record_version: str = "03") -> FcbTicket:
    if record_version not in SUPPORTED_RECORD_VERSIONS:
        raise unreadable(f"FCB version {record_version!r} is not supported")
    try:
        value = schema(record_version).decode(ROOT_TYPE, data)
    except (asn1tools.Error, ValueError, IndexError, KeyError) as exc:
        raise unreadable(f"FCB content: {exc}") from exc
    return _facts(value)


def _facts(value: dict[str, Any]) -> FcbTicket:
    issuing = value["issuingDetail"]
    try:
        issued_at = datetime(issuing["issuingYear"], 1, 1) + timedelta(
            days=issuing["issuingDay"] - 1, minutes=issuing.get("issuingTime", 0)
        )
    except OverflowError as exc:
        raise unreadable("FCB issuing date out of range") from exc
    issued_on = issued_at.date()
    legs: list[Leg] = []
    passengers: int | None = None
    reference = _text(issuing.get("issuerPNR"))
    for document in value.get("transportDocument", []):
        kind, ticket = document["ticket"]
        if kind not in _READ_DOCUMENTS:
            # Declared as NULL in our subset: what follows it was not decoded faithfully.
            raise unreadable(f"FCB document of kind {kind!r} is not supported")
        if kind == "reservation":
            legs.append(_reservation_leg(ticket, issued_on))
        elif kind in ("openTicket", "pass"):
            # A pass has no stations of its own (its regions or zones are read by no one here).
            legs.append(_open_ticket_leg(ticket, issued_on))
        else:
            continue
        reference = reference or _reference(ticket)
        counted = _count_tariff_passengers(ticket.get("tariff") or ticket.get("tariffs") or [])
        if counted is not None:
            passengers = max(passengers or 0, counted)
    if passengers is None:
        travellers = value.get("travelerDetail", {}).get("traveler", [])
        persons = [t for t in travellers if t.get("passengerType") not in _NOT_PERSONS]
        passengers = len(persons) or None
    provider = issuing.get("securityProviderNum") or _text(issuing.get("securityProviderIA5"))
    issuer = issuing.get("issuerNum") or _text(issuing.get("issuerIA5"))
    return FcbTicket(
        issued_at=issued_at,
        security_provider=str(provider) if provider is not None else None,
        issuer=str(issuer) if issuer is not None else None,
        reference=reference,
        specimen=bool(issuing["specimen"]),
        legs=tuple(legs),
        passengers=passengers,
    )


def _reservation_leg(ticket: dict[str, Any], issued_on: date) -> Leg:
    train = ticket.get("trainNum", _text(ticket.get("trainIA5")))
    return Leg(
        origin=_station(ticket, "from"),
        destination=_station(ticket, "to"),
        travel_date=_add_days(issued_on, ticket.get("departureDate", 0)),
        train_number=str(train) if train is not None else None,
        travel_class=_CLASSES.get(ticket.get("classCode", "second")),
    )


def _open_ticket_leg(ticket: dict[str, Any], issued_on: date) -> Leg:
    valid_from = _add_days(issued_on, ticket.get("validFromDay", 0))
    return Leg(
        origin=_station(ticket, "from"),
        destination=_station(ticket, "to"),
        travel_date=valid_from,
        valid_until=_add_days(valid_from, ticket.get("validUntilDay", 0)),
        travel_class=_CLASSES.get(ticket.get("classCode", "second")),
    )


def _station(ticket: dict[str, Any], side: str) -> Station | None:
    table = ticket.get("stationCodeTable", "stationUIC")
    number = ticket.get(f"{side}StationNum")
    code = uic_station_code(number) if table in _UIC_TABLES else None
    if code is None:
        code = _text(ticket.get(f"{side}StationIA5")) or (str(number) if number is not None else None)
    name = _text(ticket.get(f"{side}StationNameUTF8"))
    return Station(code=code, name=name) if code or name else None


def _count_tariff_passengers(tariffs: list[dict[str, Any]]) -> int | None:
    if not tariffs:
        return None
    return sum(t.get("numberOfPassengers", 1) for t in tariffs if t.get("passengerType") not in _NOT_PERSONS)


def _reference(ticket: dict[str, Any]) -> str | None:
    reference = _text(ticket.get("referenceIA5"))
    if reference is None and ticket.get("referenceNum") is not None:
        reference = str(ticket["referenceNum"])
    return reference


def _add_days(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError as exc:
        raise unreadable("FCB date out of range") from exc


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    return stripped or None
