"""`rail_barcode`: a ticket's barcode as an arrival proof. No I/O.

One reader per format, chosen by the barcode's first bytes:
- UIC 918.3 ("#UT", possibly carrying UIC 918.9 FCB) and DOSIPAS (UIC 918.9
  dynamic barcodes, "U1"/"U2", FCB inside): the signature is checked against
  the issuer's key from the UIC list -> confidence `verified`; a key the list
  lacks (SNCF's TER keys are not published) -> `plausible`, and the caller
  checks the trip against the timetable like a declared trip;
- SNCF `i0CV`/`i1CV` and `2200`: no signature we can check -> `plausible`.
The facts say which (`signature_checked`, `timetable_checked: false` until the
caller's cross-check). Then the rules: a leg must arrive at a station in the
Lot or a gateway, its travel date within the claim window, the persons at most
the passengers on the ticket; a refusal of a ticket that was read carries what
was read (`ticket`: date, from, to, train) so the visitor sees why. The
fingerprint is the one a declared trip with the same booking reference and
date gets, so the same ticket never gives two passes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from service.core.errors import Problem
from service.proofs.fingerprint import ticket_fingerprint
from service.proofs.rail import dosipas, sncf_2200, sncf_cv, uic9183
from service.proofs.rail.signatures import KeyLookup
from service.proofs.rail.ticket import Leg, RailTicket, Station, unreadable
from service.proofs.rules import StopFacts, Verdict, check_persons, check_travel_date
from service.settings import ClaimRules, RailBarcodeConfig

StationLookup = Callable[[str], StopFacts | None]


def read_ticket(raw: bytes, *, key_for: KeyLookup, today: date, config: RailBarcodeConfig) -> RailTicket:
    """The ticket in a barcode's raw content, its signature checked when it has one."""
    if raw.startswith(uic9183.MAGIC):
        return uic9183.parse(raw, key_for=key_for, max_inflated_bytes=config.max_inflated_bytes)
    if dosipas.is_dosipas(raw):
        return dosipas.parse(raw, key_for=key_for)
    if sncf_cv.is_sncf_cv(raw):
        return sncf_cv.parse(raw, today=today, resarail_to_uic=config.resarail_to_uic)
    if sncf_2200.is_sncf_2200(raw):
        return sncf_2200.parse(raw, resarail_to_uic=config.resarail_to_uic)
    raise unreadable("unknown barcode format")


def verify_rail_barcode(
    raw: bytes,
    *,
    key_for: KeyLookup,
    today: date,
    rules: ClaimRules,
    persons: int,
    fingerprint_key: bytes,
    station_in_lot: StationLookup,
    config: RailBarcodeConfig | None = None,
) -> Verdict:
    ticket = read_ticket(raw, key_for=key_for, today=today, config=config or RailBarcodeConfig())
    return verify_ticket(
        ticket,
        today=today,
        rules=rules,
        persons=persons,
        fingerprint_key=fingerprint_key,
        station_in_lot=station_in_lot,
    )


def verify_ticket(
    ticket: RailTicket,
    *,
    today: date,
    rules: ClaimRules,
    persons: int,
    fingerprint_key: bytes,
    station_in_lot: StationLookup,
) -> Verdict:
    """The rules applied to a ticket that was read; a refusal carries what was read."""
    with ticket.told_on_refusal():
        return _judge(ticket, today, rules, persons, fingerprint_key, station_in_lot)


def _judge(  # noqa: PLR0913 (the rules' inputs, named)
    ticket: RailTicket, today: date, rules: ClaimRules, persons: int, key: bytes, station_in_lot: StationLookup
) -> Verdict:
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
    if ticket.key is not None:
        # A signature we could check, or (False) a key the UIC list does not have.
        facts["signature_checked"] = signed
    return Verdict(
        confidence="verified" if signed else "plausible",
        arrival_date=arrival_date,
        persons=persons,
        # The first leg's date: stable whichever leg or day the ticket is shown for.
        fingerprint=ticket_fingerprint(key, ticket.reference, ticket.legs[0].travel_date.isoformat()),
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
