"""Human review: a manual proof waits in its OT's queue; the decision issues the
pass (or not) and deletes the photo."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from service.accounts.guards import Staff
from service.core import audit
from service.core.errors import Problem
from service.passes import service as passes
from service.proofs import repository as proofs
from service.proofs.rules import Verdict
from service.reviews import photos, repository
from service.settings import Settings
from service.signing.service import Keyring


async def submit(
    db: asyncpg.Connection,
    settings: Settings,
    mode: str,
    verdict: Verdict,
    photo: bytes,
    lang: str,
    email: str | None,
) -> asyncpg.Record:
    """Queue a sanitised photo; the same picture resized or re-saved is already used."""
    phash = photos.perceptual_hash(photo)
    window = settings.config.rules.privacy.reuse_window_days
    async with db.transaction():
        await proofs.lock_reuse_checks(db, "photo")
        if await repository.same_photo_seen(db, phash, photos.SAME_PHOTO_BITS, window):
            raise Problem(409, "proof.already_used")
        row = await repository.insert_pending(db, mode, verdict, photo, phash, lang, email)
    if row is None:
        raise Problem(409, "proof.already_used")
    return row


async def _pending_for(db: asyncpg.Connection, staff: Staff, public_id: UUID) -> asyncpg.Record:
    proof = await repository.for_decision(db, public_id)
    if proof is None or (staff.role == "ot" and proof["ot_id"] != staff.ot_id):
        raise Problem(404, "request.not_found")
    if proof["status"] != "pending":
        raise Problem(409, "review.already_decided", decision=proof["status"])
    return proof


async def approve(db: asyncpg.Connection, settings: Settings, keyring: Keyring, staff: Staff, public_id: UUID) -> str:
    """Accept the proof and issue its pass; returns the pass code."""
    async with db.transaction():
        proof = await _pending_for(db, staff, public_id)
        await repository.decide(db, proof["id"], "accepted", staff.id, None)
        issued = await passes.issue(
            db,
            settings,
            keyring,
            proof_id=proof["id"],
            mode=proof["mode"],
            method="manual",
            confidence="verified",
            persons=proof["persons"],
            arrival_date=proof["arrival_date"],
            arrival_stop_id=proof["arrival_stop_id"],
            ot_id=proof["ot_id"],
            trip_km=None,
            email=proof["email"],
            lang=proof["lang"],
        )
        await audit.record(db, "proof.approved", "proof", str(proof["id"]), actor=staff.username, actor_id=staff.id)
    return issued.code


async def reject(db: asyncpg.Connection, staff: Staff, public_id: UUID, reason: str) -> None:
    async with db.transaction():
        proof = await _pending_for(db, staff, public_id)
        await repository.decide(db, proof["id"], "rejected", staff.id, reason)
        await audit.record(
            db,
            "proof.rejected",
            "proof",
            str(proof["id"]),
            actor=staff.username,
            actor_id=staff.id,
            details={"reason": reason},
        )
