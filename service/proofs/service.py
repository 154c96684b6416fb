"""A claim: its method (looked up in `METHODS`) judges the proof, then the proof
is recorded and its pass issued in one transaction (the fingerprint is unique).
Manual proofs wait for a person instead. A proof sent again (a closed tab, another
phone) gets back what it earned the first time: its pass, or its review."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from service.core import clock, observe, ratelimit
from service.core.errors import Problem
from service.mail import repository as mail
from service.passes import service as passes
from service.proofs import repository
from service.proofs.methods.base import Claim, ClaimContext, PendingReview, ProofMethod
from service.proofs.methods.registry import METHODS
from service.proofs.rules import ProofSeen, Verdict, check_mode
from service.reports import rollups
from service.settings import Settings
from service.signing.service import Keyring

# A file part may be as large as the largest proof file ([gpx] max_bytes); the body, that and the form.
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_CLAIM_BYTES = MAX_FILE_BYTES + 1024 * 1024

__all__ = ["Claim", "Claiming", "PendingReview", "accept", "claim", "earned", "submit"]


@dataclass(frozen=True)
class Claiming:
    """What a claim's submission needs of the running service (the app builds it once)."""

    settings: Settings
    keyring: Keyring
    folder: rollups.Folder
    fingerprint_key: bytes
    wake_mail: Callable[[], None]  # this process's mail sender, told a message is queued


async def submit(
    db: asyncpg.Connection, claiming: Claiming, client_bucket: str, read: Callable[[], Awaitable[Claim]]
) -> passes.IssuedPass | PendingReview:
    """A claim from the API or the visitor's form: counted against its client's limit
    (before its body is read: a refused client costs no parsing), judged, and the mail
    sender woken when it gave an address; a new pass is folded into the report rollups once
    the request has answered."""
    settings = claiming.settings
    await ratelimit.hit(db, client_bucket, settings.config.rules.rate_limits.claims_per_minute)
    request = await read()
    outcome = await claim(db, settings, claiming.keyring, claiming.fingerprint_key, request)
    if isinstance(outcome, passes.IssuedPass) and not outcome.again:
        await observe.after_answer(claiming.folder.fold)
    if request.email:
        claiming.wake_mail()
    return outcome


async def claim(
    db: asyncpg.Connection, settings: Settings, keyring: Keyring, fingerprint_key: bytes, request: Claim
) -> passes.IssuedPass | PendingReview:
    method = METHODS.get(request.method)
    if method is None:
        raise Problem(422, "proof.method_unavailable", method=request.method)
    check_mode(request.mode, method.name, method.modes, settings.config.rules.claims)
    context = ClaimContext(settings, fingerprint_key, clock.local_date(settings))
    try:
        outcome = await method.judge(db, context, request)
        if isinstance(outcome, PendingReview):
            return outcome
        return await accept(db, context, keyring, request, outcome, method)
    except ProofSeen as seen:
        return await earned(db, settings, keyring, seen.fingerprint)


async def earned(
    db: asyncpg.Connection, settings: Settings, keyring: Keyring, fingerprint: bytes
) -> passes.IssuedPass | PendingReview:
    """What the first sending of a proof earned: its pass (never a second one), its
    review while a person looks at it; a proof a person refused stays refused."""
    first = await repository.by_fingerprint(db, fingerprint)
    if first is not None:
        if first["status"] == "pending":
            return PendingReview(first["public_id"], first["status"])
        if first["status"] == "rejected":
            raise Problem(409, "proof.declined", reason=first["review_reason"] or "–")
        if (issued := await passes.of_proof(db, settings, keyring, first["id"])) is not None:
            return issued
    # forgotten since (its pass long ended), or a first sending that did not commit
    raise Problem(409, "proof.already_used")


async def accept(
    db: asyncpg.Connection,
    ctx: ClaimContext,
    keyring: Keyring,
    request: Claim,
    verdict: Verdict,
    method: ProofMethod,
) -> passes.IssuedPass | PendingReview:
    async with db.transaction():
        proof_id = await repository.insert_accepted(db, request.method, request.mode, verdict)
        if proof_id is None:
            raise ProofSeen(verdict.fingerprint)
        admission = await method.on_accepted(db, ctx, proof_id, request, verdict)
        if admission.outcome == "used":
            raise Problem(409, "proof.already_used")
        if admission.outcome == "review":
            held = await repository.hold_for_review(db, proof_id, list(admission.similar), request.lang, request.email)
            return PendingReview(held["public_id"], held["status"])
        new = passes.NewPass(
            proof_id,
            request.mode,
            request.method,
            verdict.confidence,
            verdict.persons,
            verdict.arrival_date,
            verdict.arrival_stop_id,
            verdict.ot_id,
            verdict.trip_km,
            request.email,
            request.lang,
        )
        issued = await passes.issue(db, ctx.settings, keyring, new)
        if request.email:
            await mail.enqueue(db, "pass_issued", request.lang, pass_id=issued.id)
    checks = {name: value for name, value in verdict.facts.items() if name.endswith("_checked")}
    return dataclasses.replace(issued, checks=checks)
