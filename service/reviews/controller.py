"""Human review: the visitor follows the outcome; OT staff decide."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from service.accounts.guards import OfficeRoutes, Staff
from service.core.db import DB, from_row
from service.core.errors import Problem
from service.mail import outbox
from service.passes import repository as passes_repository
from service.passes import service as passes
from service.passes.views import IssuedPassView, issued_view
from service.reviews import repository, service
from service.territory.scope import OT_SCOPE

ReviewState = Literal["pending", "accepted", "rejected"]


class ReviewOutcome(msgspec.Struct):
    id: str
    status: ReviewState
    reason: str | None = None


class ReviewAnswer(msgspec.Struct):
    review: ReviewOutcome
    pass_: IssuedPassView | None = msgspec.field(name="pass", default=None)


class Lookalike(msgspec.Struct):
    """An earlier proof whose photo looks like this one (a crop, a filter), and what became of
    it; its photo while it is kept (a decision erases it)."""

    id: str
    status: ReviewState
    submitted_at: datetime
    decided_at: datetime | None
    reason: str | None
    bits_apart: int
    photo_url: str | None


class SimilarRide(msgspec.Struct):
    """An earlier bike ride this one may repeat (a companion's recording, or a copy too
    blurred to prove), and what became of it. `time_gap_seconds`: how far apart the two
    paces are once fitted (null for a ride kept before paces were); `wobble_correlation`:
    how alike the two receivers' errors are, from -1 to 1 (null when a track is too sparse)."""

    id: str
    status: ReviewState
    persons: int
    submitted_at: datetime
    decided_at: datetime | None
    reason: str | None
    time_gap_seconds: float | None
    wobble_correlation: float | None


class QueuedProof(msgspec.Struct):
    id: str
    status: ReviewState
    method: str
    mode: str
    persons: int
    arrival_date: date | None
    arrival_stop_id: str | None
    site_id: str | None
    ot: str | None
    submitted_at: datetime
    photo_url: str | None
    lookalikes: list[Lookalike] = msgspec.field(default_factory=list)
    similar_rides: list[SimilarRide] = msgspec.field(default_factory=list)
    # a held ride's figures: distance_km, moving_avg_kmh, duration_min, points
    ride: dict[str, float] | None = None


class Rejection(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=3, max_length=500)]


class Approval(msgspec.Struct, forbid_unknown_fields=True):
    """What the reviewer read on the photo: each field given replaces the visitor's. The
    date is needed when the visitor gave none; so is the arrival stop (train, coach) or
    the partner site (bike)."""

    date: date | None = None
    arrival_stop_id: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    site_id: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class Decision(msgspec.Struct):
    id: str
    status: ReviewState
    pass_code: str | None = None


def _ride_figures(row: Any) -> dict[str, float]:
    facts = row["facts"] or {}
    return {name: facts[name] for name in ("distance_km", "moving_avg_kmh", "duration_min", "points") if name in facts}


class ReviewOutcomeController(Controller):
    path = "/api/v1/claims/review"
    tags = ["claims"]

    @get("/{review_id:uuid}", summary="The outcome of a manual proof, and its pass once approved")
    async def outcome(self, db: DB, state: State, review_id: FromPath[UUID]) -> ReviewAnswer:
        row = await repository.by_public_id(db, review_id)
        if row is None:
            raise Problem(404, "request.not_found")
        answer = ReviewAnswer(ReviewOutcome(str(row["public_id"]), row["status"], row["review_reason"]))
        if row["pass_code"] is not None:
            pass_row = await passes_repository.by_code(db, row["pass_code"])
            claims = passes.claims_of(pass_row)
            token = passes.token_for(claims, state.settings, state.keyring)
            answer.pass_ = issued_view(claims, token, row["method"], state.qr_links, wallets=state.wallet_kinds)
        return answer


