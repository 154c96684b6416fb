"""`attestation`: a partner saw the bike and gave a one-time code (service.attestations
issues it); the code is spent in the proof's own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, ClassVar

import asyncpg
import msgspec

from service.attestations import repository as attestations
from service.attestations.codes import CODE_LENGTH
from service.core import clock
from service.core.errors import Problem
from service.core.i18n import N_
from service.core.refusals import declare
from service.passes import codes
from service.proofs.fingerprint import fingerprint
from service.proofs.methods.base import ISSUE, USED, Admission, Claim, ClaimContext, decode_evidence
from service.proofs.methods.form import FormField
from service.proofs.rules import ProofSeen, Verdict, check_persons
from service.settings import ClaimRules

# The refusals only this method gives.
CODES = declare(
    {
        "proof.attestation_unknown": (
            422,
            N_("Unknown attestation code"),
            N_("This bike attestation code is unknown."),
        ),
        "proof.attestation_expired": (
            422,
            N_("Attestation expired"),
            N_("This bike attestation code has expired (valid 24 h)."),
        ),
    }
)


class AttestationEvidence(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


@dataclass(frozen=True)
class AttestationFacts:
    code: str
    site_id: str
    ot_id: str
    persons: int
    issued_on: date
    expires_at: datetime
    used: bool


def verify(
    facts: AttestationFacts | None, *, persons: int, now: datetime, rules: ClaimRules, fingerprint_key: bytes
) -> Verdict:
    if facts is None:
        raise Problem(422, "proof.attestation_unknown")
    code_fingerprint = fingerprint(fingerprint_key, "attestation", facts.code)
    if facts.used:
        raise ProofSeen(code_fingerprint)
    if now >= facts.expires_at:
        raise Problem(422, "proof.attestation_expired")
    check_persons(persons, rules, on_ticket=facts.persons)
    return Verdict(
        confidence="verified",
        arrival_date=facts.issued_on,
        persons=persons,
        fingerprint=code_fingerprint,
        ot_id=facts.ot_id,
        facts={"site_id": facts.site_id},
    )


def canonical_code(typed: str) -> str:
    code = codes.normalise(typed, CODE_LENGTH)
    if code is None:
        raise Problem(422, "proof.attestation_unknown")
    return code


class AttestationMethod:
    name: ClassVar[str] = "attestation"
    codes: ClassVar[frozenset[str]] = CODES
    modes: ClassVar[frozenset[str]] = frozenset({"bike"})
    evidence_schema: ClassVar[type | dict[str, Any]] = AttestationEvidence
    label: ClassVar[str] = N_("Code from a bike partner")
    fields: ClassVar[tuple[FormField, ...]] = (
        FormField(
            "code",
            N_("Attestation code"),
            "text",
            N_("The 8-character code a bike rental or repair partner gave you."),
            (("autocomplete", "off"), ("autocapitalize", "characters"), ("maxlength", "40")),
            ("code",),
        ),
    )
    required: ClassVar[frozenset[str]] = frozenset({"code"})
    next_step: ClassVar[str] = N_("Ask the partner for a new code, or send a photo for the tourist office to check.")
    refusals: ClassVar[dict[str, str]] = {"proof.attestation_unknown": "code", "proof.attestation_expired": "code"}

    def evidence_from_form(self, values: dict[str, str], stop_id: str | None) -> dict[str, Any]:
        return {"code": values.get("code", "")}

    async def judge(self, db: asyncpg.Connection, ctx: ClaimContext, claim: Claim) -> Verdict:
        typed = decode_evidence(claim.evidence, AttestationEvidence)
        code = canonical_code(typed.code)
        row = await attestations.by_code(db, code)
        facts = (
            None
            if row is None
            else AttestationFacts(
                code=row["code"],
                site_id=row["site_id"],
                ot_id=row["ot_id"],
                persons=row["persons"],
                issued_on=clock.local_date(ctx.settings, row["created_at"]),
                expires_at=row["expires_at"],
                used=row["used_at"] is not None,
            )
        )
        return verify(
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
        code = canonical_code(decode_evidence(claim.evidence, AttestationEvidence).code)
        return ISSUE if await attestations.mark_used(db, code, proof_id) else USED
