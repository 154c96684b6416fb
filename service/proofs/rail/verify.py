"""`rail_barcode`: a ticket's barcode as an arrival proof. No I/O.

- UIC 918.3 ("#UT", possibly carrying UIC 918.9 FCB): the signature is checked
  against the issuer's key from the UIC list -> confidence `verified`.
- SNCF `i0CV`/`i1CV`: no signature exists -> `plausible`, with the train number,
  date and arrival station in the facts and `timetable_checked: false` for the
  timetable cross-check the caller adds.
Then the rules: a leg must arrive at a station in the Lot or a gateway, its
travel date within the claim window, the persons at most the passengers on the
ticket. The fingerprint is the one a declared trip with the same booking
reference and date gets, so the same ticket never gives two passes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from service.core.errors import Problem
from service.proofs.fingerprint import ticket_fingerprint
from service.proofs.rail import sncf_cv, uic9183
from service.proofs.rail.ticket import Leg, RailTicket, Station, unreadable
from service.proofs.rules import StopFacts, Verdict, check_persons, check_travel_date
from service.settings import ClaimRules, RailBarcodeConfig

StationLookup = Callable[[str], StopFacts | None]


def read_ticket(raw: bytes, *, key_for: uic9183.KeyLookup, today: date, config: RailBarcodeConfig) -> RailTicket:
    """The ticket in a barcode's raw content, its signature checked when it has one."""
    if raw.startswith(uic9183.MAGIC):
        return uic9183.parse(raw, key_for=key_for, max_inflated_bytes=config.max_inflated_bytes)
    if sncf_cv.is_sncf_cv(raw):
        return sncf_cv.parse(raw, today=today, resarail_to_uic=config.resarail_to_uic)
    raise unreadable("unknown barcode format")


def verify_rail_barcode(
    raw: bytes,
    *,
    key_for: uic9183.KeyLookup,
    today: date,
    rules: ClaimRules,
    persons: int,
    fingerprint_key: bytes,
    station_in_lot: StationLookup,
    config: RailBarcodeConfig | None = None,
) -> Verdict:
    ticket = read_ticket(raw, key_for=key_for, today=today, config=config or RailBarcodeConfig())
    if ticket.specimen:
        raise Problem(422, "proof.ticket_specimen")
    if not ticket.legs or not ticket.reference:
        raise Problem(422, "proof.ticket_incomplete")
    leg, stop = _arrival_in_lot(ticket.legs, station_in_lot)
    arrival_date = _arrival_date(leg, today)
    check_travel_date(arrival_date, today, rules)
    check_persons(persons, rules, on_ticket=ticket.passengers)
    signed = ticket.signed_by is not None
    facts: dict[str, object] = {
        "format": ticket.format,
        "issuer": ticket.issuer,
        "arrival_station": leg.destination.code or leg.destination.name if leg.destination else None,
        "travel_date": leg.travel_date.isoformat(),
        "passengers_on_ticket": ticket.passengers,
    }
    if leg.valid_until is not None:
        facts["valid_until"] = leg.valid_until.isoformat()
    if leg.train_number is not None:
        facts["train_number"] = leg.train_number
    if signed:
        facts["signed_by"] = ticket.signed_by
    else:
        facts["timetable_checked"] = False
    return Verdict(
        confidence="verified" if signed else "plausible",
        arrival_date=arrival_date,
        persons=persons,
        # The first leg's date: stable whichever leg or day the ticket is shown for.
        fingerprint=ticket_fingerprint(fingerprint_key, ticket.reference, ticket.legs[0].travel_date.isoformat()),
        arrival_stop_id=stop.id,
        ot_id=stop.ot_id,
        facts=facts,
    )


def _arrival_in_lot(legs: tuple[Leg, ...], station_in_lot: StationLookup) -> tuple[Leg, StopFacts]:
    """The first leg that arrives at a train station in the Lot or a gateway."""
    if not any(leg.destination for leg in legs):
        raise Problem(422, "proof.ticket_incomplete")
    for leg in legs:
        stop = _lookup(leg.destination, station_in_lot)
        if stop is not None and stop.mode == "train" and (stop.in_lot or stop.gateway):
            return leg, stop
    raise Problem(422, "proof.stop_outside_lot")


def _lookup(station: Station | None, station_in_lot: StationLookup) -> StopFacts | None:
    for key in station.lookup_keys() if station else ():
        stop = station_in_lot(key)
        if stop is not None:
            return stop
    return None


def _arrival_date(leg: Leg, today: date) -> date:
    """The travel day; for a ticket valid over several days, the latest day it was
    valid on up to today."""
    if leg.valid_until is not None and leg.travel_date <= today:
        return min(today, leg.valid_until)
    return leg.travel_date
