"""The pass: its state for the holder, its QR, revocation, and the public keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from service.accounts.guards import Staff, authenticate, bearer_token, requires
from service.core import audit, db
from service.core.db import DB
from service.core.errors import Problem
from service.passes import codes, qr, repository
from service.passes.service import holder_claims
from service.redemptions import repository as redemptions_repository


class PassView(msgspec.Struct):
    code: str
    code_display: str
    persons: int
    mode: str
    method: str
    confidence: str
    valid_from: datetime
    valid_until: datetime
    status: str
    redemptions: list[dict[str, Any]]
    bookings: list[dict[str, Any]]


class Revocation(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=3, max_length=500)]


class Revoked(msgspec.Struct):
    code: str
    revoked_at: datetime
    reason: str


class RevokedItem(msgspec.Struct):
    jti: str
    revoked_at: datetime
    valid_until: datetime


class RevocationList(msgspec.Struct):
    revoked: list[RevokedItem]
    generated_at: datetime


# A revocation committed a moment after another process read the clock must
# still reach the next delta: `generated_at` looks back this far.
REVOCATION_OVERLAP = timedelta(seconds=30)


def pass_status(row: asyncpg.Record, now: datetime) -> str:
    if row["revoked_at"] is not None:
        return "revoked"
    if now >= row["valid_until"]:
        return "expired"
    if now < row["valid_from"]:
        return "not_yet_valid"
    return "valid"


def _presented_token(request: Request, token: str | None) -> str | None:
    return bearer_token(request) or token


class PassController(Controller):
    path = "/api/v1/passes"
    tags = ["passes"]

    @get("/{code:str}", summary="The pass, for its holder (bearer: the pass token)")
    async def show(self, request: Request, state: State, db: DB, code: FromPath[str]) -> PassView:
        claims = await holder_claims(code, bearer_token(request), state.settings, state.keyring, state.pool)
        row = await repository.by_code(db, claims.code)
        if row is None:
            raise Problem(404, "pass.not_found")
        redemptions = await repository.redemptions_of(db, row["id"])
        bookings = await repository.bookings_of(db, row["id"])
        return PassView(
            code=row["code"],
            code_display=codes.display(row["code"]),
            persons=row["persons"],
            mode=row["mode"],
            method=row["method"],
            confidence=row["confidence"],
            valid_from=row["valid_from"],
            valid_until=row["valid_until"],
            status=pass_status(row, datetime.now(UTC)),
            redemptions=[dict(r) for r in redemptions],
            bookings=[dict(b) for b in bookings],
        )

    @get("/{code:str}/qr.svg", summary="QR of the pass as SVG", media_type="image/svg+xml")
    async def qr_svg(
        self, request: Request, state: State, code: FromPath[str], token: FromQuery[str | None] = None
    ) -> Response[bytes]:
        presented = _presented_token(request, token)
        await holder_claims(code, presented, state.settings, state.keyring, state.pool)
        assert presented is not None
        return Response(
            qr.svg(presented), media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=3600"}
        )

    @get("/{code:str}/qr.png", summary="QR of the pass as PNG", media_type="image/png")
    async def qr_png(
        self, request: Request, state: State, code: FromPath[str], token: FromQuery[str | None] = None
    ) -> Response[bytes]:
        presented = _presented_token(request, token)
        await holder_claims(code, presented, state.settings, state.keyring, state.pool)
        assert presented is not None
        return Response(qr.png(presented), media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})

    @post("/{code:str}/revoke", guards=[requires("ot", "pilot", "admin")], status_code=200, summary="Revoke a pass")
    async def revoke(
        self, request: Request[Staff, Any, Any], db: DB, code: FromPath[str], data: JSONBody[Revocation]
    ) -> Revoked:
        staff = request.user
        canonical = codes.normalise(code)
        if canonical is None:
            raise Problem(404, "pass.not_found")
        async with db.transaction():
            current = await repository.by_code(db, canonical, for_update=True)
            if current is None:
                raise Problem(404, "pass.not_found")
            if staff.role == "ot" and current["ot_id"] != staff.ot_id:
                raise Problem(403, "auth.forbidden")
            row = await repository.revoke(db, canonical, data.reason, staff.id)
            assert row is not None
            await audit.record(
                db,
                "pass.revoked",
                "pass",
                canonical,
                actor=staff.username,
                actor_id=staff.id,
                details={"reason": data.reason},
            )
        return Revoked(row["code"], row["revoked_at"], row["revoked_reason"])


class RevocationController(Controller):
    path = "/api/v1/revocations"
    tags = ["passes"]

    @get(
        "",
        summary="Revoked passes still valid, for offline scanners",
        description="Public. A partner device that sends its token is recorded as knowing the list up to "
        "`generated_at`: its synced scans of passes revoked before that moment are refused.",
    )
    async def list(self, request: Request, db: DB, since: FromQuery[datetime | None] = None) -> RevocationList:
        if since is not None and since.tzinfo is None:
            raise Problem(400, "request.invalid", reason="since needs a time zone offset")
        scanner = await authenticate(request) if bearer_token(request) is not None else None
        generated_at = await db.fetchval("SELECT clock_timestamp()") - REVOCATION_OVERLAP
        rows = await repository.revoked_since(db, since)
        if scanner is not None and scanner.role == "partner":
            await redemptions_repository.record_revocations_known(db, scanner.id, scanner.device_id, generated_at)
        return RevocationList([RevokedItem(r["jti"], r["revoked_at"], r["valid_until"]) for r in rows], generated_at)


@get(
    "/.well-known/jwks.json",
    tags=["public"],
    summary="Public keys that sign the passes",
    media_type="application/jwk-set+json",
)
async def jwks(state: State) -> dict[str, Any]:
    async with db.acquire(state.pool) as conn:
        await state.keyring.refresh(conn, state.settings.keyring_refresh_seconds)
    return state.keyring.jwks()
