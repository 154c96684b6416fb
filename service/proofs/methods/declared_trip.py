"""`declared_trip`: the visitor types the trip (stop, day, time, line, ticket reference);
the imported timetable must know it. Verifier: service.proofs.declared_trip."""

from __future__ import annotations

from datetime import time
from typing import Any, ClassVar

import asyncpg

from service.core.errors import Problem
from service.core.i18n import N_, text
from service.core.refusals import declare
from service.proofs import declared_trip, repository
from service.proofs.methods.base import Claim, ClaimContext, NothingMoreOnAccept, decode_evidence, timetable_answer
from service.proofs.methods.form import DATE, STOP, FormField
from service.proofs.rules import Verdict

# The refusals only this method gives.
CODES = declare(
    {
        "proof.no_matching_trip": (
            422,
            N_("No matching trip"),
            N_(
                "According to the published timetables, no trip of line or train {line} arrives at this stop around"
                " {time} on that day. Check the number, the stop, the date and the time."
            ),
        ),
    }
)


class DeclaredTripMethod(NothingMoreOnAccept):
    name: ClassVar[str] = "declared_trip"
    codes: ClassVar[frozenset[str]] = CODES
    modes: ClassVar[frozenset[str]] = frozenset({"train", "bus"})
    evidence_schema: ClassVar[type | dict[str, Any]] = declared_trip.DeclaredTrip
    label: ClassVar[str] = N_("I declare my trip")
    fields: ClassVar[tuple[FormField, ...]] = (
        STOP,
        DATE,
        FormField(
            "time", N_("Arrival time"), "time", N_("As on the timetable, for example 10:42."), (), ("arrival_time",)
        ),
        FormField(
            "line",
            N_("Line or train number"),
            "text",
            N_("The train number on your ticket, or the liO line."),
            (("autocomplete", "off"), ("maxlength", "20")),
            ("line",),
        ),
        FormField(
            "ticket_ref",
            N_("Ticket reference"),
            "text",
            N_("The booking or ticket reference printed on it."),
            (("autocomplete", "off"), ("autocapitalize", "characters"), ("maxlength", "40")),
            ("ticket_ref",),
        ),
    )
    required: ClassVar[frozenset[str]] = frozenset({"stop", "date", "time", "line", "ticket_ref"})
    next_step: ClassVar[str] = N_(
        "Check what you entered, or choose another proof: a photo of your ticket, checked by the tourist office."
    )
    refusals: ClassVar[dict[str, str]] = {"proof.no_matching_trip": "line"}

    def evidence_from_form(self, values: dict[str, str], stop_id: str | None) -> dict[str, Any]:
        return {
            "date": values.get("date", ""),
            "arrival_stop_id": stop_id or "",
            "arrival_time": values.get("time", ""),
            "line": values.get("line", ""),
            "ticket_ref": values.get("ticket_ref", ""),
        }

    async def judge(self, db: asyncpg.Connection, ctx: ClaimContext, claim: Claim) -> Verdict:
        settings = ctx.settings
        trip = decode_evidence(claim.evidence, declared_trip.DeclaredTrip)
        stop = await repository.stop_facts(db, trip.arrival_stop_id)
        answer = None
        if stop is not None:
            answer = await timetable_answer(
                db,
                settings,
                mode=claim.mode,
                stop_id=stop.id,
                day=trip.date,
                line=trip.line,
                arrival=time.fromisoformat(trip.arrival_time),
                tolerance=settings.config.rules.timetables.tolerance_minutes,
            )
        try:
            return declared_trip.verify(
                trip,
                mode=claim.mode,
                persons=claim.persons,
                stop=stop,
                today=ctx.today,
                rules=settings.config.rules.claims,
                fingerprint_key=ctx.fingerprint_key,
                timetable=answer,
            )
        except declared_trip.TicketReferenceTooShort as exc:
            raise Problem(
                422, "proof.evidence_invalid", reason=text(N_("evidence.ticket_ref: at least 4 letters or digits"))
            ) from exc
