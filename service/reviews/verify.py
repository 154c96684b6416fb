"""`manual`: a photo that a person of the OT will look at. No I/O.

The checks that need no person run at once; the confidence comes with the
reviewer's approval. The visitor may send the photo alone: what they leave out
(travel date, arrival stop, partner site) the reviewer sets when approving.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated

import msgspec

from service.proofs.fingerprint import fingerprint
from service.proofs.rules import StopFacts, Verdict, check_arrival_stop, check_persons, check_travel_date
from service.settings import ClaimRules, Identifier


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
