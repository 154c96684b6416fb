"""`gpx`: the track of the ride, read and never kept (service.proofs.gpx verifies it);
a copy of an earlier ride is refused, a ride that may be one waits for a person."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import asyncpg

from service.core import clock
from service.core.i18n import N_
from service.proofs import gpx, repository, ride_recording
from service.proofs.methods.base import (
    ISSUE,
    USED,
    Admission,
    Claim,
    ClaimContext,
    NoTextEvidence,
    one_text_field,
    text_evidence,
)
from service.proofs.methods.form import FormField
from service.proofs.rules import Verdict
from service.settings import RulesConfig


@dataclass(frozen=True)
class _GpxFile(FormField):
    """Its hint says where a ride may end, and whether a loop counts (config/rules.toml [gpx])."""

    def hint_params(self, rules: RulesConfig) -> Mapping[str, object]:
        return {"km": rules.gpx.max_end_distance_km}

    def extra_hint(self, rules: RulesConfig) -> str | None:
        return (
            N_("A loop ride counts.")
            if rules.gpx.loops_count
            else N_("A loop ride (back where it started) does not count.")
        )


GPX_FILE = _GpxFile(
    "gpx_file",
    N_("GPX track"),
    "file",
    N_(
        "Export the ride from your app or bike computer as GPX. It must end within %(km)s km of a station,"
        " a coach stop or a partner site of the Lot."
    ),
    (("accept", ".gpx,application/gpx+xml,application/xml,text/xml"),),
    ("gpx",),
)


# The earlier rides a reviewer sees beside a held one, the likest first.
MAX_SIMILAR_SHOWN = 5


class GpxMethod(NoTextEvidence):
    name: ClassVar[str] = "gpx"
    modes: ClassVar[frozenset[str]] = frozenset({"bike"})
    evidence_schema: ClassVar[type | dict[str, Any]] = one_text_field("GpxTrack", "gpx")
    label: ClassVar[str] = N_("GPX track of my ride")
    fields: ClassVar[tuple[FormField, ...]] = (GPX_FILE,)
    required: ClassVar[frozenset[str]] = frozenset({"gpx_file"})
    next_step: ClassVar[str] = N_(
        "You may also ask a bike partner for a code, or send a photo for the tourist office to check."
    )
    refusals: ClassVar[dict[str, str]] = {"proof.track_": "gpx_file", "proof.gpx_": "gpx_file"}

    async def judge(self, db: asyncpg.Connection, ctx: ClaimContext, claim: Claim) -> Verdict:
        settings = ctx.settings
        document = claim.file if claim.file is not None else text_evidence(claim.evidence, "gpx")
        return gpx.verify_gpx(
            document,
            rules=settings.config.rules.gpx,
            claim_rules=settings.config.rules.claims,
            now=clock.now(),
            endpoints=await repository.lot_endpoints(db),
            persons=claim.persons,
            fingerprint_key=ctx.fingerprint_key,
            zone=settings.config.territory.timezone,
        )

    async def on_accepted(
        self, db: asyncpg.Connection, ctx: ClaimContext, proof_id: int, claim: Claim, verdict: Verdict
    ) -> Admission:
        """A copy of an earlier ride's recording is refused; a ride that may be one
        (a companion's, or a copy too blurred to prove) waits for a person; a ride of
        its own on a shared road gets its pass. See `ride_recording`."""
        shape, recording = verdict.ride_shape, verdict.ride_recording
        if shape is None or not shape.cells:
            return ISSUE
        window = ctx.settings.config.rules.privacy.reuse_window_days
        await repository.lock_reuse_checks(db, "ride")
        same_road = [
            kept_id
            for kept_id, cells in await repository.rides_on_road(db, shape.reach(), window)
            if shape.overlaps(cells)
        ]
        kept = await repository.kept_recordings(db, same_road) if same_road else {}
        await repository.keep_ride(db, proof_id, shape, recording)
        # a ride kept before recordings were, on the same road, cannot be told apart: a person decides
        unknown = [(kept_id, None, None) for kept_id, other in kept.items() if other is None]
        found = (
            []
            if recording is None
            else ride_recording.alike(
                recording, [(kept_id, other) for kept_id, other in kept.items() if other is not None]
            )
        )
        if any(likeness.verdict == "copy" for _, likeness in found):
            return USED
        similar = [(kept_id, likeness.time_gap_seconds, likeness.wobble_correlation) for kept_id, likeness in found]
        similar += unknown
        return Admission("review", tuple(similar[:MAX_SIMILAR_SHOWN])) if similar else ISSUE
