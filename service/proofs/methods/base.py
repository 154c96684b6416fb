"""What every proof method is and is given: the claim, the context, the answers a
method gives (a `Verdict`, or a `PendingReview` for a person's review), and the form
it shows (service.proofs.methods.form)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any, ClassVar, Literal, Protocol
from uuid import UUID

import asyncpg
import msgspec

from service.core.errors import Problem
from service.core.i18n import N_, text
from service.core.validation import reason_of
from service.proofs.methods.form import FormField
from service.proofs.rules import TimetableAnswer, Verdict
from service.settings import Settings
from service.timetables import lookup as timetables


@dataclass(frozen=True)
class Claim:
    mode: str
    method: str
    persons: int
    evidence: dict[str, Any]
    file: bytes | None
    email: str | None
    lang: str


@dataclass(frozen=True)
class PendingReview:
    id: UUID
    status: str


@dataclass(frozen=True)
class Admission:
    """What a method says of its proof once recorded: issue its pass, refuse it as
    already used, or hold it for a person (with the earlier proofs it may repeat:
    (proof id, time gap, wobble correlation))."""

    outcome: Literal["issue", "used", "review"]
    similar: tuple[tuple[int, float | None, float | None], ...] = ()


ISSUE = Admission("issue")
USED = Admission("used")


@dataclass(frozen=True)
class ClaimContext:
    """What every method may use besides the claim itself."""

    settings: Settings
    fingerprint_key: bytes
    today: date


class ProofMethod(Protocol):
    name: ClassVar[str]
    modes: ClassVar[frozenset[str]]
    # The refusal codes only this method gives, declared in its module.
    codes: ClassVar[frozenset[str]]
    # The evidence object, documented in the OpenAPI schema of the claim body.
    evidence_schema: ClassVar[type | dict[str, Any]]
    # The claim form: the method's name there, its fields in order (the first is where a
    # refusal of the proof itself is shown), which are required, what to do after a
    # refusal, and the refusal codes (or code prefixes ending in "_") of each field.
    label: ClassVar[str]
    fields: ClassVar[tuple[FormField, ...]]
    required: ClassVar[frozenset[str]]
    next_step: ClassVar[str]
    refusals: ClassVar[dict[str, str]]

    def evidence_from_form(self, values: dict[str, str], stop_id: str | None) -> dict[str, Any]:
        """The claim's evidence object from the form's text fields (files travel apart)."""
        ...

    async def judge(self, db: asyncpg.Connection, ctx: ClaimContext, claim: Claim) -> Verdict | PendingReview: ...

    async def on_accepted(
        self, db: asyncpg.Connection, ctx: ClaimContext, proof_id: int, claim: Claim, verdict: Verdict
    ) -> Admission:
        """Inside the transaction that records the proof."""
        ...


class NothingMoreOnAccept:
    async def on_accepted(
        self, db: asyncpg.Connection, ctx: ClaimContext, proof_id: int, claim: Claim, verdict: Verdict
    ) -> Admission:
        return ISSUE


def decode_evidence(evidence: dict[str, Any], type_: type) -> Any:
    try:
        return msgspec.convert(evidence, type_)
    except msgspec.ValidationError as exc:
        raise Problem(422, "proof.evidence_invalid", reason=reason_of(exc, prefix="evidence")) from exc


def one_text_field(title: str, name: str) -> dict[str, Any]:
    """The schema of evidence that is one text (or the `file` part instead)."""
    return {"title": title, "type": "object", "properties": {name: {"type": "string"}}}


class NoTextEvidence:
    """A method whose evidence is a file: the form's text fields give nothing."""

    def evidence_from_form(self, values: dict[str, str], stop_id: str | None) -> dict[str, Any]:
        return {}


def text_evidence(evidence: dict[str, Any], name: str) -> bytes:
    value = evidence.get(name)
    if not isinstance(value, str) or not value:
        raise Problem(
            422,
            "proof.evidence_invalid",
            reason=text(N_("evidence.{name}: the document as text, or the file part"), name=name),
        )
    return value.encode()


async def timetable_answer(
    db: asyncpg.Connection,
    settings: Settings,
    *,
    mode: str,
    stop_id: str,
    day: date,
    line: str,
    arrival: time,
    tolerance: int,
) -> TimetableAnswer | None:
    """What the imported timetables say of a trip; None when none is loaded for the mode."""
    if not await timetables.has_timetable(db, mode):
        return None
    match = await timetables.find_arrival(
        db, stop_id=stop_id, service_date=day, line=line, arrival_time=arrival, tolerance_minutes=tolerance, mode=mode
    )
    if match is None:
        return TimetableAnswer(matched=False)
    return TimetableAnswer(True, round(match.distance_km, 1), match.scheduled_arrival.strftime("%H:%M"))
