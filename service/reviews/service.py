"""Human review: a manual proof waits in its OT's queue; the decision issues the
pass (or not) and deletes the photo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import asyncpg

from service.accounts.guards import Staff
from service.core import audit
from service.core.clock import local_date
from service.core.errors import Problem
from service.core.i18n import term
from service.mail import repository as mail
from service.passes import service as passes
from service.proofs import repository as proofs
from service.proofs.methods import photos
from service.proofs.rules import check_arrival_stop, check_travel_date
from service.reviews import repository
from service.settings import Settings
from service.signing.service import Keyring
from service.territory import repository as territory


@dataclass(frozen=True)
class Placement:
    """What the reviewer read on the photo; each given field overrides the visitor's."""

    date: date | None = None
    arrival_stop_id: str | None = None
    site_id: str | None = None


@dataclass(frozen=True)
class ReviewQueue:
    """The proofs waiting (or decided), with what a reviewer compares each with: the earlier
    proofs whose photo looks like its own, the earlier rides a held ride may repeat (by proof id)."""

    proofs: list[asyncpg.Record]
    lookalikes: dict[int, list[asyncpg.Record]]
    similar_rides: dict[int, list[asyncpg.Record]]


async def review_queue(
    db: asyncpg.Connection, settings: Settings, scope: str | None, status: str, *, limit: int = 200
) -> ReviewQueue:
    """The queue of `scope`'s OT (and the proofs no place ties to an OT yet), for the API and the page."""
    rows = await repository.queue(db, scope, status, limit=limit)
    ids = [row["id"] for row in rows]
    alike: dict[int, list[asyncpg.Record]] = {}
    for match in await lookalikes(db, ids, settings.config.rules.privacy.reuse_window_days):
        alike.setdefault(match["for_proof"], []).append(match)
    rides: dict[int, list[asyncpg.Record]] = {}
    for match in await repository.similar_rides(db, [row["id"] for row in rows if row["method"] == "gpx"]):
        rides.setdefault(match["for_proof"], []).append(match)
    return ReviewQueue(rows, alike, rides)


async def lookalikes(db: asyncpg.Connection, proof_ids: list[int], window_days: int) -> list[asyncpg.Record]:
    """For each proof of `proof_ids`, the earlier proofs whose photo looks like its own (a
    crop, a filter), with their outcome; two screenshots of one app with other tickets in
    its frame share a layout, not a cut, and are not alike."""
    return [
        match
        for match in await repository.layout_lookalikes(db, proof_ids, photos.LOOKALIKE_BITS, window_days)
        if match["own_cuts"] is None
        or match["their_cuts"] is None
        or photos.cropped_bits_apart(match["own_cuts"], match["their_cuts"]) <= photos.CROPPED_FINE_BITS
    ]


async def _pending_for(db: asyncpg.Connection, staff: Staff, public_id: UUID) -> asyncpg.Record:
    proof = await repository.for_decision(db, public_id)
    if proof is None or not may_review(staff, proof["ot_id"]):
        raise Problem(404, "request.not_found")
    if proof["status"] != "pending":
        raise Problem(409, "review.already_decided", decision=term(proof["status"]))
    return proof


def may_review(staff: Staff, ot_id: str | None) -> bool:
    """OT staff review their OT's proofs, and those no place ties to an OT yet."""
    return staff.role != "ot" or ot_id in (None, staff.ot_id)


async def _placed(
    db: asyncpg.Connection, settings: Settings, staff: Staff, proof: asyncpg.Record, placement: Placement
) -> tuple[date, str | None, str | None, dict]:
    """(arrival date, arrival stop, OT, facts) of the proof once the reviewer's placement is applied."""
    arrival_date = placement.date or proof["arrival_date"]
    if arrival_date is None:
        raise Problem(422, "review.date_required")
    rules = settings.config.rules.claims
    check_travel_date(arrival_date, local_date(settings, proof["created_at"]), rules)
    facts = dict(proof["facts"] or {})
    stop_id, ot_id = proof["arrival_stop_id"], proof["ot_id"]
    if proof["mode"] == "bike":
        if placement.site_id is not None:
            site = await territory.site(db, placement.site_id)
            if site is None or not site["active"]:
                raise Problem(422, "proof.evidence_invalid", reason="site_id: unknown site")
            facts["site_id"], ot_id = site["id"], site["ot_id"]
    elif placement.arrival_stop_id is not None:
        stop = check_arrival_stop(await proofs.stop_facts(db, placement.arrival_stop_id), proof["mode"])
        stop_id, ot_id = stop.id, stop.ot_id
    if ot_id is None:
        raise Problem(422, "review.place_required", what="site_id" if proof["mode"] == "bike" else "arrival_stop_id")
    if not may_review(staff, ot_id):
        raise Problem(403, "auth.forbidden")
    return arrival_date, stop_id, ot_id, facts


async def approve(
    db: asyncpg.Connection,
    settings: Settings,
    keyring: Keyring,
    staff: Staff,
    public_id: UUID,
    placement: Placement | None = None,
) -> str:
    """Accept the proof, with the date and place the reviewer read, and issue its pass; returns the pass code."""
    async with db.transaction():
        proof = await _pending_for(db, staff, public_id)
        arrival_date, stop_id, ot_id, facts = await _placed(db, settings, staff, proof, placement or Placement())
        await repository.place(db, proof["id"], arrival_date, stop_id, ot_id, facts)
        # a person read the photo: verified; a ride held as a possible copy stays what a ride is, plausible
        confidence = "verified" if proof["method"] == "manual" else "plausible"
        await repository.decide(db, proof["id"], "accepted", staff.id, None, confidence)
        new = passes.NewPass(
            proof["id"],
            proof["mode"],
            proof["method"],
            confidence,
            proof["persons"],
            arrival_date,
            stop_id,
            ot_id,
            round(facts["distance_km"], 1) if "distance_km" in facts else None,
            proof["email"],
            proof["lang"],
        )
        issued = await passes.issue(db, settings, keyring, new, reviewed=True)
        if proof["email"]:
            await mail.enqueue(db, "review_decided", proof["lang"], pass_id=issued.id, proof_id=proof["id"])
        await audit.record(db, "proof.approved", "proof", str(proof["id"]), by=staff)
    return issued.code


async def reject(db: asyncpg.Connection, staff: Staff, public_id: UUID, reason: str) -> None:
    async with db.transaction():
        proof = await _pending_for(db, staff, public_id)
        await repository.decide(db, proof["id"], "rejected", staff.id, reason)
        if proof["email"]:
            await mail.enqueue(db, "review_decided", proof["lang"], proof_id=proof["id"])
        await audit.record(
            db,
            "proof.rejected",
            "proof",
            str(proof["id"]),
            by=staff,
            details={"reason": reason},
        )


async def by_public_id(db: asyncpg.Connection, public_id: UUID) -> asyncpg.Record | None:
    """A proof sent for review, with its outcome and pass code, for its review page."""
    return await repository.by_public_id(db, public_id)
