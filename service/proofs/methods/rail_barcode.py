"""`rail_barcode`: the signed barcode of a French rail ticket, read from the photo, the
PDF or its bytes (service.proofs.rail reads and verifies it)."""

from __future__ import annotations

import base64
import binascii
import dataclasses
from datetime import date, time
from typing import Any, ClassVar

import asyncpg

from service.core import heavy
from service.core.errors import Problem
from service.core.i18n import N_, text
from service.core.refusals import declare
from service.proofs import repository
from service.proofs.methods.base import (
    Claim,
    ClaimContext,
    NoTextEvidence,
    NothingMoreOnAccept,
    one_text_field,
    timetable_answer,
)
from service.proofs.methods.form import TICKET_FILE, FormField
from service.proofs.rail import barcode_image, sncf_cv
from service.proofs.rail import repository as rail_repository
from service.proofs.rail import verify as rail
from service.proofs.rail.ticket import RailTicket
from service.proofs.rules import StopFacts, TimetableAnswer, Verdict, check_timetable
from service.settings import Settings

# The refusals only this method gives.
CODES = declare(
    {
        "proof.barcode_unreadable": (
            422,
            N_("Ticket barcode unreadable"),
            N_("This ticket barcode is unreadable or of an unknown format."),
        ),
        "proof.barcode_not_found": (
            422,
            N_("No ticket barcode found"),
            N_("No ticket barcode was found in this file; try a sharper image."),
        ),
        "proof.upload_too_large": (
            422,
            N_("File too large"),
            N_("The file exceeds the maximum size ({max_mb} MB or {max_megapixels} megapixels)."),
        ),
        "proof.upload_unsupported": (
            422,
            N_("File type not accepted"),
            N_("Send a PNG or JPEG image, or a PDF."),
        ),
        "proof.unknown_key": (
            422,
            N_("Ticket issuer key unknown"),
            N_(
                "This ticket's signing key (issuer {issuer}, key {key_id}) is not in the UIC key list known to the"
                " service."
            ),
        ),
        "proof.signature_invalid": (
            422,
            N_("Ticket signature invalid"),
            N_("This ticket's signature is not valid: it was altered or is not genuine."),
        ),
        "proof.key_not_valid": (
            422,
            N_("Ticket signed outside its key's validity"),
            N_(
                "This ticket was signed on {signed_on} with key {issuer}/{key_id}, valid only from {valid_from} to "
                "{valid_until}: it is not accepted."
            ),
        ),
        "proof.ticket_specimen": (
            422,
            N_("Specimen ticket"),
            N_("This ticket is a test specimen, not a travel ticket."),
        ),
        "proof.ticket_incomplete": (
            422,
            N_("Ticket lacks trip details"),
            N_("This ticket does not state the travel date or the arrival station."),
        ),
    }
)


