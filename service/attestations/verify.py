"""`attestation`: a partner saw the bike and gave a one-time code. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

import msgspec

from service.core.errors import Problem
from service.passes import codes
from service.proofs.fingerprint import fingerprint
from service.proofs.rules import ProofSeen, Verdict, check_persons
from service.settings import ClaimRules

CODE_BODY_LENGTH = 7
CODE_LENGTH = CODE_BODY_LENGTH + 1


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


def canonical_code(typed: str) -> str:
    code = codes.normalise(typed, CODE_LENGTH)
    if code is None:
        raise Problem(422, "proof.attestation_unknown")
    return code


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
