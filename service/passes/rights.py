"""The pass holder's rights (RGPD), the pass token as the credential: a copy of everything
held about the pass and its proof, and its erasure.

Erasure revokes the pass (it joins the revocation list, so an offline desk refuses it too),
erases the e-mail addresses, the queued mail and what the proof said, at once. What stays,
and for how long: the pass's facts the reports count (mode, persons, arrival day and stop,
its OT, its uses) — so the figures do not move —, the proof's keyed fingerprint (one proof
gives one pass), a ride's shape or a photo's hash until the reuse window ends
(`[privacy] reuse_window_days`), a desk's stored answers until `scan_retention_days`, and an
audit entry saying that it happened, not who, until `audit_retention_days`."""

from __future__ import annotations

from typing import Any

import asyncpg

from service.core import audit, clock
from service.core.errors import Problem
from service.passes import codes, repository
from service.settings import Settings

ERASED_REASON = "erased at the holder's request"


async def _pass(db: asyncpg.Connection, code: str) -> asyncpg.Record:
    row = await repository.by_code(db, code)
    if row is None:
        raise Problem(404, "pass.not_found")
    return row


async def data_of(db: asyncpg.Connection, settings: Settings, code: str) -> dict[str, Any]:
    """Everything held about the pass `code` and its proof, with how long each part is kept."""
    row = await _pass(db, code)
    held = await repository.held_about(db, row["id"])
    found = held["row"]
    privacy = settings.config.rules.privacy
    proof = None
    if found["proof_id"] is not None:
        proof = {
            "method": found["proof_method"],
            "mode": found["proof_mode"],
            "status": found["proof_status"],
            "arrival_date": found["proof_arrival_date"],
            "persons": found["proof_persons"],
            "facts": found["proof_facts"],
            "email": found["proof_email"],
            "created_at": found["proof_created_at"],
            "reviewed_at": found["proof_reviewed_at"],
            "review_reason": found["proof_review_reason"],
            "photo_kept": found["proof_photo"],
            "ride_shape_kept": found["ride_shape"],
            "photo_hash_kept": found["photo_hash"],
        }
    return {
        "pass": {
            "code": found["code"],
            "code_display": codes.display(found["code"]),
            "mode": found["mode"],
            "method": found["method"],
            "confidence": found["confidence"],
            "persons": found["persons"],
            "arrival_date": found["arrival_date"],
            "arrival_stop": found["arrival_stop"],
            "ot": found["ot_id"],
            "trip_km": found["trip_km"],
            "valid_from": found["valid_from"],
            "valid_until": found["valid_until"],
            "created_at": found["created_at"],
            "revoked_at": found["revoked_at"],
            "email": found["email"],
        },
        "proof": proof,
        "uses": [dict(use) for use in await repository.redemptions_of(db, row["id"])],
        "bookings": [dict(booking) for booking in await repository.bookings_of(db, row["id"])],
        "mail": held["mail"],
        "retention_days": {
            "email_after_the_pass_ends": privacy.email_retention_days,
            "photo_unreviewed": privacy.photo_retention_days,
            "ride_shape_and_photo_hash": privacy.reuse_window_days,
            "desk_answers": privacy.scan_retention_days,
            "audit": privacy.audit_retention_days,
        },
    }


async def erase(db: asyncpg.Connection, settings: Settings, code: str) -> dict[str, Any]:
    """Revoke the pass and erase what it and its proof hold beyond the reuse checks and the
    figures; idempotent."""
    async with db.transaction():
        row = await repository.by_code(db, code, for_update=True)
        if row is None:
            raise Problem(404, "pass.not_found")
        revoked = await repository.revoke(db, code, ERASED_REASON, None)
        await repository.erase_for_holder(db, row["id"], row["proof_id"])
        if row["revoked_reason"] != ERASED_REASON:
            await audit.record(db, "pass.erased", "pass", code, actor="holder")
    assert revoked is not None
    privacy = settings.config.rules.privacy
    return {
        "code": code,
        "revoked_at": revoked["revoked_at"],
        "erased": ["email", "queued_mail", "proof_facts", "proof_photo", "review_reason"],
        "kept": {
            "pass_figures": "mode, persons, arrival day and stop, OT, uses: the reports' figures",
            "proof_fingerprint": "a keyed hash: one proof gives one pass",
            "ride_shape_and_photo_hash": f"{privacy.reuse_window_days} days from the proof",
            "desk_answers": f"{privacy.scan_retention_days} days from the scan",
        },
        "at": clock.now(),
    }
