"""`gpx`: the track of the ride, read and never kept (service.proofs.gpx verifies it);
a copy of an earlier ride is refused, a ride that may be one waits for a person."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import asyncpg

from service.core import clock
from service.core.i18n import N_
from service.core.refusals import declare
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

# The refusals only this method gives.
CODES = declare(
    {
        "proof.gpx_invalid": (
            422,
            N_("GPX track unreadable"),
            N_("The file is not a readable GPX track: {reason}"),
        ),
        "proof.gpx_unsafe": (
            422,
            N_("GPX track refused"),
            N_("The GPX file holds XML declarations (DOCTYPE, entities) that are not accepted."),
        ),
        "proof.gpx_too_large": (
            422,
            N_("GPX file too large"),
            N_(
                "The GPX file is larger than {max_mib} MiB: export it without heart rate, cadence or power,"
                " or with a point every 5 seconds."
            ),
        ),
        "proof.track_too_many_points": (
            422,
            N_("Track has too many points"),
            N_(
                "The track has more than {max} points: export it with a point every 5 seconds,"
                " or send only the ride you arrived by."
            ),
        ),
        "proof.track_without_times": (
            422,
            N_("Track without times"),
            N_("Some points of the track have no time: send the track recorded during the ride, not a planned route."),
        ),
        "proof.track_too_few_points": (
            422,
            N_("Track has too few points"),
            N_("The track has {points} points; at least {min} are needed."),
        ),
        "proof.track_times_not_increasing": (
            422,
            N_("Track times out of order"),
            N_("The track's times are out of order (point #{point})."),
        ),
        "proof.track_in_future": (
            422,
            N_("Track ends in the future"),
            N_("The track ends in the future: check the device's clock."),
        ),
        "proof.track_not_near_lot": (
            422,
            N_("Track does not end in the Lot"),
            N_(
                "The track ends {km} km from {place}, the nearest station, coach stop or partner site"
                " of the Lot; it must end within {max_km} km of one."
            ),
        ),
        "proof.track_is_loop": (
            422,
            N_("A loop ride does not count"),
            N_(
                "The track ends within {max_km} km of where it started: the tourist offices count"
                " only rides that arrive from elsewhere."
            ),
        ),
        "proof.track_too_short": (
            422,
            N_("Track too short"),
            N_("The track is {km} km long; at least {min_km} km by bike are needed."),
        ),
        "proof.track_too_fast": (
            422,
            N_("Track too fast for a bike"),
            N_(
                "Part of the track runs at {kmh} km/h for more than {minutes} minutes (at most {max_kmh} km/h): that"
                " is not a bike."
            ),
        ),
        "proof.track_average_too_fast": (
            422,
            N_("Average speed too high"),
            N_("The moving average speed is {kmh} km/h; by bike it does not exceed {max_kmh} km/h."),
        ),
        "proof.track_too_slow": (
            422,
            N_("Average speed too low"),
            N_("The moving average speed is {kmh} km/h; by bike it is at least {min_kmh} km/h."),
        ),
    }
)


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
    codes: ClassVar[frozenset[str]] = CODES
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