class ReviewQueueController(OfficeRoutes):
    path = "/api/v1/review/proofs"
    tags = ["reviews"]

    @get("", summary="The review queue of the caller's OT (the pilot's: all)", dependencies=OT_SCOPE)
    async def queue(
        self, db: DB, state: State, ot_scope: NamedDependency[str | None], status: FromQuery[ReviewState] = "pending"
    ) -> list[QueuedProof]:
        queue = await service.review_queue(db, state.settings, ot_scope, status)
        rows = queue.proofs
        similar = {proof_id: [_lookalike(m) for m in matches] for proof_id, matches in queue.lookalikes.items()}
        rides = {proof_id: [_similar_ride(m) for m in matches] for proof_id, matches in queue.similar_rides.items()}
        return [
            from_row(
                QueuedProof,
                row,
                id=str(row["public_id"]),
                site_id=(row["facts"] or {}).get("site_id"),
                ot=row["ot_id"],
                submitted_at=row["created_at"],
                photo_url=_photo_url(row),
                lookalikes=similar.get(row["id"], []),
                similar_rides=rides.get(row["id"], []),
                ride=_ride_figures(row) if row["method"] == "gpx" else None,
            )
            for row in rows
        ]

    @get("/{review_id:uuid}/photo", summary="The photo of a proof under review", media_type="image/jpeg")
    async def photo(self, request: Request[Staff, Any, Any], db: DB, review_id: FromPath[UUID]) -> Response[bytes]:
        staff = request.user
        row = await repository.by_public_id(db, review_id)
        if row is None or not service.may_review(staff, row["ot_id"]):
            raise Problem(404, "request.not_found")
        photo = await repository.photo(db, row["id"])
        if photo is None:
            raise Problem(404, "request.not_found")
        return Response(
            bytes(photo["content"]), media_type=photo["content_type"], headers={"Cache-Control": "no-store"}
        )

    @post(
        "/{review_id:uuid}/approve",
        status_code=200,
        summary="Approve: the visitor gets a verified pass",
        description="The optional body sets the travel date and the arrival stop (or, for a bike, the partner site) "
        "read on the photo; the pass's dates follow the reviewer's date.",
    )
    async def approve(
        self,
        request: Request[Staff, Any, Any],
        db: DB,
        state: State,
        review_id: FromPath[UUID],
        data: JSONBody[Approval | None] = None,
    ) -> Decision:
        placement = service.Placement(**msgspec.structs.asdict(data)) if data is not None else None
        code = await service.approve(db, state.settings, state.keyring, request.user, review_id, placement)
        outbox.wake(state)
        return Decision(str(review_id), "accepted", code)

    @post("/{review_id:uuid}/reject", status_code=200, summary="Reject, with a reason the visitor will read")
    async def reject(
        self,
        request: Request[Staff, Any, Any],
        db: DB,
        state: State,
        review_id: FromPath[UUID],
        data: JSONBody[Rejection],
    ) -> Decision:
        await service.reject(db, request.user, review_id, data.reason)
        outbox.wake(state)
        return Decision(str(review_id), "rejected")


def _photo_url(row: asyncpg.Record) -> str | None:
    return f"/api/v1/review/proofs/{row['public_id']}/photo" if row["has_photo"] else None


def _earlier(match: asyncpg.Record) -> dict[str, Any]:
    """What a lookalike and a similar ride say of the earlier proof: which, and what became of it."""
    return {
        "id": str(match["public_id"]),
        "status": match["status"],
        "submitted_at": match["created_at"],
        "decided_at": match["reviewed_at"],
        "reason": match["review_reason"],
    }


def _lookalike(match: asyncpg.Record) -> Lookalike:
    return Lookalike(**_earlier(match), bits_apart=match["bits_apart"], photo_url=_photo_url(match))


def _similar_ride(match: asyncpg.Record) -> SimilarRide:
    gap, wobble = match["time_gap_seconds"], match["wobble_correlation"]
    return SimilarRide(
        **_earlier(match),
        persons=match["persons"],
        time_gap_seconds=None if gap is None else round(gap, 1),
        wobble_correlation=None if wobble is None else round(wobble, 2),
    )
