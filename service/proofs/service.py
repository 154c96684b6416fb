"""A claim: verify the proof with its method's pure verifier, then record the
proof and issue its pass in one transaction (the fingerprint is unique)."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from service.core.clock import local_date
from service.core.errors import Problem
from service.passes import service as passes
from service.proofs import declared_trip, repository
from service.proofs.rules import Verdict, check_mode
from service.settings import Settings
from service.signing.service import Keyring


def decode_evidence(evidence: dict[str, Any], type_: type) -> Any:
    try:
        return msgspec.convert(evidence, type_)
    except msgspec.ValidationError as exc:
        raise Problem(422, "proof.evidence_invalid", reason=str(exc)) from exc


async def verify(
    db: asyncpg.Connection, settings: Settings, fingerprint_key: bytes, *, mode: str, method: str, persons: int,
    evidence: dict[str, Any],
) -> Verdict:
    rules = settings.config.rules.claims
    check_mode(mode, method, rules)
    if method == "declared_trip":
        trip = decode_evidence(evidence, declared_trip.DeclaredTrip)
        stop = await repository.stop_facts(db, trip.arrival_stop_id)
        try:
            return declared_trip.verify(
                trip, mode=mode, persons=persons, stop=stop, today=local_date(settings), rules=rules,
                fingerprint_key=fingerprint_key,
            )
        except declared_trip.TicketReferenceTooShort as exc:
            raise Problem(422, "proof.evidence_invalid", reason=str(exc)) from exc
    raise Problem(422, "proof.method_unavailable", method=method)


async def accept(
    db: asyncpg.Connection, settings: Settings, keyring: Keyring, *, mode: str, method: str, verdict: Verdict,
    email: str | None, lang: str,
) -> passes.IssuedPass:
    async with db.transaction():
        proof_id = await repository.insert_accepted(db, method, mode, verdict)
        if proof_id is None:
            raise Problem(409, "proof.already_used")
        return await passes.issue(
            db, settings, keyring, proof_id=proof_id, mode=mode, method=method, confidence=verdict.confidence,
            persons=verdict.persons, arrival_date=verdict.arrival_date, arrival_stop_id=verdict.arrival_stop_id,
            ot_id=verdict.ot_id, trip_km=verdict.trip_km, email=email, lang=lang,
        )