class RailBarcodeMethod(NoTextEvidence, NothingMoreOnAccept):
    name: ClassVar[str] = "rail_barcode"
    codes: ClassVar[frozenset[str]] = CODES
    modes: ClassVar[frozenset[str]] = frozenset({"train"})
    evidence_schema: ClassVar[type | dict[str, Any]] = one_text_field("RailBarcode", "barcode_b64")
    label: ClassVar[str] = N_("Train ticket barcode")
    fields: ClassVar[tuple[FormField, ...]] = (TICKET_FILE,)
    required: ClassVar[frozenset[str]] = frozenset({"ticket_file"})
    next_step: ClassVar[str] = N_(
        "Try a sharper photo or the PDF of the ticket, declare your trip instead, "
        "or send a photo for the tourist office to check."
    )
    refusals: ClassVar[dict[str, str]] = {
        code: "ticket_file"
        for code in (
            "proof.barcode_",
            "proof.upload_",
            "proof.ticket_",
            "proof.unknown_key",
            "proof.signature_invalid",
            "proof.key_not_valid",
        )
    }

    async def judge(self, db: asyncpg.Connection, ctx: ClaimContext, claim: Claim) -> Verdict:
        settings = ctx.settings
        limits = settings.config.rules.rail_barcodes
        if claim.file is not None:
            # image decoding and PDF rendering are CPU-bound: off the event loop, a few at a time
            raw = await heavy.run(barcode_image.read_ticket_barcode, claim.file, limits)
        else:
            raw = _base64_evidence(claim.evidence, "barcode_b64", limits.max_upload_bytes)
        key_ring = await rail_repository.load_key_ring(db)
        try:
            ticket = rail.read_ticket(raw, key_for=key_ring.key_for, today=ctx.today, config=limits)
            return await self._judge_ticket(db, ctx, claim, ticket)
        except Problem as problem:
            if isinstance(read := problem.params.get("ticket"), dict):
                # The visitor reads what was read, in their language.
                shown = {name: value or "–" for name, value in read.items()}
                read["read"] = text(
                    N_("Read on the ticket: on {date}, from {from} to {to}, train {train}."), **shown
                ).render(claim.lang)
            raise

    async def _judge_ticket(
        self, db: asyncpg.Connection, ctx: ClaimContext, claim: Claim, ticket: RailTicket
    ) -> Verdict:
        stations = await rail_repository.station_index(db)
        with ticket.told_on_refusal():
            try:
                verdict = self._verify(ticket, ctx, claim, stations)
            except Problem as problem:
                unplaced = problem.code == "proof.stop_outside_lot"
                placed = await _placed_by_timetable(db, ctx.settings, ticket) if unplaced else {}
                if not placed:
                    raise
                verdict = self._verify(ticket, ctx, claim, lambda key: placed.get(key) or stations(key))
                verdict = dataclasses.replace(verdict, facts={**verdict.facts, "arrival_placed_by": "timetable"})
            if verdict.confidence == "plausible" and verdict.facts.get("train_number"):
                verdict = await _cross_check_train(db, ctx.settings, verdict)
        return verdict

    @staticmethod
    def _verify(ticket: RailTicket, ctx: ClaimContext, claim: Claim, stations: rail.StationLookup) -> Verdict:
        return rail.verify_ticket(
            ticket,
            today=ctx.today,
            rules=ctx.settings.config.rules.claims,
            persons=claim.persons,
            fingerprint_key=ctx.fingerprint_key,
            station_in_lot=stations,
        )


async def _placed_by_timetable(db: asyncpg.Connection, settings: Settings, ticket: RailTicket) -> dict[str, StopFacts]:
    """RESARAIL codes the operator has not mapped, placed by the train: a train of the
    ticket that calls, that day, at exactly one station of the Lot (or gateway)
    places the arrival there. Two or more such stations leave the code unplaced."""
    placed: dict[str, StopFacts] = {}
    for leg in ticket.legs:
        code = leg.destination.code if leg.destination else None
        if not leg.train_number or not code or not sncf_cv.is_resarail_code(code):
            continue
        calls = []
        for stop in await repository.lot_train_stops(db):
            answer = await _train_calls(db, settings, stop.id, leg.travel_date, leg.train_number)
            if answer is None:
                return {}
            if answer.matched:
                calls.append(stop)
        if len(calls) == 1:
            placed[code] = calls[0]
    return placed


# SNCF's own barcodes name the train and the day, not the time: any arrival that day will do.
_WHOLE_DAY = (time(12, 0), 12 * 60)


async def _train_calls(
    db: asyncpg.Connection, settings: Settings, stop_id: str, day: date, train: str
) -> TimetableAnswer | None:
    """Whether train `train` calls at `stop_id` on `day`; None without a train timetable."""
    return await timetable_answer(
        db, settings, mode="train", stop_id=stop_id, day=day, line=train, arrival=_WHOLE_DAY[0], tolerance=_WHOLE_DAY[1]
    )


async def _cross_check_train(db: asyncpg.Connection, settings: Settings, verdict: Verdict) -> Verdict:
    """A plausible rail ticket (no signature) must name a train that really calls at its station that day."""
    facts = dict(verdict.facts)
    train = str(facts["train_number"])
    answer = None
    if verdict.arrival_stop_id is not None:
        answer = await _train_calls(db, settings, verdict.arrival_stop_id, verdict.arrival_date, train)
    trip_km = check_timetable(answer, facts, line=train, time="--:--")
    return dataclasses.replace(verdict, facts=facts, trip_km=trip_km)


def _base64_evidence(evidence: dict[str, Any], name: str, max_bytes: int) -> bytes:
    value = evidence.get(name)
    if not isinstance(value, str) or not value or len(value) > max_bytes * 4 // 3 + 4:
        raise Problem(
            422,
            "proof.evidence_invalid",
            reason=text(N_("evidence.{name}: the barcode's bytes in base64, or the file part"), name=name),
        )
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Problem(
            422, "proof.evidence_invalid", reason=text(N_("evidence.{name}: base64 text"), name=name)
        ) from exc
