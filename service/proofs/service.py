"""A claim: verify the proof with its method's pure verifier, then record the
proof and issue its pass in one transaction (the fingerprint is unique).
Manual proofs wait for a person instead."""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
from dataclasses import dataclass
from datetime import date, time
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from service.attestations import repository as attestations
from service.attestations import verify as attestation
from service.core import clock
from service.core.errors import Problem
from service.core.i18n import N_, text
from service.core.validation import reason_of
from service.passes import service as passes
from service.proofs import declared_trip, gpx, repository
from service.proofs.rail import barcode_image
from service.proofs.rail import repository as rail_repository
from service.proofs.rail import verify as rail
from service.proofs.rules import TimetableAnswer, Verdict, check_mode, check_timetable
from service.reviews import photos
from service.reviews import service as reviews
from service.reviews import verify as manual
from service.settings import Settings
from service.signing.service import Keyring
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


def decode_evidence(evidence: dict[str, Any], type_: type) -> Any:
    try:
        return msgspec.convert(evidence, type_)
    except msgspec.ValidationError as exc:
        raise Problem(422, "proof.evidence_invalid", reason=reason_of(exc, prefix="evidence")) from exc


async def claim(
    db: asyncpg.Connection, settings: Settings, keyring: Keyring, fingerprint_key: bytes, request: Claim
) -> passes.IssuedPass | PendingReview:
    rules = settings.config.rules.claims
    check_mode(request.mode, request.method, rules)
    today = clock.local_date(settings)

    if request.method == "declared_trip":
        trip = decode_evidence(request.evidence, declared_trip.DeclaredTrip)
        stop = await repository.stop_facts(db, trip.arrival_stop_id)
        answer = None
        if stop is not None:
            answer = await timetable_answer(
                db,
                settings,
                mode=request.mode,
                stop_id=stop.id,
                day=trip.date,
                line=trip.line,
                arrival=time.fromisoformat(trip.arrival_time),
                tolerance=settings.config.rules.timetables.tolerance_minutes,
            )
        try:
            verdict = declared_trip.verify(
                trip,
                mode=request.mode,
                persons=request.persons,
                stop=stop,
                today=today,
                rules=rules,
                fingerprint_key=fingerprint_key,
                timetable=answer,
            )
        except declared_trip.TicketReferenceTooShort as exc:
            raise Problem(
                422, "proof.evidence_invalid", reason=text(N_("evidence.ticket_ref: at least 4 letters or digits"))
            ) from exc
        return await accept(db, settings, keyring, request, verdict)

    if request.method == "attestation":
        typed = decode_evidence(request.evidence, attestation.AttestationEvidence)
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
                issued_on=clock.local_date(settings, row["created_at"]),
                expires_at=row["expires_at"],
                used=row["used_at"] is not None,
            )
        )
        verdict = attestation.verify(
            facts, persons=request.persons, now=clock.now(), rules=rules, fingerprint_key=fingerprint_key
        )
        return await accept(db, settings, keyring, request, verdict, attestation_code=code)

    if request.method == "manual":
        if request.file is None:
            raise Problem(422, "proof.evidence_invalid", reason=text(N_("the photo goes in the file part")))
        evidence = decode_evidence(request.evidence, manual.ManualEvidence)
        stop = await repository.stop_facts(db, evidence.arrival_stop_id) if evidence.arrival_stop_id else None
        site = await territory.site(db, evidence.site_id) if evidence.site_id else None
        if evidence.site_id and (site is None or not site["active"]):
            raise Problem(
                422, "proof.evidence_invalid", reason=text(N_("evidence.site_id: the id of an active partner site"))
            )
        verdict = manual.verify(
            evidence,
            request.file,
            mode=request.mode,
            persons=request.persons,
            stop=stop,
            site_ot_id=site["ot_id"] if site else None,
            today=today,
            rules=rules,
            fingerprint_key=fingerprint_key,
        )
        row = await reviews.submit(
            db, request.mode, verdict, photos.sanitise(request.file), request.lang, request.email
        )
        return PendingReview(row["public_id"], row["status"])

    if request.method == "gpx":
        document = request.file if request.file is not None else _text_evidence(request.evidence, "gpx")
        verdict = gpx.verify_gpx(
            document,
            rules=settings.config.rules.gpx,
            claim_rules=rules,
            now=clock.now(),
            endpoints=await repository.lot_endpoints(db),
            persons=request.persons,
            fingerprint_key=fingerprint_key,
            zone=settings.config.territory.timezone,
        )
        return await accept(db, settings, keyring, request, verdict)

    if request.method == "rail_barcode":
        limits = settings.config.rules.rail_barcodes
        if request.file is not None:
            # image decoding is CPU-bound: keep the event loop free
            raw = await asyncio.to_thread(barcode_image.read_ticket_barcode, request.file, limits)
        else:
            raw = _base64_evidence(request.evidence, "barcode_b64", limits.max_upload_bytes)
        key_ring = await rail_repository.load_key_ring(db)
        verdict = rail.verify_rail_barcode(
            raw,
            key_for=key_ring.key_for,
            today=today,
            rules=rules,
            persons=request.persons,
            fingerprint_key=fingerprint_key,
            station_in_lot=await rail_repository.station_index(db),
            config=limits,
        )
        if verdict.confidence == "plausible" and verdict.facts.get("train_number"):
            verdict = await _cross_check_train(db, settings, verdict)
        return await accept(db, settings, keyring, request, verdict)

    raise Problem(422, "proof.method_unavailable", method=request.method)


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


async def _cross_check_train(db: asyncpg.Connection, settings: Settings, verdict: Verdict) -> Verdict:
    """A plausible rail ticket (no signature) must name a train that really calls at its station that day."""
    facts = dict(verdict.facts)
    train = str(facts["train_number"])
    answer = None
    if verdict.arrival_stop_id is not None:
        answer = await timetable_answer(
            db,
            settings,
            mode="train",
            stop_id=verdict.arrival_stop_id,
            day=verdict.arrival_date,
            line=train,
            arrival=_WHOLE_DAY[0],
            tolerance=_WHOLE_DAY[1],
        )
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


async def accept(
    db: asyncpg.Connection,
    settings: Settings,
    keyring: Keyring,
    request: Claim,
    verdict: Verdict,
    *,
    attestation_code: str | None = None,
) -> passes.IssuedPass:
    async with db.transaction():
        proof_id = await repository.insert_accepted(db, request.method, request.mode, verdict)
        if proof_id is None:
            raise Problem(409, "proof.already_used")
        if attestation_code is not None and not await attestations.mark_used(db, attestation_code, proof_id):
            raise Problem(409, "proof.already_used")
        issued = await passes.issue(
            db,
            settings,
            keyring,
            proof_id=proof_id,
            mode=request.mode,
            method=request.method,
            confidence=verdict.confidence,
            persons=verdict.persons,
            arrival_date=verdict.arrival_date,
            arrival_stop_id=verdict.arrival_stop_id,
            ot_id=verdict.ot_id,
            trip_km=verdict.trip_km,
            email=request.email,
            lang=request.lang,
        )
    checks = {name: value for name, value in verdict.facts.items() if name.endswith("_checked")}
    return dataclasses.replace(issued, checks=checks)
