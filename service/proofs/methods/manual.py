"""`manual`: a photo that a person of the OT will look at (service.reviews decides).

The checks that need no person run at once; the confidence comes with the
reviewer's approval. The visitor may send the photo alone: what they leave out
(travel date, arrival stop, partner site) the reviewer sets when approving.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Any, ClassVar

import asyncpg
import msgspec

from service.core import heavy
from service.core.errors import Problem
from service.core.i18n import N_, text
from service.core.refusals import declare
from service.proofs import repository
from service.proofs.fingerprint import fingerprint
from service.proofs.methods import photos
from service.proofs.methods.base import Claim, ClaimContext, NothingMoreOnAccept, PendingReview, decode_evidence
from service.proofs.methods.form import DATE, STOP, TICKET_FILE, FormField
from service.proofs.rules import ProofSeen, StopFacts, Verdict, check_arrival_stop, check_persons, check_travel_date
from service.settings import ClaimRules, Identifier, Settings
from service.territory import repository as territory

# The refusals only this method gives.
CODES = declare(
    {
        "proof.photo_invalid": (
            422,
            N_("Photo unreadable"),
            N_("The photo must be a readable JPEG or PNG image."),
        ),
        "proof.photo_too_large": (
            422,
            N_("Photo too large"),
            N_("The photo is too large (at most {max_mb} MB)."),
        ),
    }
)


class ManualEvidence(msgspec.Struct, forbid_unknown_fields=True):
    date: date | None = None
    arrival_stop_id: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    site_id: Identifier | None = None


def verify(
    evidence: ManualEvidence,
    original_photo: bytes,
    *,
    mode: str,
    persons: int,
    stop: StopFacts | None,
    site_ot_id: str | None,
    today: date,
    rules: ClaimRules,
    fingerprint_key: bytes,
) -> Verdict:
    """A pending verdict; `confidence` is what the approval will give. Its date and
    place stay None when the visitor did not give them."""
    if evidence.date is not None:
        check_travel_date(evidence.date, today, rules)
    check_persons(persons, rules)
    # a cyclist shows themselves with the bike at the site; the others, their ticket
    arrival = check_arrival_stop(stop, mode) if mode != "bike" and evidence.arrival_stop_id else None
    return Verdict(
        confidence="verified",
        arrival_date=evidence.date,
        persons=persons,
        # the same photo sent twice is the same proof
        fingerprint=fingerprint(fingerprint_key, "photo", hashlib.sha256(original_photo).hexdigest()),
        arrival_stop_id=arrival.id if arrival else None,
        ot_id=arrival.ot_id if arrival else site_ot_id,
        facts={"site_id": evidence.site_id} if evidence.site_id else {},
    )


class ManualMethod(NothingMoreOnAccept):
    name: ClassVar[str] = "manual"
    codes: ClassVar[frozenset[str]] = CODES
    modes: ClassVar[frozenset[str]] = frozenset({"train", "bus", "bike"})
    evidence_schema: ClassVar[type | dict[str, Any]] = ManualEvidence
    label: ClassVar[str] = N_("Photo checked by hand")
    fields: ClassVar[tuple[FormField, ...]] = (TICKET_FILE, DATE, STOP)
    required: ClassVar[frozenset[str]] = frozenset({"ticket_file"})
    next_step: ClassVar[str] = N_("Send a sharp JPEG or PNG photo of the whole ticket.")
    refusals: ClassVar[dict[str, str]] = {"proof.photo_": "ticket_file"}

    def evidence_from_form(self, values: dict[str, str], stop_id: str | None) -> dict[str, Any]:
        evidence: dict[str, Any] = {}
        if values.get("date"):
            evidence["date"] = values["date"]
        if stop_id:
            evidence["arrival_stop_id"] = stop_id
        return evidence

    async def judge(self, db: asyncpg.Connection, ctx: ClaimContext, claim: Claim) -> PendingReview:
        if claim.file is None:
            raise Problem(422, "proof.evidence_invalid", reason=text(N_("the photo goes in the file part")))
        evidence = decode_evidence(claim.evidence, ManualEvidence)
        stop = await repository.stop_facts(db, evidence.arrival_stop_id) if evidence.arrival_stop_id else None
        site = await territory.site(db, evidence.site_id) if evidence.site_id else None
        if evidence.site_id and (site is None or not site["active"]):
            raise Problem(
                422, "proof.evidence_invalid", reason=text(N_("evidence.site_id: the id of an active partner site"))
            )
        verdict = verify(
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
        if await repository.fingerprint_used(db, verdict.fingerprint):
            raise ProofSeen(verdict.fingerprint)
        photo = await heavy.run(photos.prepare, claim.file)
        row = await _queue(db, ctx.settings, claim.mode, verdict, photo, claim.lang, claim.email)
        return PendingReview(row["public_id"], row["status"])


async def _queue(
    db: asyncpg.Connection,
    settings: Settings,
    mode: str,
    verdict: Verdict,
    photo: photos.CleanPhoto,
    lang: str,
    email: str | None,
) -> asyncpg.Record:
    """Queue a sanitised photo for its OT; the same picture resized or re-saved is already used."""
    window = settings.config.rules.privacy.reuse_window_days
    async with db.transaction():
        await repository.lock_reuse_checks(db, "photo")
        if await repository.same_photo_seen(db, photo, window):
            raise Problem(409, "proof.already_used")
        row = await repository.insert_pending(db, mode, verdict, photo, lang, email)
    if row is None:
        raise ProofSeen(verdict.fingerprint)  # the same file, sent twice at once
    return row
