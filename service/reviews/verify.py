"""`manual`: a photo that a person of the OT will look at. No I/O.

The checks that need no person run at once; the confidence comes with the
reviewer's approval.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated

import msgspec

from service.core.errors import Problem
from service.proofs.fingerprint import fingerprint
from service.proofs.rules import StopFacts, Verdict, check_arrival_stop, check_persons, check_travel_date
from service.settings import ClaimRules, Identifier


class ManualEvidence(msgspec.Struct, forbid_unknown_fields=True):
    date: date
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
    """A pending verdict; `confidence` is what the approval will give."""
    check_travel_date(evidence.date, today, rules)
    check_persons(persons, rules)
    if mode == "bike":
        # a cyclist shows themselves with the bike at the site
        if site_ot_id is None:
            raise Problem(422, "proof.evidence_invalid", reason="site_id: the partner site of the photo")
        arrival = None
    else:
        arrival = check_arrival_stop(stop, mode)
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
