"""The proof methods, looked up by name: each loads what its pure verifier needs
and returns a `Verdict` (or, for a person's review, a `PendingReview`).

A new method is a new entry in `METHODS`; a new rail format is a new reader
behind `RailBarcode`. The claim body's method list, the method/mode table and
the OpenAPI description all derive from `METHODS`.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from dataclasses import dataclass
from datetime import date, time
from typing import Any, ClassVar, Literal, Protocol
from uuid import UUID

import asyncpg
import msgspec

from service.attestations import repository as attestations
from service.attestations import verify as attestation
from service.core import clock, heavy
from service.core.errors import Problem
from service.core.i18n import N_, text
from service.core.validation import reason_of
from service.proofs import declared_trip, gpx, repository, ride_recording
from service.proofs.rail import barcode_image, sncf_cv
from service.proofs.rail import repository as rail_repository
from service.proofs.rail import verify as rail
from service.proofs.rail.ticket import RailTicket
from service.proofs.rules import ProofSeen, StopFacts, TimetableAnswer, Verdict, check_timetable
from service.reviews import photos
from service.reviews import repository as reviews_repository
from service.reviews import service as reviews
from service.reviews import verify as manual
from service.settings import Settings
from service.territory import repository as territory
from service.timetables import lookup as timetables


@dataclass(frozen=True)
class Claim:
    mode: str
    method: str
    persons: int
    evidence: dict[str, Any]
    file: bytes | None
    email: str | None
    lang: str


@dataclass(frozen=True)
class PendingReview:
    id: UUID
    status: str


@dataclass(frozen=True)
class Admission:
    """What a method says of its proof once recorded: issue its pass, refuse it as
    already used, or hold it for a person (with the earlier proofs it may repeat:
    (proof id, time gap, wobble correlation))."""

    outcome: Literal["issue", "used", "review"]
    similar: tuple[tuple[int, float | None, float | None], ...] = ()


ISSUE = Admission("issue")
USED = Admission("used")


@dataclass(frozen=True)
class ClaimContext:
    """What every method may use besides the claim itself."""

    settings: Settings
    fingerprint_key: bytes
    today: date


class ProofMethod(Protocol):
    name: ClassVar[str]
    modes: ClassVar[frozenset[str]]
    # The evidence object, documented in the OpenAPI schema of the claim body.
    evidence_schema: ClassVar[type | dict[str, Any]]

    async def judge(self, db: asyncpg.Connection, ctx: ClaimContext, claim: Claim) -> Verdict | PendingReview: ...

    async def on_accepted(
        self, db: asyncpg.Connection, ctx: ClaimContext, proof_id: int, claim: Claim, verdict: Verdict
    ) -> Admission:
        """Inside the transaction that records the proof."""
        ...


class _NothingMoreOnAccept:
    async def on_accepted(
        self, db: asyncpg.Connection, ctx: ClaimContext, proof_id: int, claim: Claim, verdict: Verdict
    ) -> Admission:
        return ISSUE


def decode_evidence(evidence: dict[str, Any], type_: type) -> Any:
    try:
        return msgspec.convert(evidence, type_)
    except msgspec.ValidationError as exc:
        raise Problem(422, "proof.evidence_invalid", reason=reason_of(exc, prefix="evidence")) from exc


def _one_text_field(title: str, name: str) -> dict[str, Any]:
    """The schema of evidence that is one text (or the `file` part instead)."""
    return {"title": title, "type": "object", "properties": {name: {"type": "string"}}}


class DeclaredTripMethod(_NothingMoreOnAccept):
    name: ClassVar[str] = "declared_trip"
    modes: ClassVar[frozenset[str]] = frozenset({"train", "bus"})
    evidence_schema: ClassVar[type | dict[str, Any]] = declared_trip.DeclaredTrip

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


class AttestationMethod:
    name: ClassVar[str] = "attestation"
    modes: ClassVar[frozenset[str]] = frozenset({"bike"})
    evidence_schema: ClassVar[type | dict[str, Any]] = attestation.AttestationEvidence

    async def judge(self, db: asyncpg.Connection, ctx: ClaimContext, claim: Claim) -> Verdict:
        typed = decode_evidence(claim.evidence, attestation.AttestationEvidence)
        code = attestation.canonical_code(typed.code)
        row = await attestations.by_code(db, code)
        facts = (
            None
            if row is None
            else attestation.AttestationFacts(
                code=row["code"],
                site_id=row["site_id"],
                ot_id=row["ot_id"],
                persons=row["persons"],
                issued_on=clock.local_date(ctx.settings, row["created_at"]),
                expires_at=row["expires_at"],
                used=row["used_at"] is not None,
            )
        )
        return attestation.verify(
            facts,
            persons=claim.persons,
            now=clock.now(),
            rules=ctx.settings.config.rules.claims,
            fingerprint_key=ctx.fingerprint_key,
        )

    async def on_accepted(
        self, db: asyncpg.Connection, ctx: ClaimContext, proof_id: int, claim: Claim, verdict: Verdict
    ) -> Admission:
        # The code is spent in the proof's own transaction: two claims with one code give one pass.
        code = attestation.canonical_code(decode_evidence(claim.evidence, attestation.AttestationEvidence).code)
        return ISSUE if await attestations.mark_used(db, code, proof_id) else USED


class ManualMethod(_NothingMoreOnAccept):
    name: ClassVar[str] = "manual"
    modes: ClassVar[frozenset[str]] = frozenset({"train", "bus", "bike"})
    evidence_schema: ClassVar[type | dict[str, Any]] = manual.ManualEvidence

    async def judge(self, db: asyncpg.Connection, ctx: ClaimContext, claim: Claim) -> PendingReview:
        if claim.file is None:
            raise Problem(422, "proof.evidence_invalid", reason=text(N_("the photo goes in the file part")))
        evidence = decode_evidence(claim.evidence, manual.ManualEvidence)
        stop = await repository.stop_facts(db, evidence.arrival_stop_id) if evidence.arrival_stop_id else None
        site = await territory.site(db, evidence.site_id) if evidence.site_id else None
        if evidence.site_id and (site is None or not site["active"]):
            raise Problem(
                422, "proof.evidence_invalid", reason=text(N_("evidence.site_id: the id of an active partner site"))
            )
        verdict = manual.verify(
            evidence,
            claim.file,
            mode=claim.mode,
            persons=claim.persons,
            stop=stop,
            site_ot_id=site["ot_id"] if site else None,
            today=ctx.today,
            rules=ctx.settings.config.rules.claims,
            fingerprint_key=ctx.fingerprint_key,
        )
        # the facts first (cheap), the very same file sent again next (no decoding for it);
        # then the photo, decoded and re-encoded off the event loop
        if await reviews_repository.fingerprint_used(db, verdict.fingerprint):
            raise ProofSeen(verdict.fingerprint)
        photo = await heavy.run(photos.prepare, claim.file)
        row = await reviews.submit(db, ctx.settings, claim.mode, verdict, photo, claim.lang, claim.email)
        return PendingReview(row["public_id"], row["status"])


# The earlier rides a reviewer sees beside a held one, the likest first.
MAX_SIMILAR_SHOWN = 5


class GpxMethod:
    name: ClassVar[str] = "gpx"
    modes: ClassVar[frozenset[str]] = frozenset({"bike"})
    evidence_schema: ClassVar[type | dict[str, Any]] = _one_text_field("GpxTrack", "gpx")

    async def judge(self, db: asyncpg.Connection, ctx: ClaimContext, claim: Claim) -> Verdict:
        settings = ctx.settings
        document = claim.file if claim.file is not None else _text_evidence(claim.evidence, "gpx")
        return gpx.verify_gpx(
            document,
            rules=settings.config.rules.gpx,
            claim_rules=settings.config.rules.claims,
            now=clock.now(),
            endpoints=await repository.lot_endpoints(db),
            persons=claim.persons,
            fingerprint_key=ctx.fingerprint_key,
            zone=settings.config.territory.timezone,
        )

    async def on_accepted(
        self, db: asyncpg.Connection, ctx: ClaimContext, proof_id: int, claim: Claim, verdict: Verdict
    ) -> Admission:
        """A copy of an earlier ride's recording is refused; a ride that may be one
        (a companion's, or a copy too blurred to prove) waits for a person; a ride of
        its own on a shared road gets its pass. See `ride_recording`."""
        shape, recording = verdict.ride_shape, verdict.ride_recording
        if shape is None or not shape.cells:
            return ISSUE
        window = ctx.settings.config.rules.privacy.reuse_window_days
        await repository.lock_reuse_checks(db, "ride")
        same_road = [
            kept_id
            for kept_id, cells in await repository.rides_on_road(db, shape.reach(), window)
            if shape.overlaps(cells)
        ]
        kept = await repository.kept_recordings(db, same_road) if same_road else {}
        await repository.keep_ride(db, proof_id, shape, recording)
        # a ride kept before recordings were, on the same road, cannot be told apart: a person decides
        unknown = [(kept_id, None, None) for kept_id, other in kept.items() if other is None]
        found = (
            []
            if recording is None
            else ride_recording.alike(
                recording, [(kept_id, other) for kept_id, other in kept.items() if other is not None]
            )
        )
        if any(likeness.verdict == "copy" for _, likeness in found):
            return USED
        similar = [(kept_id, likeness.time_gap_seconds, likeness.wobble_correlation) for kept_id, likeness in found]
        similar += unknown
        return Admission("review", tuple(similar[:MAX_SIMILAR_SHOWN])) if similar else ISSUE


class RailBarcodeMethod(_NothingMoreOnAccept):
    name: ClassVar[str] = "rail_barcode"
    modes: ClassVar[frozenset[str]] = frozenset({"train"})
    evidence_schema: ClassVar[type | dict[str, Any]] = _one_text_field("RailBarcode", "barcode_b64")

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


METHODS: dict[str, ProofMethod] = {
    m.name: m for m in (DeclaredTripMethod(), RailBarcodeMethod(), GpxMethod(), AttestationMethod(), ManualMethod())
}
METHOD_MODES: dict[str, frozenset[str]] = {name: method.modes for name, method in METHODS.items()}


async def timetable_answer(
    db: asyncpg.Connection,
    settings: Settings,
    *,
    mode: str,
    stop_id: str,
    day: date,
    line: str,
    arrival: time,
    tolerance: int,
) -> TimetableAnswer | None:
    """What the imported timetables say of a trip; None when none is loaded for the mode."""
    if not await timetables.has_timetable(db, mode):
        return None
    match = await timetables.find_arrival(
        db, stop_id=stop_id, service_date=day, line=line, arrival_time=arrival, tolerance_minutes=tolerance, mode=mode
    )
    if match is None:
        return TimetableAnswer(matched=False)
    return TimetableAnswer(True, round(match.distance_km, 1), match.scheduled_arrival.strftime("%H:%M"))


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


def _text_evidence(evidence: dict[str, Any], name: str) -> bytes:
    value = evidence.get(name)
    if not isinstance(value, str) or not value:
        raise Problem(
            422,
            "proof.evidence_invalid",
            reason=text(N_("evidence.{name}: the document as text, or the file part"), name=name),
        )
    return value.encode()
