"""`declared_trip`: the visitor states the trip they arrived by. No I/O.

Checked here: the date window, the arrival stop (known, of that mode, in the
Lot or a gateway), the persons, the ticket's fingerprint, and what the imported
timetable says of the trip (looked up by the caller). Without a timetable for
the mode the proof still stands on the other rules, with `timetable_checked: false`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

from service.proofs.fingerprint import normalise_reference, ticket_fingerprint
from service.proofs.rules import (
    StopFacts,
    TimetableAnswer,
    Verdict,
    check_arrival_stop,
    check_persons,
    check_timetable,
    check_travel_date,
)
from service.settings import ClaimRules


class DeclaredTrip(msgspec.Struct, forbid_unknown_fields=True):
    date: date
    arrival_stop_id: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    # 9:05 as well as 09:05: people write the hour as they say it
    arrival_time: Annotated[str, msgspec.Meta(pattern=r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$")]
    line: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    ticket_ref: Annotated[str, msgspec.Meta(min_length=4, max_length=40)]

    def __post_init__(self) -> None:
        self.arrival_time = self.arrival_time.zfill(5)  # one spelling, HH:MM, for the timetable and the facts


class TicketReferenceTooShort(ValueError):
    pass


def verify(
    evidence: DeclaredTrip,
    *,
    mode: str,
    persons: int,
    stop: StopFacts | None,
    today: date,
    rules: ClaimRules,
    fingerprint_key: bytes,
    timetable: TimetableAnswer | None,
) -> Verdict:
    check_travel_date(evidence.date, today, rules)
    arrival = check_arrival_stop(stop, mode)
    check_persons(persons, rules)
    if len(normalise_reference(evidence.ticket_ref)) < 4:
        raise TicketReferenceTooShort("ticket_ref: at least 4 letters or digits")
    facts: dict[str, object] = {"line": evidence.line.strip().upper(), "arrival_time": evidence.arrival_time}
    trip_km = check_timetable(timetable, facts, line=evidence.line.strip(), time=evidence.arrival_time)
    return Verdict(
        confidence="plausible",
        arrival_date=evidence.date,
        persons=persons,
        fingerprint=ticket_fingerprint(fingerprint_key, evidence.ticket_ref, evidence.date.isoformat()),
        arrival_stop_id=arrival.id,
        ot_id=arrival.ot_id,
        trip_km=trip_km,
        facts=facts,
    )
