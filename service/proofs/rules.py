"""The rules of a claim that need no I/O: modes and methods, date window,
arrival stop, persons. Each refusal raises a Problem with a stable `proof.*` code."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from service.core.errors import Problem
from service.core.i18n import term
from service.proofs.ride_recording import Recording
from service.proofs.ride_shape import RideShape
from service.settings import ClaimRules


class ProofSeen(Exception):
    """The proof was sent before (its fingerprint is known): the claim answers with what
    that first sending earned, its pass or its review (`proofs.service.earned`)."""

    def __init__(self, fingerprint: bytes) -> None:
        super().__init__("proof seen")
        self.fingerprint = fingerprint


@dataclass(frozen=True)
class StopFacts:
    id: str
    mode: str
    in_lot: bool
    gateway: bool
    ot_id: str | None


@dataclass(frozen=True)
class TimetableAnswer:
    """What the imported timetables say of a trip; the caller passes None when no
    timetable of that mode is loaded (the proof then stays unchecked, and says so)."""

    matched: bool
    distance_km: float | None = None
    scheduled_arrival: str | None = None


@dataclass(frozen=True)
class Verdict:
    """An accepted proof: what the pass and the reports need, nothing personal."""

    confidence: str
    # None only for a manual proof whose date its reviewer will set
    arrival_date: date | None
    persons: int
    fingerprint: bytes
    arrival_stop_id: str | None = None
    ot_id: str | None = None
    trip_km: float | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    # A bike ride's time-free shape (its road) and what makes its recording its own,
    # matched against the rides of the reuse window.
    ride_shape: RideShape | None = None
    ride_recording: Recording | None = None


def check_mode(mode: str, method: str, method_modes: frozenset[str], rules: ClaimRules) -> None:
    """The territory accepts the mode, and the method proves that mode (its `modes` in `METHODS`)."""
    if mode not in rules.modes:
        raise Problem(422, "proof.mode_not_accepted", mode=term(mode))
    if mode not in method_modes:
        raise Problem(422, "proof.method_not_for_mode", method=method, mode=term(mode))


def check_travel_date(travel_date: date, today: date, rules: ClaimRules) -> None:
    age = (today - travel_date).days
    if age > rules.max_proof_age_days:
        raise Problem(422, "proof.too_old", days=rules.max_proof_age_days)
    if -age > rules.max_days_ahead:
        raise Problem(422, "proof.in_future", days=rules.max_days_ahead)


def check_arrival_stop(stop: StopFacts | None, mode: str) -> StopFacts:
    if stop is None:
        raise Problem(422, "proof.unknown_stop")
    if stop.mode != mode:
        raise Problem(422, "proof.stop_mode_mismatch")
    if not (stop.in_lot or stop.gateway):
        raise Problem(422, "proof.stop_outside_lot")
    return stop


def check_persons(persons: int, rules: ClaimRules, on_ticket: int | None = None) -> None:
    limit = min(rules.max_persons, on_ticket) if on_ticket is not None else rules.max_persons
    if persons > limit:
        raise Problem(422, "proof.too_many_persons", max=limit)


def check_timetable(answer: TimetableAnswer | None, facts: dict[str, Any], *, line: str, time: str) -> float | None:
    """Record in `facts` whether the trip was checked; refuse a trip the timetable
    does not know. Returns the trip's length when the timetable gives it."""
    if answer is None:
        facts["timetable_checked"] = False
        return None
    if not answer.matched:
        raise Problem(422, "proof.no_matching_trip", line=line, time=time)
    facts["timetable_checked"] = True
    if answer.scheduled_arrival is not None:
        facts["scheduled_arrival"] = answer.scheduled_arrival
    return answer.distance_km
